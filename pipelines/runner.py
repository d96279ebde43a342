"""Run the steps of a pipeline in order, skipping those already done (see manifest.py).

The run directory is w2v's: it holds only what the steps write (see `claimed`), and one run
at a time works in it."""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipelines import config as config_mod
from pipelines.manifest import MANIFEST, Manifest, fingerprint, peak_rss_mb, peak_rss_reset, size_of
from pipelines.steps import NAMES, STEPS
from w2v.checkpoint import checkpoint_path
from w2v.errors import ConfigError, UserError
from w2v.io.atomic import MARK, Owned, fsync_path, make_dir

LOCAL = "local"  # the executor name recorded for steps run in this process


@dataclass
class StepStatus:
    name: str
    state: str  # done | stale | missing | off
    seconds: float | None = None
    peak_rss_mb: float | None = None
    bytes: int | None = None
    stats: dict | None = None


def _input_hashes(step, cfg, run_dir: Path, manifest: Manifest) -> dict[str, str]:
    return {k: manifest.content_hash(p) for k, p in step.inputs(cfg, run_dir).items()}


def _is_done(step, cfg, run_dir: Path, manifest: Manifest, fp: str, where: str | None) -> bool:
    """Whether the step's record matches its fingerprint and outputs; with `where` (the
    executor about to run), also whether it ran there, for a step whose result depends on it."""
    record = manifest.steps.get(step.NAME)
    if not record or record.get("fingerprint") != fp:
        return False
    depends = getattr(step, "depends_on_executor", None)
    if where is not None and depends and depends(cfg) and record.get("executor", LOCAL) != where:
        return False
    for name, path in step.outputs(cfg, run_dir).items():
        if manifest.content_hash(path) != record["outputs"].get(name, {}).get("hash"):
            return False
    return True


def check_inputs(cfg, run_dir: Path) -> None:
    """ConfigError unless every file a step reads from outside the run directory (the
    corpus, the evaluation data) is there: a wrong name fails before the first step runs."""
    for step in STEPS:
        if not step.enabled(cfg):
            continue
        for name, path in step.inputs(cfg, run_dir).items():
            if path.is_relative_to(run_dir) or path.is_file():
                continue
            key = name.split(":")[0]
            section, key = ("corpus", "paths") if key == "corpus" else (step.NAME, key)
            what = "is a directory" if path.is_dir() else "does not exist"
            raise ConfigError(f"{cfg.path}: [{section}] {key}: {str(path)!r} {what}")


def run_dir_kind(cfg, run_dir: Path) -> Owned:
    """What a run directory may hold: the steps' outputs (every step's, enabled or not: an
    earlier config may have run it) and their checkpoints (w2v.checkpoint), the manifest and
    the MARK, which is also the lock."""
    outputs = [p for s in STEPS for p in s.outputs(cfg, run_dir).values() if p.parent == run_dir]
    names = {*(p.name for p in outputs), *(checkpoint_path(p).name for p in outputs)}
    return Owned("pipeline run", MARK, frozenset({*names, MANIFEST, MARK}))


