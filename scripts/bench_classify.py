"""Word classification from word vectors: our MLPClassifier against scikit-learn's.

    PYTHONPATH=. python scripts/bench_classify.py [--model DIR | --gensim] [--seeds 5]

Vectors: a model directory (--model), else vectors trained by this project with
w2v.train on the unpacked gcide_wn.txt (dim 100, 5 epochs, 2 workers, seed 1), or with
--gensim, gensim's skip-gram on the same corpus with the reference settings of
../shared/data/README.md, imported into a Vectors. Trained models are cached (--cache).

Two tasks, each a word and its label; features are the word's vector (the mean vector of
a text's in-vocabulary tokens, w2v.nn.classify.featurize), the same array for every
classifier:

  supersense  ../shared/data/wordnet_noun_supersenses.tsv: 26 WordNet noun classes
  gcide-pos   the part of speech of GCIDE's headwords (noun, adjective, verb, adverb),
              read from gcide_wn.txt itself: a line "WORD n|a|v|adv ..." is an entry;
              words whose entries give more than one part of speech are left out

For each seed s of --seeds: a stratified 80/20 split with random_state=s (scikit-learn's
train_test_split), then both MLPs with seed s, in alternating order: one hidden layer of
256 ReLU units, Adam, early stopping on a 10 % validation split. Prints held-out accuracy,
macro-F1, epochs and fit seconds of each run, then per task the means over the seeds. The
bar, per task: our mean accuracy ≥ scikit-learn's − 0.5 point, our mean fit time ≤ theirs.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import lzma
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

PARTS_OF_SPEECH = {"n": "noun", "a": "adjective", "v": "verb", "adv": "adverb"}
OURS, THEIRS = "w2v MLPClassifier", "sklearn MLPClassifier"


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
    out = cache / "w2v-sgns"
    if retrain or not out.exists():
        t0 = time.perf_counter()
        model = w2v.train(str(unpacked_corpus()), dim=100, epochs=5, workers=2, seed=1)
        print(f"trained w2v in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        shutil.rmtree(out, ignore_errors=True)
        model.save(out)
    return w2v.load(out), f"w2v.training, cached in {out}"


def supersense_task() -> tuple[list[str], list[str]]:
    return read_labelled_tsv(shared_data() / "wordnet_noun_supersenses.tsv")


def gcide_pos_task() -> tuple[list[str], list[str]]:
    """(headwords, part of speech) from GCIDE's entries in gcide_wn.txt, unambiguous only."""
    seen: dict[str, set[str]] = collections.defaultdict(set)
    with lzma.open(shared_data() / "gcide_wn.txt.xz", "rt", encoding="utf-8") as f:
        for line in f:
            head, _, rest = line.partition(" ")
            pos = rest.split(" ", 1)[0]
            if pos in PARTS_OF_SPEECH and head.isalpha() and len(head) > 1:
                seen[head].add(PARTS_OF_SPEECH[pos])
    words = sorted(w for w, parts in seen.items() if len(parts) == 1)
    return words, [next(iter(seen[w])) for w in words]


TASKS = {"supersense": supersense_task, "gcide-pos": gcide_pos_task}


def blas_limit(threads: int | None):
    if threads is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads, user_api="blas")


def run_task(vec: w2v.Vectors, texts, labels, seeds: int) -> dict[str, list[tuple]]:
    """Per classifier, (accuracy, macro-F1, epochs, fit seconds) for each seed."""
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier as SkMLP

    X, known = featurize(texts, vec)
    y = np.asarray(labels)[known]
    print(
        f"  {len(texts):,} words, {known.sum():,} in the vocabulary, {len(np.unique(y))} classes;"
        f" majority class {max(collections.Counter(y.tolist()).values()) / len(y):.4f}"
    )
    print(f"  {'':24}{'seed':>5}{'accuracy':>10}{'macro-F1':>10}{'epochs':>8}{'fit s':>8}")
    rows: dict[str, list[tuple]] = {OURS: [], THEIRS: []}
    for seed in range(seeds):
        X_tr, X_te, y_tr, y_te = train_test_split(
            X, y, test_size=0.2, stratify=y, random_state=seed
        )
        runs = [
            (OURS, lambda s=seed: MLPClassifier(hidden=(256,), seed=s)),
            (THEIRS, lambda s=seed: SkMLP((256,), early_stopping=True, random_state=s)),
        ]
        for name, make in runs if seed % 2 == 0 else runs[::-1]:
            clf = make()
            t0 = time.perf_counter()
            clf.fit(X_tr, y_tr)
            seconds = time.perf_counter() - t0
            pred = clf.predict(X_te)
            acc, f1 = float(np.mean(pred == y_te)), macro_f1(y_te, pred)
            rows[name].append((acc, f1, clf.n_iter_, seconds))
            print(f"  {name:24}{seed:5d}{acc:10.4f}{f1:10.4f}{clf.n_iter_:8d}{seconds:8.2f}")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--model", type=Path, help="a w2v model directory")
    src.add_argument("--gensim", action="store_true", help="vectors from gensim's skip-gram")
    ap.add_argument(
        "--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "w2v-bench-classify"
    )
    ap.add_argument("--retrain", action="store_true", help="ignore cached vectors")
    ap.add_argument("--seeds", type=int, default=5, help="splits and seeds 0 … N−1")
    ap.add_argument("--tasks", nargs="+", choices=sorted(TASKS), default=list(TASKS))
    ap.add_argument("--blas-threads", type=int, help="limit BLAS threads (both alike)")
    args = ap.parse_args()

    if args.model:
        vec, source = w2v.load(args.model), str(args.model)
    elif args.gensim:
        vec, source = gensim_vectors(args.cache, args.retrain)
    else:
        vec, source = our_vectors(args.cache, args.retrain)
    print(f"vectors: {source}  ({len(vec):,} words, dim {vec.dim})")
    print(f"BLAS threads: {args.blas_threads or 'library default'}; {args.seeds} seeds")

    results = {}
    with blas_limit(args.blas_threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's ConvergenceWarning at max_iter
        for task in args.tasks:
            print(f"\ntask {task}:")
            results[task] = run_task(vec, *TASKS[task](), args.seeds)

    print()
    for task, rows in results.items():
        (acc_o, sec_o), (acc_t, sec_t) = (
            (statistics.mean(r[0] for r in rows[n]), statistics.mean(r[3] for r in rows[n]))
            for n in (OURS, THEIRS)
        )
        diff, ratio = 100 * (acc_o - acc_t), sec_t / sec_o
        ok = diff >= -0.5 and sec_o <= sec_t
        print(
            f"{task}: mean accuracy ours {acc_o:.4f} vs sklearn {acc_t:.4f} ({diff:+.2f} points); "
            f"mean fit s ours {sec_o:.2f} vs sklearn {sec_t:.2f} (sklearn / ours {ratio:.2f}x)"
            f"  → bar {'met' if ok else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
