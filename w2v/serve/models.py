"""The models a server answers for: `-m NAME=DIR` pins, plus every model directory in
`--models-dir` (including those that appear while it runs, e.g. from finished jobs).

Each model is opened once with `w2v.load` (memory-mapped). Where this process answers the
queries itself (`warm`), its query caches (norms) are computed at load time, so no request
pays for them; where query processes answer them, this process only describes the models.
"""

from __future__ import annotations

import difflib
import logging
import math
import os
import threading
import time
from pathlib import Path

import w2v
from w2v.errors import UserError
from w2v.vectors import Vectors

log = logging.getLogger("w2v.serve")
RECHECK_SECONDS = 1.0


class UnknownModelError(UserError):
    def __init__(self, name: str, suggestions: list[str]):
        self.name = name
        self.suggestions = suggestions
        super().__init__(f"no model named {name!r} is being served")


class ModelRegistry:
    """name -> Vectors. Pinned models (given on the command line) win over same-named
    directories of the models directory."""

    def __init__(
        self,
        pinned: dict[str, Path] | None = None,
        models_dir: Path | None = None,
        warm: bool = True,
    ):
        self.models_dir = None if models_dir is None else Path(models_dir)
        self.warm = warm
        self._scanned: int | None = None  # the models directory's mtime at the last scan
        self._recheck_at = 0.0  # and when to scan anyway (a model dir was incomplete)
        self._paths: dict[str, Path] = {}
        self._vectors: dict[str, Vectors] = {}
        self._pinned = set()
        self._broken: dict[Path, float] = {}  # model dirs that failed to load, by mtime
        self._lock = threading.Lock()
        for name, path in (pinned or {}).items():
            self.add(name, Path(path), pinned=True)
        self.rescan()

    def add(self, name: str, path: Path, pinned: bool = False) -> Vectors:
        """Load and serve the model at `path` as `name` (ModelError if it is broken)."""
        vec = w2v.load(path)
        if self.warm and len(vec):
            vec.most_similar(vec.words[0], topn=1)  # computes and caches the norms
        with self._lock:
            if name in self._pinned and not pinned:
                return self._vectors[name]
            self._paths[name] = path
            self._vectors[name] = vec
            if pinned:
                self._pinned.add(name)
        log.info("serving model %r from %s (%d words, dim %d)", name, path, len(vec), vec.dim)
        return vec

    def rescan(self, force: bool = False) -> None:
        """Serve every model directory of the models directory not served yet. Unless
        `force`, only when the directory changed since the last scan (a model moved or
        copied in changes it), so unknown names cost a stat, not a scan."""
        if self.models_dir is None:
            return
        try:
            mtime = self.models_dir.stat().st_mtime_ns
        except OSError:
            return
        now = time.monotonic()
        if not force and mtime == self._scanned and now < self._recheck_at:
            return
        self._scanned, self._recheck_at = mtime, math.inf
        for entry in os.scandir(self.models_dir):
            if entry.name.startswith(".") or entry.name in self._vectors:
                continue
            path = Path(entry.path)
            meta = path / "meta.json"
            if not entry.is_dir():
                continue
            if not meta.is_file():
                self._recheck_at = now + RECHECK_SECONDS  # perhaps still being copied in
                continue
            written = meta.stat().st_mtime
            if self._broken.get(path) == written:
                continue
            try:
                self.add(entry.name, path)
            except UserError as e:
                self._broken[path] = written
                self._recheck_at = now + RECHECK_SECONDS  # mid-copy, or repaired later
                log.warning("skipping %s: %s", path, e)

    def get(self, name: str) -> Vectors:
        """The model `name`; UnknownModelError (with close names) if there is none."""
        vec = self._vectors.get(name)
        if vec is None:
            self.rescan()
            vec = self._vectors.get(name)
        if vec is None:
            raise UnknownModelError(name, difflib.get_close_matches(name, self.names(), n=3))
        return vec

    def path(self, name: str) -> Path:
        """The directory of model `name` (UnknownModelError as `get`)."""
        path = self._paths.get(name)
        if path is None:
            self.get(name)
            path = self._paths[name]
        return path

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._vectors)

    def describe(self) -> list[dict]:
        """name, vocab_size, dim, trainer, created of every model, by name."""
        self.rescan(force=True)
        with self._lock:
            items = sorted(self._vectors.items())
        return [_description(name, vec) for name, vec in items]

    def describe_one(self, name: str) -> dict:
        """The description of model `name` (UnknownModelError as `get`)."""
        return _description(name, self.get(name))


def _description(name: str, vec: Vectors) -> dict:
    trainer = vec.meta.get("trainer")
    created = vec.meta.get("created")
    return {
        "name": name,
        "vocab_size": len(vec),
        "dim": vec.dim,
        "trainer": trainer if isinstance(trainer, str) else None,
        "created": str(created) if created else None,
    }
