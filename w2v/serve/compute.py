"""Where queries are computed: in query worker processes (the default of `w2v serve`), or
in threads of the server process.

A query is the library's own call (`Vectors.most_similar`, `.analogy`, `[word]`), so the
answers are the library's; the explorer page's completions and maps (explore.py) are
computed the same way. What differs is where it runs. In threads, the matrix-vector
product releases the GIL but everything around it (the query vector, the ranking, the
JSON, and all of the HTTP handling of the other requests) takes turns on one GIL. Query
processes (`python -m w2v.serve.query_process`, one per core, all scanning the same memory map
of each model) take the queries off the server's GIL: the server parses, routes and writes, and
the processes compute, all in parallel.

The server speaks to each process over a private socket pair: a frame is a 4-byte
big-endian length and a payload: a JSON object {"path", "id", "name", "op", "args"} one
way; "B" and the response body (JSON, ready to send), or "E" and a JSON object
{"unknown_word", "suggestions"} | {"changed"} | {"unreadable", "final"} | {"user_error"} |
{"value_error"} | {"error"}, the other. "id" is the identity of the model's files as the
server last saw them (models.identity): a process keeps one model per path and opens it
anew when the identity changes, so no process answers from files that were replaced
("changed": the files are not those the server saw, so it looks again and asks again;
"final": the files themselves are broken, e.g. non-finite vectors); every
SWEEP_SECONDS, busy or idle, it also lets go of the models whose files changed or were
deleted, so their maps do not hold the disk space of files nobody asks for. A process answers
its queries one at a time, in order; the server hands a query to an idle process, or
queues it behind at most one other (ProcessQueries.DEPTH), or keeps it until a process
has room. A query stays in flight until its answer has been read, even when the request
that asked has gone away, so a process's answers stay in step with its questions.
A process that dies is replaced (the queries it had in flight get a 503).
"""

from __future__ import annotations

import asyncio
import collections
import importlib
import json
import logging
import math
import os
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import w2v
from w2v.errors import UnknownWordError, UserError
from w2v.serve import explore
from w2v.serve.models import ModelUnreadable, UnknownModelError

log = logging.getLogger("w2v.serve")
HEADER = struct.Struct(">I")
QUERY_PROCESS = "w2v.serve.query_process"  # the module each query process runs


def one_blas_thread() -> None:
    """Limit BLAS to one thread in this process: concurrent queries already fill the cores,
    and a multi-threaded matrix-vector product per query only adds spinning and hand-offs
    (4-10x more CPU per query). numpy is imported first: threadpoolctl can only limit a
    BLAS library that is already loaded."""
    importlib.import_module("numpy")  # loads its BLAS
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


class FilesChanged(Exception):
    """A query process found a model's files other than those the server saw (replaced or
    deleted since): the server looks again and asks again; nothing is broken."""


class QueryWorkerDied(RuntimeError):
    """A query process exited while answering; the request may be retried."""


