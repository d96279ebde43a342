"""What the second thread buys, and what sharing U and V between the threads costs.

    PYTHONPATH=. python scripts/bench_threads.py [--rows 14,17] [--repeat 2]

For each bench_grid row (one epoch of it), the training seconds (meta.json's
train_seconds: the kernel's time, no vocabulary, encoding or saving) of

    w1        `w2v train` with --workers 1 on the corpus
    w2        the same with --workers 2 (Hogwild: both threads step on one U and one V)
    halves    two `--workers 1` processes at once, each on its half of the corpus's lines
              (min_count halved): two cores, nothing shared but the machine
    alone     each half trained by itself, one after the other

and the ratios: w1 / w2 (what the second thread buys; 2 at best), the halves' slowdown when
they run together (contention for the memory system alone), and w2 against half the
halves' summed time together, the time of two cores that share nothing and split the work
evenly (w2's spans are handed out one at a time, so its threads do split evenly; the two
halves of gcide_wn do not): what is left, above 1, is what sharing U and V costs, cache
lines moving between the cores. Each configuration runs `--repeat` times; the run whose
longest time is shortest is kept.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_grid  # noqa: E402 (the script's own folder)
from _bench import unpacked_corpus  # noqa: E402

TOO_SHORT = 0.2  # seconds of training below which the ratios mean nothing


def train_cmd(corpus: Path, out: Path, row: dict, workers: int, min_count: int) -> list[str]:
    cmd = bench_grid.w2v_trainer(corpus, out, {**row, "min_count": min_count}, 1, None)
    return cmd + ["--workers", str(workers)]  # the last --workers wins


def train_seconds(out: Path) -> float:
    return float(json.loads((out / "meta.json").read_text())["train_seconds"])


def whole(corpus: Path, out: Path, row: dict, workers: int) -> tuple[float]:
    cmd = train_cmd(corpus, out, row, workers, row["min_count"])
    subprocess.run(cmd, check=True, capture_output=True)
    return (train_seconds(out),)


def alone(parts: list[Path], outs: list[Path], row: dict, min_count: int) -> tuple[float, ...]:
    for part, out in zip(parts, outs, strict=True):
        subprocess.run(train_cmd(part, out, row, 1, min_count), check=True, capture_output=True)
    return tuple(train_seconds(out) for out in outs)


def together(parts: list[Path], outs: list[Path], row: dict, min_count: int) -> tuple[float, ...]:
    cmds = [train_cmd(part, out, row, 1, min_count) for part, out in zip(parts, outs, strict=True)]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [subprocess.Popen(cmd, **quiet) for cmd in cmds]
    if any(p.wait() for p in procs):
        sys.exit("bench_threads: a half's training failed")
    return tuple(train_seconds(out) for out in outs)


def best(runs: int, measure, *args) -> tuple[float, ...]:
    """The run of `measure(*args)` whose longest time is shortest."""
    return min((measure(*args) for _ in range(runs)), key=max)


def halves(corpus: Path, tmp: Path) -> list[Path]:
    lines = corpus.read_bytes().splitlines(keepends=True)
    first, second = Path(tmp, "half1.txt"), Path(tmp, "half2.txt")
    first.write_bytes(b"".join(lines[: len(lines) // 2]))
    second.write_bytes(b"".join(lines[len(lines) // 2 :]))
    return [first, second]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", default="14,17", help="bench_grid rows, e.g. 14,17")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--corpus", type=Path, default=None)
    args = ap.parse_args()
    corpus = args.corpus or unpacked_corpus()
    with tempfile.TemporaryDirectory(prefix="bench-threads-") as tmp:
        parts = halves(corpus, Path(tmp))
        outs = [Path(tmp, "m0"), Path(tmp, "m1")]
        print(f"corpus {corpus}; training seconds, best of {args.repeat}; one epoch of each row")
        print("row settings                     |    w1    w2  w1/w2 | alone 1/2  together 1/2 "
              "slowdown | w2 / (Σ together / 2)")  # fmt: skip
        for n in bench_grid.parse_rows(args.rows):
            row = {**dict(zip(bench_grid.FIELDS, bench_grid.GRID[n - 1], strict=True)), "epochs": 1}
            half_mc = max(1, row["min_count"] // 2)
            whole(corpus, outs[0], row, 2)  # compiles what the cache lacks, warms the page cache
            (w1,) = best(args.repeat, whole, corpus, outs[0], row, 1)
            (w2,) = best(args.repeat, whole, corpus, outs[0], row, 2)
            a = best(args.repeat, alone, parts, outs, row, half_mc)
            t = best(args.repeat, together, parts, outs, row, half_mc)
            slowdown = sum(t) / sum(a)
            print(f"{n:3} {bench_grid.settings(row)} | {w1:5.2f} {w2:5.2f} {w1 / w2:5.2f}x |"
                  f" {a[0]:4.2f}/{a[1]:4.2f}  {t[0]:4.2f}/{t[1]:4.2f}  {slowdown:6.2f}x |"
                  f" {w2 / (sum(t) / 2):6.2f}x", flush=True)  # fmt: skip
            if min(w2, *t) < TOO_SHORT:
                print(f"    row {n}: a training took under {TOO_SHORT} s; its ratios are noise,"
                      " not a measurement (a larger --corpus)")  # fmt: skip


if __name__ == "__main__":
    main()
