"""Subword training's inputs: the n-gram table of a vocabulary, the input matrix's n-gram
rows, the kernel call, and the vocabulary's final vectors (w2v.kernels.subword).

    inputs = SubwordInputs.of(vocab, config)     # None when config.subwords is None
    U = inputs.initial_input(U_words, seed)      # float32 [W + B, dim]: word rows, bucket rows
    vectors = inputs.word_vectors(U)             # float32 [W, dim]: u_w, the mean of R_w

The input matrix starts as fastText's and gensim's do, every row uniform in (−1/dim, 1/dim):
the word rows are w2v.training.initial_weights' at gensim's scale (whatever the schedule), the
n-gram rows come from streams of their own of the seed, filled in parallel (gensim draws its
vectors_ngrams with seed + 1). Measured on the first 4 MB of gcide_wn (skip-gram, 5 epochs,
2 workers), the wider start gave analogies 0.356 against 0.325 and 0.328 (seeds 1, 2) for
word2vec.c's range, WS353 0.313 against 0.308, SimLex 0.120 against 0.110: a word's input is
a mean of ~15 rows, so a narrower start leaves it closer to zero for longer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from w2v.config import TrainConfig
from w2v.kernels.subword import train_subword_chunk, uniform_rows, word_vectors
from w2v.subwords import SubwordTable, subword_table


@dataclass(frozen=True)
class SubwordInputs:
    """A vocabulary's n-grams: word w's buckets are table.rows(w), its input rows R_w =
    {w} ∪ {n_words + b}."""

    minn: int
    maxn: int
    buckets: int
    n_words: int
    table: SubwordTable

    @classmethod
    def of(cls, words: list[str], config: TrainConfig) -> SubwordInputs | None:
        lengths = config.ngram_lengths
        if lengths is None:
            return None
        minn, maxn = lengths
        table = subword_table(words, minn, maxn, config.buckets)
        return cls(minn, maxn, config.buckets, len(words), table)

    @property
    def settings(self) -> dict:
        """meta.json's "subwords" (and Vectors' `subwords`)."""
        return {"minn": self.minn, "maxn": self.maxn, "buckets": self.buckets}

    @property
    def n_rows(self) -> int:
        return self.n_words + self.buckets

    def initial_input(self, U_words: np.ndarray, seed: int) -> np.ndarray:
        """float32 [W + B, dim]: U_words (the word rows, [W, dim], uniform in (−1/dim, 1/dim)
        as initial_weights draws them), then B n-gram rows likewise (w2v.kernels.subword.
        uniform_rows: streams of the seed, filled in parallel)."""
        dim = U_words.shape[1]
        U = np.empty((self.n_rows, dim), np.float32)
        U[: self.n_words] = U_words
        uniform_rows(U, self.n_words, np.uint64(seed), np.float32(1.0 / dim))
        return U

    def word_vectors(self, U: np.ndarray) -> np.ndarray:
        """float32 [W, dim]: each word's u_w, the mean of its rows of U ([W + B, dim])."""
        out = np.empty((self.n_words, U.shape[1]), np.float32)
        word_vectors(U, self.n_words, self.table.offsets, self.table.buckets, out)
        return out

    def train_chunk(
        self, arch, U, V, ids, offsets, spans, tables, config, a0, a1, seed, stream, hot
    ):
        """One call of w2v.kernels.subword.train_subword_chunk; returns its loss
        (float64 [T, 2])."""
        loss = np.zeros((len(spans) - 1, 2))
        train_subword_chunk(
            arch, U, V, self.n_words, self.table.offsets, self.table.buckets, ids, offsets,
            spans, tables.keep, tables.prob, tables.alias, config.window, config.negative,
            a0, a1, seed, stream, loss, hot,
        )  # fmt: skip
        return loss
