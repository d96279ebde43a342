"""Loss functions J(H, Y) averaged over the N rows of a batch, and ∂J/∂H.

    CrossEntropy         J = −(1/N) Σ_i Σ_c y_ic ln h_ic            (softmax output, one-hot Y)
    BinaryCrossEntropy   J = −(1/N) Σ_i Σ_c [y ln h + (1 − y) ln(1 − h)]   (sigmoid output)
    MSE                  J =  (1/N) Σ_i Σ_c (h_ic − y_ic)²

H and Y are [N, C]; with one output (C = 1) these are the lecture's formulas exactly.
Probabilities are clipped to [ε, 1 − ε] (ε the smallest normal number of the dtype) in the
logarithms only, so a saturated output gives a large finite loss instead of inf.
"""

from __future__ import annotations

import numpy as np


def _clip(H: np.ndarray) -> np.ndarray:
    eps = np.finfo(H.dtype).tiny
    return np.clip(H, eps, 1 - np.finfo(H.dtype).epsneg)


class Loss:
    name = ""

    def value(self, H: np.ndarray, Y: np.ndarray) -> float:
        raise NotImplementedError

    def grad(self, H: np.ndarray, Y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class CrossEntropy(Loss):
    """Categorical cross-entropy; ∂J/∂h_ic = −y_ic / (N h_ic)."""

    name = "cross_entropy"

    def value(self, H, Y):
        return float(-(Y * np.log(_clip(H))).sum() / len(H))

    def grad(self, H, Y):
        return -Y / (len(H) * _clip(H))


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy; ∂J/∂h = (h − y) / (N h (1 − h))."""

    name = "binary_cross_entropy"

    def value(self, H, Y):
        Hc = _clip(H)
        return float(-(Y * np.log(Hc) + (1 - Y) * np.log1p(-Hc)).sum() / len(H))

    def grad(self, H, Y):
        Hc = _clip(H)
        return (Hc - Y) / (len(H) * Hc * (1 - Hc))


class MSE(Loss):
    """Mean squared error; ∂J/∂h = 2 (h − y) / N."""

    name = "mse"

    def value(self, H, Y):
        D = H - Y
        return float((D * D).sum() / len(H))

    def grad(self, H, Y):
        return 2 * (H - Y) / len(H)


LOSSES: dict[str, type[Loss]] = {cls.name: cls for cls in (CrossEntropy, BinaryCrossEntropy, MSE)}
