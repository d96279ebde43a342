"""manifest.json: what each step last produced, from which config and inputs.

A step is *done* when its recorded fingerprint (a hash of its config, its inputs' content
hashes and the w2v version) equals the one computed now and its outputs are still there
unchanged; *stale* when it ran but something it depends on changed; *missing* when it never
finished. Content hashes are cached by (size, mtime), so an unchanged corpus is not re-read.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from w2v.io.atomic import write_json

VERSION = 1
MANIFEST = "manifest.json"  # in the run directory


def _hash_file(path: Path, h) -> None:
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)


class Manifest:
    """The manifest of `run_dir`. One that cannot be read, or whose shape is not the one
    `save` writes, is read as empty (a rerun of every step rewrites it) and `damage` says
    what is wrong with it, so that `status` can report it instead of guessing."""

    def __init__(self, run_dir: Path):
        self.path = run_dir / MANIFEST
        self.run_dir = run_dir
        self.steps: dict[str, dict] = {}
        self.hash_cache: dict[str, list] = {}
        self.config_path: str | None = None
        self.damage: str | None = None
        if not self.path.is_file():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            self.damage = f"not JSON ({e})"
            return
        except OSError as e:
            self.damage = f"not readable ({e.strerror or e})"
            return
        self.damage = _shape_problem(data)
        if self.damage is None:
            self.steps = data["steps"]
            self.hash_cache = data["hash_cache"]
            self.config_path = data["config"]

    def save(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        write_json(
            self.path,
            {
                "version": VERSION,
                "config": self.config_path,
                "steps": self.steps,
                "hash_cache": self.hash_cache,
            },
        )

    def content_hash(self, path: Path) -> str:
        """blake2b of a file, or of a directory's (name, content) pairs; cached by size+mtime."""
        path = Path(path)
        if not path.exists():
            return "absent"
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        h = hashlib.blake2b(digest_size=16)
        for f in files:
            st = f.stat()
            key = str(f.resolve())
            cached = self.hash_cache.get(key)
            if cached and cached[0] == st.st_size and cached[1] == st.st_mtime_ns:
                digest = cached[2]
            else:
                fh = hashlib.blake2b(digest_size=16)
                _hash_file(f, fh)
                digest = fh.hexdigest()
                self.hash_cache[key] = [st.st_size, st.st_mtime_ns, digest]
            h.update(str(f.relative_to(path) if path.is_dir() else f.name).encode())
            h.update(digest.encode())
        return h.hexdigest()


def _shape_problem(data) -> str | None:
    """What keeps `data` from being a manifest as `Manifest.save` writes it; None if nothing."""
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    if data.get("version") != VERSION:
        return f"version {data.get('version')!r}, this w2v reads version {VERSION}"
    if not (data.get("config") is None or isinstance(data["config"], str)):
        return f"'config' is {data['config']!r}, not a path"
    if not isinstance(data.get("hash_cache"), dict) or not all(
        isinstance(v, list)
        and len(v) == 3
        and all(isinstance(x, int) for x in v[:2])
        and isinstance(v[2], str)
        for v in data["hash_cache"].values()
    ):
        return "'hash_cache' is not an object of [size, mtime, hash] entries"
    steps = data.get("steps")
    if not isinstance(steps, dict):
        return f"'steps' is {steps!r}, not an object"
    for name, record in steps.items():
        if not (
            isinstance(record, dict)
            and isinstance(record.get("fingerprint"), str)
            and isinstance(record.get("outputs"), dict)
            and all(
                isinstance(o, dict) and isinstance(o.get("hash"), str) and _is_int(o.get("bytes"))
                for o in record["outputs"].values()
            )
            and all(
                record.get(k) is None or _is_number(record[k]) for k in ("seconds", "peak_rss_mb")
            )
            and (record.get("stats") is None or isinstance(record["stats"], dict))
        ):
            return f"the record of step {name!r} is malformed"
    return None


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_number(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def size_of(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def fingerprint(step: str, config: dict, input_hashes: dict[str, str]) -> str:
    from w2v import __version__

    doc = json.dumps(
        {"step": step, "config": config, "inputs": input_hashes, "w2v": __version__}, sort_keys=True
    )
    return hashlib.blake2b(doc.encode(), digest_size=16).hexdigest()


def peak_rss_reset() -> None:
    """Reset the kernel's peak-RSS mark of this process (Linux), so a step's peak is its own."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
