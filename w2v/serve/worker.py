"""The training worker: one job in its own process, so training never runs on the request path.

    python -m w2v.serve.worker --db JOBS.sqlite3 --job ID --out SCRATCH [--data-root DIR]
                               [--memory-mb MB]

It reads the job from the database, trains (sgns or cbow with `w2v.train`, svd with
`w2v.lsa`), writes progress about every second, and saves the model to SCRATCH/model.
sgns and cbow checkpoint into SCRATCH/.model.checkpoint (--checkpoint-every) and resume
from a checkpoint found there: the one a worker killed with its server left.
The server moves that directory into place when the worker exits with status 0; on any
other exit, or when the job is cancelled, the server deletes SCRATCH, so a half-written
model is never visible. A user error (bad corpus, bad option) is recorded in the job's
`error` and the exit status is 3. The worker lowers its own priority so queries keep
being answered, limits its address space when told to (--memory-mb), and exits when the
server that started it disappears.
"""

from __future__ import annotations

import argparse
import math
import os
import sqlite3
import sys
import threading
import time
import traceback
from pathlib import Path, PurePosixPath

from w2v.errors import UserError
from w2v.serve.limits import limit_memory, memory_hint, out_of_memory
from w2v.serve.paths import open_corpus
from w2v.serve.store import JobStore

MODEL = "model"  # SCRATCH/model is what the worker leaves for the server
PROGRESS_EVERY = 0.5  # seconds between progress writes at most


def corpus_link(
    corpus: str | None, data_root: str | None, scratch: Path
) -> tuple[Path, Path, Path]:
    """(directory, path relative to it, real path) of a job's corpus. The worker works in
    that directory and hands the library the relative path, so the errors a client reads
    name its corpus as it gave it, not the server's paths.

    A corpus under the data root is opened here, once (paths.open_corpus), and the path
    handed on is a symlink in `scratch` to that open file, /proc/self/fd/N: both passes of
    the trainer (counting, then encoding) read the file opened here, whatever is renamed
    under the root meanwhile. The descriptor stays open for the life of the worker. With
    no corpus, the embedded default corpus."""
    if corpus is None:
        from w2v import default_corpus

        path = Path(default_corpus())
        return path.parent, Path(path.name), path
    if data_root is None:
        raise UserError("this server has no --data-root, so it cannot read corpus files")
    fd, real = open_corpus(data_root, corpus)
    directory = scratch / "corpus"
    name = Path(*PurePosixPath(corpus).parts)  # as given, without './' or '//'
    (directory / name).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(f"/proc/self/fd/{fd}", directory / name)
    return directory, name, real


def train(
    job: dict, source: Path, out: Path, report, origin: Path, checkpoint_every: str | None = None
) -> None:
    """Run the job's trainer on `source` (relative to the working directory) and save the
    model to `out`, its meta["source"] the corpus's real path `origin`: the trainers record
    the path they were given, which here names a link in the scratch directory. A sgns or
    cbow job resumes from the checkpoint beside `out` if there is one, and writes one every
    `checkpoint_every` (None: never); saving the model removes it."""
    config = dict(job["config"])
    if job["trainer"] == "svd":
        from w2v.ppmi_svd import lsa

        model = vectors = lsa(str(source), **config)
    else:
        from w2v.checkpoint import checkpoint_path
        from w2v.training import train as train_sgns

        model = train_sgns(
            str(source), progress=report, arch=job["trainer"], checkpoint=checkpoint_path(out),
            checkpoint_every=checkpoint_every, resume=True, **config,
        )  # fmt: skip
        vectors = model.vectors
    vectors.meta["source"] = str(origin)
    model.save(out)


def watch_parent(parent: int, every: float = 0.5) -> None:
    """Exit at once (no cleanup: the server owns the scratch directory) when the server
    process that started this worker is gone."""

    def watch():
        while True:
            time.sleep(every)
            if os.getppid() != parent:
                os._exit(70)

    threading.Thread(target=watch, name="w2v-parent-watch", daemon=True).start()


def run(
    db: Path,
    job_id: int,
    out: Path,
    data_root: str | None,
    memory_mb: int | None = None,
    checkpoint_every: str | None = None,
) -> int:
    """Train job `job_id` of database `db` into `out`; the exit status (0: the model is in
    `out`; 3: the client's error, recorded; 1: another, recorded). `memory_mb`: the limit
    this process runs under, named when it is the likely reason for a failure."""
    store = JobStore(db)
    job = store.get(job_id)
    if job is None or job["state"] != "running":
        return 4
    last = 0.0

    def report(p) -> None:
        nonlocal last
        t = time.monotonic()
        if t - last < PROGRESS_EVERY and p.fraction < 1:
            return
        last = t
        try:
            store.progress(
                job_id,
                float(p.fraction),
                epoch=p.epoch,
                epochs=p.epochs,
                words_done=p.words_done,
                words_total=p.words_total,
                words_per_sec=_float(p.words_per_sec),
                loss=_float(p.loss),
                eta_seconds=_float(p.eta_seconds),
            )
        except sqlite3.Error as e:  # a busy database must not stop the training
            print(f"w2v worker: progress not recorded: {e}", file=sys.stderr)

    try:
        scratch = out.resolve()  # before leaving the working directory
        directory, source, origin = corpus_link(job["corpus"], data_root, scratch)
        os.chdir(directory)
        train(job, source, scratch / MODEL, report, origin, checkpoint_every)
    except UserError as e:
        store.note_error(job_id, str(e))
        return 3
    except MemoryError as e:
        traceback.print_exc()
        why = out_of_memory(memory_mb) if memory_mb else f"internal error: MemoryError: {e}"
        store.note_error(job_id, why)
        return 1
    except Exception as e:
        traceback.print_exc()
        why = f"internal error: {type(e).__name__}: {e}"
        store.note_error(job_id, why + (memory_hint(memory_mb) if memory_mb else ""))
        return 1
    finally:
        store.close()
    return 0


def _float(x) -> float | None:
    """A finite float or None (SQLite and JSON have no NaN)."""
    return None if x is None or not math.isfinite(x) else float(x)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m w2v.serve.worker")
    ap.add_argument("--db", required=True, type=Path)
    ap.add_argument("--job", required=True, type=int)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--data-root")
    ap.add_argument("--nice", type=int, default=10)
    ap.add_argument("--parent", type=int, default=os.getppid(), help="exit when it is gone")
    ap.add_argument("--memory-mb", type=int, help="limit the address space (RLIMIT_AS)")
    ap.add_argument("--checkpoint-every", help="checkpoint interval (w2v.checkpoint)")
    args = ap.parse_args(argv)
    watch_parent(args.parent)
    if args.nice:
        os.nice(args.nice)
    if args.memory_mb:
        limit_memory(args.memory_mb)
    return run(args.db, args.job, args.out, args.data_root, args.memory_mb, args.checkpoint_every)


if __name__ == "__main__":
    sys.exit(main())
