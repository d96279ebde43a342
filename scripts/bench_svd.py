"""Benchmark: PPMI + SVD vectors (w2v.lsa) against gensim skip-gram (SGNS) on gcide_wn.

    PYTHONPATH=. /work/venv/bin/python scripts/bench_svd.py [--arpack] [--tune] [--repeat N]
                                                             [--corpus FILE] [--no-gensim]

Unpacks ../shared/data/gcide_wn.txt.xz to /tmp once, then in one run:
  1. our pipeline stage by stage (vocabulary, encoding, counting, PPMI, SVD), each with its
     wall time and the peak resident memory of the process during it;
  2. gensim Word2Vec(corpus_file=..., sg=1, vector_size=100, window=5, negative=5,
     min_count=5, sample=1e-3, epochs=5, workers=2) in a child process (its own peak RSS);
  3. Google analogies (restrict 30,000), WordSim353 and SimLex-999 (Spearman) of both, all
     through gensim's evaluate_word_analogies / evaluate_word_pairs on KeyedVectors.
--repeat N times both trainings N − 1 more times, alternately, and prints every ratio (the
machine is shared: only ratios measured side by side mean anything). --arpack also runs
scipy's svds (ARPACK) and randomized SVDs of several accuracies on the same PPMI matrix;
--tune tries the hyperparameters Levy et al. (2015) found to matter.
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import w2v
from w2v.cooccur import count_pairs
from w2v.corpus import encode
from w2v.ppmi_svd import embed, ppmi, truncated_svd
from w2v.vocab import build_vocab

GENSIM = dict(sg=1, vector_size=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=5)


def shared_data() -> Path:
    for d in (os.environ.get("W2V_SHARED_DATA"), REPO.parent / "shared" / "data"):
        if d and Path(d, "gcide_wn.txt.xz").is_file():
            return Path(d)
    return Path("/work/shared/data")


def unpacked_corpus() -> Path:
    """gcide_wn.txt, unpacked once into /tmp (atomically: a partial file is never reused)."""
    target = Path("/tmp/gcide_wn.txt")
    if not target.is_file():
        tmp = target.with_suffix(f".part{os.getpid()}")
        with lzma.open(shared_data() / "gcide_wn.txt.xz") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(tmp, target)
    return target


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Stage:
    """Time a block and sample the process RSS every 10 ms to find its peak."""

    def __init__(self, name: str, table: list):
        self.name, self.table = name, table

    def __enter__(self):
        self.peak = rss_mb()
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        self.t = time.perf_counter()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.01)

    def __exit__(self, *exc):
        seconds = time.perf_counter() - self.t
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, rss_mb())
        self.table.append((self.name, seconds, self.peak))


def scores(words, W) -> dict:
    """Google analogy accuracy (restrict 30,000), WordSim353 and SimLex-999 Spearman ρ."""
    import logging

    from gensim.models import KeyedVectors

    logging.disable(logging.WARNING)
    kv = KeyedVectors(W.shape[1])
    kv.add_vectors(list(words), np.asarray(W, dtype=np.float32))
    return scores_of(kv)


def scores_of(kv) -> dict:
    from gensim.test.utils import datapath

    return {
        "analogy": kv.evaluate_word_analogies(
            datapath("questions-words.txt"), restrict_vocab=30000
        )[0],
        "ws353": kv.evaluate_word_pairs(datapath("wordsim353.tsv"))[1][0],
        "simlex": kv.evaluate_word_pairs(datapath("simlex999.txt"))[1][0],
    }


def similarity_scores(words, W) -> dict:
    """WordSim353 and SimLex-999 only (the tuning grid skips the slower analogies)."""
    from gensim.models import KeyedVectors
    from gensim.test.utils import datapath

    kv = KeyedVectors(W.shape[1])
    kv.add_vectors(list(words), np.asarray(W, dtype=np.float32))
    return {
        "ws353": kv.evaluate_word_pairs(datapath("wordsim353.tsv"))[1][0],
        "simlex": kv.evaluate_word_pairs(datapath("simlex999.txt"))[1][0],
    }


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def gensim_child(corpus: str, evaluate: bool) -> None:
    """Run in a child process: train gensim SGNS, print its seconds, peak RSS and scores."""
    import logging
    import resource

    from gensim.models import Word2Vec

    logging.disable(logging.WARNING)
    before = load()
    t = time.perf_counter()
    model = Word2Vec(corpus_file=corpus, workers=2, **GENSIM)
    seconds = time.perf_counter() - t
    result = {"seconds": seconds, "load": f"{before} -> {load()}", "words": len(model.wv)}
    if evaluate:
        result.update(scores_of(model.wv))
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run_gensim(corpus: Path, evaluate: bool = True) -> dict:
    args = [sys.executable, __file__, "--gensim-child", str(corpus)]
    p = subprocess.run(args + ([] if evaluate else ["--no-eval"]), capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"gensim child failed:\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def fmt_scores(s: dict) -> str:
    parts = [f"{k} {s[k]:.4f}" for k in ("analogy", "ws353", "simlex") if k in s]
    return "  ".join(parts)


def pipeline(corpus: Path, keep_counts: bool = False) -> dict:
    """Our whole pipeline, stage by stage: vocabulary, encoding, counting, PPMI, SVD, W."""
    table: list = []
    before = load()
    enc_dir = Path("/tmp") / f"w2v-bench-svd-{os.getpid()}-{time.monotonic_ns()}"
    t0 = time.perf_counter()
    with Stage("vocabulary", table):
        vocab = build_vocab(corpus, min_count=5)
    with Stage("encode", table):
        enc = encode(corpus, vocab, enc_dir)
    with Stage("count (cooccurrence)", table):
        X = count_pairs(enc, len(vocab), window=5)
    with Stage("ppmi", table):
        M = ppmi(X, cds=0.75)
    nnz_x = X.nnz
    if not keep_counts:
        del X
    with Stage("svd (randomized)", table):
        U, S, Vt = truncated_svd(M, 100, "randomized")
    with Stage("embed (U Σ^0.5)", table):
        W, _ = embed(U, S, Vt, eig=0.5)
    total = time.perf_counter() - t0
    result = dict(vocab=vocab, M=M, U=U, S=S, Vt=Vt, W=W, table=table, total=total, nnz_x=nnz_x)
    result["load"] = f"{before} -> {load()}"
    if keep_counts:
        result.update(enc=enc, X=X, enc_dir=enc_dir)
    else:
        del enc
        shutil.rmtree(enc_dir, ignore_errors=True)
    return result


def compare_solvers(words, M, U, S) -> None:
    """ARPACK (scipy svds) against randomized SVDs of several accuracies, on the same M."""
    t = time.perf_counter()
    Ua, Sa, Vta = truncated_svd(M, 100, "arpack")
    arpack_seconds = time.perf_counter() - t
    # Cosines of the principal angles between the two 100-dimensional left subspaces.
    cos = np.linalg.svd(U.T.astype(np.float64) @ Ua.astype(np.float64), compute_uv=False)
    print(
        f"default randomized SVD against ARPACK: subspace cosines min {cos.min():.4f}, "
        f"mean {cos.mean():.4f}"
    )
    print(f"{'solver':<30}{'seconds':>8}  {'max |Δσ|/σ':>11}  scores (eig 0.5)")
    W, _ = embed(Ua, Sa, Vta, eig=0.5)
    print(
        f"{'arpack (svds)':<30}{arpack_seconds:>8.2f}  {0:>11.1e}  "
        f"{fmt_scores(similarity_scores(words, W))}"
    )
    for n_iter, oversample in [(2, 20), (4, 20), (4, 50), (6, 50), (8, 50), (8, 100)]:
        t = time.perf_counter()
        Ur, Sr, Vtr = truncated_svd(M, 100, "randomized", n_iter=n_iter, oversample=oversample)
        seconds = time.perf_counter() - t
        W, _ = embed(Ur, Sr, Vtr, eig=0.5)
        err = np.max(np.abs(Sr - Sa) / Sa)
        name = f"randomized n_iter {n_iter}, p {oversample}"
        print(f"{name:<30}{seconds:>8.2f}  {err:>11.1e}  {fmt_scores(similarity_scores(words, W))}")


def tune(vocab, enc, base_X) -> list[tuple[str, dict]]:
    """The knobs of Levy et al. (2015): cds, eig, w + c, shift, window, dynamic, harmonic."""
    rows = []
    V = len(vocab)

    def svd_of(X, cds=0.75, neg=1.0):
        return truncated_svd(ppmi(X, cds=cds, neg=neg), 100, "randomized")

    base = svd_of(base_X)
    for eig in (0.0, 0.5, 1.0):
        for add in (False, True):
            W, _ = embed(*base, eig=eig, add_contexts=add)
            rows.append((f"win 5, cds .75, eig {eig}, w+c {add}", scores(vocab.words, W)))
    for name, svd in [("cds 1", svd_of(base_X, cds=1.0)), ("neg 5", svd_of(base_X, neg=5.0))]:
        for eig in (0.0, 0.5):
            W, _ = embed(*svd, eig=eig)
            rows.append((f"win 5, {name}, eig {eig}", scores(vocab.words, W)))
    for window, weighting, dynamic in [
        (2, "uniform", False),
        (10, "uniform", False),
        (5, "uniform", True),
        (5, "harmonic", False),
        (10, "harmonic", False),
        (10, "uniform", True),
    ]:
        X = count_pairs(enc, V, window, weighting, dynamic, seed=1)
        svd = svd_of(X)
        del X
        for eig, add in ((0.0, False), (0.5, False), (0.0, True)):
            W, _ = embed(*svd, eig=eig, add_contexts=add)
            name = f"win {window} {weighting}{' dynamic' if dynamic else ''}, eig {eig}"
            rows.append((name + (", w+c" if add else ""), scores(vocab.words, W)))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, help="default: gcide_wn.txt unpacked to /tmp")
    ap.add_argument("--arpack", action="store_true", help="also time scipy svds (ARPACK)")
    ap.add_argument("--tune", action="store_true", help="try Levy et al.'s hyperparameters")
    ap.add_argument("--no-gensim", action="store_true")
    ap.add_argument("--repeat", type=int, default=1, help="rounds of gensim then w2v svd timing")
    ap.add_argument("--gensim-child", help=argparse.SUPPRESS)
    ap.add_argument("--no-eval", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.gensim_child:
        gensim_child(args.gensim_child, evaluate=not args.no_eval)
        return
    corpus = args.corpus or unpacked_corpus()
    import numba

    print(
        f"corpus: {corpus} ({corpus.stat().st_size / 2**20:.1f} MB), numba threads: "
        f"{numba.get_num_threads()}, load average at start: {os.getloadavg()[0]:.1f}"
    )
    print("w2v svd: dim 100, window 5, min count 5, cds 0.75, eig 0.5, neg 1, randomized SVD")
    warm = count_pairs(w2v.corpus.encode_in_memory([["a", "b"]], w2v.Vocab(["a", "b"], [1, 1])), 2)
    del warm  # compile (or load from cache) the kernels outside the timings

    r = pipeline(corpus, keep_counts=args.tune)
    vocab, M, U, S, Vt, W = (r[k] for k in ("vocab", "M", "U", "S", "Vt", "W"))
    table, total = r["table"], r["total"]
    print(
        f"vocabulary {len(vocab):,} words, {vocab.total:,} tokens kept; "
        f"co-occurrence nnz {r['nnz_x']:,}; PPMI nnz {M.nnz:,}"
    )
    print(f"{'stage':<24}{'seconds':>9}{'peak RSS MB':>13}")
    for name, seconds, peak in table:
        print(f"{name:<24}{seconds:>9.2f}{peak:>13.0f}")
    peak_all = max(p for _, _, p in table)
    print(f"{'whole pipeline':<24}{total:>9.2f}{peak_all:>13.0f}   (load {r['load']})")

    ours = scores(vocab.words, W)
    print(f"w2v svd (eig 0.5):   {fmt_scores(ours)}")
    W0, _ = embed(U, S, Vt, eig=0.0)
    print(f"w2v svd (eig 0):     {fmt_scores(scores(vocab.words, W0))}")

    if args.arpack:
        compare_solvers(vocab.words, M, U, S)
    enc, X, enc_dir = r.get("enc"), r.get("X"), r.get("enc_dir")
    del M, r

    if not args.no_gensim:
        g = run_gensim(corpus)
        print(f"gensim SGNS:         {fmt_scores(g)}")
        print(
            f"gensim SGNS training {g['seconds']:.2f} s, peak RSS {g['peak_mb']:.0f} MB "
            f"(with its evaluation), {g['words']:,} words   (load {g['load']})"
        )
        rounds = [(total, g["seconds"])]
        for _ in range(args.repeat - 1):  # alternate, so both see the same shifting load
            g_i = run_gensim(corpus, evaluate=False)
            ours_i = pipeline(corpus)
            print(
                f"repeat: gensim {g_i['seconds']:.2f} s (load {g_i['load']}), w2v svd "
                f"{ours_i['total']:.2f} s (load {ours_i['load']})"
            )
            rounds.append((ours_i["total"], g_i["seconds"]))
        ratios = [theirs / mine for mine, theirs in rounds]
        print(
            "speed ratio (gensim seconds / w2v svd seconds): "
            + ", ".join(f"{x:.2f}" for x in ratios)
            + f"; median {float(np.median(ratios)):.2f}"
        )
        print("bars:")
        slower = sum(mine > theirs for mine, theirs in rounds)
        print(
            f"  whole SVD pipeline no slower than gensim SGNS: slower in {slower} of "
            f"{len(rounds)} rounds -> {'met' if slower == 0 else 'MISSED'}"
        )
        print(
            f"  peak RSS under 4 GB: {peak_all:.0f} MB -> {'met' if peak_all < 4096 else 'MISSED'}"
        )
        gap = g["ws353"] - ours["ws353"]
        print(
            f"  WordSim353 within 0.05 of gensim: {ours['ws353']:.4f} vs {g['ws353']:.4f} "
            f"-> {'met' if gap <= 0.05 else 'MISSED'}"
        )

    if args.tune:
        print("tuning (WordSim353 / SimLex-999 Spearman, dim 100, min count 5):")
        for name, s in tune(vocab, enc, X):
            print(f"  {name:<40} {fmt_scores(s)}", flush=True)
        del enc
        shutil.rmtree(enc_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
