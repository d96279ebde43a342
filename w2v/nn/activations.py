"""Activation functions g and their backward passes.

Forward: H = g(A) for a batch A [N, n]. Backward: given the upstream gradient
G = ∂J/∂H [N, n], return ∂J/∂A = G · ∂H/∂A. For the element-wise activations the
local Jacobian is diagonal, so the product is an element-wise product with g'(A);
for softmax it is diag(s) − s sᵀ per row, applied as s ⊙ (G − ⟨G, s⟩) without
building the n × n matrix.
"""

from __future__ import annotations

import numpy as np


def sigmoid(A: np.ndarray) -> np.ndarray:
    """1 / (1 + e^(−a)) without overflow: with z = e^(−|a|) ∈ (0, 1], σ = 1/(1+z) for a ≥ 0
    and z/(1+z) for a < 0 (scipy's expit, without importing scipy.special)."""
    z = np.exp(-np.abs(A))
    return np.where(A >= 0, 1, z) / (1 + z)


class Activation:
    """Base class: `forward` caches what `backward` needs; no parameters."""

    name = ""
    params: tuple = ()
    grads: tuple = ()

    def forward(self, A: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, G: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Linear(Activation):
    """g(a) = a; g'(a) = 1."""

    name = "linear"

    def forward(self, A):
        return A

    def backward(self, G):
        return G


class Sigmoid(Activation):
    """g(a) = 1 / (1 + e^(−a)); g'(a) = g(a)(1 − g(a))."""

    name = "sigmoid"

    def forward(self, A):
        self.H = sigmoid(A)
        return self.H

    def backward(self, G):
        H = self.H
        return G * H * (1 - H)


class Tanh(Activation):
    """g(a) = tanh(a); g'(a) = 1 − tanh(a)²."""

    name = "tanh"

    def forward(self, A):
        self.H = np.tanh(A)
        return self.H

    def backward(self, G):
        H = self.H
        return G * (1 - H * H)


class ReLU(Activation):
    """g(a) = max(0, a); g'(a) = 1 if a > 0 else 0 (0 at the kink, by convention)."""

    name = "relu"

    def forward(self, A):
        self.active = A > 0
        return np.maximum(A, 0)

    def backward(self, G):
        return G * self.active


class Softmax(Activation):
    """s(a)_c = exp(a_c) / Σ_k exp(a_k), row-wise (the multi-class output).

    ∂s_c/∂a_k = s_c (δ_ck − s_k), so ∂J/∂a = s ⊙ (G − Σ_k G_k s_k) for each row.
    """

    name = "softmax"

    def forward(self, A):
        E = np.exp(A - A.max(axis=1, keepdims=True))  # shift: same s, no overflow
        E /= E.sum(axis=1, keepdims=True)
        self.S = E
        return E

    def backward(self, G):
        S = self.S
        return S * (G - (G * S).sum(axis=1, keepdims=True))


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Linear, Sigmoid, Tanh, ReLU, Softmax)
}
