"""Hostile inputs against the real command line: each must be refused with exit status 2 and
one line on stderr, within 5 s and 300 MB.

    PYTHONPATH=. /work/main/.venv/bin/python scripts/bench_hostile.py [--checkout DIR]
        [--only NAME ...] [--timeout 120] [--kill-mb 4000]

Each input is built in a temporary directory (small files that declare huge sizes, gzip bombs
that expand to hundreds of MB of one line or one token, a classifier and a model directory
with lying .npy headers) and given to `python -m w2v ...` in a subprocess, with PYTHONPATH set
to the checkout under test (default: this one; `--checkout` measures another, e.g. an older
commit unpacked with `git archive`). One line per input: its name, the exit status, wall
seconds, peak RSS in MB, and what the command printed on stderr (its one line, or how many
lines and the last one). A child that outlives `--timeout` or grows past `--kill-mb` is
killed (status -9), so an old checkout cannot take the shared machine down.

Children are started by a small launcher process, spawned before this script builds
anything: Linux carries the forking process's resident-set high-water mark into a child's
ru_maxrss across fork and exec, so the children of a process that has held a 500 MB buffer
would all report at least that. Any process that runs a Numba kernel (`w2v vocab`, `w2v
train`) holds ~150 MB of Numba and LLVM of its own; that is inside the budget.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MB = 1 << 20
BUDGET_SECONDS, BUDGET_MB = 5.0, 300.0


def launcher(timeout: float, kill_mb: float) -> None:
    """The launcher's loop: one JSON command (argv, env additions, working directory) per
    stdin line; runs it, answers one JSON line with its exit status, wall time, peak RSS and
    stderr. Imports nothing heavy, so stays ~10 MB."""
    for line in sys.stdin:
        argv, env_extra, cwd = json.loads(line)
        with tempfile.TemporaryFile() as err:
            t = time.perf_counter()
            p = subprocess.Popen(
                argv, env={**os.environ, **env_extra}, cwd=cwd, stdout=subprocess.DEVNULL,
                stderr=err,
            )  # fmt: skip
            killed = ""
            while True:
                pid, status, usage = os.wait4(p.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() - t > timeout:
                    killed = f"killed after {timeout:.0f} s"
                elif _rss_mb(p.pid) > kill_mb:
                    killed = f"killed at {kill_mb:.0f} MB"
                if killed:
                    p.kill()
                    _, status, usage = os.wait4(p.pid, 0)
                    break
                time.sleep(0.02)
            wall = time.perf_counter() - t
            err.seek(0)
            stderr = err.read().decode(errors="replace")
        answer = {
            "rc": os.waitstatus_to_exitcode(status),
            "wall": wall,
            "rss": usage.ru_maxrss / 1024,
            "err": stderr,
            "killed": killed,
        }
        print(json.dumps(answer), flush=True)


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Launcher:
    def __init__(self, checkout: Path, timeout: float, kill_mb: float):
        # `python -m` puts its working directory first on sys.path: run in the checkout too
        self.env, self.cwd = {"PYTHONPATH": str(checkout)}, str(checkout)
        self.p = subprocess.Popen(
            [sys.executable, __file__, "--launcher", str(timeout), str(kill_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip

    def w2v(self, *args) -> dict:
        """Run `python -m w2v ARGS` in a child of the launcher; its answer."""
        argv = [sys.executable, "-m", "w2v", *map(str, args)]
        self.p.stdin.write(json.dumps([argv, self.env, self.cwd]) + "\n")
        self.p.stdin.flush()
        return json.loads(self.p.stdout.readline())

    def close(self) -> None:
        self.p.stdin.close()
        self.p.wait()


# ---- the hostile inputs: each builder writes its files into `tmp` and returns the w2v args


def _gzip_stream(path: Path, head: bytes, piece: bytes, total: int, tail: bytes = b"") -> None:
    """A gzip file of `head`, then `piece` repeated up to `total` bytes, then `tail`."""
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9) as f:
        f.write(head)
        chunk = piece * (16 * MB // len(piece))
        for _ in range(total // len(chunk)):
            f.write(chunk)
        f.write(tail)


def w2v_binary_dim_1e9(tmp: Path, small_model: Path) -> list:
    """The reported case: a 1.7 MB gzip word2vec binary whose header declares dim 10^9."""
    path = tmp / "dim1e9.bin.gz"
    _gzip_stream(path, b"1 1000000000\nfrog ", bytes(1), 1600 * MB)
    return ["import", path, "-o", tmp / "out-model"]


def w2v_text_line_500mb(tmp: Path, small_model: Path) -> list:
    """word2vec text whose second vector line is 500 MB long (a gzip bomb of 0.5 MB)."""
    path = tmp / "line500MB.txt.gz"
    _gzip_stream(path, b"2 4\nfrog 1 2 3 4\ntoad ", b"1 ", 500 * MB, b"\n")
    return ["import", path, "-o", tmp / "out-model"]


def w2v_headerless_line_500mb(tmp: Path, small_model: Path) -> list:
    """Headerless (GloVe-style) text whose first line is 500 MB long."""
    path = tmp / "glove500MB.txt.gz"
    _gzip_stream(path, b"frog ", b"1 ", 500 * MB, b"\n")
    return ["import", path, "-o", tmp / "out-model"]


def w2v_binary_word_unterminated(tmp: Path, small_model: Path) -> list:
    """word2vec binary whose first word never ends (500 MB of letters, no space)."""
    path = tmp / "noword.bin.gz"
    _gzip_stream(path, b"1 100\n", b"a", 500 * MB)
    return ["import", path, "-o", tmp / "out-model"]


def w2v_binary_vocab_1e12(tmp: Path, small_model: Path) -> list:
    """word2vec binary announcing 10^12 vectors with a body of one."""
    path = tmp / "vocab1e12.bin.gz"
    with gzip.open(path, "wb") as f:
        f.write(b"1000000000000 4\nfrog " + bytes(16) + b"\n")
    return ["import", path, "-o", tmp / "out-model"]


def corpus_token_128mb(command: str):
    def build(tmp: Path, small_model: Path) -> list:
        """A corpus of one 128 MB token: no whitespace at all."""
        path = tmp / "token128MB.txt"
        if not path.exists():
            with open(path, "wb") as f:
                for _ in range(8):
                    f.write(b"a" * (16 * MB))
        if command == "train":
            return ["train", path, "-o", tmp / "out-model", "--epochs", "1"]
        return ["vocab", path]

    build.__doc__ = f"`w2v {command}` on a corpus of one 128 MB token (no whitespace)"
    return build


def corpus_token_bomb(tmp: Path, small_model: Path) -> list:
    """A 1 MB .gz corpus that expands to one 1 GB token."""
    path = tmp / "token1GB.txt.gz"
    _gzip_stream(path, b"", b"a", 1024 * MB)
    return ["vocab", path]


def classify_tsv_line_500mb(tmp: Path, small_model: Path) -> list:
    """`w2v classify train` on a TSV whose one row is a 500 MB line."""
    path = tmp / "data.tsv"
    with open(path, "wb") as f:
        f.write(b"text\tlabel\n")
        for _ in range(500 // 16):
            f.write(b"a " * (8 * MB))
        f.write(b"\tx\n")
    return ["classify", "train", path, "-m", small_model, "-o", tmp / "out-clf"]


def eval_analogies_line_500mb(tmp: Path, small_model: Path) -> list:
    """`w2v eval` on an analogies file whose one question line is 500 MB of two-letter words."""
    path = tmp / "questions.txt"
    with open(path, "wb") as f:
        f.write(b": capitals\n")
        for _ in range(500 // 24):
            f.write(b"ab " * (8 * MB))
        f.write(b"\n")
    return ["eval", "--analogies", path, "-m", small_model]


def _npy_header(shape: tuple, descr: str = "<f4") -> bytes:
    """A version 1.0 .npy header declaring `shape` (what np.save writes before the data)."""
    d = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape!r}, }}"
    body = d.ljust(64 * ((len(d) + 11) // 64 + 1) - 11) + "\n"
    return b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body.encode("latin1")


def _classifier(tmp: Path, small_model: Path, hidden: int, W0_shape: tuple) -> Path:
    """A classifier directory for `small_model` (dim 4, two classes) whose mlp.npz W0
    header declares `W0_shape`, with 1 KB of data behind it."""
    d = tmp / "clf"
    d.mkdir(exist_ok=True)
    meta = {
        "format_version": 1, "kind": "w2v-classifier", "w2v_version": "0.1.0",
        "model": {"path": str(small_model), "vocab_size": 3, "dim": 4, "vectors_sha256": ""},
        "classes": ["a", "b"], "params": {"hidden": [hidden]},
    }  # fmt: skip
    (d / "classifier.json").write_text(json.dumps(meta))
    members = {
        "W0": _npy_header(W0_shape) + bytes(1024),
        "b0": _npy_header((hidden,)) + bytes(4 * min(hidden, 256)),
        "W1": _npy_header((1, hidden)) + bytes(4 * min(hidden, 256)),
        "b1": _npy_header((1,)) + bytes(4),
    }
    with zipfile.ZipFile(d / "mlp.npz", "w") as z:
        for name, data in members.items():
            z.writestr(name + ".npy", data)
    return d


def classifier_npz_1e12(tmp: Path, small_model: Path) -> list:
    """A classifier whose mlp.npz W0 header claims 10^12 float32 (4 TB) over 1 KB of data."""
    return ["classify", "predict", _classifier(tmp, small_model, 8, (10**6, 10**6)), "a frog"]


def classifier_npz_consistent_huge(tmp: Path, small_model: Path) -> list:
    """The same, with classifier.json's hidden size agreeing with it (10^9 x 4 floats)."""
    d = _classifier(tmp, small_model, 10**9, (10**9, 4))
    return ["classify", "predict", d, "a frog"]


