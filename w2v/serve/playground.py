"""Playground runs for the explorer page: the lecture's 2-D classification demo, trained on
the server while the page watches.

    runs = PlaygroundRuns()
    run = await runs.start({"data": "xor", "hidden": [8, 8], ...})   # 429 when too many run
    runs.state(run["id"], since=0)      # scores since epoch `since`, the latest surface
    await runs.cancel(run["id"])

Each run is a `python -m w2v.serve.playground_worker` process (playground_worker.py says
what it writes), so the MLP's many small numpy steps never take the server's GIL from the
queries. A reader task keeps what the process writes: every epoch's scores, the data set
and the latest decision surface only. At most `max_running` runs train at once, a run is
stopped after `max_seconds`, and the `keep` most recent runs are remembered (in memory: a
restarted server has none).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import w2v
from w2v.errors import UserError

log = logging.getLogger("w2v.serve")

MAX_RUNNING = 2
KEEP = 16
MAX_SECONDS = 300.0
LINE_LIMIT = 1 << 20  # bytes in one line the worker writes (the data set's is the longest)


class UnknownRun(UserError):
    """No playground run of that id (never started, or forgotten)."""


@dataclass
class Run:
    id: int
    params: dict
    state: str = "running"  # running, done, failed, cancelled
    error: str | None = None
    points: dict | None = None
    history: list[dict] = field(default_factory=list)
    surface: dict | None = None
    proc: asyncio.subprocess.Process | None = None
    task: asyncio.Task | None = None

    def public(self, since: int = 0) -> dict:
        """The run as GET /v1/playground/{id} answers: scores of the epochs after `since`,
        the data set only when since is 0, and the latest surface."""
        return {
            "id": self.id,
            "state": self.state,
            "error": self.error,
            "params": self.params,
            "epochs": self.params["epochs"],
            "epoch": self.history[-1]["epoch"] if self.history else 0,
            "history": self.history[since:],
            "points": self.points if since == 0 else None,
            "surface": self.surface,
        }


class PlaygroundRuns:
    def __init__(
        self, max_running: int = MAX_RUNNING, keep: int = KEEP, max_seconds: float = MAX_SECONDS
    ):
        self.max_running, self.keep, self.max_seconds = max_running, keep, max_seconds
        self._runs: dict[int, Run] = {}
        self._ids = itertools.count(1)

    async def start(self, params: dict) -> dict:
        """Start a run of `params` (validated by schemas.PlaygroundRequest); QueueFull when
        `max_running` runs are training."""
        from w2v.serve.limits import QueueFull

        running = sum(r.state == "running" for r in self._runs.values())
        if running >= self.max_running:
            raise QueueFull(
                f"{running} playground runs are training, as many as this server runs at "
                "once; stop one or try again later"
            )
        run = Run(next(self._ids), params)
        package_root = str(Path(w2v.__file__).resolve().parents[1])
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
            OMP_NUM_THREADS="1",
            OPENBLAS_NUM_THREADS="1",
            MKL_NUM_THREADS="1",
        )
        run.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "w2v.serve.playground_worker",
            json.dumps(params),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            limit=LINE_LIMIT,
        )
        run.task = asyncio.ensure_future(self._follow(run))
        self._runs[run.id] = run
        self._forget_old()
        return run.public()

    def state(self, run_id: int, since: int = 0) -> dict:
        return self._get(run_id).public(since)

    async def cancel(self, run_id: int) -> dict:
        """Stop a run that is training (nothing if it has ended) and return its state."""
        run = self._get(run_id)
        if run.state == "running":
            run.state = "cancelled"
            await _stop(run)
        return run.public()

    async def close(self) -> None:
        for run in self._runs.values():
            if run.state == "running":
                run.state = "cancelled"
            await _stop(run)

    def _get(self, run_id: int) -> Run:
        run = self._runs.get(run_id)
        if run is None:
            raise UnknownRun(f"no playground run {run_id}")
        return run

    def _forget_old(self) -> None:
        ended = [i for i, r in self._runs.items() if r.state != "running"]
        for i in ended[: max(0, len(self._runs) - self.keep)]:
            del self._runs[i]

    async def _follow(self, run: Run) -> None:
        """Keep what the worker writes until it exits; then settle the run's state."""
        try:
            async with asyncio.timeout(self.max_seconds):
                async for line in run.proc.stdout:
                    _take(run, json.loads(line))
                await run.proc.wait()
        except TimeoutError:
            run.error = f"stopped after {self.max_seconds:g} s, the playground's time limit"
            run.state = "failed"
            await _stop(run)
            return
        except (ValueError, asyncio.LimitOverrunError) as e:  # not one of its JSON lines
            run.error, run.state = f"the playground worker wrote garbage: {e}", "failed"
            await _stop(run)
            return
        if run.state != "running":  # cancelled meanwhile
            return
        if run.proc.returncode == 0:
            run.state = "done"
        else:
            run.state = "failed"
            if run.error is None:
                err = (await run.proc.stderr.read()).decode(errors="replace").strip()
                last = err.splitlines()[-1] if err else ""
                run.error = f"the playground worker exited with status {run.proc.returncode}"
                run.error += f": {last}" if last else ""
                log.warning("playground run %d: %s", run.id, err or run.error)


def _take(run: Run, message: dict) -> None:
    if "scores" in message:
        run.history.append(message["scores"])
    elif "surface" in message:
        run.surface = message["surface"]
    elif "points" in message:
        run.points = message["points"]
    elif "error" in message:
        run.error = message["error"]


async def _stop(run: Run) -> None:
    """Kill the run's worker and wait for it and its reader."""
    if run.proc is not None and run.proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            run.proc.kill()
        await run.proc.wait()
    if run.task is not None and run.task is not asyncio.current_task():
        with contextlib.suppress(asyncio.CancelledError):
            await run.task