def json_bytes(obj) -> bytes:
    """JSON as every body of the service is written: as Starlette's JSONResponse writes it
    (UTF-8, compact, no NaN)."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


# the explorer page's queries (explore.py): op -> function(vec, **args) -> JSON object
EXPLORE = {
    "words": lambda vec, prefix, n: {"words": explore.complete(vec, prefix, n)},
    "map": explore.word_map,
    "map_analogy": explore.analogy_map,
}


def answer(vec, name: str, op: str, args: dict) -> bytes:
    """The response body of query `op` on `vec` (raises what the library raises)."""
    if op == "similar":
        pairs = vec.most_similar(args["positive"], args["negative"], topn=args["n"])
    elif op == "analogy":
        pairs = vec.analogy(args["a"], args["b"], args["c"], topn=args["n"], method=args["method"])
    elif op == "vector":
        row = vec[args["word"]]
        return json_bytes({"model": name, "word": args["word"], "vector": [float(x) for x in row]})
    elif op in EXPLORE:
        return json_bytes({"model": name, **EXPLORE[op](vec, **args)})
    else:
        raise ValueError(f"unknown query {op!r}")
    results = [{"word": w, "score": s if math.isfinite(s) else None} for w, s in pairs]
    return json_bytes({"model": name, "results": results})


class ThreadQueries:
    """Queries in a thread pool of the server process."""

    def __init__(self, registry, threads: int):
        from concurrent.futures import ThreadPoolExecutor

        self.registry = registry
        self.pool = ThreadPoolExecutor(threads, "w2v-query")

    async def start(self) -> None:
        pass

    async def run(self, name: str, op: str, args: dict) -> bytes:
        def work():
            return answer(self.registry.get(name), name, op, args)

        return await asyncio.get_running_loop().run_in_executor(self.pool, work)

    async def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


class _Worker(asyncio.Protocol):
    """The server's end of one query process's socket: frames out, frames back in the same
    order. `replies` are the futures of the queries in flight, oldest first; a query stays
    in flight until its answer has been read, even if the request that asked has gone
    away."""

    def __init__(self, pool: ProcessQueries, proc: subprocess.Popen):
        self.pool, self.proc = pool, proc
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.replies: collections.deque[asyncio.Future] = collections.deque()
        self.started = time.monotonic()

    def connection_made(self, transport) -> None:
        self.transport = transport

    def ask(self, frame: bytes, reply: asyncio.Future) -> None:
        self.replies.append(reply)
        self.transport.write(HEADER.pack(len(frame)) + frame)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        answered = False
        while len(self.buffer) >= HEADER.size:
            end = HEADER.size + HEADER.unpack_from(self.buffer)[0]
            if len(self.buffer) < end:
                break
            answer = bytes(self.buffer[HEADER.size : end])
            del self.buffer[:end]
            reply = self.replies.popleft()
            if not reply.done():  # else its request was cancelled
                reply.set_result(answer)
            answered = True
        if answered:
            self.pool._release(self)

    def connection_lost(self, exc) -> None:
        while self.replies:
            reply = self.replies.popleft()
            if not reply.done():
                reply.set_result(None)  # died answering
        self.pool._lost(self)


class ProcessQueries:
    """Queries in `processes` worker processes. A query goes to an idle process if there
    is one, else to a process with fewer than DEPTH queries in flight (its next query is
    then already waiting in its socket when it finishes one, instead of the process idling
    for a round trip through the busy server process: on gcide similar at c=16, about 20%
    more queries/s and 9% less CPU per query), else it waits in order of arrival."""

    DEPTH = 2
    SWEEP_SECONDS = 1.0  # how often each process lets go of changed models

    def __init__(self, registry, processes: int):
        self.registry = registry
        self.processes = processes
        self._workers: list[_Worker] = []
        self._waiting: collections.deque[tuple[bytes, asyncio.Future]] = collections.deque()
        self._replacing: set[asyncio.Task] = set()  # held: the loop keeps only weak refs
        self._closing = False
        self._quick_deaths = 0  # processes in a row that died within a second of starting

    async def start(self) -> None:
        for _ in range(self.processes):
            await self._spawn()
        for name in await asyncio.to_thread(self.registry.names):
            # load and warm every model in every process; one found broken only then
            # (non-finite vectors) is served as unreadable, not a reason to refuse to start
            loads = (self.run(name, "load", {}) for _ in range(self.processes))
            for got in await asyncio.gather(*loads, return_exceptions=True):
                if isinstance(got, ModelUnreadable | UnknownModelError):  # broken, or gone
                    log.warning("%s", got)
                elif isinstance(got, BaseException):
                    raise got

    async def _spawn(self) -> _Worker:
        ours, theirs = socket.socketpair()
        package_root = str(Path(w2v.__file__).resolve().parents[1])
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
        )
        cmd = [sys.executable, "-m", QUERY_PROCESS, str(theirs.fileno()), str(os.getpid())]
        cmd.append(str(self.SWEEP_SECONDS))
        proc = subprocess.Popen(cmd, pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL)
        theirs.close()
        loop = asyncio.get_running_loop()
        _, worker = await loop.create_connection(lambda: _Worker(self, proc), sock=ours)
        self._workers.append(worker)
        self._release(worker)
        return worker

    async def run(self, name: str, op: str, args: dict) -> bytes:
        """The answer body of query `op` on model `name`; the library's errors raised as
        they were in the process. If the model's files changed after the registry last
        looked (the process finds other files), the registry looks again and asks once more."""
        served = self.registry.fresh(name)  # at most a stat: the files as they are now
        if served is None:  # a scan or a load: off the event loop
            served = await asyncio.to_thread(self.registry.lookup, name)
        try:
            return await self._ask(name, served, op, args)
        except FilesChanged:
            served = await asyncio.to_thread(self.registry.lookup, name, True)
        try:
            return await self._ask(name, served, op, args)
        except FilesChanged as e:
            raise ModelUnreadable(name, f"its files keep changing ({e}); try again") from None

    async def _ask(self, name: str, served, op: str, args: dict) -> bytes:
        q = {"path": str(served.path), "id": served.identity, "name": name, "op": op, "args": args}
        frame = json.dumps(q).encode()
        reply = asyncio.get_running_loop().create_future()
        worker = self._least_busy()
        if worker is not None:
            worker.ask(frame, reply)
        else:
            self._waiting.append((frame, reply))
            if not self._workers and not self._replacing:  # every start failed so far
                self._start_another()
        answer = await reply
        if answer is None:
            raise QueryWorkerDied("a query process died; try again")
        if answer[:1] == b"B":
            return answer[1:]
        error = json.loads(answer[1:])
        if "unknown_word" in error:
            raise UnknownWordError(
                error["unknown_word"], error["suggestions"], error.get("min_count")
            )
        if "changed" in error:
            raise FilesChanged(error["changed"])
        if "unreadable" in error:  # the registry answers for it until it changes or retries
            why, final = error["unreadable"], error["final"]
            self.registry.mark_broken(name, served.path, served.identity, why, final=final)
            raise ModelUnreadable(name, why)
        if "user_error" in error:
            raise UserError(error["user_error"])
        if "value_error" in error:
            raise ValueError(error["value_error"])
        raise RuntimeError(f"query process: {error.get('error')}")

    def _least_busy(self) -> _Worker | None:
        """An idle worker, else one with the fewest (< DEPTH) queries in flight, else None."""
        best = None
        for worker in self._workers:
            busy = len(worker.replies)
            if busy == 0:
                return worker
            if busy < self.DEPTH and (best is None or busy < len(best.replies)):
                best = worker
        return best

    def _release(self, worker: _Worker) -> None:
        """`worker` answered: give it the longest-waiting queries it has room for."""
        while self._waiting and len(worker.replies) < self.DEPTH and worker in self._workers:
            frame, reply = self._waiting.popleft()
            if not reply.done():  # else its request was cancelled while waiting
                worker.ask(frame, reply)

    def _lost(self, worker: _Worker) -> None:
        """A query process's socket closed: retire it and start another."""
        if worker not in self._workers:
            return
        self._retire(worker)
        if self._closing:
            return
        quick = time.monotonic() - worker.started < 1.0
        self._quick_deaths = self._quick_deaths + 1 if quick else 0
        # one that cannot even start (a broken install, no memory) is retried ever more
        # slowly instead of in a busy fork loop; meanwhile, with none left, queries get 503
        delay = min(5.0, 0.1 * 2**self._quick_deaths) if quick else 0.0
        log.warning("a query process died; starting another in %.1f s", delay)
        if delay and not self._workers:
            self._fail_waiting()
        self._start_another(delay)

    def _start_another(self, delay: float = 0.0) -> None:
        task = asyncio.ensure_future(self._replace(delay))
        self._replacing.add(task)
        task.add_done_callback(self._replacing.discard)

    async def _replace(self, delay: float = 0.0) -> None:
        await asyncio.sleep(delay)
        if self._closing:
            return
        try:
            await self._spawn()
        except Exception:
            log.exception("cannot start a query process")
            if not self._workers:  # nobody will answer the waiting queries: 503 them
                self._fail_waiting()

    def _fail_waiting(self) -> None:
        while self._waiting:
            _, reply = self._waiting.popleft()
            if not reply.done():
                reply.set_result(None)

    def _retire(self, worker: _Worker) -> None:
        if worker in self._workers:
            self._workers.remove(worker)
        worker.transport.close()
        worker.proc.kill()
        worker.proc.wait()

    def pids(self) -> list[int]:
        return [w.proc.pid for w in self._workers]

    async def close(self) -> None:
        self._closing = True
        for worker in list(self._workers):
            self._retire(worker)
