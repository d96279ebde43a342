"""Vectors: the words and their embedding matrix, the object every trainer returns.

    vec = Vectors(words, vectors)      # vectors: float32 [V, dim], row i is words[i]
    vec["frog"]; "frog" in vec; len(vec)
    vec.most_similar("frog")           # [(word, cosine), ...], the query excluded
    vec.analogy("king", "man", "woman")  # nearest to king - man + woman

A subword model (`w2v train --subwords 3-6`, a fastText import) also holds `ngrams`, the
n-gram rows of its input matrix (float32 [buckets, dim]), and `subwords` {minn, maxn,
buckets}: a word outside the vocabulary gets the mean of its n-grams' rows (fastText's
getWordVector), so `vec["unseen"]` and every query answer for it; `word in vec` still means
"in the vocabulary", and `vec.has_vector(word)` tells whether a vector can be built.

Rankings follow gensim's `KeyedVectors.most_similar` to the last bit: the query is the
unit-normalised mean of the unit rows u_i / ||u_i|| of the positive words and of minus the
negative ones, q = unit(sum_i w_i u_i / ||u_i|| / sum_i |w_i|), and each word j scores
cos(u_j, q) = (U q)_j / ||u_j||, computed with the same float32 operations as gensim, so
the scores are gensim's bit for bit and equal scores come out in gensim's order.
`U` is `vectors` (gensim `wv.vectors`, word2vec.c `syn0`).

The matrix is treated as read-only: norms and the normalised matrix are computed once, on
first use, and cached (a memory-mapped matrix of up to 1 GiB is read into memory then).
"""

from __future__ import annotations

import os
from functools import cached_property

import numpy as np

from w2v.errors import ModelError, UnknownWordError
from w2v.io.model_dir import ModelFiles, load_model, repeats, save_model
from w2v.ranking import argsort_desc, topk_rows
from w2v.subwords import check_subword_settings, ngram_mean
from w2v.vocab import Suggestions

# Score-matrix chunk for batched queries: rows * V * 4 bytes stays under this.
BATCH_BYTES = 32 << 20
# A memory-mapped matrix up to this size is read into memory for queries; larger ones are
# scanned in place.
COPY_BYTES = 1 << 30