def model_vectors_npy_huge(tmp: Path, small_model: Path) -> list:
    """A model directory whose vectors.npy header claims 3 x 10^11 float32 over 48 bytes."""
    d = tmp / "model-huge"
    d.mkdir()
    for name in ("meta.json", "vocab.parquet"):
        (d / name).write_bytes((small_model / name).read_bytes())
    (d / "vectors.npy").write_bytes(_npy_header((3, 10**11)) + bytes(48))
    return ["similar", "frog", "-m", d]


def _parquet(path: Path, columns: dict) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table(columns), path, compression="zstd")


def parquet_import_huge_row(tmp: Path, small_model: Path) -> list:
    """A Parquet vectors file for `w2v import` whose one row is 10^8 zeros (a small file:
    the values are dictionary- and run-length-encoded)."""
    import numpy as np
    import pyarrow as pa

    path = tmp / "huge-row.parquet"
    zeros = pa.array(np.zeros(10**8, np.float32))
    vector = pa.ListArray.from_arrays(pa.array([0, 10**8], pa.int32()), zeros)
    _parquet(path, {"word": pa.array(["frog"]), "vector": vector})
    return ["import", path, "-o", tmp / "out-model"]


def vocab_parquet_bomb(tmp: Path, small_model: Path) -> list:
    """A model directory whose vocab.parquet holds 3 x 10^7 rows of one word (a small file)
    beside a vectors.npy of 3 rows."""
    import numpy as np
    import pyarrow as pa

    d = tmp / "model-vocab-bomb"
    d.mkdir()
    for name in ("meta.json", "vectors.npy"):
        (d / name).write_bytes((small_model / name).read_bytes())
    n = 3 * 10**7
    words = pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array(["frog"]))
    _parquet(d / "vocab.parquet", {"word": words, "count": pa.array(np.ones(n, np.int64))})
    return ["similar", "frog", "-m", d]


