"""The records of a training run: Progress (as it goes), Position (where it is, what a
checkpoint holds) and Model (what it made).

    model.vectors.most_similar("frog"); model.loss_history; model.save("w2v-model")
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from w2v.config import TrainConfig
from w2v.vectors import Vectors
from w2v.vocab import Vocab


@dataclass(frozen=True)
class Progress:
    """Where training is, handed to the `progress` callback after every chunk."""

    epoch: int  # 1-based, the epoch in progress
    epochs: int
    words_done: int  # corpus words processed so far, all epochs (before subsampling)
    words_total: int  # epochs × corpus words
    fraction: float  # words_done / words_total
    alpha: float  # learning rate reached
    loss: float | None  # mean loss per term over the epoch so far; None: nothing trained yet
    words_per_sec: float
    eta_seconds: float


@dataclass(frozen=True)
class Position:
    """Where the loop over epochs and chunks is, at a chunk boundary: `chunk` chunks of
    epoch `epoch` (0-based) are done, `words_done` corpus words in all, the epoch's loss
    sums so far (Σ −log σ, number of terms) and the mean loss of each finished epoch. With
    U and V it is the whole state of a run: chunk k of epoch e draws from random stream
    (e << 32) | k, so (epoch, chunk) is also where the random streams are. `chunk` 0 of
    `epoch` > 0 is the end of epoch `epoch` (1-based)."""

    epoch: int = 0
    chunk: int = 0
    words_done: int = 0
    nll: float = 0.0
    terms: float = 0.0
    loss_history: tuple[float | None, ...] = ()


@dataclass
class Model:
    """A trained model: `vectors` (w2v.Vectors, with V as `contexts` and the run in `meta`),
    the `vocab`, the `config` and `loss_history`, the mean loss per term of each epoch
    (None for an epoch that trained nothing: subsampling left no pair of words)."""

    vectors: Vectors
    vocab: Vocab
    config: TrainConfig
    loss_history: list[float | None] = field(default_factory=list)
    checkpoint: Path | None = None  # the run's checkpoint (w2v.checkpoint), removed by save

    def save(self, directory: str | os.PathLike, force: bool = False) -> None:
        """Write a model directory (vectors.npy = U, contexts.npy = V), atomically; then
        remove the checkpoint of the run that trained it, which the model supersedes."""
        self.vectors.save(directory, force=force)
        if self.checkpoint is not None:
            from w2v.checkpoint import remove_checkpoint

            remove_checkpoint(self.checkpoint)
            self.checkpoint = None

    def __repr__(self) -> str:
        return f"Model({self.config.arch}, {len(self.vocab)} words, dim {self.config.dim})"

    @classmethod
    def trained(
        cls, U, V, vocab, corpus, config, loss_history, seconds, subwords=None, **meta
    ) -> Model:
        """The model of a finished run on `corpus` (an EncodedCorpus, each epoch over all
        of it): U and V as trained, and the run in meta (trainer, resolved config, corpus
        facts, per-epoch loss, time, words/s, then `meta`'s items). With `subwords` (a
        SubwordInputs), U is [W + B', dim]: the vectors are the words' means u_w and every
        bucket's row is kept as `ngrams` (SubwordInputs.ngram_rows)."""
        words = int(corpus.offsets[-1] - corpus.offsets[0])
        run = {
            "trainer": config.arch,
            "config": config.resolved().to_dict(),
            "corpus": {**vocab.stats, **corpus.stats, "words": words, "vocab_size": len(vocab)},
            "loss": loss_history,
            "train_seconds": round(seconds, 3),
            "words_per_sec": round(config.epochs * words / max(seconds, 1e-9)),
        }
        extra = {}
        if subwords is not None:
            extra = {"ngrams": subwords.ngram_rows(U, config.seed), "subwords": subwords.settings}
            U = subwords.word_vectors(U)
        vectors = Vectors(list(vocab.words), U, vocab.counts, contexts=V, meta=run | meta, **extra)
        return cls(vectors, vocab, config, loss_history)


def mean_loss(nll: float, terms: float) -> float | None:
    """The mean loss per term, or None when no term was trained."""
    return float(nll / terms) if terms > 0 else None
