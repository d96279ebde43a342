"""The full-softmax skip-gram of the lecture, and the SGNS loss, in float64 numpy.

A reference for small vocabularies: for teaching, and to check the compiled kernels.
In the lecture's notation a centre word c has a vector v_c and an outside word o a vector
u_o; here, as in the rest of the package, the input vectors are the rows of U and the output
vectors the rows of V, so v_c = U[c] and u_o = V[o]:

    p(o | c) = exp(V[o]·U[c]) / Σ_w exp(V[w]·U[c])                      (softmax)
    L_sm(c, o) = −log p(o | c)
    ∂L_sm/∂U[c] = −V[o] + Σ_w p(w | c) V[w],   ∂L_sm/∂V[w] = (p(w | c) − [w = o]) U[c]

Negative sampling replaces the sum over the vocabulary by K sampled words n_k:

    L_ns(u, v, N) = −log σ(u·v) − Σ_k log σ(−u·N[k])                   (SGNS)
    ∂/∂u = −(1 − σ(u·v)) v + Σ_k σ(u·N[k]) N[k],
    ∂/∂v = −(1 − σ(u·v)) u,   ∂/∂N[k] = σ(u·N[k]) u
"""

from __future__ import annotations

import numpy as np


def log_softmax(a: np.ndarray) -> np.ndarray:
    """log softmax(a) along the last axis, stable for large scores."""
    a = np.asarray(a, dtype=np.float64)
    m = a.max(axis=-1, keepdims=True)
    return a - m - np.log(np.exp(a - m).sum(axis=-1, keepdims=True))


def softmax_probs(U: np.ndarray, V: np.ndarray, c: int) -> np.ndarray:
    """p(· | c) over the vocabulary: float64 [W]."""
    return np.exp(log_softmax(V @ U[c]))


def softmax_loss(U: np.ndarray, V: np.ndarray, c: int, o: int) -> float:
    """−log p(o | c)."""
    return float(-log_softmax(V @ U[c])[o])


def softmax_grad(U: np.ndarray, V: np.ndarray, c: int, o: int) -> tuple[np.ndarray, np.ndarray]:
    """(∂L/∂U[c] float64 [dim], ∂L/∂V float64 [W, dim]) of L = −log p(o | c).

    The gradient over V is dense, every row: the cost negative sampling removes."""
    p = softmax_probs(U, V, c)
    p[o] -= 1.0
    return V.T @ p, np.outer(p, U[c])


def log_sigmoid(x):
    """log σ(x) = −log(1 + e^−x), stable for either sign."""
    return -np.logaddexp(0.0, -np.asarray(x, dtype=np.float64))


def sigmoid(x):
    return np.exp(log_sigmoid(x))


def sgns_loss(u: np.ndarray, v: np.ndarray, N: np.ndarray) -> float:
    """L_ns for input vector u [dim], true output v [dim] and negatives N [K, dim]."""
    return float(-log_sigmoid(u @ v) - log_sigmoid(-(N @ u)).sum())


def sgns_grad(u: np.ndarray, v: np.ndarray, N: np.ndarray):
    """(∂L/∂u [dim], ∂L/∂v [dim], ∂L/∂N [K, dim]) of L_ns (see the module docstring)."""
    gp = sigmoid(u @ v) - 1.0  # ∂L/∂(u·v)
    gn = sigmoid(N @ u)  # ∂L/∂(u·N[k])
    return gp * v + gn @ N, gp * u, np.outer(gn, u)


class SoftmaxSkipGram:
    """Skip-gram with the full softmax, trained by plain SGD on (centre, outside) pairs, the
    learning rate falling linearly from alpha to alpha·1e-4 as in word2vec.c.

    O(W·dim) per pair: only for small vocabularies. Learned: U_ [W, dim] (input vectors),
    V_ [W, dim] (output vectors), loss_ (mean −log p(o | c) of each epoch)."""

    def __init__(self, dim: int = 10, epochs: int = 50, alpha: float = 0.1, seed: int = 1):
        self.dim = dim
        self.epochs = epochs
        self.alpha = alpha
        self.seed = seed

    def fit(self, pairs: np.ndarray, n_words: int) -> SoftmaxSkipGram:
        """pairs: int [P, 2] of (centre c, outside o) word ids in [0, n_words)."""
        pairs = np.asarray(pairs, dtype=np.int64)
        rng = np.random.default_rng(self.seed)
        U = (rng.random((n_words, self.dim)) - 0.5) / self.dim
        V = np.zeros((n_words, self.dim))
        self.loss_ = []
        steps = self.epochs * len(pairs)
        t = 0
        for _ in range(self.epochs):
            total = 0.0
            for c, o in pairs[rng.permutation(len(pairs))]:
                alpha = self.alpha * max(1e-4, 1.0 - t / steps)
                t += 1
                total += softmax_loss(U, V, c, o)
                dU, dV = softmax_grad(U, V, c, o)
                U[c] -= alpha * dU
                V -= alpha * dV
            self.loss_.append(total / len(pairs))
        self.U_, self.V_ = U, V
        return self

    def predict_proba(self, c: int) -> np.ndarray:
        """p(· | c) under the fitted model."""
        return softmax_probs(self.U_, self.V_, c)
