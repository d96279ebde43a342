"""Small corpora shared by the co-occurrence and LSA tests: the lecture's three sentences with
their window-1 co-occurrence table, and a corpus of three topics."""

import numpy as np
import scipy.sparse as sp

LECTURE = "I like deep learning.\nI like NLP.\nI enjoy flying.\n"
SLIDE_WORDS = ["I", "like", "enjoy", "deep", "learning", "NLP", "flying", "."]
SLIDE = np.array(  # the lecture's "window based co-occurrence matrix", window 1
    [
        [0, 2, 1, 0, 0, 0, 0, 0],
        [2, 0, 0, 1, 0, 1, 0, 0],
        [1, 0, 0, 0, 0, 0, 1, 0],
        [0, 1, 0, 0, 1, 0, 0, 0],
        [0, 0, 0, 1, 0, 0, 0, 1],
        [0, 1, 0, 0, 0, 0, 0, 1],
        [0, 0, 1, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 1, 1, 1, 0],
    ]
)
TOPICS = [
    ["cat", "dog", "horse", "cow", "sheep", "goat"],
    ["red", "green", "blue", "yellow", "purple", "orange"],
    ["one", "two", "three", "four", "five", "six"],
]


def in_order(words, X, order):
    """X (dense or sparse, rows and columns `words`) re-indexed to the word list `order`."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X)
    idx = [words.index(w) for w in order]
    return X[np.ix_(idx, idx)]


def topic_corpus(n=600, seed=0):
    """n sentences of 8 words, each drawn from one topic plus shared function words."""
    rng = np.random.default_rng(seed)
    shared = ["the", "a", "and", "of"]
    return [[str(w) for w in rng.choice(TOPICS[rng.integers(3)] + shared, 8)] for _ in range(n)]
