"""The job queue: training jobs run one at a time (by default) in worker processes.

A dispatcher thread starts the oldest queued job in `python -m w2v.serve.worker`, a
process of its own with a lower priority, and reaps it when it exits: on success the
worker's model directory is renamed into `<models-dir>/<name>` (one atomic rename) and
handed to the model registry; otherwise the job fails with the worker's error. Each job
writes only under `<models-dir>/.jobs/<id>/` (its TMPDIR too, so the trainer's encoded
corpus lands there), which is deleted whatever the outcome, so a cancelled, failed or
interrupted job leaves nothing half-written.

The queue, the jobs' options, their running time and their workers' memory are bounded
(limits.py). A sgns or cbow worker checkpoints its training into its scratch directory
(w2v.checkpoint, every `checkpoint_every`). On start-up, the workers of jobs a dead server
left 'running' are killed (if still alive); a job whose scratch holds a checkpoint is queued
again and resumes from it, the others are marked failed with a reason; every other scratch
directory is removed. A server that shuts down leaves its running job the same way, so a
restart costs the job what it trained since its last checkpoint, as a crash does. A lock
file keeps a second server off the same models directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import w2v
from w2v.checkpoint import DEFAULT_EVERY, checkpoint_path, has_checkpoint
from w2v.errors import UserError
from w2v.io.atomic import fsync_path
from w2v.serve.limits import JobLimits, QueueFull, memory_hint, timed_out
from w2v.serve.paths import PathRefused, check_name, resolve_corpus
from w2v.serve.store import JobStore, NameTaken, TooManyQueued
from w2v.serve.worker import MODEL

log = logging.getLogger("w2v.serve")

DB_NAME = "jobs.sqlite3"
SCRATCH = ".jobs"
LOCK = ".lock"
INTERRUPTED = "the server stopped while this job was running; its partial output was removed"
SHUT_DOWN = "the server was shut down during this job"


class JobConflict(UserError):
    """The request conflicts with the state of the server (a name in use, a finished job)."""


@dataclass
class Worker:
    """A running job's worker process, its scratch directory, and when (time.monotonic)
    it is stopped if it is still running; `timed_out` once it has been."""

    proc: subprocess.Popen
    scratch: Path
    deadline: float
    timed_out: bool = False


@dataclass
class Outcome:
    """How a job ended, to be recorded: `state` done or failed (with `error`); `model` the
    (name, path) of the model a done job left in the models directory. `told`: a failure to
    record it has been logged (once per job, not once per retry)."""

    state: str
    error: str | None = None
    model: tuple[str, Path] | None = None
    told: bool = False


class JobRunner:
    """Queue and run training jobs within `limits`. `on_model(name, path)` is called for
    each finished model."""

    def __init__(
        self,
        models_dir: str | os.PathLike,
        data_root: str | os.PathLike | None,
        on_model: Callable[[str, Path], None],
        taken_names: Callable[[], set[str]] = set,
        max_running: int = 1,
        nice: int = 10,
        workers: int | None = None,
        poll: float = 0.2,
        limits: JobLimits | None = None,
        checkpoint_every: str | None = DEFAULT_EVERY,
    ):
        self.models_dir = Path(models_dir)
        self.checkpoint_every = checkpoint_every  # None: jobs write no checkpoints
        self.data_root = None if data_root is None else Path(data_root).resolve()
        self.on_model = on_model
        self.taken_names = taken_names
        self.max_running = max_running
        self.nice = nice
        self.workers = workers or max(1, (os.cpu_count() or 2) - 1)
        self.poll = poll
        self.limits = limits or JobLimits()
        self.scratch_root = self.models_dir / SCRATCH
        self.store: JobStore | None = None
        self._running: dict[int, Worker] = {}
        self._unrecorded: dict[int, Outcome] = {}  # outcomes the database has not taken yet
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lockfile = None

    # ---- life cycle ----------------------------------------------------------------------

    def open(self) -> JobRunner:
        """Take the models directory (lock file), open the database and recover from a
        previous server's death. Call before `start`."""
        try:
            self.models_dir.mkdir(parents=True, exist_ok=True)
            self._lockfile = open(self.models_dir / LOCK, "a+")
        except OSError as e:
            msg = f"cannot use {str(self.models_dir)!r} as the models directory: {e}"
            raise UserError(msg) from None
        try:
            fcntl.flock(self._lockfile, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lockfile.close()
            raise UserError(
                f"another w2v serve is using the models directory {str(self.models_dir)!r}"
            ) from None
        self.store = JobStore(self.models_dir / DB_NAME)
        self.recover()
        return self

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="w2v-jobs", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop dispatching; a running job's worker is killed. A job that has written a
        checkpoint is left as a dead server leaves it, and the next start queues it again
        to resume (recover); the others fail. Queued jobs stay queued."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            for job_id, worker in list(self._running.items()):
                _kill(worker.proc)
                if has_checkpoint(checkpoint_path(worker.scratch / MODEL)):
                    log.info("job %d will resume from its checkpoint at the next start", job_id)
                    continue
                shutil.rmtree(worker.scratch, ignore_errors=True)
                self._unrecorded[job_id] = Outcome("failed", SHUT_DOWN)
            self._running.clear()
            self._record()  # what the database still refuses, the next start's recovery settles
        if self.store is not None:
            self.store.close()
        if self._lockfile is not None:
            self._lockfile.close()

    def recover(self) -> list[int]:
        """Settle the jobs a dead server left running: queue again those whose scratch holds
        a checkpoint (all else in their scratch is removed), fail the others, and remove
        every other scratch directory; returns the ids of the jobs it failed."""
        failed, resumed = [], set()
        for job in self.store.list(state="running", limit=1 << 30):
            _kill_stale_worker(job["pid"], job["id"], self.store.path.resolve())
            scratch = self.scratch_root / str(job["id"])
            target = self.models_dir / job["name"]
            checkpoint = checkpoint_path(scratch / MODEL)
            if (target / "meta.json").is_file() and not (scratch / MODEL).exists():
                self.store.finish(job["id"], "done")  # it died between the rename and the record
            elif has_checkpoint(checkpoint) and self.store.requeue(job["id"]):
                resumed.add(scratch.name)
                for p in scratch.iterdir():
                    if p != checkpoint:
                        _remove(p)
                log.info("job %d will resume from its checkpoint", job["id"])
            else:
                self.store.finish(job["id"], "failed", INTERRUPTED)
                failed.append(job["id"])
        if self.scratch_root.exists():
            for p in self.scratch_root.iterdir():
                if p.name not in resumed:
                    _remove(p)
            if not resumed:
                self.scratch_root.rmdir()
        return failed

    # ---- requests ------------------------------------------------------------------------

    def submit(self, trainer: str, corpus: str | None, config: dict, name: str | None) -> dict:
        """Queue a job; PathRefused/CorpusError for a bad corpus, OverLimit for options over
        the limits, JobConflict for a name in use, QueueFull when the queue is. The corpus
        is checked now and again by the worker."""
        self.limits.check(config)
        if corpus is not None:
            if self.data_root is None:
                raise PathRefused("this server has no --data-root, so it accepts no corpus paths")
            resolve_corpus(self.data_root, corpus)
        config = dict(config)
        if trainer != "svd":
            config.setdefault("workers", self.workers)
        taken = self.taken_names() | {p.name for p in self.models_dir.iterdir()}
        if name is None:
            name = f"{trainer}-{secrets.token_hex(4)}"
        check_name(name)
        try:
            job = self.store.add(
                name, trainer, corpus, config, taken=taken, max_queued=self.limits.max_queued
            )
        except NameTaken:
            raise JobConflict(f"the model name {name!r} is already in use") from None
        except TooManyQueued:
            raise QueueFull(
                f"{self.limits.max_queued} jobs are already waiting, as many as this server "
                "keeps (w2v serve --max-queued); try again later"
            ) from None
        self._wake.set()
        return job

    def cancel(self, job_id: int) -> str | None:
        """Cancel a queued or running job (its worker is killed, its scratch removed);
        returns the state it was in, or None when it was not active."""
        with self._lock:
            before = self.store.cancel(job_id)
            if before == "running" and job_id in self._running:
                worker = self._running.pop(job_id)
                _kill(worker.proc)
                shutil.rmtree(worker.scratch, ignore_errors=True)
                log.info("job %d cancelled while running, worker pid %d killed", job_id,
                         worker.proc.pid)  # fmt: skip
            elif before is not None:
                log.info("job %d cancelled while %s", job_id, before)
        self._wake.set()
        return before

    def running(self) -> list[int]:
        with self._lock:
            return list(self._running)

    # ---- the dispatcher ------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                for name, path in self._reap():
                    self.on_model(name, path)
                self._launch()
            except Exception:
                log.exception("job dispatcher")
            self._wake.wait(self.poll)
            self._wake.clear()

    def _launch(self) -> None:
        with self._lock:
            while len(self._running) < self.max_running and not self._stop.is_set():
                job = self.store.next_queued()
                if job is None or not self.store.start(job["id"]):
                    return
                scratch = self.scratch_root / str(job["id"])
                try:
                    proc = self._spawn(job, scratch)
                except OSError as e:
                    shutil.rmtree(scratch, ignore_errors=True)
                    error = f"cannot start the worker: {e}"
                    self._unrecorded[job["id"]] = Outcome("failed", error)
                    self._record()
                    continue
                deadline = time.monotonic() + self.limits.max_seconds
                self._running[job["id"]] = Worker(proc, scratch, deadline)  # before any failure
                log.info("job %d (%s) started, worker pid %d", job["id"], job["name"], proc.pid)
                self.store.set_pid(job["id"], proc.pid)

    def _spawn(self, job: dict, scratch: Path) -> subprocess.Popen:
        (scratch / "tmp").mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable, "-m", "w2v.serve.worker",
            "--db", str(self.store.path.resolve()), "--job", str(job["id"]),
            "--out", str(scratch.resolve()), "--nice", str(self.nice),
            "--parent", str(os.getpid()),
        ]  # fmt: skip
        if self.data_root is not None:
            cmd += ["--data-root", str(self.data_root)]
        if self.limits.memory_mb is not None:
            cmd += ["--memory-mb", str(self.limits.memory_mb)]
        if self.checkpoint_every is not None:
            cmd += ["--checkpoint-every", self.checkpoint_every]
        threads = str(job["config"].get("workers", self.workers))
        package_root = str(Path(w2v.__file__).resolve().parents[1])
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
            NUMBA_NUM_THREADS=threads,
            OMP_NUM_THREADS=threads,
            OPENBLAS_NUM_THREADS=threads,
            MKL_NUM_THREADS=threads,
            TMPDIR=str((scratch / "tmp").resolve()),  # the trainer's temporary files too
        )
        with open(scratch / "worker.log", "wb") as out:
            return subprocess.Popen(
                cmd,
                cwd=scratch,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                # Its own process group, so a cancel kills the whole group and a terminal's
                # Ctrl-C (sent to the server's group) does not reach it; but the server's
                # session: a new session would be a new scheduler autogroup
                # (kernel.sched_autogroup_enabled), weighed against the server's group as
                # an equal, and the worker's nice value would not yield to queries.
                process_group=0,
            )

    def _reap(self) -> list[tuple[str, Path]]:
        """Stop the jobs past the time limit, settle those whose worker exited and record
        how they ended; returns the (name, path) of the models of jobs now recorded done.
        The database may refuse a record (locked, disk full): the outcome is kept and
        recorded on a later round, so a job whose worker exited never stays 'running'."""
        with self._lock:
            for job_id, worker in list(self._running.items()):
                if worker.proc.poll() is None:
                    if time.monotonic() < worker.deadline:
                        continue
                    _kill(worker.proc)
                    worker.timed_out = True
                try:
                    job = self.store.get(job_id)
                except sqlite3.Error as e:  # the worker stays listed: reaped on a later round
                    log.warning("job %d: cannot read its record (%s); trying again", job_id, e)
                    continue
                del self._running[job_id]
                if job["state"] == "running":
                    try:
                        self._unrecorded[job_id] = self._settle(job, worker)
                    except Exception as e:  # e.g. the rename into the models directory
                        log.exception("job %d: cannot keep the model", job_id)
                        self._unrecorded[job_id] = Outcome("failed", f"cannot keep the model: {e}")
                shutil.rmtree(worker.scratch, ignore_errors=True)
            return self._record()

    def _settle(self, job: dict, worker: Worker) -> Outcome:
        """How the job of a worker that exited ended; a model it built is renamed into the
        models directory here."""
        if worker.timed_out:
            return Outcome("failed", timed_out(self.limits.max_seconds))
        rc, built = worker.proc.returncode, worker.scratch / MODEL
        target = self.models_dir / job["name"]
        if rc == 0 and (built / "meta.json").is_file():
            if target.exists():
                return Outcome("failed", f"{str(target)!r} appeared meanwhile")
            os.rename(built, target)
            fsync_path(self.models_dir)  # the rename itself survives a power loss
            return Outcome("done", model=(job["name"], target))
        error = job["error"]
        if not error:
            how = f"was killed by signal {-rc}" if rc < 0 else f"exited with status {rc}"
            error = f"the worker {how}" + _last_line(worker.scratch / "worker.log")
            if self.limits.memory_mb is not None:  # an abort in C when an allocation fails
                error += memory_hint(self.limits.memory_mb)
        return Outcome("failed", error)

    def _record(self) -> list[tuple[str, Path]]:
        """Write the outcomes not recorded yet; returns the (name, path) of the new models
        among those recorded."""
        models = []
        for job_id, outcome in list(self._unrecorded.items()):
            try:
                self.store.finish(job_id, outcome.state, outcome.error)
            except sqlite3.Error as e:
                if not outcome.told:
                    outcome.told = True
                    log.warning("job %d: cannot record it %s yet (%s)", job_id, outcome.state, e)
                continue
            del self._unrecorded[job_id]
            if outcome.model is not None:
                models.append(outcome.model)
                log.info("job %d done: model %r", job_id, outcome.model[0])
            else:
                log.info("job %d failed: %s", job_id, outcome.error)
        return models


def _kill(proc: subprocess.Popen) -> None:
    """Kill a worker and its whole process group, and wait for it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _kill_stale_worker(pid: int | None, job_id: int, db: Path) -> None:
    """Kill the worker of a dead server if that process still runs this very job."""
    if not pid:
        return
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except OSError:
        return
    opts = dict(zip(args, args[1:], strict=False))
    if (
        "w2v.serve.worker" in args
        and opts.get("--job") == str(job_id)
        and opts.get("--db") == str(db)
    ):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            p.unlink()


def _last_line(path: Path) -> str:
    try:
        lines = path.read_bytes()[-2000:].decode("utf-8", "replace").strip().splitlines()
    except OSError:
        return ""
    return f": {lines[-1][:300]}" if lines else ""
