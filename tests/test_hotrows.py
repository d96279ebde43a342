"""A span's private copy of the hottest output rows (w2v.kernels.hotrows): what publishing
adds to V, when it happens, and that a copy never changes a one-thread model."""

import numpy as np
import pytest
from numba import njit

from tests.test_kernels import noise_on, run_kernel
from w2v.kernels.hotrows import PUBLISH_DRAWS, count_draws, private_rows, publish


@njit
def copy_rows(V, hot):
    return private_rows(V, hot)


@njit
def publish_rows(V, P, B):
    publish(V, P, B)


@njit
def count(V, P, B, since, n):
    return count_draws(V, P, B, since, n)


def test_publishing_adds_each_copys_steps_to_v():
    rng = np.random.default_rng(0)
    V = rng.normal(size=(6, 4)).astype(np.float32)
    V0 = V.astype(np.float64)
    P1, B1 = copy_rows(V, 3)
    P2, B2 = copy_rows(V, 3)
    assert P1.shape == (3, 4) and np.array_equal(P1, V[:3]) and np.array_equal(B1, V[:3])
    d1 = rng.normal(size=(3, 4)).astype(np.float32)
    d2 = rng.normal(size=(3, 4)).astype(np.float32)
    P1 += d1  # two spans step on their own copies
    P2 += d2
    publish_rows(V, P1, B1)
    np.testing.assert_allclose(V[:3], V0[:3] + d1, rtol=1e-6, atol=1e-6)
    publish_rows(V, P2, B2)  # the second span's steps add to the first's, none is lost
    np.testing.assert_allclose(V[:3], V0[:3] + d1 + d2, rtol=1e-6, atol=1e-6)
    assert np.array_equal(V[3:], V0[3:].astype(np.float32))  # rows past H: untouched
    assert np.array_equal(P2, V[:3]) and np.array_equal(B2, V[:3])  # the copy takes V's rows
    assert copy_rows(V, 100)[0].shape == (6, 4) and copy_rows(V, 0)[0].shape == (0, 4)


def test_a_copy_is_published_once_publish_draws_outputs_are_drawn():
    V = np.zeros((2, 3), np.float32)
    P, B = copy_rows(V, 2)
    since = 0
    for i in range(PUBLISH_DRAWS // 6 - 1):  # centres of 6 outputs each
        P[0, 0] += 1.0
        since = count(V, P, B, since, 6)
        assert since == 6 * (i + 1) and V[0, 0] == 0.0
    P[0, 0] += 1.0
    assert count(V, P, B, since, 6) == 0 and V[0, 0] == PUBLISH_DRAWS // 6


@pytest.mark.parametrize("arch", ["sgns", "cbow"])
def test_one_span_with_a_copy_trains_the_model_it_trains_without(arch):
    # one span alone: publishing at the end gives V the same steps, up to the rounding of
    # V + (P − B); the 20 rows cover both negatives and half the words
    rng = np.random.default_rng(3)
    sentences = [rng.integers(0, 40, 30).tolist() for _ in range(20)]
    models = []
    for hot in (0, 20):
        U = np.random.default_rng(1).normal(scale=0.1, size=(40, 8)).astype(np.float32)
        V = np.zeros((40, 8), np.float32)
        loss = run_kernel(arch, U, V, sentences, *noise_on([0, 5, 30], 40), window=3,
                          negative=2, hot=hot)  # fmt: skip
        models.append((U, V, loss))
    (U0, V0, loss0), (U1, V1, loss1) = models
    np.testing.assert_allclose(U1, U0, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(V1, V0, rtol=1e-4, atol=1e-6)
    assert not np.array_equal(V0, 0) and loss1[0, 1] == loss0[0, 1]
