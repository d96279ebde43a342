"""What the explorer page asks of a model beyond the library's queries: completion of a
typed prefix, and 2-D maps (PCA) of a word's neighbourhood, of the most frequent words and
of an analogy. Pure functions of a `Vectors`, computed where queries are (compute.answer),
so they run in the query processes and return plain JSON-ready dicts.

The maps project unit vectors u_i / ||u_i||, the geometry cosine similarity sees, by the
same PCA as `w2v plot` (w2v.plot.figures.pca_fit: Y = (X - mean) W, W [dim, 2] the top two
right-singular vectors of X - mean, signs fixed). An analogy's map is fitted on its four
words b, a, c, d only, as `w2v plot --analogy` does: a linear map keeps parallel offsets
parallel, so a - b and d - c show as two parallel arrows when the analogy holds.
"""

from __future__ import annotations

import bisect
import math
import weakref

import numpy as np

from w2v.errors import ModelError
from w2v.plot.figures import pca_fit, unit_rows
from w2v.vectors import Vectors

MAX_COMPLETIONS = 100
MAX_MAP = 20_000  # points in one map; the page stays smooth with this many

_sorted_words: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class _SortedWords:
    """The vocabulary in code-point order (`words`) with each word's frequency rank
    (`ranks`: its row, rows being ordered by count), built once per model."""

    def __init__(self, vec: Vectors):
        order = sorted(range(len(vec.words)), key=vec.words.__getitem__)
        self.words = [vec.words[i] for i in order]
        self.ranks = np.asarray(order, dtype=np.int64)


def complete(vec: Vectors, prefix: str, n: int) -> list[str]:
    """The `n` most frequent words that start with `prefix` (case-sensitive), most frequent
    first. The words with a prefix are one run of the sorted vocabulary (found by bisection);
    the n lowest ranks of that run are picked without sorting it."""
    index = _sorted_words.get(vec)
    if index is None:
        index = _sorted_words[vec] = _SortedWords(vec)
    lo = bisect.bisect_left(index.words, prefix)
    hi = bisect.bisect_left(index.words, prefix + "\U0010ffff", lo)
    ranks = index.ranks[lo:hi]
    if len(ranks) > n:
        ranks = np.partition(ranks, n - 1)[:n]
    return [vec.words[i] for i in np.sort(ranks)]


def _projection(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """(mean, W [dim, 2], explained): the PCA of the rows of X [n, dim] and the fraction of
    X's variance each of the two axes keeps."""
    mean, W = pca_fit(X)
    total = float(((X - mean) ** 2).sum())
    Y = (X - mean) @ W
    explained = [float((Y[:, k] ** 2).sum() / total) if total > 0 else 0.0 for k in (0, 1)]
    return mean, W, explained


def _points(words: list[str], Y: np.ndarray, scores: list[float], **extra) -> dict:
    """The JSON of a map: words and their coordinates (and scores: None where not finite,
    as the query routes write them)."""
    finite = [s if math.isfinite(s) else None for s in scores]
    return {"words": words, "x": Y[:, 0].tolist(), "y": Y[:, 1].tolist(), "scores": finite, **extra}


def word_map(vec: Vectors, word: str | None, n: int) -> dict:
    """The map of `word` and its `n` nearest neighbours (words[0] is `word`, the others in
    rank order, with their cosines in `scores`), or without a word of the `n` most frequent
    words. {"words", "x", "y", "scores", "explained"}."""
    if word is None:
        words, scores = vec.words[:n], []
    else:
        ranked = vec.most_similar(word, topn=n)
        words, scores = [word] + [w for w, _ in ranked], [s for _, s in ranked]
    if not words:
        raise ModelError("the model has no words to map")
    X = unit_rows(vec, words)  # [n, dim]
    mean, W, explained = _projection(X)
    return _points(words, (X - mean) @ W, scores=scores, explained=explained)


def analogy_map(vec: Vectors, a: str, b: str, c: str, n: int, method: str) -> dict:
    """The map of a - b + c ~ d: words [b, a, c, d, runners-up...] (d the best answer, then
    the next n - 1), projected by the PCA fitted on b, a, c, d; `query` the point c + (a - b)
    (3CosAdd's, whatever the method); `scores` the answers' scores."""
    ranked = vec.analogy(a, b, c, topn=n, method=method)
    if not ranked:
        raise ModelError("the model has too few words for an analogy")
    answers = [w for w, _ in ranked]
    X = unit_rows(vec, [b, a, c] + answers)  # [3 + n, dim]
    mean, W, explained = _projection(X[:4])
    q = X[1] - X[0] + X[2]
    Y, Yq = (X - mean) @ W, (q - mean) @ W
    return _points(
        [b, a, c] + answers,
        Y,
        scores=[s for _, s in ranked],
        query=Yq.tolist(),
        explained=explained,
    )