class Vectors:
    """Embeddings keyed by word. `vectors` is U (gensim `wv.vectors`); `contexts`, if kept,
    is the output matrix V (gensim `syn1neg`); `counts` are corpus frequencies; `ngrams`
    (float32 [buckets, dim]: an array, or after training w2v.subword_training.NgramRows,
    whose rows are computed as read) and `subwords` ({minn, maxn, buckets}) those of a
    subword model, whose `vectors` are the words' final vectors (own row and n-gram rows
    averaged)."""

    def __init__(
        self,
        words: list[str],
        vectors: np.ndarray,
        counts: np.ndarray | None = None,
        contexts: np.ndarray | None = None,
        meta: dict | None = None,
        ngrams: np.ndarray | None = None,
        subwords: dict | None = None,
    ):
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise ValueError(f"vectors of shape {vectors.shape} do not match {len(words)} words")
        if (ngrams is None) != (subwords is None):
            raise ValueError("a subword model needs both ngrams and subwords")
        if subwords is not None:
            subwords = check_subword_settings(subwords)
            if ngrams.shape != (subwords["buckets"], vectors.shape[1]):
                raise ValueError(
                    f"ngrams of shape {ngrams.shape} do not match {subwords['buckets']} buckets "
                    f"of dimension {vectors.shape[1]}"
                )
        self.ngrams = ngrams
        self.subwords = subwords
        self.words = list(words)
        self.vectors = vectors
        self.counts = (
            np.asarray(counts, dtype=np.int64)
            if counts is not None
            else np.zeros(len(words), np.int64)
        )
        self.contexts = contexts
        self.meta = dict(meta or {})
        self._index = {w: i for i, w in enumerate(self.words)}
        if len(self._index) != len(self.words):
            raise ValueError(repeats(self.words, len(self.words) - len(self._index)))
        self.path: str | None = None  # the model directory, when loaded from one
        self.copy_bytes = COPY_BYTES  # see _U

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def has_vector(self, word: str) -> bool:
        """Whether `vec[word]` gives a vector: a vocabulary word, or for a subword model a
        word with at least one n-gram."""
        return word in self._index or self._ngram_mean(word) is not None

    def _ngram_mean(self, word: str) -> np.ndarray | None:
        """The mean of `word`'s n-gram rows (w2v.subwords.ngram_mean); None for a plain model."""
        if self.subwords is None or not isinstance(word, str):
            return None
        return ngram_mean(self.ngrams, word, self.subwords["minn"], self.subwords["maxn"])

    def _unseen(self, word: str) -> np.ndarray:
        """float32 [dim]: the vector of a word outside the vocabulary, the mean of its
        n-gram rows; UnknownWordError, with suggestions, when it has none."""
        u = self._ngram_mean(word)
        if u is None:
            raise UnknownWordError(word, self.suggest(word), self.min_count)
        return u

    def _unit_of(self, word: str) -> tuple[np.ndarray, int | None]:
        """(u / ||u||, float32 [dim]; its row, None for an unseen word) of `word`."""
        i = self._index.get(word) if isinstance(word, str) else None
        if i is not None:
            return self._unit_row(i), i
        u = self._unseen(word)
        n = np.linalg.norm(u)
        return (u / n if n > 0 else u), None

    def index(self, word: str) -> int:
        try:
            return self._index[word]
        except KeyError:
            raise UnknownWordError(word, self.suggest(word), self.min_count) from None

    @property
    def min_count(self) -> int | None:
        """The count below which the trainer dropped words (meta.json), if it recorded one."""
        config = self.meta.get("config")
        value = config.get("min_count") if isinstance(config, dict) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @cached_property
    def suggest(self) -> Suggestions:
        """Close words for an unknown word (see w2v.vocab.Suggestions), indexed on first use."""
        return Suggestions(self.words)

    def __getitem__(self, word: str) -> np.ndarray:
        # Once queries have read a memory-mapped U into memory (_U), rows come from that
        # copy (the same float32 values): a file truncated on disk while it is mapped
        # would turn a read of the map into SIGBUS, which kills the whole process.
        if word not in self._index and self.subwords is not None:
            return self._unseen(word)
        U = self.__dict__.get("_U") if isinstance(self.vectors, np.memmap) else None
        return (self.vectors if U is None else U)[self.index(word)]

    def __repr__(self) -> str:
        return f"Vectors({len(self)} words, dim {self.dim})"

    @classmethod
    def load(
        cls, directory: str | os.PathLike, mmap: bool = True, copy_bytes: int = COPY_BYTES
    ) -> Vectors:
        """See w2v.load."""
        m = load_model(directory, mmap=mmap)
        try:
            vec = cls(m.words, m.vectors, m.counts, m.contexts, m.meta, m.ngrams, m.subwords)
        except ValueError as e:  # load_model checked the shapes: the words repeat
            path = os.path.join(directory, "vocab.parquet")
            raise ModelError(f"{path!r} is not a valid vocabulary: {e}") from None
        vec.path = str(directory)
        vec.copy_bytes = copy_bytes
        return vec

    def save(self, directory: str | os.PathLike, force: bool = False) -> None:
        save_model(
            directory,
            ModelFiles(
                self.words,
                self.counts,
                self.vectors,
                self.contexts,
                self.meta,
                self.ngrams,
                self.subwords,
            ),
            force=force,
        )

    # ---- norms -------------------------------------------------------------------------

    @cached_property
    def _U(self) -> np.ndarray:
        """U as a plain float32 ndarray. A memory-mapped U of up to `copy_bytes` is copied
        into memory on first use: every query scans all of it anyway, and anonymous memory
        (huge pages) scans faster than a file map."""
        U = self.vectors
        if isinstance(U, np.memmap) and U.nbytes <= self.copy_bytes:
            return np.array(U, dtype=np.float32)
        return np.asarray(U, dtype=np.float32)

    @cached_property
    def norms(self) -> np.ndarray:
        """float32 [V]: ||u_i||, as gensim's `fill_norms`. ModelError if any is not finite:
        a row holding NaN or infinity (or too long for float32) has no direction, and every
        query would rank NaN scores. The check is free here, U is scanned anyway; the
        (lazy, memory-mapped) load does not scan U."""
        n = self._row_norms()
        if not np.isfinite(n).all():
            raise self._nonfinite(n)
        return n

    def _row_norms(self) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):  # reported as a ModelError
            return np.linalg.norm(self._U, axis=1)

    def _nonfinite(self, n: np.ndarray) -> ModelError:
        bad = np.flatnonzero(~np.isfinite(n))
        name = f"model {self.path!r}" if self.path else "the model"
        first = self.words[bad[0]]
        if np.isfinite(self._U[bad]).all():  # finite values whose squares overflow float32
            what = "vectors too long for float32 ({} rows whose norm overflows, first: {!r})"
        else:
            what = "non-finite vectors ({} rows hold NaN or infinity, first: {!r})"
        return ModelError(f"{name} has " + what.format(len(bad), first))

    def warm(self) -> Vectors:
        """Compute the query caches now (U read into memory, its norms), so that the first
        query does not pay for them; ModelError if a vector is not finite."""
        _ = self._denom  # computes U in memory and its norms on the way
        return self

    @cached_property
    def _denom(self) -> np.ndarray:
        """The norms with zeros replaced by 1, so a zero vector scores 0 instead of NaN."""
        n = self.norms
        return np.where(n > 0, n, np.float32(1)) if not n.all() else n

    @cached_property
    def normed(self) -> np.ndarray:
        """float32 [V, dim]: N = U / ||U|| row-wise (zero rows stay zero); computed once."""
        return self._U / self._denom[:, None]

    def _unit_row(self, i: int) -> np.ndarray:
        return self._U[i] / self._denom[i]

    # ---- queries -----------------------------------------------------------------------

    def _query(self, positive, negative) -> tuple[np.ndarray, list[int]]:
        """q (float32 [dim]) and the input rows, by gensim's get_mean_vector(pre_normalize,
        post_normalize): a float32 running sum of +-u_i/||u_i||, divided by the count."""
        positive, negative = _as_list(positive), _as_list(negative)
        if not positive and not negative:
            raise ValueError("cannot compute similarity with no input words")
        units = [self._unit_of(w) for w in positive + negative]
        mean = np.zeros(self.dim, np.float32)
        for k, (u, _) in enumerate(units):
            mean += np.float64(1.0 if k < len(positive) else -1.0) * u
        return _unit(mean / np.float64(len(units))), [i for _, i in units if i is not None]

    def _cosines(self, q: np.ndarray, restrict: int | None) -> np.ndarray:
        """float32 [V'] cos(u_j, q) over the first `restrict` rows: (U q) / ||u||, as gensim."""
        end = restrict or len(self)
        return np.dot(self._U[:end], q) / self._denom[:end]

    def most_similar(self, positive=None, negative=None, topn: int = 10, restrict=None):
        """The `topn` words nearest (by cosine) to the mean of the unit vectors of the
        `positive` words minus those of the `negative` ones; the inputs are excluded.

        `positive` and `negative` are a word or a list of words; `restrict` searches only
        the first `restrict` (most frequent) words. Returns [(word, cosine), ...].
        """
        if topn < 1:
            return []
        q, ids = self._query(positive, negative)
        scores = self._cosines(q, restrict)
        return self._ranked(scores, topn, ids)

    def most_similar_cosmul(self, positive=None, negative=None, topn: int = 10, restrict=None):
        """3CosMul (Levy & Goldberg 2014, eq. 4, as gensim's `most_similar_cosmul`):
        score_j = prod_p (1 + cos(j, p)) / 2  /  (prod_n (1 + cos(j, n)) / 2 + 1e-6).

        Unlike gensim's, which accepts `restrict_vocab` and ignores it, `restrict` applies."""
        if topn < 1:
            return []
        positive, negative = _as_list(positive), _as_list(negative)
        if not positive:
            raise ValueError("3CosMul needs at least one positive word")
        pos = [self._unit_of(w) for w in positive]
        neg = [self._unit_of(w) for w in negative]
        end = restrict or len(self)
        U, denom = self._U[:end], self._denom[:end]
        pos_dists = [(1 + np.dot(U, u) / denom) / 2 for u, _ in pos]
        neg_dists = [(1 + np.dot(U, u) / denom) / 2 for u, _ in neg]
        scores = np.prod(pos_dists, axis=0) / (np.prod(neg_dists, axis=0) + 0.000001)
        return self._ranked(scores, topn, sorted({i for _, i in pos + neg if i is not None}))

    def _ranked(self, scores: np.ndarray, topn: int, exclude: list[int]):
        """The best `topn` of `scores` not in `exclude`: like gensim, fetch the best topn +
        len(exclude) and filter them. Equal scores (common in float32 when cosines crowd
        near 1) are left in the order gensim's partial sort gives them."""
        k = min(topn + len(exclude), len(scores))
        top = topk_rows(scores[None, :], min(k + 1, len(scores)))[0]
        vals = scores[top]
        best = argsort_desc(scores, k) if (vals[1:] == vals[:-1]).any() else top[:k]
        skip = set(exclude)
        return [(self.words[i], float(scores[i])) for i in best if i not in skip][:topn]

    def analogy(self, a: str, b: str, c: str, topn: int = 10, method: str = "add", restrict=None):
        """Words d with a - b + c ~ d (`analogy("king", "man", "woman")` -> queen).

        "add" (3CosAdd) is most_similar(positive=[a, c], negative=[b]); "mul" is 3CosMul.
        """
        if method == "add":
            return self.most_similar([a, c], [b], topn=topn, restrict=restrict)
        if method == "mul":
            return self.most_similar_cosmul([a, c], [b], topn=topn, restrict=restrict)
        raise ValueError(f"method must be 'add' or 'mul', not {method!r}")

    def similarity(self, w1: str, w2: str) -> float:
        """cos(u_1, u_2)."""
        if self.subwords is not None and not (w1 in self._index and w2 in self._index):
            return float(np.dot(_unit(self[w1]), _unit(self[w2])))
        return float(self._similarity(self.index(w1), self.index(w2)))

    def _similarity(self, i: int, j: int) -> np.float32:
        """cos(u_i, u_j) as gensim computes it: the float32 dot of two unit vectors."""
        with np.errstate(invalid="ignore", over="ignore"):  # a non-finite row: named below
            cos = np.dot(_unit(self._U[i]), _unit(self._U[j]))
        if not np.isfinite(cos):  # so u_i or u_j holds NaN or infinity: name all such rows
            raise self._nonfinite(self._row_norms())
        return cos

    def doesnt_match(self, words: list[str]) -> str:
        """The word farthest (by cosine) from the normalised mean of the words' unit vectors
        (gensim's `doesnt_match`, which ranks ties by the word itself)."""
        words = _as_list(words)
        if not words:
            raise ValueError("cannot select a word from an empty list")
        X = np.vstack([self._unit_of(w)[0] for w in words])  # [n, dim]
        mean = np.zeros(self.dim, np.float32)
        for x in X:
            mean += x
        mean = _unit(mean / np.float32(len(words)))
        return sorted(zip(X @ mean, words, strict=True), reverse=True)[-1][1]

    def most_similar_batch(self, words: list[str], topn: int = 10, restrict=None):
        """most_similar(word, topn) for every word at once: one matrix product per chunk of
        queries, S = N_q N^T (float32 [B, V]), chunked so S stays under BATCH_BYTES.

        Scores agree with most_similar to float32 rounding; words whose scores tie to
        within that rounding may come out in the other order. A subword model answers for
        words outside the vocabulary too (their n-grams' mean, as most_similar).
        """
        words = _as_list(words)
        ids = np.array([self._index.get(w, -1) for w in words], dtype=np.int64)
        unseen = {r: self._unit_of(w)[0] for r, w in enumerate(words) if ids[r] < 0}
        if topn < 1:
            return [[] for _ in words]
        end = min(restrict or len(self), len(self))
        N = self.normed
        Nr = N[:end]
        k = min(topn + 1, end)
        step = max(1, BATCH_BYTES // (4 * end))
        out = []
        for start in range(0, len(ids), step):
            q = ids[start : start + step]
            Q = N[q]  # [B, dim]; the rows of unseen words (q = −1) are replaced next
            for r in range(start, start + len(q)):
                if r in unseen:
                    Q[r - start] = unseen[r]
            S = Q @ Nr.T  # [B, V']
            top = topk_rows(S, k)
            for r, i in enumerate(q):
                row = [j for j in top[r] if j != i][:topn]
                out.append([(self.words[j], float(S[r, j])) for j in row])
        return out

    def to_gensim(self):
        """A gensim KeyedVectors with the same words, vectors and counts (needs gensim)."""
        try:
            from gensim.models import KeyedVectors
        except ImportError as e:
            raise ImportError("to_gensim needs gensim: pip install gensim") from e
        kv = KeyedVectors(self.dim, count=0, dtype=np.float32)
        kv.add_vectors(self.words, np.array(self._U, dtype=np.float32))
        kv.allocate_vecattrs(attrs=["count"], types=[np.int64])
        kv.expandos["count"][:] = self.counts
        return kv


def load(
    directory: str | os.PathLike = "w2v-model", mmap: bool = True, copy_bytes: int = COPY_BYTES
) -> Vectors:
    """Open a model directory (memory-mapped, validated, never unpickled). Queries read a
    memory-mapped U of up to `copy_bytes` into memory on first use; a larger one (or any,
    with 0: processes sharing one page cache of it) is scanned in place."""
    return Vectors.load(directory, mmap=mmap, copy_bytes=copy_bytes)


def _as_list(words) -> list[str]:
    if words is None:
        return []
    if isinstance(words, str):
        return [words]
    return list(words)


def _unit(x: np.ndarray) -> np.ndarray:
    """x / ||x|| in float64, returned as float32 (gensim's unitvec(...).astype(REAL))."""
    x = np.asarray(x, dtype=np.float64)
    norm = np.sqrt(np.dot(x, x))
    return (x * (1.0 / norm) if norm > 0 else x).astype(np.float32)
