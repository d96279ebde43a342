"""Two-dimensional toy data sets, after the TensorFlow Playground, for watching a classifier.

Each generator returns X float32 [n, 2] and y int64 [n] with labels 0 and 1, about half
each, the points inside roughly [−1, 1]² (spiral and moons reach ±1.2 with noise).
Labels come from the clean positions; `noise` then adds N(0, noise²) to each coordinate,
so a larger noise makes the classes overlap. One `seed` (or Generator) fixes everything.

    xor       uniform in the square, label 1 where x·y > 0, no point closer than 0.09 to an axis
    circles   a disc of radius 0.5 (label 1) inside a ring 0.7 … 1.0 (label 0)
    moons     two interleaved half circles (scikit-learn's make_moons, centred and scaled)
    spiral    two interleaved arms turning 1.75 times around the origin
    gauss     two round Gaussian clouds centred at ±(0.4, 0.4) (linearly separable)
"""

from __future__ import annotations

import numpy as np

DATASETS = ("xor", "circles", "moons", "spiral", "gauss")


def _xor(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1, 1, size=(n, 2))
    X += np.where(X >= 0, 0.1, -0.1)  # keep the points off the axes
    X *= 1 / 1.1
    return X, (X[:, 0] * X[:, 1] > 0).astype(np.int64)


def _circles(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = (np.arange(n) < n // 2).astype(np.int64)  # first half inside
    r = np.where(y == 1, rng.uniform(0, 0.5, n), rng.uniform(0.7, 1.0, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.column_stack([r * np.cos(angle), r * np.sin(angle)]), y


def _moons(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = (np.arange(n) >= n // 2).astype(np.int64)
    t = rng.uniform(0, np.pi, n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)])
    X = np.where(y[:, None] == 0, upper, lower)
    return (X - [0.5, 0.25]) / 1.25, y


def _spiral(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = (np.arange(n) >= n // 2).astype(np.int64)
    s = rng.uniform(0, 1, n)  # position along the arm
    angle = 1.75 * 2 * np.pi * s + np.pi * y
    r = s
    return np.column_stack([r * np.sin(angle), r * np.cos(angle)]), y


def _gauss(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = (np.arange(n) < n // 2).astype(np.int64)
    centre = np.where(y[:, None] == 1, 0.4, -0.4)
    return centre + rng.normal(scale=0.2, size=(n, 2)), y


_GENERATORS = {
    "xor": _xor,
    "circles": _circles,
    "moons": _moons,
    "spiral": _spiral,
    "gauss": _gauss,
}


def make(
    name: str, n: int = 500, noise: float = 0.1, seed: int | np.random.Generator = 0
) -> tuple[np.ndarray, np.ndarray]:
    """n points of data set `name`: X float32 [n, 2], y int64 [n] ∈ {0, 1}, shuffled."""
    if name not in _GENERATORS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    if n < 2 or noise < 0:
        raise ValueError("need n ≥ 2 points and noise ≥ 0")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    X, y = _GENERATORS[name](n, rng)
    order = rng.permutation(n)
    X, y = X[order], y[order]
    if noise:  # drawn last, so the same seed at another noise moves the same points
        X = X + rng.normal(scale=noise, size=X.shape)
    return X.astype(np.float32), y


def make_split(
    name: str, n: int = 500, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """X_train, y_train, X_test, y_test: n points of `name` cut in two halves."""
    X, y = make(name, n, noise, seed)
    half = n // 2
    return X[:half], y[:half], X[half:], y[half:]
