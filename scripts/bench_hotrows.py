"""What the spans' private copies of the hottest output rows (w2v.kernels.hotrows) buy.

    PYTHONPATH=. .venv/bin/python scripts/bench_hotrows.py [--corpus FILE] [--repeat 2]

Trains one epoch on gcide_wn with 2 workers at a few settings, with the copies (H = 128, the
default) and without (H = 0, every row shared), alternating in one process so both see the
same machine. Prints the training seconds (vocabulary and encoding excluded), the ratio,
and the mean loss of the epoch; the vectors' quality against gensim is bench_grid.py's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import unpacked_corpus

import w2v
import w2v.training
from w2v.kernels.hotrows import HOT_ROWS

SETTINGS = {
    "sgns dim 100 w5 k5 sample 1e-3": dict(arch="sgns"),
    "sgns dim 300 w2 k15 sample 1e-5 mc 20": dict(
        arch="sgns", dim=300, window=2, negative=15, sample=1e-5, min_count=20
    ),
    "cbow dim 100 w5 k5 sample 1e-3": dict(arch="cbow"),
    "cbow dim 300 w10 k15 sample 1e-4": dict(
        arch="cbow", dim=300, window=10, negative=15, sample=1e-4
    ),
    "subword sgns 3-6 dim 100": dict(arch="sgns", subwords="3-6"),
    "subword cbow 3-6 dim 100": dict(arch="cbow", subwords="3-6"),
}


def train_once(corpus: Path, hot: int, settings: dict) -> tuple[float, float]:
    """(training seconds, mean loss) of one epoch with `hot` private rows per span."""
    w2v.training.HOT_ROWS = hot
    model = w2v.train(corpus, epochs=1, workers=2, seed=1, **settings)
    return model.vectors.meta["train_seconds"], model.loss_history[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=None, help="default: unpacked gcide_wn")
    ap.add_argument("--repeat", type=int, default=2, help="runs per setting and side")
    args = ap.parse_args()
    corpus = args.corpus or unpacked_corpus()
    warnings.simplefilter("ignore", w2v.training.SmallDataWarning)  # the warm-up's corpus
    w2v.train([["warm", "up", "the", "kernels"]] * 50, min_count=1, epochs=1, workers=2)
    print(f"corpus {corpus}; 1 epoch, 2 workers; H = {HOT_ROWS} private rows against none")
    print(f"{'setting':40} {'shared s':>9} {'copies s':>9} {'ratio':>6} {'loss':>15}")
    for name, settings in SETTINGS.items():
        runs = {0: [], HOT_ROWS: []}
        losses = {0: [], HOT_ROWS: []}
        train_once(corpus, HOT_ROWS, settings)  # compiles this setting's kernels
        for _ in range(args.repeat):
            for hot in (0, HOT_ROWS):
                seconds, loss = train_once(corpus, hot, settings)
                runs[hot].append(seconds)
                losses[hot].append(loss)
        shared, copies = statistics.median(runs[0]), statistics.median(runs[HOT_ROWS])
        loss = f"{statistics.mean(losses[0]):.4f}/{statistics.mean(losses[HOT_ROWS]):.4f}"
        print(f"{name:40} {shared:9.2f} {copies:9.2f} {shared / copies:6.2f} {loss:>15}")
        print(f"{'':40} runs: {runs[0]} / {runs[HOT_ROWS]}")


if __name__ == "__main__":
    main()
