"""A closer look at the held-out models `bench_subwords.py --keep DIR` leaves (issue 20): where
w2v --subwords and gensim FastText differ on the words training never saw.

    PYTHONPATH=. python scripts/subwords_heldout_diag.py DIR [--seed 1] [--corpus FILE]

DIR/gensim-SEED/ and DIR/w2v-SEED/ are the two models of one seed; the held-out words are
drawn again as bench_subwords.py draws them (from the same corpus). Prints:

1. the query path: gensim's wv[w] for each removed word against w2v.subwords.ngram_mean
   over gensim's own vectors_ngrams (the same construction of an unseen word's vector?);
2. per model, over the 30,000 most frequent words, the split of a word's vector
   vec[w] = (U[w] + Σ_{g ∈ G_w} N[g]) / (|G_w| + 1) into its own row U[w] and its n-gram mean
   Σ N[g] / |G_w|; and the WS353/SimLex Spearman over every pair of vocabulary words (ten
   times the held-out pairs) with the full vectors and with the n-gram means alone;
3. the held-out pairs where w2v's rank error exceeds gensim's most: Spearman is
   1 − 6 Σ d² / (n(n² − 1)), so a pair's share of the difference is 6(d²_gensim − d²_w2v) /
   (n(n² − 1)).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import unpacked_corpus
from bench_subwords import (
    MAXN,
    MINN,
    choose_heldout,
    gensim_vectors,
    heldout_score,
    pair_files,
    read_pairs,
    w2v_vectors,
)

TOP = 30_000


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def split_rows(words: list[str], vectors: np.ndarray, ngrams: np.ndarray):
    """(U[w], n-gram mean) of each word, float64 [len(words), dim] each, from the stored
    means `vectors` and the n-gram rows `ngrams` (float32 [buckets, dim])."""
    from w2v.subwords import subword_table

    t = subword_table(words, MINN, MAXN, ngrams.shape[0])
    n = np.diff(t.offsets)
    sums = np.zeros_like(vectors)
    for i in range(len(words)):
        sums[i] = ngrams[t.rows(i)].sum(axis=0, dtype=np.float64)
    return vectors * (n + 1)[:, None] - sums, sums / np.maximum(n, 1)[:, None]


def split_report(name: str, words: list[str], vectors: np.ndarray, ngrams: np.ndarray) -> None:
    from scipy.stats import spearmanr

    pair_words = {w for p in pair_files().values() for a, b, _ in read_pairs(p) for w in (a, b)}
    keep = [i for i, w in enumerate(words) if i < TOP or w in pair_words]
    words = [words[i] for i in keep]
    vectors = np.asarray(vectors[keep], np.float64)
    rows, grams = split_rows(words, vectors, ngrams)
    top = slice(0, TOP)
    norm = {k: np.linalg.norm(M[top], axis=1).mean() for k, M in
            (("U[w]", rows), ("n-gram mean", grams), ("vec", vectors))}  # fmt: skip
    cos = np.sum(unit(rows[top]) * unit(grams[top]), 1).mean()
    print(f"{name}: " + "  ".join(f"|{k}| {v:.3f}" for k, v in norm.items())
          + f"  cos(U[w], n-gram mean) {cos:.3f} (top {TOP:,} words)")  # fmt: skip
    index = {w: i for i, w in enumerate(words)}
    for k, path in pair_files().items():
        ps = [(a, b, s) for a, b, s in read_pairs(path) if a in index and b in index]
        for label, M in (("full vectors", vectors), ("n-gram means", grams)):
            u = unit(M)
            cos = [float(u[index[a]] @ u[index[b]]) for a, b, _ in ps]
            rho = spearmanr(cos, [s for *_, s in ps])[0]
            print(f"   {k:<6} {label}  spearman {rho:.4f} on {len(ps)} vocabulary pairs")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("keep", type=Path, help="bench_subwords.py --keep's directory")
    ap.add_argument("--seed", type=int, default=1, help="which kept pair of models")
    ap.add_argument("--corpus", type=Path, help="the corpus of the bench run (default gcide_wn)")
    ap.add_argument("--heldout", type=int, default=80)
    ap.add_argument("--draw", type=int, default=1, help="as bench_subwords.py --draw")
    args = ap.parse_args()
    from scipy.stats import rankdata

    import w2v
    from w2v.subwords import ngram_mean

    g_dir, w_dir = args.keep / f"gensim-{args.seed}", args.keep / f"w2v-{args.seed}"
    heldout = set(choose_heldout(args.corpus or unpacked_corpus(), args.heldout, args.draw))
    pairs = {k: [p for p in read_pairs(f) if p[0] in heldout or p[1] in heldout]
             for k, f in pair_files().items()}  # fmt: skip
    asked = sorted({w for ps in pairs.values() for a, b, _ in ps for w in (a, b)})

    print("1. an unseen word's vector")
    g_words = (g_dir / "words.txt").read_text(encoding="utf-8").split("\n")
    g_ngrams = np.load(g_dir / "ngrams.npy", mmap_mode="r")
    g_asked = np.load(g_dir / "asked.npy")
    unseen = [(i, w) for i, w in enumerate(asked) if w in heldout]
    d = max(float(np.abs(ngram_mean(g_ngrams, w, MINN, MAXN) - g_asked[i]).max())
            for i, w in unseen)  # fmt: skip
    print(f"{len(unseen)} removed words: max |w2v ngram_mean(gensim's n-grams) − gensim wv[w]| "
          f"= {d:.2e}")  # fmt: skip
    vec = w2v.load(w_dir)
    same = ("same order" if g_words == list(vec.words)
            else "same set" if set(g_words) == set(vec.words) else "DIFFER")  # fmt: skip
    print(f"vocabularies: gensim {len(g_words):,}, w2v {len(vec):,} words, {same}")

    print("\n2. a word's own row and its n-grams")
    split_report("gensim", g_words, np.load(g_dir / "vectors.npy"), g_ngrams)
    split_report("w2v", list(vec.words), np.asarray(vec.vectors), np.asarray(vec.ngrams))

    print("\n3. the held-out pairs w2v ranks worst against gensim")
    models = {"gensim": gensim_vectors(g_dir, asked), "w2v": w2v_vectors(w_dir, asked)}
    for k, ps in pairs.items():
        human = rankdata([s for *_, s in ps])
        d2 = {}
        for name, vectors in models.items():
            cos = [float(unit(vectors[a]) @ unit(vectors[b])) for a, b, _ in ps]
            d2[name] = (rankdata(cos) - human) ** 2
        n = len(ps)
        share = 6 * (d2["gensim"] - d2["w2v"]) / (n * (n * n - 1))
        print(f"{k}: spearman gensim {heldout_score(models['gensim'], ps)[0]:.4f}, w2v "
              f"{heldout_score(models['w2v'], ps)[0]:.4f} on {n} pairs")  # fmt: skip
        for i in np.argsort(share)[:6]:
            a, b, s = ps[i]
            print(f"   {a:>12} {b:<12} human {s:5.2f}  d² gensim {d2['gensim'][i]:6.0f} "
                  f"w2v {d2['w2v'][i]:6.0f}  share {share[i]:+.4f}")  # fmt: skip


if __name__ == "__main__":
    main()
