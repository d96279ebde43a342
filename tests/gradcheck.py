"""Central-difference gradient checking (the lecture's h = 1e-6), shared by the nn tests."""

import numpy as np

H = 1e-6
TOL = 1e-6


def numerical_grad(f, x: np.ndarray, h: float = H) -> np.ndarray:
    """∂f/∂x by (f(x + h·1_i) − f(x − h·1_i)) / 2h, perturbing x in place one entry at a time."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):  # indexes x itself: a reshape of a strided view would copy
        old = x[i]
        x[i] = old + h
        up = f()
        x[i] = old - h
        down = f()
        x[i] = old
        g[i] = (up - down) / (2 * h)
    return g


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖), 0 when both are 0."""
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / denom) if denom else 0.0


def assert_grad(analytic: np.ndarray, f, x: np.ndarray) -> None:
    assert x.dtype == np.float64
    numeric = numerical_grad(f, x)
    err = relative_error(analytic, numeric)
    assert err < TOL, f"relative error {err:.2e}"
    assert np.abs(analytic).max() > 1e-8, "a zero gradient checks nothing"
