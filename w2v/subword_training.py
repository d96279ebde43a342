"""Subword training's inputs: the n-gram table of a vocabulary, the input matrix's n-gram
rows, the kernel call, and the vocabulary's final vectors (w2v.kernels.subword).

    inputs = SubwordInputs.of(vocab, config)     # None when config.subwords is None
    U = inputs.initial_input(U_words, seed)      # float32 [W + B', dim]: word rows, used buckets
    vectors = inputs.word_vectors(U)             # float32 [W, dim]: u_w, the mean of R_w
    ngrams = inputs.ngram_rows(U, seed)          # float32 [B, dim]: every bucket's row

Only the buckets that some word's n-grams fall in are trained: B' of them (209,416 of
2,000,000 on gcide_wn's 48,578 words), renumbered 0..B'−1 in bucket order for the kernels,
which then walk a matrix of 103 MB instead of 820 MB (the subword CBOW's kernel 12% faster,
the skip-gram's 8%). The other rows never leave their start, and ngram_rows computes them
from the seed when the whole matrix is wanted: the same model as training all B rows.

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
from w2v.kernels.subword import (
    train_subword_chunk,
    uniform_rows,
    uniform_rows_at,
    word_vectors,
)
from w2v.subwords import SubwordTable, subword_table


@dataclass(frozen=True)
class SubwordInputs:
    """A vocabulary's n-grams: word w's buckets are table.rows(w), used[dense.rows(w)]: its
    input rows R_w = {w} ∪ {n_words + j for j in dense.rows(w)} (used: int64 [B'], the
    buckets in use, ascending)."""

    minn: int
    maxn: int
    buckets: int
    n_words: int
    table: SubwordTable
    used: np.ndarray
    dense: SubwordTable

    @classmethod
    def of(cls, words: list[str], config: TrainConfig) -> SubwordInputs | None:
        lengths = config.ngram_lengths
        if lengths is None:
            return None
        minn, maxn = lengths
        table = subword_table(words, minn, maxn, config.buckets)
        used, dense = np.unique(table.buckets, return_inverse=True)
        dense_table = SubwordTable(table.offsets, dense.astype(np.int32).reshape(-1))
        return cls(
            minn, maxn, config.buckets, len(words), table, used.astype(np.int64), dense_table
        )

    @property
    def settings(self) -> dict:
        """meta.json's "subwords" (and Vectors' `subwords`)."""
        return {"minn": self.minn, "maxn": self.maxn, "buckets": self.buckets}

    @property
    def n_rows(self) -> int:
        """Rows of the trained input matrix: the words', then the buckets in use."""
        return self.n_words + len(self.used)

    def initial_input(self, U_words: np.ndarray, seed: int) -> np.ndarray:
        """float32 [W + B', dim]: U_words (the word rows, [W, dim], uniform in (−1/dim, 1/dim)
        as initial_weights draws them), then the rows of the buckets in use likewise, each
        the row uniform_rows gives its bucket (streams of the seed, filled in parallel)."""
        dim = U_words.shape[1]
        U = np.empty((self.n_rows, dim), np.float32)
        U[: self.n_words] = U_words
        uniform_rows_at(U, self.n_words, self.used, np.uint64(seed), np.float32(1.0 / dim))
        return U

    def ngram_rows(self, U: np.ndarray, seed: int) -> np.ndarray:
        """float32 [B, dim]: every bucket's row, as training all B would have left it: the
        trained rows of U ([W + B', dim]) for the buckets in use, the start for the rest."""
        dim = U.shape[1]
        rows = np.empty((self.buckets, dim), np.float32)
        uniform_rows(rows, 0, np.uint64(seed), np.float32(1.0 / dim))
        rows[self.used] = U[self.n_words :]
        return rows

    def word_vectors(self, U: np.ndarray) -> np.ndarray:
        """float32 [W, dim]: each word's u_w, the mean of its rows of U ([W + B', dim])."""
        out = np.empty((self.n_words, U.shape[1]), np.float32)
        word_vectors(U, self.n_words, self.dense.offsets, self.dense.buckets, out)
        return out

    def train_chunk(
        self, arch, U, V, ids, offsets, spans, tables, config, a0, a1, seed, stream, hot
    ):
        """One call of w2v.kernels.subword.train_subword_chunk; returns its loss
        (float64 [T, 2])."""
        loss = np.zeros((len(spans) - 1, 2))
        train_subword_chunk(
            arch, U, V, self.n_words, self.dense.offsets, self.dense.buckets, ids, offsets,
            spans, tables.keep, tables.prob, tables.alias, config.window, config.negative,
            a0, a1, seed, stream, loss, hot,
        )  # fmt: skip
        return loss
