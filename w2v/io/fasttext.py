"""Facebook fastText's model files: reading a `.bin` model, n-grams included, and writing
`.vec`, the word vectors fastText's `saveVectors` writes.

The .bin's layout and its checks are in w2v.io.fasttext_bin. Row i < nwords of a model's
input matrix is word i's own row; row nwords + b is n-gram bucket b (w2v.subwords). A word's
vector is the mean of the rows of its subwords S_w:

    u_w = (1 / |S_w|) Σ_{s ∈ S_w} input[s],   S_w = {w} ∪ G_w for a vocabulary word,
                                              S_w = G_w for any other word

the sum taken in float32 in the order of S_w, then scaled by float32(1 / |S_w|), as
fastText's getWordVector does. Since version 12 (fastText commit ebbd3bf), the end-of-line
token "</s>" has no n-grams: its vector is its own row; gensim gives it n-grams in every
version, as fastText did before.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from w2v.errors import ModelError, UnknownWordError
from w2v.io.fasttext_bin import MAGIC, is_facebook, read_bin
from w2v.io.model_dir import check_finite, finite_rows
from w2v.io.word2vec import check_words, create_file
from w2v.subwords import ngram_buckets, subword_table

__all__ = [
    "MAGIC",
    "FacebookModel",
    "NoSubwordsError",
    "facebook_to_vectors",
    "is_facebook",
    "read_facebook",
    "write_vec",
]

EOS = "</s>"  # fastText's end-of-line token
EOS_WITHOUT_NGRAMS = 12  # the version from which "</s>" has no n-grams
NGRAMS_PER_BLOCK = 1 << 24  # n-gram buckets (int32) tabled at a time: 64 MB


class NoSubwordsError(UnknownWordError):
    """A word outside the vocabulary that has no character n-gram to build a vector from."""

    def __init__(self, word: str, minn: int, maxn: int):
        self.minn, self.maxn = minn, maxn
        super().__init__(word)

    def __str__(self) -> str:
        if self.maxn == 0:
            return f"word {self.word!r} is not in the vocabulary, and the model has no n-grams"
        return (
            f"word {self.word!r} is not in the vocabulary and has no character n-gram of "
            f"{self.minn}-{self.maxn} characters to build a vector from"
        )


@dataclass(frozen=True, eq=False)
class FacebookModel:
    """A fastText model as its .bin holds it. `input` is float32 [nwords + bucket, dim]
    (word rows, then n-gram bucket rows), `output` float32 [nwords, dim] (the negative
    sampling or hierarchical softmax weights); both memory-mapped from an uncompressed file.
    `args` holds Args' fields under fastText's names (dim, ws, epoch, minCount, neg,
    wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate, t), loss and model by name."""

    path: str
    version: int  # 11 or 12; 0: the pre-versioned format
    args: dict
    words: list[str]
    counts: np.ndarray  # int64 [nwords]
    ntokens: int
    input: np.ndarray
    output: np.ndarray

    @property
    def dim(self) -> int:
        return self.args["dim"]

    @property
    def minn(self) -> int:
        return self.args["minn"]

    @property
    def maxn(self) -> int:
        return self.args["maxn"]

    @property
    def bucket(self) -> int:
        return self.args["bucket"]

    @property
    def nwords(self) -> int:
        return len(self.words)

    @property
    def ngrams(self) -> np.ndarray:
        """The n-gram bucket rows, float32 [bucket, dim]."""
        return self.input[self.nwords :]

    @property
    def has_ngrams(self) -> bool:
        return self.bucket > 0 and self.maxn > 0

    def _eos(self) -> int:
        """The index of "</s>" when it has no n-grams (version 12), else -1."""
        if self.version < EOS_WITHOUT_NGRAMS:
            return -1
        return next((i for i, w in enumerate(self.words) if w == EOS), -1)

    def word_vectors(self) -> np.ndarray:
        """float32 [nwords, dim]: each word's mean of its own row and its n-gram rows, what
        fastText's .vec and gensim's wv.vectors hold."""
        out = np.empty((self.nwords, self.dim), np.float32)
        if not self.has_ngrams:
            out[:] = self.input[: self.nwords]
            return out
        from w2v.kernels.ngrams import fasttext_word_vectors  # here: the server loads no Numba

        eos = self._eos()
        for a, b in self._blocks():
            table = subword_table(self.words[a:b], self.minn, self.maxn, self.bucket)
            fasttext_word_vectors(
                self.input, a, self.nwords, table.offsets, table.buckets, eos, out[a:b]
            )
        return out

    def _blocks(self) -> list[tuple[int, int]]:
        """Word ranges [a, b) of at most NGRAMS_PER_BLOCK n-grams each (one word alone may
        have more, up to 65,538 characters × 256), so that the n-gram table of a dictionary of
        long words takes a block's memory, not its bytes times maxn. A word of c characters
        has at most (c + 2) · (maxn − minn + 1) n-grams."""
        chars = np.array([len(w) + 2 for w in self.words], np.int64)
        ends = np.cumsum(chars * max(0, self.maxn - max(self.minn, 1) + 1))
        blocks, a, most = [], 0, NGRAMS_PER_BLOCK
        while a < self.nwords:
            b = int(np.searchsorted(ends, (ends[a - 1] if a else 0) + most, side="right"))
            b = max(b, a + 1)
            blocks.append((a, b))
            a = b
        return blocks

    def subword_rows(self, word: str) -> np.ndarray:
        """The input rows S_w whose mean is the vector of `word`, int64 (may be empty)."""
        own = [i for i in (self._index.get(word),) if i is not None]
        if not self.has_ngrams or word == EOS and self.version >= EOS_WITHOUT_NGRAMS:
            return np.array(own, np.int64)
        grams = ngram_buckets(word, self.minn, self.maxn, self.bucket) + self.nwords
        return np.concatenate([np.array(own, np.int64), grams])

    def vector(self, word: str) -> np.ndarray:
        """float32 [dim]: the vector of any word, in the vocabulary or not (fastText's
        getWordVector); NoSubwordsError for an unseen word without n-grams."""
        rows = self.subword_rows(word)
        if len(rows) == 0:
            raise NoSubwordsError(word, self.minn, self.maxn if self.bucket else 0)
        u = np.zeros(self.dim, np.float32)
        for r in rows:  # in fastText's order, in float32: the same bits as word_vectors
            u += self.input[r]
        return u * np.float32(1.0 / len(rows))

    @cached_property
    def _index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}


def read_facebook(path: str | os.PathLike, unicode_errors: str = "strict") -> FacebookModel:
    """Read a non-quantized, unsupervised fastText .bin (versions 11, 12 and the pre-versioned
    format; also .gz, .bz2, .xz): see w2v.io.fasttext_bin. Words that are not UTF-8 raise
    ModelError unless `unicode_errors` ("replace", or "backslashreplace" as gensim) says how
    to decode them."""
    return FacebookModel(str(path), *read_bin(path, unicode_errors))


def facebook_to_vectors(fb: FacebookModel) -> dict:
    """The keyword arguments of Vectors for the model: words, vectors (the word vectors,
    float32 [nwords, dim]), counts, ngrams (float32 [bucket, dim], memory-mapped from an
    uncompressed file) and subwords ({"minn", "maxn", "buckets"}), both None when the model
    has no n-grams, and meta. ModelError if a vector or an n-gram row is not finite."""
    has_ngrams = fb.has_ngrams
    vectors = fb.word_vectors()
    check_finite(fb.path, fb.words, vectors, lambda i: f"the vector of word {i + 1}")
    if has_ngrams:
        _check_finite_ngrams(fb)
    return {
        "words": list(fb.words),
        "vectors": vectors,
        "counts": fb.counts,
        "ngrams": fb.ngrams if has_ngrams else None,
        "subwords": (
            {"minn": fb.minn, "maxn": fb.maxn, "buckets": fb.bucket} if has_ngrams else None
        ),
        "meta": {
            "source": fb.path,
            "source_format": "fasttext-bin",
            "fasttext": {"version": fb.version, "ntokens": fb.ntokens, **fb.args},
        },
    }


def _check_finite_ngrams(fb: FacebookModel, block_bytes: int = 64 << 20) -> None:
    """ModelError naming the first n-gram row holding NaN or infinity; read in blocks, so a
    memory-mapped matrix is never copied whole."""
    rows = max(1, block_bytes // (4 * fb.dim))
    for start in range(0, fb.bucket, rows):
        finite = finite_rows(fb.ngrams[start : start + rows])
        if not finite.all():
            b = start + int(np.argmin(finite))
            raise ModelError(
                f"{fb.path!r}: n-gram bucket {b} (input row {fb.nwords + b}) has a value that "
                "is NaN, infinite or too large for float32"
            )


def write_vec(vec, path: str | os.PathLike, limit: int | None = None) -> Path:
    """fastText's .vec, byte for byte what its saveVectors writes: "V dim\\n", then per word
    "word v1 v2 ... vdim \\n", the values at 5 significant digits (C++ setprecision(5),
    printf's %.5g) each followed by a space. A word2vec text file to every reader of one
    (gensim's load_word2vec_format reads it). A path ending in .gz, .bz2 or .xz is
    compressed."""
    V = len(vec) if limit is None else min(limit, len(vec))
    words, U = vec.words[:V], np.asarray(vec.vectors[:V], dtype=np.float32)
    check_words(words, " \t\n\r\v\f", "fasttext-vec")
    path = Path(path)
    fmt = "%.5g " * vec.dim
    with create_file(path) as f:
        f.write(f"{V} {vec.dim}\n".encode())
        for start in range(0, V, 4096):
            block = zip(words[start : start + 4096], U[start : start + 4096].tolist(), strict=True)
            f.write("".join(f"{w} {fmt % tuple(u)}\n" for w, u in block).encode())
    return path
