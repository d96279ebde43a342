"""Cost of `w2v train` as the corpus grows: one epoch on gcide_wn × 1 and × 10.

    PYTHONPATH=. python scripts/bench_scale.py [--copies 10] [--runs 1] [--no-gensim]

A trainer's fixed costs (interpreter, imports, loading Numba's cache, writing the model) do
not grow with the corpus; everything else should grow at most in proportion, and nothing
held in anonymous memory should grow at all: the text is streamed, the encoded corpus is
a file in $TMPDIR read chunk by chunk, and the vocabulary of ten copies is that of one.
The bars (issue 15): wall time × 10 at most 11 times that of × 1, peak RssAnon × 10 at most
1.10 times that of × 1. Each run is `w2v train --epochs 1 --workers 2` (skip-gram, dim 100,
window 5, negative 5, sample 1e-3, min_count 5) in a child of _bench.Launcher, which polls
its RssAnon (file-backed pages such as the page cache of the encoded corpus are not in it);
the phases come from the model's meta.json.

The × N run uses min_count 5·N: every word of the copies occurs exactly N times as often,
so the vocabulary (48,578 words) and the model (U and V, 39 MB) are those of × 1. At
min_count 5 the copies would keep every word seen once in gcide_wn (215,445, a model 4.4
times larger): memory that grows with the vocabulary a user asks for, not with the corpus.

gensim's Word2Vec(corpus_file=..., workers=2)
at the same settings is timed beside it for context (--no-gensim skips it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import WARM_RANGES, Launcher, gensim_cmd, repeated, unpacked_corpus

SETTINGS = {"dim": 100, "window": 5, "negative": 5, "sample": 1e-3, "min_count": 5}
WALL_BAR, ANON_BAR = 11.0, 1.10


def w2v_cmd(corpus: Path, out: Path, copies: int) -> list[str]:
    cmd = [sys.executable, "-m", "w2v", "train", str(corpus), "-o", str(out), "--force",
           "--epochs", "1", "--workers", "2", "--seed", "1"]  # fmt: skip
    for key, value in (SETTINGS | {"min_count": SETTINGS["min_count"] * copies}).items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    return cmd


def gensim_trainer(corpus: Path, out: Path, copies: int) -> list[str]:
    return gensim_cmd(
        corpus, out, sg=1, vector_size=SETTINGS["dim"], window=SETTINGS["window"],
        negative=SETTINGS["negative"], sample=SETTINGS["sample"],
        min_count=SETTINGS["min_count"] * copies, epochs=1, workers=2, seed=1,
    )  # fmt: skip


def phases(out: Path) -> str:
    meta = json.loads((out / "meta.json").read_text())
    words = meta["corpus"]["vocab_size"]
    vocab, encode, train = (meta[f"{k}_seconds"] for k in ("vocab", "encode", "train"))
    return f"{words:,} words; vocab {vocab:5.2f}  encode {encode:5.2f}  train {train:6.2f}"


def main() -> None:
    launcher = Launcher()  # first, while this process is small
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--runs", type=int, default=1, help="runs of each size (best is kept)")
    ap.add_argument("--no-gensim", action="store_true", help="skip gensim's runs")
    args = ap.parse_args()
    one = unpacked_corpus()
    many = repeated(one, args.copies)
    print(f"corpus {one} ({one.stat().st_size / 1e6:.1f} MB) and {many} "
          f"({many.stat().st_size / 1e6:.1f} MB); cores {os.cpu_count()}, load average "
          f"{os.getloadavg()[0]:.1f}")  # fmt: skip
    best: dict[tuple[str, int], dict] = {}  # over the runs
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        tmp = Path(tmp)
        small = tmp / "small.txt"  # compile w2v's kernels once, so that no timed run pays
        small.write_text("the cat sat on the mat\n" * 50)
        launcher.run([sys.executable, "-c", WARM_RANGES, str(small)])
        launcher.run(w2v_cmd(small, tmp / "warm", 1) + ["--min-count", "1"])  # the last wins
        tools = ("w2v",) if args.no_gensim else ("w2v", "gensim")
        print(
            f"{'tool':6} {'copies':>6} {'wall s':>8} {'RssAnon MB':>10} {'RSS MB':>8}  phases (s)"
        )
        for _ in range(args.runs):
            for copies, corpus in ((1, one), (args.copies, many)):
                for tool in tools:
                    out = tmp / f"{tool}-{copies}"
                    trainer = w2v_cmd if tool == "w2v" else gensim_trainer
                    cmd = trainer(corpus, out, copies)
                    r = launcher.run(cmd)
                    detail = phases(out) if tool == "w2v" else ""
                    shutil.rmtree(out)
                    print(f"{tool:6} {copies:>6} {r['wall']:8.1f} {r['rss_anon']:10.0f} "
                          f"{r['rss']:8.0f}  {detail}", flush=True)  # fmt: skip
                    seen = best.setdefault((tool, copies), r)  # fastest wall, largest anon
                    seen["wall"] = min(seen["wall"], r["wall"])
                    seen["rss_anon"] = max(seen["rss_anon"], r["rss_anon"])
    print()
    for tool in tools:
        a, b = best[(tool, 1)], best[(tool, args.copies)]
        wall, anon = b["wall"] / a["wall"], b["rss_anon"] / a["rss_anon"]
        verdict = ""
        if tool == "w2v":
            ok = wall <= WALL_BAR and anon <= ANON_BAR
            verdict = (f"  bars: wall ≤ {WALL_BAR:g}, RssAnon ≤ {ANON_BAR:.2f}: "
                       f"{'met' if ok else 'MISSED'}")  # fmt: skip
        print(f"{tool:6} ×{args.copies} / ×1: wall {wall:5.2f}, peak RssAnon {anon:4.2f}{verdict}")
    if not args.no_gensim:
        for copies in (1, args.copies):
            g, w = best[("gensim", copies)], best[("w2v", copies)]
            print(f"wall ratio gensim/w2v at ×{copies}: {g['wall'] / w['wall']:.2f}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    launcher.close()


if __name__ == "__main__":
    main()
