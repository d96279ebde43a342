"""A feed-forward network: Dense and activation modules applied in order.

    h⁽⁰⁾ = x,   a⁽ᵏ⁾ = W⁽ᵏ⁾ h⁽ᵏ⁻¹⁾ + b⁽ᵏ⁾,   h⁽ᵏ⁾ = g(a⁽ᵏ⁾),   f(x) = o(a⁽ᴸ⁺¹⁾)

Training minimises the lecture's objective J(θ) = (1/N) Σ_i ℓ(f(x_i; θ), y_i) + λ Ω(θ) with
Ω(θ) = ½ Σ_k ‖W⁽ᵏ⁾‖² (biases are not penalised), so ∇_W Ω = W.

Backpropagation visits the modules in reverse, each turning the upstream gradient
∂J/∂(its output) into ∂J/∂(its input) with its local Jacobian (see layers.py,
activations.py). One shortcut: for softmax + cross-entropy and sigmoid + binary
cross-entropy, the product of the loss gradient and the output activation's Jacobian
simplifies to (H − Y) / N, which is both cheaper and exact when H saturates at 0 or 1.
"""

from __future__ import annotations

import numpy as np

from w2v.nn.activations import ACTIVATIONS, Activation, Sigmoid, Softmax
from w2v.nn.layers import Dense, Dropout
from w2v.nn.losses import BinaryCrossEntropy, CrossEntropy, Loss


class Network:
    """Modules applied in order.

    All parameters live in one flat vector `theta` and all gradients in one flat `grad`
    (each layer's W, b, dW, db are views into them), so an optimiser updates the whole
    network in a few vectorised passes; `params` and `grads` are the per-array views.
    """

    def __init__(self, modules: list):
        self.modules = list(modules)
        self.layers = [m for m in self.modules if isinstance(m, Dense)]
        self.dropouts = [m for m in self.modules if isinstance(m, Dropout)]
        arrays = [p for layer in self.layers for p in layer.params]
        dtype = np.result_type(*arrays) if arrays else np.float32
        self.theta = np.zeros(sum(p.size for p in arrays), dtype)
        self.grad = np.zeros_like(self.theta)
        offset = 0
        for layer in self.layers:
            W, b = layer.W, layer.b
            layer.W = self.theta[offset : offset + W.size].reshape(W.shape)
            layer.dW = self.grad[offset : offset + W.size].reshape(W.shape)
            layer.W[...] = W
            offset += W.size
            layer.b = self.theta[offset : offset + b.size]
            layer.db = self.grad[offset : offset + b.size]
            layer.b[...] = b
            offset += b.size

    @property
    def params(self) -> list[np.ndarray]:
        return [p for layer in self.layers for p in layer.params]

    @property
    def grads(self) -> list[np.ndarray]:
        return [g for layer in self.layers for g in layer.grads]

    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """f(X) [N, n_out]; `training` switches dropout on (loss_and_grads does)."""
        for m in self.dropouts:
            m.training = training
        H = X
        for m in self.modules:
            H = m.forward(H)
        return H

    def backward(self, G: np.ndarray, start: int | None = None) -> np.ndarray | None:
        """Propagate G = ∂J/∂(output of module `start`, default the last) down to the input.

        Fills each Dense layer's dW, db; returns ∂J/∂X (None if the first module is Dense:
        nobody needs the gradient of the data).
        """
        start = len(self.modules) - 1 if start is None else start
        for i in range(start, -1, -1):
            m = self.modules[i]
            if isinstance(m, Dense):
                G = m.backward(G, need_input_grad=i > 0)
            else:
                G = m.backward(G)
        return G

    def regulariser(self) -> float:
        """Ω(θ) = ½ Σ_k ‖W⁽ᵏ⁾‖²."""
        return 0.5 * sum(float(np.vdot(layer.W, layer.W)) for layer in self.layers)

    def loss_and_grads(self, X: np.ndarray, Y: np.ndarray, loss: Loss, l2: float = 0.0) -> float:
        """J(θ) = loss(f(X), Y) + λ Ω(θ) on the batch (X, Y); fills `grads` with ∇_θ J."""
        H = self.forward(X, training=True)
        J = loss.value(H, Y)
        out = self.modules[-1]
        fused = (isinstance(out, Softmax) and isinstance(loss, CrossEntropy)) or (
            isinstance(out, Sigmoid) and isinstance(loss, BinaryCrossEntropy)
        )
        if fused:
            G = H - Y
            G /= len(X)
            self.backward(G, start=len(self.modules) - 2)
        else:
            self.backward(loss.grad(H, Y))
        if l2:
            J += l2 * self.regulariser()
            for layer in self.layers:
                layer.dW += l2 * layer.W
        return J

    def __repr__(self) -> str:
        return "Network(" + ", ".join(map(repr, self.modules)) + ")"


def build_network(
    n_in: int,
    hidden: tuple[int, ...],
    n_out: int,
    activation: str,
    output: str,
    rng: np.random.Generator,
    dtype=np.float32,
    dropout: float = 0.0,
) -> Network:
    """Dense → g → … → Dense → o, with `len(hidden)` hidden layers (none: one neuron layer),
    and dropout with probability `dropout` after each hidden activation if it is > 0."""
    if activation not in ACTIVATIONS or activation == "softmax":
        raise ValueError(f"unknown hidden activation {activation!r}")
    modules: list[Dense | Activation] = []
    sizes = [n_in, *hidden]
    for n_a, n_b in zip(sizes[:-1], sizes[1:], strict=True):
        modules += [Dense.init(n_a, n_b, activation, rng, dtype), ACTIVATIONS[activation]()]
        if dropout:
            modules.append(Dropout(dropout, rng))
    # The output layer gets Glorot's initialisation whatever o is: a 4× wider sigmoid
    # start would saturate the output and stall learning at the first step.
    modules += [Dense.init(sizes[-1], n_out, "linear", rng, dtype), ACTIVATIONS[output]()]
    return Network(modules)
