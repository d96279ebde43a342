"""Continued training: start a run from an existing model (`w2v train new.txt --init MODEL`).

The vocabulary of the run is the model's words, their counts plus the new text's, and the
new text's words that reach min_count on their own (gensim's build_vocab(update=True) keeps
the same words and merges counts the same way). Merged counts drive subsampling and the noise
distribution, so a word frequent in the old text stays frequent. Rows follow the merged
counts, descending, as in every vocabulary: a word of the model keeps its vectors (U and V)
but may move to another row. A new word starts as a fresh run's words do (U uniform in
±0.5/dim, V zero).

The learning rate starts from `alpha` and follows the schedule of a fresh run over the new
text: the update is a run of its own, and word2vec.c, gensim and fastText restart at alpha
too. A smaller alpha keeps the old words closer to where they were.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from w2v.errors import ConfigError, ModelError
from w2v.vectors import Vectors
from w2v.vocab import Vocab


@dataclass
class InitModel:
    """The model training continues from: words, counts int64 [n], U and V float32 [n, dim]."""

    words: list[str]
    counts: np.ndarray
    U: np.ndarray
    V: np.ndarray
    arch: str | None
    name: str

    @property
    def dim(self) -> int:
        return self.U.shape[1]


def load_init(init: Vectors | str | os.PathLike) -> InitModel:
    """The model at path `init` (a model directory) or the Vectors `init`; ModelError if it
    has no output vectors V (contexts.npy), without which training cannot continue."""
    if isinstance(init, Vectors):
        vectors, name = init, init.path or "the given vectors"
    else:
        vectors, name = Vectors.load(init), str(init)
    if vectors.contexts is None:
        raise ModelError(
            f"{name!r} has no contexts.npy (the output vectors V), which continued training "
            "needs: continue from a model `w2v train` wrote, not an imported vector file"
        )
    if vectors.ngrams is not None:
        raise ModelError(
            f"{name!r} is a subword model: continued training (--init) starts only from "
            "plain sgns or cbow models"
        )
    arch = vectors.meta.get("trainer")
    return InitModel(
        list(vectors.words), np.asarray(vectors.counts, np.int64), vectors.vectors,
        vectors.contexts, arch if arch in ("sgns", "cbow") else None, name,
    )  # fmt: skip


def check_config(init: InitModel, config) -> None:
    """ConfigError when `config` cannot continue `init`: another dim, or subwords on."""
    if config.subwords is not None:
        raise ConfigError(
            "--subwords cannot continue a model (--init): a plain model has no n-gram rows"
        )
    check_dim(init, config.dim)


def check_dim(init: InitModel, dim: int) -> None:
    if dim != init.dim:
        raise ConfigError(
            f"--dim {dim} differs from the dimension {init.dim} of {init.name!r}; continued "
            "training keeps the model's dimension"
        )


def merged_vocab(
    init: InitModel, new: Vocab, min_count: int, max_size: int | None = None
) -> tuple[Vocab, np.ndarray]:
    """The run's vocabulary from the model's words and `new` (every word of the new text
    with its count, min_count 1), and int64 [n]: for each row, the model's row of its word,
    or −1 for a new word. New words need `min_count` in the new text; at most `max_size`
    words in all (the model's words are always kept)."""
    old_index = {w: i for i, w in enumerate(init.words)}
    counts = init.counts.copy()
    added, added_counts = [], []
    for w, c in zip(new.words, new.counts.tolist(), strict=True):
        i = old_index.get(w)
        if i is not None:
            counts[i] += c
        elif c >= min_count:
            added.append(w)
            added_counts.append(c)
    if max_size is not None:  # new.words is by count, descending: the most frequent stay
        room = max(0, max_size - len(init.words))
        added, added_counts = added[:room], added_counts[:room]
    words = init.words + added
    all_counts = np.concatenate([counts, np.asarray(added_counts, np.int64)])
    order = np.argsort(-all_counts, kind="stable")  # ties: the model's words first
    n_old = len(init.words)
    stats = dict(new.stats) | {"init_words": n_old, "new_words": len(added)}
    vocab = Vocab([words[i] for i in order], all_counts[order], stats)
    return vocab, np.where(order < n_old, order, -1).astype(np.int64)


def continued_weights(
    init: InitModel, source_row: np.ndarray, fresh: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """U and V float32 [n, dim] of the run: row j is the model's row source_row[j], or for a
    new word (−1) the next row of `fresh` (U, V float32 [new words, dim], a fresh run's)."""
    n, dim = len(source_row), init.dim
    old = source_row >= 0
    U = np.empty((n, dim), np.float32)
    V = np.empty((n, dim), np.float32)
    U[old] = init.U[source_row[old]]
    V[old] = init.V[source_row[old]]
    U[~old], V[~old] = fresh
    return U, V


def continued_run(source, config, phrases, init: InitModel) -> tuple[Vocab, np.ndarray, np.ndarray]:
    """The vocabulary of a run continuing `init` on `source` (counted as w2v.train counts,
    `phrases` joined) and its starting U and V."""
    from w2v.training import initial_weights
    from w2v.vocab import build_vocab

    new = build_vocab(source, 1, None, config.lower, config.punct, phrases=phrases)
    vocab, source_row = merged_vocab(init, new, config.min_count, config.max_vocab_size)
    fresh = initial_weights(int((source_row < 0).sum()), config.dim, config.seed)
    return (vocab, *continued_weights(init, source_row, fresh))
