"""The dense (fully connected) layer and its initialisation.

    a = W h + b        W [n_out, n_in], b [n_out]; for a batch H [N, n_in]: A = H Wᵀ + b

Backward, with the upstream gradient G = ∂J/∂A [N, n_out]:

    ∂J/∂W = Gᵀ H [n_out, n_in]     ∂J/∂b = Σ_rows G [n_out]     ∂J/∂H = G W [N, n_in]

(the local Jacobian ∂a/∂h is W itself, and ∂a_i/∂W_ij = h_j), so nothing bigger than
the parameters is ever formed.
"""

from __future__ import annotations

import numpy as np


def init_limit(n_in: int, n_out: int, activation: str) -> float:
    """Half-width of the uniform distribution W is drawn from, chosen per activation.

    relu: He et al. (2015), Var W = 2 / n_in, keeps the variance of a through the layers
    when half the units are off. tanh, linear (and every output layer, see
    network.build_network): Glorot & Bengio (2010),
    Var W = 2 / (n_in + n_out). sigmoid: 4 × Glorot's limit (their recommendation, since
    σ'(0) = 1/4 where tanh'(0) = 1).
    """
    if activation == "relu":
        return float(np.sqrt(6.0 / n_in))
    glorot = float(np.sqrt(6.0 / (n_in + n_out)))
    return 4.0 * glorot if activation == "sigmoid" else glorot


class Dense:
    """A fully connected layer a = W h + b with its gradients dW, db after `backward`."""

    def __init__(self, W: np.ndarray, b: np.ndarray):
        if W.ndim != 2 or b.shape != (W.shape[0],):
            raise ValueError(f"W {W.shape} and b {b.shape} do not make a dense layer")
        self.W = W
        self.b = b
        self.dW = np.zeros_like(W)
        self.db = np.zeros_like(b)

    @classmethod
    def init(
        cls, n_in: int, n_out: int, activation: str, rng: np.random.Generator, dtype=np.float32
    ) -> Dense:
        """W ~ U(−r, r) with r = init_limit(n_in, n_out, activation); b = 0."""
        r = init_limit(n_in, n_out, activation)
        W = rng.uniform(-r, r, size=(n_out, n_in)).astype(dtype)
        return cls(W, np.zeros(n_out, dtype=dtype))

    @property
    def params(self) -> tuple[np.ndarray, np.ndarray]:
        return (self.W, self.b)

    @property
    def grads(self) -> tuple[np.ndarray, np.ndarray]:
        return (self.dW, self.db)

    def forward(self, H: np.ndarray) -> np.ndarray:
        self.H = H
        A = H @ self.W.T
        A += self.b
        return A

    def backward(self, G: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        np.matmul(G.T, self.H, out=self.dW)
        G.sum(axis=0, out=self.db)
        return G @ self.W if need_input_grad else None

    def __repr__(self) -> str:
        n_out, n_in = self.W.shape
        return f"Dense({n_in} → {n_out})"


class Dropout:
    """Inverted dropout (Srivastava et al. 2014), active only while training.

    Training: H' = H ⊙ M / (1 − p) with M_ij ~ Bernoulli(1 − p), a fresh mask per batch,
    so E[H'] = H and inference uses H unchanged. Backward: ∂J/∂H = G ⊙ M / (1 − p)
    (a diagonal local Jacobian). The network switches `training` on and off.

    The mask compares one random byte per unit with round(256 p), so p is applied as the
    nearest multiple of 1/256 (0.2 → 0.1992), and 1/(1 − p) uses that same value: half
    the cost of drawing a float per unit, and E[H'] = H still holds exactly.
    """

    params: tuple = ()
    grads: tuple = ()

    def __init__(self, p: float, rng: np.random.Generator):
        if not 0 <= p < 1:
            raise ValueError(f"dropout probability must be in [0, 1), not {p}")
        self.p = p
        self.threshold = min(round(256 * p), 255)
        self.rng = rng
        self.training = False

    def forward(self, H: np.ndarray) -> np.ndarray:
        if not self.training or not self.threshold:
            self.scale = None
            return H
        u = np.frombuffer(self.rng.bytes(H.size), np.uint8).reshape(H.shape)
        self.scale = (u >= self.threshold).astype(H.dtype)
        self.scale *= 256 / (256 - self.threshold)
        return H * self.scale

    def backward(self, G: np.ndarray) -> np.ndarray:
        return G if self.scale is None else G * self.scale

    def __repr__(self) -> str:
        return f"Dropout({self.p})"
