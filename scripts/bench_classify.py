"""Supersense classification from word vectors: our MLPClassifier against scikit-learn's.

    PYTHONPATH=. python scripts/bench_classify.py [--model DIR | --gensim] [--repeats 3]

Vectors: a model directory (--model), else vectors trained by this project with
w2v.train on the unpacked gcide_wn.txt (dim 100, 5 epochs, 2 workers, seed 1), or with
--gensim, gensim's skip-gram on the same corpus with the reference settings of
../shared/data/README.md, imported into a Vectors. Trained models are cached (--cache).

Task: ../shared/data/wordnet_noun_supersenses.tsv (26 classes); features are the mean
vector of each text's in-vocabulary tokens (w2v.nn.classify.featurize), the same array for
every classifier; stratified 80/20 split with random_state=0 (scikit-learn's
train_test_split, as in the README's reference figures). Both MLPs: one hidden layer of
256 ReLU units, Adam, early stopping on a 10 % validation split, seed = repeat index.
Prints held-out accuracy, macro-F1, epochs and fit seconds of both, the accuracy
difference and the time ratio sklearn / ours; plus the majority class and (unless
--no-logreg) LogisticRegression for context. The bar: our accuracy ≥ sklearn's − 0.5
point, our time ≤ sklearn's.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from _bench import REPO, shared_data, unpacked_corpus

sys.path.insert(0, str(REPO))

import w2v
from w2v.nn.classify import featurize, read_labelled_tsv
from w2v.nn.metrics import macro_f1
from w2v.nn.mlp import MLPClassifier


def gensim_vectors(cache: Path, retrain: bool) -> tuple[w2v.Vectors, str]:
    out = cache / "gensim-sgns"
    if retrain or not out.exists():
        from gensim.models import Word2Vec

        t0 = time.perf_counter()
        m = Word2Vec(
            corpus_file=str(unpacked_corpus()),
            sg=1,
            vector_size=100,
            window=5,
            negative=5,
            sample=1e-3,
            min_count=5,
            epochs=5,
            workers=2,
            seed=1,
        )
        print(f"trained gensim skip-gram in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        kv = m.wv
        counts = [kv.get_vecattr(w, "count") for w in kv.index_to_key]
        meta = {"trainer": "gensim Word2Vec sg=1 (imported by bench_classify)"}
        w2v.Vectors(list(kv.index_to_key), kv.vectors, counts, meta=meta).save(out, force=True)
    return w2v.load(out), f"gensim skip-gram, cached in {out}"


def our_vectors(cache: Path, retrain: bool) -> tuple[w2v.Vectors, str]:
    if not hasattr(w2v, "train"):
        sys.exit("bench: w2v.train is not there yet; give --model DIR or --gensim")
    out = cache / "w2v-sgns"
    if retrain or not out.exists():
        t0 = time.perf_counter()
        model = w2v.train(str(unpacked_corpus()), dim=100, epochs=5, workers=2, seed=1)
        print(f"trained w2v in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        shutil.rmtree(out, ignore_errors=True)
        model.save(out)
    return w2v.load(out), f"w2v.training, cached in {out}"


def blas_limit(threads: int | None):
    if threads is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads, user_api="blas")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--model", type=Path, help="a w2v model directory")
    src.add_argument("--gensim", action="store_true", help="vectors from gensim's skip-gram")
    ap.add_argument(
        "--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "w2v-bench-classify"
    )
    ap.add_argument("--retrain", action="store_true", help="ignore cached vectors")
    ap.add_argument("--repeats", type=int, default=1, help="seeds 0 … N−1 for both MLPs")
    ap.add_argument("--blas-threads", type=int, help="limit BLAS threads (both alike)")
    ap.add_argument("--no-logreg", action="store_true")
    args = ap.parse_args()

    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier as SkMLP

    if args.model:
        vec, source = w2v.load(args.model), str(args.model)
    elif args.gensim:
        vec, source = gensim_vectors(args.cache, args.retrain)
    else:
        vec, source = our_vectors(args.cache, args.retrain)

    texts, labels = read_labelled_tsv(shared_data() / "wordnet_noun_supersenses.tsv")
    X, known = featurize(texts, vec)
    y = np.asarray(labels)[known]
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    majority = float(np.mean(y_te == statistics.mode(y_tr.tolist())))
    print(f"vectors: {source}  ({len(vec):,} words, dim {vec.dim})")
    print(
        f"task: {len(texts):,} nouns, {known.sum():,} in vocabulary, {len(np.unique(y))} classes;"
        f" train {len(y_tr):,}, test {len(y_te):,}; features {X.dtype}"
    )
    print(f"BLAS threads: {args.blas_threads or 'library default'}")
    print(f"majority class: {majority:.4f}")

    rows = {"w2v MLPClassifier": [], "sklearn MLPClassifier": []}
    with blas_limit(args.blas_threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(args.repeats):
            runs = [
                ("w2v MLPClassifier", lambda s=seed: MLPClassifier(hidden=(256,), seed=s)),
                (
                    "sklearn MLPClassifier",
                    lambda s=seed: SkMLP(
                        hidden_layer_sizes=(256,), early_stopping=True, random_state=s
                    ),
                ),
            ]
            for name, make in runs if seed % 2 == 0 else runs[::-1]:
                clf = make()
                t0 = time.perf_counter()
                clf.fit(X_tr, y_tr)
                seconds = time.perf_counter() - t0
                pred = clf.predict(X_te)
                rows[name].append(
                    (float(np.mean(pred == y_te)), macro_f1(y_te, pred), clf.n_iter_, seconds)
                )
        if not args.no_logreg:
            t0 = time.perf_counter()
            lr = LogisticRegression(max_iter=1000).fit(X_tr, y_tr)
            lr_row = (
                lr.score(X_te, y_te),
                macro_f1(y_te, lr.predict(X_te)),
                time.perf_counter() - t0,
            )

    print(f"\n{'':24}{'seed':>5}{'accuracy':>10}{'macro-F1':>10}{'epochs':>8}{'fit s':>8}")
    for name, results in rows.items():
        for seed, (acc, f1, n, s) in enumerate(results):
            print(f"{name:24}{seed:5d}{acc:10.4f}{f1:10.4f}{n:8d}{s:8.2f}")
    if not args.no_logreg:
        acc, f1, seconds = lr_row
        print(f"{'sklearn LogisticRegression':29}{acc:10.4f}{f1:10.4f}{'':8}{seconds:8.2f}")

    ours, theirs = rows["w2v MLPClassifier"], rows["sklearn MLPClassifier"]
    print()
    for seed, (o, t) in enumerate(zip(ours, theirs, strict=True)):
        diff, ratio = 100 * (o[0] - t[0]), t[3] / o[3]
        ok = diff >= -0.5 and o[3] <= t[3]
        print(
            f"seed {seed}: accuracy ours − sklearn = {diff:+.2f} points, "
            f"time sklearn / ours = {ratio:.2f}x  → bar {'met' if ok else 'MISSED'}"
        )
    if args.repeats > 1:
        acc_o, acc_t = (statistics.mean(r[0] for r in rs) for rs in (ours, theirs))
        sec_o, sec_t = (statistics.mean(r[3] for r in rs) for rs in (ours, theirs))
        print(
            f"mean over {args.repeats} seeds: accuracy ours {acc_o:.4f} vs sklearn {acc_t:.4f}; "
            f"fit s ours {sec_o:.2f} vs sklearn {sec_t:.2f} (ratio {sec_t / sec_o:.2f}x)"
        )


if __name__ == "__main__":
    main()