INPUTS = {
    "w2v-binary-dim1e9.gz": w2v_binary_dim_1e9,
    "w2v-text-line500MB.gz": w2v_text_line_500mb,
    "w2v-headerless-line500MB.gz": w2v_headerless_line_500mb,
    "w2v-binary-word-unterminated.gz": w2v_binary_word_unterminated,
    "w2v-binary-vocab1e12.gz": w2v_binary_vocab_1e12,
    "corpus-token128MB-vocab": corpus_token_128mb("vocab"),
    "corpus-token128MB-train": corpus_token_128mb("train"),
    "corpus-token1GB.gz-vocab": corpus_token_bomb,
    "classify-tsv-line500MB": classify_tsv_line_500mb,
    "eval-analogies-line500MB": eval_analogies_line_500mb,
    "classifier-npz-1e12": classifier_npz_1e12,
    "classifier-npz-consistent-huge": classifier_npz_consistent_huge,
    "model-vectors.npy-3x1e11": model_vectors_npy_huge,
    "model-vocab.parquet-3e7-rows": vocab_parquet_bomb,
    "parquet-import-row-1e8": parquet_import_huge_row,
}


def stderr_line(err: str) -> str:
    lines = err.strip().splitlines()
    if len(lines) <= 1:
        return lines[0] if lines else "(nothing)"
    return f"[{len(lines)} lines] ... {lines[-1]}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkout", type=Path, default=REPO, help="the w2v checkout to run")
    ap.add_argument("--only", nargs="*", choices=sorted(INPUTS), help="run only these inputs")
    ap.add_argument("--timeout", type=float, default=120.0, help="kill a child after this")
    ap.add_argument("--kill-mb", type=float, default=4000.0, help="kill a child beyond this RSS")
    args = ap.parse_args()
    run = Launcher(args.checkout.resolve(), args.timeout, args.kill_mb)  # before any big buffer
    print(f"checkout {args.checkout.resolve()}; python {sys.version.split()[0]}; "
          f"cores {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"bar: exit status 2, one stderr line, <= {BUDGET_SECONDS:.0f} s, <= {BUDGET_MB:.0f} MB")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        tmp = Path(tmp)
        small_model = tmp / "small-model"
        (tmp / "small.txt").write_text("frog 1 0 0 0\ntoad 0 1 0 0\nnewt 0 0 1 0\n")
        made = run.w2v("import", tmp / "small.txt", "-o", small_model)
        if made["rc"] != 0:
            sys.exit(f"bench_hostile: cannot make the small model:\n{made['err']}")
        for name, build in INPUTS.items():
            if args.only and name not in args.only:
                continue
            work = tmp / name
            work.mkdir()
            argv = build(work, small_model)
            r = run.w2v(*argv)
            lines = r["err"].strip().splitlines()
            ok = (
                r["rc"] == 2 and len(lines) == 1 and r["wall"] <= BUDGET_SECONDS
                and r["rss"] <= BUDGET_MB
            )  # fmt: skip
            failures += not ok
            status = f"{r['rc']}" + (f" ({r['killed']})" if r["killed"] else "")
            print(
                f"{'ok  ' if ok else 'FAIL'} {name:32} exit {status:>4}  {r['wall']:6.2f} s  "
                f"{r['rss']:7.0f} MB  {stderr_line(r['err'])}",
                flush=True,
            )
            for p in sorted(work.rglob("*"), reverse=True):  # free the disk as we go
                p.rmdir() if p.is_dir() else p.unlink()
    run.close()
    print(f"{failures} of the inputs miss the bar" if failures else "every input meets the bar")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--launcher":
        launcher(float(sys.argv[2]), float(sys.argv[3]))
    else:
        main()
