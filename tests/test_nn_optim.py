import numpy as np
import pytest

from w2v.nn.optim import SGD, Adam


def test_sgd_is_the_lectures_update():
    theta = np.array([1.0, -2.0])
    SGD([theta], lr=0.1).step([np.array([0.5, 1.0])])
    np.testing.assert_allclose(theta, [0.95, -2.1])


def test_momentum_accumulates_velocity():
    theta, g = np.array([0.0]), np.array([1.0])
    opt = SGD([theta], lr=0.1, momentum=0.9)
    opt.step([g])  # v = −0.1
    opt.step([g])  # v = 0.9·(−0.1) − 0.1 = −0.19
    np.testing.assert_allclose(theta, [-0.29])


def test_adam_matches_the_textbook_formula():
    rng = np.random.default_rng(0)
    theta = rng.normal(size=5)
    ref = theta.copy()
    opt = Adam([theta], lr=0.01)
    m = np.zeros(5)
    s = np.zeros(5)
    for t in range(1, 6):
        g = rng.normal(size=5)
        opt.step([g])
        m = 0.9 * m + 0.1 * g
        s = 0.999 * s + 0.001 * g * g
        m_hat, s_hat = m / (1 - 0.9**t), s / (1 - 0.999**t)
        ref -= 0.01 * m_hat / (np.sqrt(s_hat) + 1e-8)
        np.testing.assert_allclose(theta, ref, rtol=1e-12)


@pytest.mark.parametrize(
    "make", [lambda p: SGD(p, 0.1), lambda p: SGD(p, 0.05, 0.9), lambda p: Adam(p, 0.1)]
)
def test_each_optimiser_minimises_a_quadratic(make):
    theta = np.array([3.0, -4.0])
    opt = make([theta])
    for _ in range(300):
        opt.step([2 * theta])  # ∇‖θ‖²
    assert np.abs(theta).max() < 1e-2
