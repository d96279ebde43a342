"""Subword training's inputs: the n-gram table of a vocabulary, the input matrix's n-gram
rows, the kernel call, and the vocabulary's final vectors (w2v.kernels.subword).

    inputs = SubwordInputs.of(vocab, config)     # None when config.subwords is None
    U = inputs.initial_input(U_words, seed)      # float32 [W + B', dim]: word rows, used buckets
    vectors = inputs.word_vectors(U)             # float32 [W, dim]: u_w, the mean of R_w
    ngrams = inputs.ngram_rows(U, seed)          # NgramRows [B, dim]: every bucket's row

Only the buckets that some word's n-grams fall in are trained: B' of them (209,416 of
2,000,000 on gcide_wn's 48,578 words), renumbered 0..B'−1 in bucket order for the kernels,
which then walk a matrix of 103 MB instead of 820 MB (the subword CBOW's kernel 12% faster,
the skip-gram's 8%). The other rows never leave their start, and ngram_rows gives the whole
matrix as NgramRows, which computes them from the seed as they are read: the same model as
training all B rows, without ever holding B rows (800 MB at 2M × 100) in memory.

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
from w2v.kernels.subword import bucket_rows, train_subword_chunk, word_vectors
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
        its bucket's start (w2v.kernels.subword.bucket_rows: streams of the seed, in parallel)."""
        dim = U_words.shape[1]
        U = np.empty((self.n_rows, dim), np.float32)
        U[: self.n_words] = U_words
        start = NgramRows(U[:0], self.used[:0], self.buckets, seed)  # nothing trained yet
        start.read_rows(U[self.n_words :], self.used)
        return U

    def ngram_rows(self, U: np.ndarray, seed: int) -> NgramRows:
        """[B, dim], computed as read: every bucket's row, as training all B would have left
        it: the trained rows of U ([W + B', dim]) for the buckets in use, the start for the
        rest."""
        return NgramRows(U[self.n_words :], self.used, self.buckets, seed)

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


class NgramRows:
    """float32 [B, dim], read-only, each row computed when read: `trained[p]` (float32 [B',
    dim]) for bucket used[p], its start from the seed for the others. Reads
    as an array does (an int, a slice or an int array of rows; np.asarray for the whole),
    and save writes it a block at a time (read_into), so the B rows never sit in memory
    together unless asked for: a subword model's n-gram matrix after training, whose
    B − B' untouched rows are a function of the seed."""

    ndim = 2
    dtype = np.dtype(np.float32)

    def __init__(self, trained: np.ndarray, used: np.ndarray, buckets: int, seed: int):
        self.trained = trained
        self.used = used
        self.seed = seed
        self.shape = (buckets, trained.shape[1])

    def __len__(self) -> int:
        return self.shape[0]

    def read_into(self, out: np.ndarray, start: int) -> None:
        """out[:] = rows start..start + len(out) − 1 (out: float32 [n, dim], C-ordered)."""
        self.read_rows(out, np.arange(start, start + len(out), dtype=np.int64))

    def read_rows(self, out: np.ndarray, rows: np.ndarray) -> None:
        """out[j] = row rows[j] (rows: int64 [n], each in 0..B−1; out: float32 [n, dim],
        C-ordered)."""
        scale = np.float32(1.0 / self.shape[1])
        bucket_rows(out, rows, self.trained, self.used, np.uint64(self.seed), scale)

    def __getitem__(self, index) -> np.ndarray:
        if isinstance(index, tuple):  # M[rows, cols, ...]: numpy's meaning, on the rows read
            first, rest = (index[0], index[1:]) if index else (slice(None), ())
            if isinstance(first, slice):
                return self[first][(slice(None), *rest)]
            rows = self._rows(first)
            wanted, at = np.unique(rows, return_inverse=True)
            return self[wanted][(at.reshape(rows.shape), *rest)]
        rows = self._rows(index)
        out = np.empty((rows.size, self.shape[1]), np.float32)
        self.read_rows(out, rows.reshape(-1))
        return out.reshape(rows.shape + (self.shape[1],))

    def _rows(self, index) -> np.ndarray:
        """The row numbers an int, a slice or an int array picks (int64, its shape)."""
        if isinstance(index, slice):
            return np.arange(*index.indices(self.shape[0]), dtype=np.int64)
        rows = np.asarray(index)
        if rows.dtype == bool or not np.issubdtype(rows.dtype, np.integer):
            raise IndexError("NgramRows takes an int, a slice or an int array of rows")
        rows = np.where(rows < 0, rows + self.shape[0], rows).astype(np.int64)
        if rows.size and (rows.min() < 0 or rows.max() >= self.shape[0]):
            raise IndexError(f"row out of range for {self.shape[0]} buckets")
        return rows

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = self[:]
        return whole if dtype is None else whole.astype(dtype, copy=False)
