import numpy as np
import pytest

from tests.gradcheck import assert_grad
from w2v.nn.activations import ACTIVATIONS, Softmax


@pytest.mark.parametrize("name", ["linear", "sigmoid", "tanh", "relu", "softmax"])
def test_activation_gradient_matches_central_differences(name):
    rng = np.random.default_rng(2)
    A = rng.normal(size=(4, 5))
    A[np.abs(A) < 1e-3] = 0.5  # keep ReLU away from its kink
    R = rng.normal(size=(4, 5))
    g = ACTIVATIONS[name]()

    def J():
        return float((R * g.forward(A)).sum())

    g.forward(A)
    assert_grad(g.backward(R), J, A)


def test_values():
    a = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(ACTIVATIONS["relu"]().forward(a), [[0, 0, 3]])
    np.testing.assert_allclose(ACTIVATIONS["tanh"]().forward(a), np.tanh(a))
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"]().forward(a), 1 / (1 + np.exp(-a)))
    assert ACTIVATIONS["linear"]().forward(a) is a
    s = Softmax().forward(np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, -1000.0]]))
    np.testing.assert_allclose(s.sum(axis=1), 1)
    np.testing.assert_allclose(s[0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum())
    np.testing.assert_allclose(s[1], [0.5, 0.5, 0])  # no overflow


def test_sigmoid_does_not_overflow_in_float32():
    h = ACTIVATIONS["sigmoid"]().forward(np.array([[-500.0, 500.0]], np.float32))
    assert h.dtype == np.float32
    np.testing.assert_allclose(h, [[0, 1]])
