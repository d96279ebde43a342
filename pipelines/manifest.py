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

from w2v.io import write_json

VERSION = 1


def _hash_file(path: Path, h) -> None:
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)


class Manifest:
    def __init__(self, run_dir: Path):
        self.path = run_dir / "manifest.json"
        self.run_dir = run_dir
        data = {}
        if self.path.is_file():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                data = {}  # a damaged manifest only costs a full rerun
            if not isinstance(data, dict):
                data = {}
        self.steps: dict[str, dict] = (
            data.get("steps", {}) if data.get("version") == VERSION else {}
        )
        self.hash_cache: dict[str, list] = data.get("hash_cache", {})
        self.config_path: str | None = data.get("config")

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
