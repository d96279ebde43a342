import numpy as np
import pytest

from tests.gradcheck import assert_grad
from w2v.nn.layers import Dense, Dropout, init_limit


def test_dense_forward_is_the_lectures_perceptron():
    # Inputs 2, 3, −1, 5, 1; weights 0.1, 0.5, 2.5, 0.2, 3.0 (the slide writes −1·2.5).
    layer = Dense(np.array([[0.1, 0.5, 2.5, 0.2, 3.0]]), np.zeros(1))
    a = layer.forward(np.array([[2.0, 3.0, -1.0, 5.0, 1.0]]))
    assert a[0, 0] == pytest.approx(3.2)
    assert 1 / (1 + np.exp(-a[0, 0])) == pytest.approx(0.96, abs=0.005)


def test_dense_gradients_match_central_differences():
    rng = np.random.default_rng(0)
    layer = Dense(rng.normal(size=(4, 3)), rng.normal(size=4))
    X = rng.normal(size=(5, 3))
    R = rng.normal(size=(5, 4))  # J = Σ R ⊙ (X Wᵀ + b): upstream gradient R

    def J():
        return float((R * layer.forward(X)).sum())

    layer.forward(X)
    dX = layer.backward(R)
    dW, db = layer.dW.copy(), layer.db.copy()
    assert_grad(dW, J, layer.W)
    assert_grad(db, J, layer.b)
    assert_grad(dX, J, X)


def test_dense_first_layer_skips_the_input_gradient():
    layer = Dense(np.ones((2, 3)), np.zeros(2))
    layer.forward(np.ones((4, 3)))
    assert layer.backward(np.ones((4, 2)), need_input_grad=False) is None
    np.testing.assert_allclose(layer.dW, 4 * np.ones((2, 3)))


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_init_keeps_the_spread_suited_to_each_activation(activation):
    rng = np.random.default_rng(1)
    layer = Dense.init(400, 300, activation, rng, np.float64)
    assert layer.W.shape == (300, 400) and layer.W.dtype == np.float64
    assert not layer.b.any()
    r = init_limit(400, 300, activation)
    assert np.abs(layer.W).max() <= r
    assert layer.W.std() == pytest.approx(r / np.sqrt(3), rel=0.02)  # U(−r, r)
    expected = {
        "relu": np.sqrt(6 / 400),
        "tanh": np.sqrt(6 / 700),
        "linear": np.sqrt(6 / 700),
        "sigmoid": 4 * np.sqrt(6 / 700),
    }
    assert r == pytest.approx(expected[activation])


def test_dense_rejects_mismatched_shapes():
    with pytest.raises(ValueError):
        Dense(np.ones((2, 3)), np.zeros(3))


def test_dropout_gradient_matches_central_differences_for_a_fixed_mask():
    rng = np.random.default_rng(7)
    H = rng.normal(size=(6, 5))
    R = rng.normal(size=(6, 5))
    drop = Dropout(0.3, np.random.default_rng(0))
    drop.training = True

    def J():
        drop.rng = np.random.default_rng(0)  # the same mask at every evaluation
        return float((R * drop.forward(H)).sum())

    J()
    assert_grad(drop.backward(R), J, H)


def test_dropout_keeps_the_expectation_and_is_off_at_inference():
    drop = Dropout(0.25, np.random.default_rng(1))
    H = np.ones((400, 300), np.float32)
    assert drop.forward(H) is H  # not training: identity
    drop.training = True
    out = drop.forward(H)
    assert out.dtype == np.float32
    assert set(np.unique(out)) == {0.0, np.float32(1 / 0.75)}
    assert (out == 0).mean() == pytest.approx(0.25, abs=0.01)
    assert out.mean() == pytest.approx(1.0, abs=0.01)
    with pytest.raises(ValueError):
        Dropout(1.0, np.random.default_rng(0))
