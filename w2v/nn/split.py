"""Stratified hold-out split: each class keeps its share in both parts."""

from __future__ import annotations

import numpy as np


def stratified_split(
    y: np.ndarray, test_size: float, rng: np.random.Generator | int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) with about `test_size` of every class in test.

    Class c with n_c members puts round(test_size · n_c) of them in test, but always keeps
    at least one in train (a class seen only at test time cannot be learned). Both index
    arrays are sorted; the choice within each class is random from `rng` (or a seed).
    """
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be in (0, 1), not {test_size}")
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    y = np.asarray(y)
    _, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    order = np.argsort(inverse, kind="stable")  # rows grouped by class
    test = []
    start = 0
    for n_c in counts:
        members = order[start : start + n_c]
        start += n_c
        k = min(int(round(test_size * n_c)), n_c - 1)
        test.append(rng.permutation(members)[:k])
    test_idx = np.sort(np.concatenate(test)) if test else np.zeros(0, np.int64)
    mask = np.ones(len(y), bool)
    mask[test_idx] = False
    return np.flatnonzero(mask), test_idx