@contextlib.contextmanager
def claimed(cfg, run_dir: Path) -> Iterator[Path]:
    """`run_dir`, made if need be, checked to be one w2v wrote (or empty), marked, and
    locked for the duration (flock on its MARK, released by the kernel when the process
    dies, even by SIGKILL). UserError if it holds anything w2v did not write, or another
    run holds the lock."""
    if run_dir.is_dir() and (why := run_dir_kind(cfg, run_dir).foreign(run_dir)):
        raise UserError(
            f"run directory {str(run_dir)!r} holds files w2v did not write ({why}); a run "
            "replaces what is there: give --run-dir a new or empty directory"
        )
    make_dir(run_dir)
    mark = run_dir / MARK
    fd = os.open(mark, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip()
            raise UserError(
                f"run directory {str(run_dir)!r} is in use by another `w2v pipeline run` "
                f"({holder or 'a process'} holds the lock {str(mark)!r}); wait for it to end"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"w2v pipeline run, pid {os.getpid()}\n".encode())
        os.fsync(fd)
        fsync_path(run_dir)
        yield run_dir
    finally:
        os.close(fd)  # releases the lock


def status(cfg, run_dir: Path) -> list[StepStatus]:
    """Per step: done, stale (ran, but its config or inputs changed since), missing, or off.
    A damaged manifest is a UserError: it says nothing about what is done."""
    manifest = Manifest(run_dir)
    if manifest.damage:
        raise UserError(damaged_message(manifest))
    result = []
    upstream_reruns = False  # a step that reruns rewrites its outputs, its successors' inputs
    for step in STEPS:
        if not step.enabled(cfg):
            result.append(StepStatus(step.NAME, "off"))
            continue
        record = manifest.steps.get(step.NAME)
        fp = fingerprint(step.NAME, step.settings(cfg), _input_hashes(step, cfg, run_dir, manifest))
        if not upstream_reruns and _is_done(step, cfg, run_dir, manifest, fp, where=None):
            state = "done"
        else:
            state = "stale" if record else "missing"
            upstream_reruns = True
        result.append(
            StepStatus(
                step.NAME,
                state,
                seconds=record.get("seconds") if record else None,
                peak_rss_mb=record.get("peak_rss_mb") if record else None,
                bytes=sum(o["bytes"] for o in record["outputs"].values()) if record else None,
                stats=record.get("stats") if record else None,
            )
        )
    return result


def damaged_message(manifest: Manifest) -> str:
    return (
        f"{str(manifest.path)!r} is damaged: {manifest.damage}; `w2v pipeline run CONFIG "
        f"--run-dir {manifest.run_dir}` reruns every step and rewrites it"
    )


def run(
    cfg: config_mod.PipelineConfig,
    run_dir: Path,
    from_step: str | None = None,
    force: bool = False,
    echo: Callable[[str], None] = print,
    executor=None,
) -> list[StepStatus]:
    """Run every enabled step that is not up to date (all of them with `force`, and every
    step from `from_step` on). Returns what each step did: 'ran' or 'skipped'."""
    if from_step is not None and from_step not in NAMES:
        raise ConfigError(f"unknown step {from_step!r} (steps: {', '.join(NAMES)})")
    check_inputs(cfg, run_dir)
    with claimed(cfg, run_dir):
        return _run(cfg, run_dir, from_step, force, echo, executor)


def _run(cfg, run_dir: Path, from_step, force: bool, echo, executor) -> list[StepStatus]:
    manifest = Manifest(run_dir)
    if manifest.damage:
        echo(f"{manifest.path} is damaged ({manifest.damage}): every step reruns")
    manifest.config_path = str(cfg.path.resolve())
    steps = [s for s in STEPS if s.enabled(cfg)]
    rerun_from = NAMES.index(from_step) if from_step else len(NAMES)
    where = getattr(executor, "identity", LOCAL)
    report = []
    for k, step in enumerate(steps, 1):
        settings = step.settings(cfg)
        ins = step.inputs(cfg, run_dir)
        hashes = {name: manifest.content_hash(p) for name, p in ins.items()}
        fp = fingerprint(step.NAME, settings, hashes)
        forced = force or NAMES.index(step.NAME) >= rerun_from
        if not forced and _is_done(step, cfg, run_dir, manifest, fp, where):
            echo(f"[{k}/{len(steps)}] {step.NAME}: up to date")
            report.append(StepStatus(step.NAME, "skipped"))
            continue
        echo(f"[{k}/{len(steps)}] {step.NAME} ...")
        outs = step.outputs(cfg, run_dir)
        peak_rss_reset()
        t0 = time.perf_counter()
        if executor is not None and hasattr(executor, step.NAME):
            stats = getattr(executor, step.NAME)(ins, outs, settings)
        else:
            stats = step.run(ins, outs, settings)
        seconds = time.perf_counter() - t0
        peak = peak_rss_mb()
        manifest.steps[step.NAME] = {
            "fingerprint": fp,
            "executor": where,
            "config": settings,
            "inputs": hashes,
            "outputs": {
                name: {
                    "path": str(p.relative_to(run_dir)) if p.is_relative_to(run_dir) else str(p),
                    "hash": manifest.content_hash(p),
                    "bytes": size_of(p),
                }
                for name, p in outs.items()
            },
            "finished": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "seconds": round(seconds, 3),
            "peak_rss_mb": round(peak, 1),
            "stats": stats,
        }
        manifest.save()  # after every step: a run killed later resumes from here
        facts = ", ".join(
            f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
            for k, v in (stats or {}).items()
            if not isinstance(v, dict)
        )
        echo(
            f"[{k}/{len(steps)}] {step.NAME}: done in {seconds:.1f} s, peak {peak:.0f} MB"
            + (f" ({facts})" if facts else "")
        )
        report.append(StepStatus(step.NAME, "ran", seconds, peak, stats=stats))
    if all(r.state == "skipped" for r in report):
        echo("nothing to do: every step is up to date")
    return report
