"""w2v against gensim's Word2Vec(corpus_file=...) over a grid of settings, in the same run.

    PYTHONPATH=. python scripts/bench_grid.py [--rows 1,3-5] [--repeat 2] [--schedule NAME]
                                              [--out results.json] [--corpus FILE]

One README setting is not a promise: people train with few epochs and strong subsampling on
large corpora, with small windows for syntax and large ones for topics, with dims from 50 to
300. Each row of GRID trains gensim `Word2Vec(corpus_file=..., workers=2)` and `w2v train
--workers 2` with the same settings and seed, alternating which goes first, each in its own
child process started by _bench.Launcher; both models are judged by gensim's own
evaluate_word_analogies (Google, restrict 30,000) and evaluate_word_pairs (WordSim353,
SimLex-999 Spearman). The learning rate is each tool's default (gensim 0.025 for both
architectures; w2v word2vec.c's 0.025 skip-gram, 0.05 CBOW), as a user switching tools gets.

Per row it prints the wall times (end to end: interpreter, imports, vocabulary, encoding,
training, writing the vectors) and their ratio gensim / w2v, both sets of scores and the
deltas w2v − gensim (analogy in points), the peak anonymous memory (RssAnon, polled by the
launcher every 10 ms; file-backed pages such as the memory-mapped corpus are not in it) and
`!` after a delta that misses the bar (analogy −1.0 point, Spearman −0.015). Then the grid's
medians and means. With --repeat N every row runs N times with seeds 1..N and the line
shows the means, with the spread (max − min) of each delta beside it: a row whose spread is
as large as its delta is noise, not a verdict.

Parallel training is not reproducible in either tool (Hogwild threads), and the seed moves a
row further: over seeds 1-3 an analogy delta spanned up to 1.8 points (rows 6 and 13: five
epochs, strong subsampling) and a Spearman delta up to 0.05 on the rows that barely train
(one epoch, sample 1e-5). Judge a row that misses by less than that with --repeat 3.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import NUMBA_FLOOR, WARM_RANGES, Launcher, evaluate, gensim_cmd, unpacked_corpus

# (arch, epochs, sample, window, negative, dim, min_count); row n of the output is GRID[n − 1]
GRID = [
    ("sgns", 5, 1e-3, 5, 5, 100, 5),  # the README setting
    ("sgns", 1, 1e-5, 5, 5, 100, 5),  # issue 15's: one epoch, strong subsampling
    ("sgns", 1, 1e-3, 5, 5, 100, 5),
    ("sgns", 2, 1e-4, 5, 5, 100, 5),
    ("sgns", 2, 0.0, 5, 5, 100, 5),
    ("sgns", 5, 1e-5, 10, 5, 100, 5),
    ("sgns", 2, 1e-3, 2, 5, 100, 5),
    ("sgns", 1, 1e-4, 10, 5, 100, 20),
    ("sgns", 2, 1e-3, 5, 2, 100, 5),
    ("sgns", 2, 1e-4, 5, 15, 100, 5),
    ("sgns", 2, 1e-3, 5, 5, 50, 5),
    ("sgns", 2, 1e-4, 5, 5, 300, 5),
    ("sgns", 5, 1e-4, 5, 5, 50, 20),
    ("sgns", 1, 1e-5, 2, 15, 300, 20),
    ("cbow", 5, 1e-3, 5, 5, 100, 5),
    ("cbow", 1, 1e-5, 5, 5, 100, 5),
    ("cbow", 2, 1e-4, 10, 15, 300, 5),
    ("cbow", 2, 0.0, 2, 5, 50, 20),
]
FIELDS = ("arch", "epochs", "sample", "window", "negative", "dim", "min_count")
SCORES = ("analogy", "ws353", "simlex")
BAR = {"analogy": -0.01, "ws353": -0.015, "simlex": -0.015}  # the most w2v may trail gensim
WORKERS = 2


def gensim_trainer(corpus: Path, out: Path, row: dict, seed: int) -> list[str]:
    return gensim_cmd(
        corpus, out, sg=1 if row["arch"] == "sgns" else 0, vector_size=row["dim"],
        window=row["window"], negative=row["negative"], min_count=row["min_count"],
        sample=row["sample"], epochs=row["epochs"], workers=WORKERS, seed=seed,
    )  # fmt: skip


def w2v_trainer(corpus: Path, out: Path, row: dict, seed: int, schedule: str | None):
    cmd = [sys.executable, "-m", "w2v", "train", str(corpus), "-o", str(out), "--force",
           "--workers", str(WORKERS), "--seed", str(seed)]  # fmt: skip
    for key in FIELDS:
        cmd += [f"--{key.replace('_', '-')}", str(row[key])]
    return cmd + (["--schedule", schedule] if schedule else [])


def parse_rows(text: str | None) -> list[int]:
    """'1,3-5' -> [1, 3, 4, 5] (1-based row numbers)."""
    if not text:
        return list(range(1, len(GRID) + 1))
    rows = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        rows += range(int(a), int(b or a) + 1)
    if not all(1 <= r <= len(GRID) for r in rows):
        sys.exit(f"bench_grid: rows are 1..{len(GRID)}")
    return rows


def settings(row: dict) -> str:
    return (f"{row['arch']:4} {row['epochs']} {row['sample']:<6g} {row['window']:>2} "
            f"{row['negative']:>2} {row['dim']:>3} {row['min_count']:>2}")  # fmt: skip


HEADER = (
    f"{'row':>3} {'arch':4} e {'sample':6} {'w':>2} {'k':>2} {'dim':>3} {'mc':>2} | "
    f"{'gensim s':>8} {'w2v s':>6} {'ratio':>5} | {'gensim an/ws/sl':20} | {'w2v an/ws/sl':20} | "
    f"{'Δan pt':>7} {'ΔWS':>7} {'ΔSL':>7} | {'anon MB g/w':>11}"
)


def scores(r: dict) -> str:
    return f"{r['analogy']:.4f}/{r['ws353']:.3f}/{r['simlex']:.3f}"


def deltas(r: dict, spread: dict | None = None) -> str:
    """The deltas w2v − gensim (analogy in points), `!` after one that misses its bar, and
    with `spread` half the range of each delta over the runs."""
    out = []
    for k in SCORES:
        d = r["w2v"][k] - r["gensim"][k]
        scale, digits = (100, 2) if k == "analogy" else (1, 4)
        text = f"{scale * d:+.{digits}f}" + ("!" if d < BAR[k] else " ")
        if spread:
            text += f"±{scale * spread[k] / 2:.{digits - 1}f}"
        out.append(f"{text:>7}")
    return " ".join(out)


def line(n: int, r: dict, spread: dict | None = None) -> str:
    g, w = r["gensim"], r["w2v"]
    return (
        f"{n:>3} {settings(r['row'])} | {g['wall']:8.1f} {w['wall']:6.1f} "
        f"{g['wall'] / w['wall']:5.2f} | {scores(g):20} | {scores(w):20} | "
        f"{deltas(r, spread)} | {g['rss_anon']:5.0f}/{w['rss_anon']:<5.0f}"
    )


def run_row(launcher, corpus, tmp, n, row, repeat, schedule) -> dict:
    """Train and judge both tools `repeat` times on one row; the mean of each figure."""
    runs = []
    for r in range(repeat):
        seed = 1 + r
        order = ("gensim", "w2v") if (n + r) % 2 else ("w2v", "gensim")
        run = {}
        for name in order:
            out = tmp / f"{n}-{name}-{r}"
            if name == "gensim":
                cmd = gensim_trainer(corpus, out, row, seed)
            else:
                cmd = w2v_trainer(corpus, out, row, seed, schedule)
            run[name] = launcher.run(cmd) | evaluate(out)
            shutil.rmtree(out)
        runs.append(run)
        if repeat > 1:
            print(f"    run {r + 1} (seed {seed}): {line(n, run | {'row': row})}", flush=True)
    mean = {
        name: {k: statistics.fmean(x[name][k] for x in runs) for k in runs[0][name]}
        for name in ("gensim", "w2v")
    }
    spread = {
        k: max(x["w2v"][k] - x["gensim"][k] for x in runs)
        - min(x["w2v"][k] - x["gensim"][k] for x in runs)
        for k in SCORES
    }
    return {"n": n, "row": row, "runs": runs, "spread": spread, **mean}


def summary(results: list[dict]) -> None:
    print()
    for label, f in (("median", statistics.median), ("mean", statistics.fmean)):
        ratio = f(r["gensim"]["wall"] / r["w2v"]["wall"] for r in results)
        g = {k: f(r["gensim"][k] for r in results) for k in SCORES}
        w = {k: f(r["w2v"][k] for r in results) for k in SCORES}
        d = {k: f(r["w2v"][k] - r["gensim"][k] for r in results) for k in SCORES}
        print(f"grid {label:6} wall ratio gensim/w2v {ratio:.2f}; gensim {scores(g)}, "
              f"w2v {scores(w)}; w2v − gensim: analogy {100 * d['analogy']:+.2f} points, "
              f"WS353 {d['ws353']:+.4f}, SimLex {d['simlex']:+.4f}")  # fmt: skip
    ratios = [r["gensim"]["wall"] / r["w2v"]["wall"] for r in results]
    misses = [r["n"] for r in results if any(r["w2v"][k] - r["gensim"][k] < BAR[k] for k in SCORES)]
    print(f"wall ratio: lowest {min(ratios):.2f} (row {results[ratios.index(min(ratios))]['n']}), "
          f"highest {max(ratios):.2f}")  # fmt: skip
    anon = [(r["w2v"]["rss_anon"] - r["gensim"]["rss_anon"], r["n"]) for r in results]
    print(f"peak RssAnon w2v − gensim: largest {max(anon)[0]:+.0f} MB (row {max(anon)[1]}), "
          f"median {statistics.median(a for a, _ in anon):+.0f} MB")  # fmt: skip
    print(f"rows missing a quality bar (analogy −1.0 point, Spearman −0.015): "
          f"{', '.join(map(str, misses)) or 'none'}")  # fmt: skip


def main() -> None:
    launcher = Launcher()  # first, while this process is small
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, help="text corpus (default: unpacked gcide_wn)")
    ap.add_argument("--rows", help="rows to run, e.g. 1,3-5 (default: all)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per row and tool (seeds 1..N)")
    ap.add_argument("--schedule", help="passed to `w2v train --schedule` (default: w2v's)")
    ap.add_argument("--out", type=Path, help="write every row and run to this JSON file")
    args = ap.parse_args()
    corpus = args.corpus or unpacked_corpus()
    import gensim
    import numba

    print(f"corpus {corpus} ({corpus.stat().st_size / 1e6:.1f} MB); gensim {gensim.__version__}, "
          f"numba {numba.__version__}, cores {os.cpu_count()}, load average "
          f"{os.getloadavg()[0]:.1f}; w2v schedule: {args.schedule or 'default'}; "
          f"workers {WORKERS}; repeat {args.repeat}")  # fmt: skip
    floor = launcher.run([sys.executable, "-c", NUMBA_FLOOR])
    print(f"Numba runtime floor (a child calling one cached Numba function): peak RssAnon "
          f"{floor['rss_anon']:.0f} MB, peak RSS {floor['rss']:.0f} MB")  # fmt: skip
    rows = parse_rows(args.rows)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-grid-") as tmp:
        tmp = Path(tmp)
        small = tmp / "small.txt"  # compile w2v's kernels once, so that no timed run pays
        small.write_text("the cat sat on the mat\n" * 50)
        launcher.run([sys.executable, "-c", WARM_RANGES, str(small)])
        for arch in ("sgns", "cbow"):
            warm = {**dict(zip(FIELDS, GRID[0], strict=True)), "arch": arch, "min_count": 1}
            launcher.run(w2v_trainer(small, tmp / arch, warm | {"epochs": 1}, 1, args.schedule))
        print(HEADER, flush=True)
        for n in rows:
            row = dict(zip(FIELDS, GRID[n - 1], strict=True))
            r = run_row(launcher, corpus, tmp, n, row, args.repeat, args.schedule)
            results.append(r)
            print(line(n, r, r["spread"] if args.repeat > 1 else None), flush=True)
            if args.out:
                args.out.write_text(json.dumps(results, indent=1))
    summary(results)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    launcher.close()


if __name__ == "__main__":
    main()
