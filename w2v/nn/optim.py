"""Optimisers: update a list of parameter arrays in place from their gradients.

    SGD        θ ← θ − η g                                  (the lecture's update)
    momentum   v ← μ v − η g,   θ ← θ + v                   (Polyak's heavy ball)
    Adam       m ← β₁ m + (1 − β₁) g,  s ← β₂ s + (1 − β₂) g²,
               θ ← θ − η m̂ / (√ŝ + ε),  m̂ = m / (1 − β₁ᵗ), ŝ = s / (1 − β₂ᵗ)   (Kingma & Ba 2015)

g is the gradient of the whole objective, regulariser included (Network.loss_and_grads).
"""

from __future__ import annotations

import numpy as np


class SGD:
    """Minibatch SGD, with heavy-ball momentum when `momentum` > 0."""

    def __init__(self, params: list[np.ndarray], lr: float = 0.01, momentum: float = 0.0):
        self.params = params
        self.lr = lr
        self.momentum = momentum
        self.velocity = [np.zeros_like(p) for p in params] if momentum else None

    def step(self, grads: list[np.ndarray]) -> None:
        if self.velocity is None:
            for p, g in zip(self.params, grads, strict=True):
                p -= self.lr * g
            return
        for p, g, v in zip(self.params, grads, self.velocity, strict=True):
            v *= self.momentum
            v -= self.lr * g
            p += v


class Adam:
    """Adam with bias-corrected first and second moments."""

    def __init__(
        self,
        params: list[np.ndarray],
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ):
        self.params = params
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = [np.zeros_like(p) for p in params]
        self.s = [np.zeros_like(p) for p in params]
        self._tmp = [np.empty_like(p) for p in params]
        self.t = 0

    def step(self, grads: list[np.ndarray]) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # Fold both bias corrections into the step size (same update, fewer passes).
        eta = self.lr * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        eps = self.eps * np.sqrt(1 - b2**self.t)
        for p, g, m, s, tmp in zip(self.params, grads, self.m, self.s, self._tmp, strict=True):
            m *= b1
            np.multiply(g, 1 - b1, out=tmp)
            m += tmp
            s *= b2
            np.multiply(g, g, out=tmp)
            tmp *= 1 - b2
            s += tmp
            np.sqrt(s, out=tmp)
            tmp += eps
            np.divide(m, tmp, out=tmp)
            tmp *= eta
            p -= tmp
