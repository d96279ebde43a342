"""The models a server answers for: `-m NAME=DIR` pins, plus every model directory in
`--models-dir` (including those that appear while it runs, e.g. from finished jobs).

Each model is opened once with `w2v.load` (memory-mapped). Where this process answers the
queries itself (`warm`), U is read into memory with read(2) (`read_model`), never through
the map, and its norms are computed at load time, so no request pays for them; where query
processes answer them, this process only describes the models. Either way this process
never reads a map of vectors.npy: a file truncated under its map (overwritten in place)
would turn that read into SIGBUS and kill the server.

A model is what is on disk now, not what was there when it was opened: each is known by
its directory and the identity of its vectors.npy (inode, size, mtime, ctime; stat'ed at
most every IDENTITY_SECONDS, so a change is seen within 100 ms). A directory deleted is
forgotten (404, its name free for a job); replaced (a copy, `w2v train --force`, a
finished job) it is opened anew, here and, through the identity sent with each query, in
every query process. One that cannot be read (truncated, half-copied, non-finite vectors,
repeated words) answers 503 ModelUnreadable, remembered for those files and tried again
when they change or after RECHECK_SECONDS; it never stops the server from starting. A
change that leaves vectors.npy untouched (another file rewritten in place) is not noticed.

Loading is slow (U is read where `warm`): `fresh` (no scan, no load, at
most a stat) and `count` may run on the event loop; `lookup`, `names`, `describe` belong
in a thread.
"""

from __future__ import annotations

import difflib
import logging
import math
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import w2v
from w2v.errors import ModelError, UserError
from w2v.vectors import Vectors

log = logging.getLogger("w2v.serve")
RECHECK_SECONDS = 1.0  # a model that cannot be read is tried again after this
IDENTITY_SECONDS = 0.1  # a served model's files are stat'ed at most this often
Identity = tuple[int, int, int, int]


class UnknownModelError(UserError):
    def __init__(self, name: str, suggestions: list[str]):
        self.name = name
        self.suggestions = suggestions
        super().__init__(f"no model named {name!r} is being served")


class ModelUnreadable(UserError):
    """A served model whose files cannot be read now (truncated, deleted under a pinned
    name, being copied in): the server's trouble, not the client's (503)."""

    def __init__(self, name: str, reason: str):
        self.name = name
        super().__init__(f"model {name!r} cannot be read: {reason}")


def identity(path: str | os.PathLike) -> Identity | None:
    """(inode, size, mtime_ns, ctime_ns) of the model directory's vectors.npy; None if
    it cannot be stat'ed. A copy or a rename changes the inode or the times, a truncation
    the size; ctime cannot be set back, so a preserved mtime does not hide a change."""
    try:
        st = os.stat(os.path.join(path, "vectors.npy"))
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def read_model(path: str | os.PathLike) -> Vectors:
    """`w2v.load(path)` with U read into memory by read(2) instead of through its file map,
    for a process that answers queries itself: reading a map of a file truncated since is
    SIGBUS, which kills the process, where a short read is a ModelError (503). U is read
    whatever its size (w2v.load would scan one over COPY_BYTES through the map)."""
    vec = w2v.load(path)  # U mapped: only its header has been read
    if isinstance(vec.vectors, np.memmap):
        vec.vectors = _read_mapped(vec.vectors)
    return vec


def _read_mapped(mapped: np.memmap) -> np.ndarray:
    """The array `mapped` maps, read from its file instead (ModelError if it is short)."""
    data = np.empty(mapped.nbytes, np.uint8)
    view, got = memoryview(data), 0
    try:
        with open(mapped.filename, "rb", buffering=0) as f:
            f.seek(mapped.offset)
            while got < len(data) and (n := f.readinto(view[got:])):
                got += n
    except OSError as e:
        raise ModelError(f"{mapped.filename!r} cannot be read: {e}") from e
    if got < len(data):
        raise ModelError(f"{mapped.filename!r} is shorter than its header says (truncated)")
    fortran = mapped.flags.f_contiguous and not mapped.flags.c_contiguous
    return data.view(mapped.dtype).reshape(mapped.shape, order="F" if fortran else "C")


class VectorsBroken(ModelError):
    """The model loads but its vectors cannot be queried (NaN or infinity): broken until
    its files change, not worth reading again on a timer."""


def open_model(path: str | os.PathLike, warm: bool, load=w2v.load) -> tuple[Vectors, Identity]:
    """`load(path)` and the identity of what it read: the same before and after reading,
    so the files are all of one model (a directory replaced mid-read has new files).
    `warm`: compute the query caches now (U in memory, its norms), which finds non-finite
    vectors (VectorsBroken)."""
    for _ in range(3):
        before = identity(path)
        try:
            vec = load(path)
        except OSError as e:  # a file renamed or made unreadable between the checks and reads
            raise ModelError(f"{str(path)!r} cannot be read: {e}") from e
        if warm:
            try:
                vec.warm()
            except ModelError as e:
                raise VectorsBroken(str(e)) from e
        if before is not None and identity(path) == before:
            return vec, before
    raise ModelError(f"{str(path)!r} keeps changing while it is read")


