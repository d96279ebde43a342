"""A query process (`python -m w2v.serve.query_process FD PARENT SWEEP`): answers the frames
the server sends over its socket (see w2v.serve.compute for the protocol), one at a time,
with the library's own calls on models it opens by path and file identity, and lets go
of models whose files changed every SWEEP seconds."""

from __future__ import annotations

import json
import select
import socket
import sys
import time

import w2v
from w2v.errors import ModelError, UnknownWordError, UserError
from w2v.serve.compute import HEADER, FilesChanged, answer, one_blas_thread
from w2v.serve.models import VectorsBroken, identity, open_model


def load_shared(path: str) -> w2v.Vectors:
    """The model at `path`, its U scanned in place in the page cache rather than copied
    into this process: every query process then streams the same physical copy of U
    through the shared caches instead of one copy each (with two processes querying at
    once, about 15% less CPU per query on a 19 MB U). The same values through the same
    BLAS call: the same answers."""
    return w2v.load(path, copy_bytes=0)


def model_for(models: dict, path: str, ident: list) -> w2v.Vectors:
    """The model at `path` whose files have identity `ident` now, from `models` (path ->
    (identity, Vectors)) or opened now. A ModelError is not remembered: the server, told
    of it, stops asking until the files change or its retry time comes."""
    cached = models.get(path)
    # The files as they are now, not only as the server last saw them (it looks at most
    # every IDENTITY_SECONDS): U is scanned through its file map, and reading a map of a
    # file truncated since is SIGBUS, which kills this process.
    if cached is not None and cached[0] == ident and list(identity(path) or ()) == ident:
        return cached[1]
    models.pop(path, None)
    try:
        vec, got = open_model(path, warm=True, load=load_shared)
    except ModelError as e:
        if list(identity(path) or ()) != ident:
            raise FilesChanged(str(e)) from e
        raise
    if list(got) != ident:
        raise FilesChanged("its files changed while they were read")
    models[path] = (ident, vec)
    return vec


def sweep(models: dict) -> None:
    """Forget the models whose files changed or went away, so the maps of a replaced or
    deleted model's files are let go (their disk space freed) even if no query asks for
    that model again."""
    for path, (known, _) in list(models.items()):
        if list(identity(path) or ()) != known:
            del models[path]


def read_exact(sock: socket.socket, n: int, wait=None) -> bytes | None:
    """`n` bytes from `sock` (None if it closes first), after `wait()` says some came.
    Unbuffered, so that nothing waiting in the socket means nothing to read."""
    if wait is not None:
        wait()
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = sock.recv_into(view[got:])
        if k == 0:
            return None
        got += k
    return bytes(buf)


def serve_forever(sock: socket.socket, sweep_every: float) -> None:
    """Answer frames on `sock` until it closes (the server went away); every
    `sweep_every` seconds, busy or idle, let go of models whose files changed."""
    one_blas_thread()  # one core per process; the processes are the parallelism
    models: dict[str, tuple[list, w2v.Vectors | ModelError]] = {}
    readable = select.poll()
    readable.register(sock, select.POLLIN)
    swept = time.monotonic()

    def wait() -> None:  # for the next frame, sweeping at least every sweep_every
        nonlocal swept
        while True:
            if time.monotonic() - swept >= sweep_every:
                sweep(models)
                swept = time.monotonic()
            if readable.poll(sweep_every * 1000):
                return

    while True:
        head = read_exact(sock, HEADER.size, wait)
        body = None if head is None else read_exact(sock, HEADER.unpack(head)[0])
        if body is None:
            return
        q = json.loads(body)
        try:
            vec = model_for(models, q["path"], q["id"])
            if q["op"] == "load":
                out = b"B"
            else:
                out = b"B" + answer(vec, q["name"], q["op"], q["args"])
        except UnknownWordError as e:
            unknown = {
                "unknown_word": e.word,
                "suggestions": e.suggestions,
                "min_count": e.min_count,
            }
            out = b"E" + json.dumps(unknown).encode()
        except FilesChanged as e:
            out = b"E" + json.dumps({"changed": str(e)}).encode()
        except ModelError as e:  # only opening a model raises it: truncated, non-finite
            final = isinstance(e, VectorsBroken)  # the vectors' own: until the files change
            out = b"E" + json.dumps({"unreadable": str(e), "final": final}).encode()
        except UserError as e:
            out = b"E" + json.dumps({"user_error": str(e)}).encode()
        except ValueError as e:
            out = b"E" + json.dumps({"value_error": str(e)}).encode()
        except Exception as e:
            out = b"E" + json.dumps({"error": f"{type(e).__name__}: {e}"}).encode()
        sock.sendall(HEADER.pack(len(out)) + out)


def main(argv: list[str]) -> int:
    from w2v.serve.worker import watch_parent

    fd, parent, sweep_every = int(argv[0]), int(argv[1]), float(argv[2])
    watch_parent(parent)
    sock = socket.socket(fileno=fd)
    try:
        serve_forever(sock, sweep_every)
    except (BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
