"""How much of a grid row's WordSim353 / SimLex-999 score is word frequency, for both tools.

    PYTHONPATH=. python scripts/grid_pairs_by_frequency.py [--rows 14] [--seeds 1,2,3]

Trains gensim and w2v at the settings of scripts/bench_grid.py's rows (one seed at a time,
gensim first) and, for each model and each pair set, over the pairs whose two words are in
the vocabulary, prints Spearman correlations:

    ρ(cos, gold)               the benchmark's score (gensim's evaluate_word_pairs)
    ρ(cos, −log f)             f = count(a)·count(b): cosines that follow the words' rarity
    ρ(cos, gold | −log f)      the score with frequency partialled out (ranks, then Pearson's
                               partial correlation: (r_xy − r_xz·r_yz) / √((1 − r_xz²)(1 − r_yz²)))

and the gold scores' own ρ(gold, −log f). A model that has learned little (a row's mean
cosine near 1) ranks pairs by what its rows share, rarity among it; this tells that part of
a score from the part that tracks the gold ratings among words of equal frequency.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_grid  # noqa: E402 (the script's own folder)
from _bench import load_vectors, unpacked_corpus  # noqa: E402

PAIR_SETS = {"ws353": "wordsim353.tsv", "simlex": "simlex999.txt"}
MIN_PAIRS = 20  # fewer pairs in the vocabulary: no correlation is printed


def gold_pairs(name: str) -> list[tuple[str, str, float]]:
    """(a, b, rating) of a gensim test-data pair file, lower-cased as evaluate_word_pairs
    does with case_insensitive=True."""
    from gensim.test.utils import datapath

    pairs = []
    for line in open(datapath(PAIR_SETS[name]), encoding="utf-8"):
        if not line.startswith("#"):
            a, b, rating = line.lower().split("\t")[:3]
            pairs.append((a, b, float(rating)))
    return pairs


def spearman(x, y) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(x, y)[0])


def partial_spearman(x, y, z) -> float:
    """ρ(x, y | z): Pearson's partial correlation of the ranks."""
    from scipy.stats import rankdata

    rx, ry, rz = (rankdata(v) for v in (x, y, z))
    r_xy, r_xz, r_yz = (np.corrcoef(a, b)[0, 1] for a, b in ((rx, ry), (rx, rz), (ry, rz)))
    return float((r_xy - r_xz * r_yz) / np.sqrt((1 - r_xz**2) * (1 - r_yz**2)))


def judge(out: Path, counts: dict[str, int]) -> dict[str, dict[str, float]]:
    kv = load_vectors(out)
    result = {}
    for name in PAIR_SETS:
        known = kv.key_to_index
        kept = [(a, b, g) for a, b, g in gold_pairs(name) if a in known and b in known]
        cos = [float(kv.similarity(a, b)) for a, b, _ in kept]
        gold = [g for _, _, g in kept]
        rarity = [-np.log(counts[a]) - np.log(counts[b]) for a, b, _ in kept]
        if len(kept) < MIN_PAIRS:
            result[name] = {"pairs": len(kept)}
            continue
        result[name] = {
            "pairs": len(kept),
            "cos_gold": spearman(cos, gold),
            "cos_rarity": spearman(cos, rarity),
            "partial": partial_spearman(cos, gold, rarity),
            "gold_rarity": spearman(gold, rarity),
            "mean_cos": float(np.mean(cos)),
        }
    return result


def vocab_counts(model: Path) -> dict[str, int]:
    import pyarrow.parquet as pq

    vocab = pq.read_table(model / "vocab.parquet")
    words, counts = vocab.column("word").to_pylist(), vocab.column("count").to_pylist()
    return dict(zip(words, counts, strict=True))


HEADER = "row seed tool   set    pairs  ρ(cos,gold)  ρ(cos,−log f)  ρ(cos,gold | −log f)  mean cos"


def line(n: int, seed: int, tool: str, name: str, r: dict[str, float]) -> str:
    if r["pairs"] < MIN_PAIRS:
        return f"{n:3} {seed:4} {tool:6} {name:6} {r['pairs']:5}  too few pairs to correlate"
    return (
        f"{n:3} {seed:4} {tool:6} {name:6} {r['pairs']:5}  {r['cos_gold']:+11.3f}"
        f"  {r['cos_rarity']:+13.3f}  {r['partial']:+20.3f}  {r['mean_cos']:8.4f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", default="14", help="bench_grid rows, e.g. 14 or 1,14")
    ap.add_argument("--seeds", default="1", help="e.g. 1,2,3")
    ap.add_argument("--corpus", type=Path, default=None)
    args = ap.parse_args()
    corpus = args.corpus or unpacked_corpus()
    seeds = [int(s) for s in args.seeds.split(",")]
    print(HEADER)
    with tempfile.TemporaryDirectory(prefix="pairs-by-frequency-") as tmp:
        for n in bench_grid.parse_rows(args.rows):
            row = dict(zip(bench_grid.FIELDS, bench_grid.GRID[n - 1], strict=True))
            for seed in seeds:
                g_out, w_out = Path(tmp, f"g{n}-{seed}"), Path(tmp, f"w{n}-{seed}")
                for cmd in (bench_grid.gensim_trainer(corpus, g_out, row, seed),
                            bench_grid.w2v_trainer(corpus, w_out, row, seed, None)):  # fmt: skip
                    subprocess.run(cmd, check=True, capture_output=True)
                counts = vocab_counts(w_out)  # gensim's vocabulary is the same
                for tool, out in (("gensim", g_out), ("w2v", w_out)):
                    judged = judge(out, counts)
                    for name, r in judged.items():
                        print(line(n, seed, tool, name, r), flush=True)
            rated = {name: r["gold_rarity"] for name, r in judged.items() if "gold_rarity" in r}
            own = ", ".join(f"{name} {rho:+.3f}" for name, rho in rated.items()) or "too few pairs"
            print(f"row {n} ({bench_grid.settings(row)}): gold ratings' ρ(gold, −log f): {own}")


if __name__ == "__main__":
    main()
