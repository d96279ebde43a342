"""Helpers shared by the benchmark scripts: the reference corpus, child processes, peak RSS."""

from __future__ import annotations

import json
import lzma
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    for c in (
        os.environ.get("W2V_SHARED_DATA"),
        REPO.parent / "shared" / "data",
        Path("/work/shared/data"),
    ):
        if c and Path(c, "gcide_wn.txt.xz").is_file():
            return Path(c)
    sys.exit("bench: ../shared/data/gcide_wn.txt.xz not found (set W2V_SHARED_DATA)")


def unpacked_corpus(name: str = "gcide_wn.txt") -> Path:
    """The benchmark corpus, unpacked once into $TMPDIR (34 MB)."""
    out = Path(os.environ.get("TMPDIR", "/tmp")) / name
    if not out.exists():
        tmp = out.with_suffix(f".part{os.getpid()}")  # two benchmarks may unpack at once
        with lzma.open(shared_data() / f"{name}.xz", "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(tmp, out)
    return out


def run_child(code: str, *args: str) -> dict:
    """Run `code` in a fresh Python; it prints one JSON object last. Adds peak_rss_mb.

    The child's peak resident set is read from its own getrusage at exit, so each measured
    tool is alone in its process.
    """
    wrapper = (
        "import json, resource, sys\n"
        f"{code}\n"
        "result = main(*sys.argv[1:])\n"
        "result['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps(result))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run(
        [sys.executable, "-c", wrapper, *args], capture_output=True, text=True, env=env
    )
    if r.returncode != 0:
        sys.exit(f"bench child failed:\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])
