"""Draw the README's pictures (docs/*.png) from this project's model of the benchmark corpus.

    PYTHONPATH=. python scripts/docs_pictures.py [--model DIR] [--out docs]

Unpacks ../shared/data/gcide_wn.txt.xz (or $W2V_SHARED_DATA) into $TMPDIR, trains skip-gram
with w2v.train (dim 100, window 5, negative 5, min-count 5, sample 1e-3, 5 epochs, seed 1) and
saves the model in --model (a model already there is reused: delete it to retrain). Then it
draws, as `w2v plot` would:

    docs/words.png     frog, violin, bread, river and their 8 nearest neighbours (PCA)
    docs/tsne.png      the same words by t-SNE (needs scikit-learn)
    docs/analogy.png   king - man + woman, the offset king - man drawn twice
    docs/loss.png      the mean training loss of every epoch

and prints the neighbours and the analogy so the pictures can be checked against text.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from _bench import REPO, unpacked_corpus

sys.path.insert(0, str(REPO))

import w2v
from w2v.plot import figures as P

WORDS = ["frog", "violin", "bread", "river"]
ANALOGY = ("king", "man", "woman")
CONFIG = dict(dim=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=5, seed=1, workers=2)


def model(path: Path) -> w2v.Vectors:
    if path.exists():
        print(f"using the model in {path} (delete it to retrain)")
        return w2v.load(path)
    corpus = unpacked_corpus()
    print(f"training on {corpus}: {CONFIG}")
    t = time.perf_counter()
    trained = w2v.train(corpus, **CONFIG)
    print(f"trained in {time.perf_counter() - t:.0f} s")
    trained.save(path)
    return w2v.load(path)


def main() -> None:
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=tmp / "w2v-docs-model")
    ap.add_argument("--out", type=Path, default=REPO / "docs")
    args = ap.parse_args()
    vec = model(args.model)
    print(vec, vec.meta.get("trainer", ""))
    for w in WORDS:
        print(f"{w}: " + ", ".join(f"{n} {s:.2f}" for n, s in vec.most_similar(w, topn=8)))
    a, b, c = ANALOGY
    print(f"{a} - {b} + {c}: " + ", ".join(f"{d} {s:.3f}" for d, s in vec.analogy(a, b, c, 5)))
    print(f"loss per epoch: {P.loss_history(vec.meta)}")

    args.out.mkdir(parents=True, exist_ok=True)
    pictures = {
        "words.png": lambda: P.words_figure(vec, WORDS, neighbours=8),
        "tsne.png": lambda: P.words_figure(vec, WORDS, neighbours=8, method="tsne"),
        "analogy.png": lambda: P.analogy_figure(vec, *ANALOGY),
        "loss.png": lambda: P.loss_figure(P.loss_history(vec.meta), title=P.loss_title(vec.meta)),
    }
    for name, draw in pictures.items():
        print(f"wrote {P.save_figure(draw(), args.out / name)}")


if __name__ == "__main__":
    main()
