"""The full-softmax skip-gram and the SGNS loss: gradients against central differences."""

import numpy as np
import pytest

from tests.gradcheck import numerical_grad
from w2v.lecture.softmax import (
    SoftmaxSkipGram,
    sgns_grad,
    sgns_loss,
    softmax_grad,
    softmax_loss,
    softmax_probs,
)


@pytest.fixture
def UV():
    rng = np.random.default_rng(0)
    return rng.normal(size=(7, 4)), rng.normal(size=(7, 4))


def test_softmax_probs_are_the_formula(UV):
    U, V = UV
    p = softmax_probs(U, V, 2)
    scores = np.array([V[w] @ U[2] for w in range(7)])
    assert p.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(p, np.exp(scores) / np.exp(scores).sum(), rtol=1e-12)
    assert softmax_loss(U, V, 2, 5) == pytest.approx(-np.log(p[5]))


def test_softmax_probs_survive_large_scores(UV):
    U, V = UV
    p = softmax_probs(U * 300, V * 300, 1)
    assert np.isfinite(p).all() and p.sum() == pytest.approx(1.0)


def test_softmax_gradient_matches_central_differences(UV):
    U, V = UV
    c, o = 3, 6
    dU, dV = softmax_grad(U, V, c, o)
    num_U = numerical_grad(lambda: softmax_loss(U, V, c, o), U)
    num_V = numerical_grad(lambda: softmax_loss(U, V, c, o), V)
    np.testing.assert_allclose(dU, num_U[c], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(np.delete(num_U, c, axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(dV, num_V, rtol=1e-6, atol=1e-8)


def test_sgns_gradient_matches_central_differences():
    rng = np.random.default_rng(1)
    u, v, N = rng.normal(size=5), rng.normal(size=5), rng.normal(size=(3, 5))
    du, dv, dN = sgns_grad(u, v, N)
    for analytic, X in ((du, u), (dv, v), (dN, N)):
        numeric = numerical_grad(lambda: sgns_loss(u, v, N), X)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_sgns_loss_is_the_lecture_objective():
    u, v, N = np.array([1.0, 0.0]), np.array([2.0, 0.0]), np.array([[-1.0, 0.0], [0.0, 3.0]])

    def sig(x):
        return 1 / (1 + np.exp(-x))

    expected = -(np.log(sig(2.0)) + np.log(sig(1.0)) + np.log(sig(0.0)))
    assert sgns_loss(u, v, N) == pytest.approx(expected, rel=1e-12)


def test_softmax_skipgram_learns_the_pair_distribution():
    # with dim ≥ vocabulary, the softmax can fit p(o | c) exactly: the loss falls to the
    # conditional entropy of the pairs and the fitted probabilities match the counts
    pairs = np.array([(0, 1), (0, 1), (0, 2), (1, 0), (1, 2), (2, 3), (3, 2), (3, 0)] * 3)
    model = SoftmaxSkipGram(dim=6, epochs=150, alpha=0.2, seed=0).fit(pairs, n_words=4)
    counts = np.zeros((4, 4))
    np.add.at(counts, (pairs[:, 0], pairs[:, 1]), 1)
    empirical = counts / counts.sum(axis=1, keepdims=True)
    entropy = -np.mean([np.log(empirical[c, o]) for c, o in pairs])
    assert model.loss_[-1] < model.loss_[0]
    assert model.loss_[-1] < entropy + 0.03
    for c in range(4):
        np.testing.assert_allclose(model.predict_proba(c), empirical[c], atol=0.04)
