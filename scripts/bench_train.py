"""Benchmark `w2v train` against gensim's Word2Vec on the same corpus, in the same run.

    PYTHONPATH=. /work/venv/bin/python scripts/bench_train.py [--corpus FILE] [--runs 2]

Defaults: the unpacked ../shared/data/gcide_wn.txt.xz, skip-gram, dim 100, window 5,
negative 5, min_count 5, sample 1e-3, 5 epochs, 2 workers. Each training is its own
subprocess, alternating gensim and w2v, so that both see the same machine; its wall time is
end to end (interpreter start, imports, vocabulary, encoding, training, writing the vectors)
and its peak RSS comes from wait4(). Every model is then judged by gensim's own
evaluate_word_analogies (restrict 30,000) and evaluate_word_pairs (WordSim353, SimLex-999).
Then w2v with 1 worker (scaling) and CBOW against gensim sg=0, the same way.

The trainers are started by a small launcher process (_bench.Launcher), spawned before this
script imports anything heavy: Linux carries the forking process's resident-set high-water
mark into a child's ru_maxrss across fork and exec, so children of this (large,
gensim-loaded) process would all report at least its size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import NUMBA_FLOOR, WARM_RANGES, Launcher, evaluate, gensim_cmd, unpacked_corpus


def run(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of cmd, run by the launcher."""
    r = LAUNCHER.run(cmd)
    return r["wall"], r["rss"]


LAUNCHER: Launcher | None = None


def trainer_cmd(name: str, corpus: Path, out: Path, arch: str, workers: int, epochs: int):
    if name == "gensim":
        return gensim_cmd(
            corpus, out, sg=1 if arch == "sgns" else 0, vector_size=100, window=5, negative=5,
            min_count=5, sample=1e-3, epochs=epochs, workers=workers, seed=1,
        )  # fmt: skip
    return [sys.executable, "-m", "w2v", "train", str(corpus), "-o", str(out), "--force",
            "--arch", arch, "--workers", str(workers), "--epochs", str(epochs),
            "--dim", "100", "--window", "5", "--negative", "5", "--min-count", "5",
            "--sample", "1e-3", "--seed", "1"]  # fmt: skip


def compare(corpus: Path, tmp: Path, arch: str, runs: int, workers: int, epochs: int) -> dict:
    """Alternate gensim and w2v `runs` times each; print every run and the summary."""
    rows = {"gensim": [], "w2v": []}
    print(f"\n== {arch}: gensim {'sg=1' if arch == 'sgns' else 'sg=0'} vs w2v --arch {arch}, "
          f"workers={workers}, epochs={epochs} ==")  # fmt: skip
    print(f"{'run':>4} {'trainer':8} {'wall s':>8} {'peak MB':>8} {'analogy':>8} "
          f"{'WS353':>7} {'SimLex':>7}")  # fmt: skip
    for r in range(runs):
        order = ("gensim", "w2v") if r % 2 == 0 else ("w2v", "gensim")
        for name in order:
            out = tmp / f"{arch}-{name}-{r}"
            wall, rss = run(trainer_cmd(name, corpus, out, arch, workers, epochs))
            q = evaluate(out)
            shutil.rmtree(out)
            rows[name].append({"wall": wall, "rss": rss, **q})
            print(f"{r + 1:>4} {name:8} {wall:8.1f} {rss:8.0f} {q['analogy']:8.4f} "
                  f"{q['ws353']:7.4f} {q['simlex']:7.4f}", flush=True)  # fmt: skip
    med = {n: {k: statistics.median(x[k] for x in rs) for k in rs[0]} for n, rs in rows.items()}
    g, w = med["gensim"], med["w2v"]
    pair_ratios = [a["wall"] / b["wall"] for a, b in zip(rows["gensim"], rows["w2v"], strict=True)]
    print(f"median gensim: wall {g['wall']:.1f} s, peak {g['rss']:.0f} MB, analogy "
          f"{g['analogy']:.4f}, WS353 {g['ws353']:.4f}, SimLex {g['simlex']:.4f}")  # fmt: skip
    print(f"median w2v:    wall {w['wall']:.1f} s, peak {w['rss']:.0f} MB, analogy "
          f"{w['analogy']:.4f}, WS353 {w['ws353']:.4f}, SimLex {w['simlex']:.4f}")  # fmt: skip
    print(
        f"speed ratio gensim/w2v: {g['wall'] / w['wall']:.2f} (medians); per pair "
        + ", ".join(f"{x:.2f}" for x in pair_ratios)
    )
    print(f"quality w2v − gensim: analogy {100 * (w['analogy'] - g['analogy']):+.2f} points, "
          f"WS353 {w['ws353'] - g['ws353']:+.4f}, SimLex {w['simlex'] - g['simlex']:+.4f}; "
          f"peak RSS w2v/gensim {w['rss'] / g['rss']:.2f}")  # fmt: skip
    return med


def scaling(corpus: Path, tmp: Path, epochs: int) -> None:
    print(f"\n== scaling: w2v sgns, workers 1 vs 2, epochs={epochs} ==")
    walls = {}
    for workers in (1, 2, 1, 2):
        out = tmp / f"scale-{workers}"
        wall, rss = run(trainer_cmd("w2v", corpus, out, "sgns", workers, epochs))
        shutil.rmtree(out)
        walls.setdefault(workers, []).append(wall)
        print(f"workers={workers}: wall {wall:.1f} s, peak {rss:.0f} MB", flush=True)
    w1, w2 = min(walls[1]), min(walls[2])
    print(f"speed-up 2 workers / 1 worker (best of 2 each, end to end): {w1 / w2:.2f}")


def main() -> None:
    global LAUNCHER
    LAUNCHER = Launcher()  # first, while this process is small
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, help="text corpus (default: unpacked gcide_wn)")
    ap.add_argument("--runs", type=int, default=2, help="runs per trainer (alternating)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--skip-cbow", action="store_true")
    ap.add_argument("--skip-scaling", action="store_true")
    ap.add_argument("--skip-sgns", action="store_true")
    args = ap.parse_args()
    corpus = args.corpus or unpacked_corpus()
    print(
        f"corpus {corpus} ({corpus.stat().st_size / 1e6:.1f} MB); python {sys.version.split()[0]}"
    )
    import gensim
    import numba

    print(f"gensim {gensim.__version__}, numba {numba.__version__}, cores {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    _, base = run([sys.executable, "-c", "pass"])
    print(f"peak RSS of an empty python child of the launcher: {base:.0f} MB")
    _, floor = run([sys.executable, "-c", NUMBA_FLOOR])
    print(f"peak RSS of a child that calls one cached one-line Numba function: {floor:.0f} MB "
          f"(the Numba/LLVM runtime every w2v trainer process carries)")  # fmt: skip
    # compile w2v's kernels once so that no timed run pays for it (a user's first run does)
    with tempfile.TemporaryDirectory(prefix="bench-train-") as warm:
        small = Path(warm, "small.txt")
        small.write_text("the cat sat on the mat\n" * 50)
        run([sys.executable, "-c", WARM_RANGES, str(small)])
        for arch in ("sgns", "cbow"):
            run(trainer_cmd("w2v", small, Path(warm, arch), arch, 1, 1))
    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        tmp = Path(tmp)
        if not args.skip_sgns:
            compare(corpus, tmp, "sgns", args.runs, args.workers, args.epochs)
        if not args.skip_scaling:
            scaling(corpus, tmp, args.epochs)
        if not args.skip_cbow:
            compare(corpus, tmp, "cbow", args.runs, args.workers, args.epochs)
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    LAUNCHER.close()


if __name__ == "__main__":
    main()
