"""Vectors: the words and their embedding matrix, the object every trainer returns.

    vec = Vectors(words, vectors)      # vectors: float32 [V, dim], row i is words[i]
    vec["frog"]; "frog" in vec; len(vec)

(Queries — most_similar, analogy, … — are added by the vectors issue.)
"""

from __future__ import annotations

import os

import numpy as np

from w2v.errors import UnknownWordError
from w2v.io import ModelFiles, load_model, save_model
from w2v.vocab import suggest


class Vectors:
    """Embeddings keyed by word. `vectors` is U (gensim `wv.vectors`); `contexts`, if kept,
    is the output matrix V (gensim `syn1neg`); `counts` are corpus frequencies."""

    def __init__(
        self,
        words: list[str],
        vectors: np.ndarray,
        counts: np.ndarray | None = None,
        contexts: np.ndarray | None = None,
        meta: dict | None = None,
    ):
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise ValueError(f"vectors of shape {vectors.shape} do not match {len(words)} words")
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

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def index(self, word: str) -> int:
        try:
            return self._index[word]
        except KeyError:
            raise UnknownWordError(word, suggest(word, self.words)) from None

    def __getitem__(self, word: str) -> np.ndarray:
        return self.vectors[self.index(word)]

    def __repr__(self) -> str:
        return f"Vectors({len(self)} words, dim {self.dim})"

    @classmethod
    def load(cls, directory: str | os.PathLike, mmap: bool = True) -> Vectors:
        m = load_model(directory, mmap=mmap)
        return cls(m.words, m.vectors, m.counts, m.contexts, m.meta)

    def save(self, directory: str | os.PathLike, force: bool = False) -> None:
        save_model(
            directory,
            ModelFiles(self.words, self.counts, self.vectors, self.contexts, self.meta),
            force=force,
        )


def load(directory: str | os.PathLike = "w2v-model", mmap: bool = True) -> Vectors:
    """Open a model directory (memory-mapped, validated, never unpickled)."""
    return Vectors.load(directory, mmap=mmap)
