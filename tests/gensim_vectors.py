"""Matrices shared by the tests that compare w2v with gensim on the same vectors.

- `trained()`: gensim skip-gram trained for a moment on the start of the embedded corpus
  (real neighbourhoods, real near-ties), built once per test process.
- `analogy_shaped()`: the vocabulary of the shipped evaluation sets (with case variants) and
  vectors in which each analogy section is a noisy translation, so answers are right often
  but not always, and many are close calls.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from w2v.evaluate import ANALOGIES, PAIRS, data_path
from w2v.tokens import iter_sentences
from w2v.vectors import Vectors
from w2v.vocab import default_corpus


@functools.cache
def trained():
    """(Vectors, gensim KeyedVectors) holding the same float32 matrix."""
    from gensim.models import Word2Vec

    sentences = list(itertools.islice(iter_sentences(default_corpus()), 25_000))
    model = Word2Vec(
        sentences, vector_size=32, window=5, min_count=3, sg=1, epochs=2, workers=2, seed=1
    )
    kv = model.wv
    return Vectors(list(kv.index_to_key), kv.vectors.copy()), kv


@functools.cache
def analogy_shaped(dim: int = 24, seed: int = 0):
    """(Vectors, KeyedVectors) over the evaluation sets' words, lower case first and then a
    few original-case variants, so gensim's case folding has something to decide."""
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(seed)
    words: dict[str, np.ndarray] = {}
    pairs = []
    relation = None
    for line in data_path(ANALOGIES).read_text().splitlines():
        if line.startswith(":"):
            relation = rng.standard_normal(dim)
            continue
        a, b, c, d = line.lower().split()
        pairs += [(a, b, relation), (c, d, relation)]
    for a, b, r in pairs:
        words.setdefault(a, rng.standard_normal(dim))
        words[b] = words[a] + r + 1.2 * rng.standard_normal(dim)
    for name in PAIRS:
        for line in data_path(name).read_text().splitlines():
            if not line.startswith("#"):
                for w in line.lower().split("\t")[:2]:
                    words.setdefault(w, rng.standard_normal(dim))
    vocab = list(words)
    rng.shuffle(vocab)
    vocab += [w.capitalize() for w in vocab[::7]]  # case variants, rarer than the originals
    U = np.array([words.get(w, words.get(w.lower())) for w in vocab], dtype=np.float32)
    U[len(words) :] += 0.3 * rng.standard_normal((len(vocab) - len(words), dim)).astype(np.float32)
    kv = KeyedVectors(dim, count=0, dtype=np.float32)
    kv.add_vectors(vocab, U)
    return Vectors(vocab, U), kv