@dataclass
class Served:
    """A name's model: `vec` None while its files cannot be read (`error` says why; a load
    is tried again when the identity changes or after `retry_at`). `checked`: when its
    identity was last compared with the files'."""

    path: Path
    vec: Vectors | None
    identity: Identity | None
    pinned: bool = False
    error: str = ""
    retry_at: float = 0.0
    checked: float = -math.inf


class ModelRegistry:
    """name -> Served. Pinned models (given on the command line) win over same-named
    directories of the models directory. A model directory that cannot be read (truncated,
    half-copied, non-finite vectors, repeated words) is served as ModelUnreadable (503),
    tried again when its files change or every RECHECK_SECONDS; only a pinned path that is
    not a directory at all stops the start. `clock`: monotonic seconds (tests turn it)."""

    def __init__(
        self,
        pinned: dict[str, Path] | None = None,
        models_dir: Path | None = None,
        warm: bool = True,
        clock=time.monotonic,
    ):
        self.models_dir = None if models_dir is None else Path(models_dir)
        self.warm = warm
        self.load = read_model if warm else w2v.load
        self.clock = clock
        self._scanned: int | None = None  # the models directory's mtime at the last scan
        self._recheck_at = 0.0  # and when to scan anyway (a model dir was incomplete)
        self._served: dict[str, Served] = {}
        self._lock = threading.Lock()  # guards _served
        self._loading = threading.Lock()  # one (re)load at a time
        self._scanning = threading.Lock()  # one scan at a time: none sees another's half
        for name, path in (pinned or {}).items():
            if Path(path).is_dir():
                self._add_or_broken(name, Path(path), pinned=True)
            else:  # a wrong path on the command line: the library's error, and no start
                self.add(name, Path(path), pinned=True)
        self.rescan()

    def add(self, name: str, path: Path, pinned: bool = False) -> Vectors:
        """Load and serve the model at `path` as `name` (ModelError if it is broken)."""
        vec, ident = open_model(path, self.warm, self.load)
        with self._lock:
            if not pinned and self._served.get(name, Served(path, None, None)).pinned:
                return self._served[name].vec
            self._served[name] = Served(path, vec, ident, pinned)
        log.info("serving model %r from %s (%d words, dim %d)", name, path, len(vec), vec.dim)
        return vec

    def _add_or_broken(self, name: str, path: Path, pinned: bool = False) -> None:
        """`add`, or serve `name` as unreadable (why, retried later) if it fails."""
        try:
            self.add(name, path, pinned)
        except UserError as e:
            final = isinstance(e, VectorsBroken)
            self.mark_broken(name, path, identity(path), str(e), pinned, final)

    def mark_broken(
        self,
        name: str,
        path: Path,
        ident: Identity | None,
        why: str,
        pinned: bool = False,
        final: bool = False,
    ) -> None:
        """Serve `name` (files `ident` at `path`) as unreadable for `why` until its files
        change, or also until RECHECK_SECONDS pass unless `final` (VectorsBroken: the
        vectors themselves; a half-copied directory may read next time). Nothing if `name`
        has moved on meanwhile."""
        with self._lock:
            current = self._served.get(name)
            if current is not None:
                if current.path != path or current.identity != ident:
                    return
                pinned = current.pinned
        self._set_broken(name, path, ident, why, pinned, final)

    def _set_broken(self, name, path, ident, why: str, pinned: bool, final: bool) -> None:
        retry_at = math.inf if final else self.clock() + RECHECK_SECONDS
        with self._lock:
            self._served[name] = Served(path, None, ident, pinned, why, retry_at)
        log.warning("model %r cannot be read: %s", name, why)

    def _forget(self, name: str, where: Path) -> None:
        with self._lock:
            self._served.pop(name, None)
        log.info("model %r is gone from %s", name, where)

    def rescan(self, force: bool = False) -> None:
        """Serve every model directory of the models directory not served yet, and forget
        those that are gone. Unless `force`, only when the directory changed since the last
        scan (a model moved, copied in or deleted changes it), so unknown names cost a
        stat, not a scan."""
        if self.models_dir is None:
            return
        with self._scanning:
            self._scan(force)

    def _scan(self, force: bool) -> None:
        try:
            mtime = self.models_dir.stat().st_mtime_ns
        except OSError:
            return
        now = self.clock()
        if not force and mtime == self._scanned and now < self._recheck_at:
            return
        try:
            entries = [e for e in os.scandir(self.models_dir) if not e.name.startswith(".")]
            present = {e.name for e in entries if e.is_dir()}
        except OSError as e:  # deleted or unreadable since the stat: try again next time
            self._scanned = None
            log.warning("cannot list %s: %s", self.models_dir, e)
            return
        recheck_at = math.inf
        with self._lock:
            gone = [
                name
                for name, served in self._served.items()
                # is_dir: a model add()ed (a finished job) after the listing was taken
                if not served.pinned and name not in present and not served.path.is_dir()
            ]
        for name in gone:
            self._forget(name, self.models_dir)
        for entry in entries:
            if entry.name in self._served or not entry.is_dir():
                continue
            path = Path(entry.path)
            meta = path / "meta.json"
            if not meta.is_file():
                recheck_at = now + RECHECK_SECONDS  # perhaps still being copied in
                continue
            self._add_or_broken(entry.name, path)
        # only now: a scan that finds this mtime done must find its models loaded
        self._scanned, self._recheck_at = mtime, recheck_at

    def fresh(self, name: str) -> Served | None:
        """The model `name` if it is open and its files are those it was opened from (a
        stat at most every IDENTITY_SECONDS); None if that takes a scan or a load (then
        `lookup`, off the event loop)."""
        served = self._served.get(name)
        if served is None or served.vec is None:
            return None
        now = self.clock()
        if now - served.checked < IDENTITY_SECONDS:
            return served
        if identity(served.path) != served.identity:
            return None
        served.checked = now
        return served

    def lookup(self, name: str, recheck: bool = False) -> Served:
        """The model `name` as it is on disk now: reopened if its files were replaced;
        UnknownModelError (with close names) if there is none or its directory is gone,
        ModelUnreadable if its files cannot be read. `recheck`: stat its files now, not
        trusting a check of the last IDENTITY_SECONDS."""
        served = None if recheck else self.fresh(name)
        if served is not None:
            return served
        if name not in self._served:
            self.rescan()
            if name not in self._served:
                raise self._unknown(name)
        return self._reopen(name)

    def get(self, name: str) -> Vectors:
        """The model `name` (errors as `lookup`)."""
        return self.lookup(name).vec

    def _reopen(self, name: str) -> Served:
        with self._loading:
            current = self._served.get(name)
            if current is None:
                raise self._unknown(name)
            now_id = identity(current.path)
            if current.vec is not None and now_id == current.identity:
                return current  # another thread reopened it meanwhile
            if now_id is None and not current.path.is_dir() and not current.pinned:
                self._forget(name, current.path)
                raise self._unknown(name)
            if current.vec is None and now_id == current.identity:
                if self.clock() < current.retry_at:
                    raise ModelUnreadable(name, current.error)
            try:
                vec, now_id = open_model(current.path, self.warm, self.load)
            except UserError as e:
                final = isinstance(e, VectorsBroken)
                self._set_broken(name, current.path, now_id, str(e), current.pinned, final)
                raise ModelUnreadable(name, str(e)) from None
            fresh = Served(current.path, vec, now_id, current.pinned, checked=self.clock())
            with self._lock:
                self._served[name] = fresh
            log.info(
                "model %r changed on disk: reopened (%d words, dim %d)", name, len(vec), vec.dim
            )
            return fresh

    def _unknown(self, name: str) -> UnknownModelError:
        return UnknownModelError(name, difflib.get_close_matches(name, self.names(), n=3))

    def count(self) -> int:
        """How many models are open now (no scan, no load: cheap enough for the loop)."""
        with self._lock:
            return sum(s.vec is not None for s in self._served.values())

    def names(self) -> list[str]:
        """The models that can be answered for (directories deleted meanwhile excluded)."""
        self.rescan()
        with self._lock:
            return sorted(n for n, s in self._served.items() if s.vec is not None)

    def taken(self) -> set[str]:
        """Every name served, readable or not: a job may not take a broken model's name."""
        self.rescan()
        with self._lock:
            return set(self._served)

    def describe(self) -> list[dict]:
        """name, vocab_size, dim, trainer, created of every model that can be read, by name."""
        self.rescan(force=True)
        with self._lock:
            names = sorted(self._served)
        out = []
        for name in names:
            try:
                out.append(_description(name, self.get(name)))
            except (UnknownModelError, ModelUnreadable):
                continue
        return out

    def describe_one(self, name: str) -> dict:
        """The description of model `name` (errors as `lookup`)."""
        return _description(name, self.get(name))


def _description(name: str, vec: Vectors) -> dict:
    """A model as /v1/models lists it, from its vectors and meta.json. The corpus is named
    by its file name only: the server's own paths are none of a client's business."""
    meta = vec.meta
    trainer, created, source = meta.get("trainer"), meta.get("created"), meta.get("source")
    stats = meta.get("corpus") if isinstance(meta.get("corpus"), dict) else {}
    tokens = stats.get("tokens")
    return {
        "name": name,
        "vocab_size": len(vec),
        "dim": vec.dim,
        "trainer": trainer if isinstance(trainer, str) else None,
        "created": str(created) if created else None,
        "corpus": Path(source).name if isinstance(source, str) and source else None,
        "tokens": tokens if isinstance(tokens, int) and not isinstance(tokens, bool) else None,
    }
