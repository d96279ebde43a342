import numpy as np
import pytest

from tests.gradcheck import assert_grad
from w2v.lecture import autodiff as ad
from w2v.nn import LOSSES, build_network
from w2v.nn.activations import Sigmoid, Softmax


def small_problem(output, n_out, seed=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(6, 3))
    if output == "softmax":
        Y = np.eye(n_out)[rng.integers(0, n_out, size=6)]
    else:
        Y = (rng.uniform(size=(6, n_out)) < 0.5).astype(np.float64)
    return rng, X, Y


CASES = [  # (hidden activation, output, loss)
    ("relu", "softmax", "cross_entropy"),
    ("tanh", "softmax", "cross_entropy"),
    ("sigmoid", "sigmoid", "binary_cross_entropy"),
    ("linear", "sigmoid", "binary_cross_entropy"),
    ("tanh", "sigmoid", "mse"),
    ("relu", "softmax", "mse"),
]


@pytest.mark.parametrize(("activation", "output", "loss_name"), CASES)
def test_network_gradient_matches_central_differences(activation, output, loss_name):
    n_out = 3 if output == "softmax" else 1
    rng, X, Y = small_problem(output, n_out)
    net = build_network(3, (5, 4), n_out, activation, output, rng, np.float64)
    for layer in net.layers:  # nonzero biases, so their gradients are exercised too
        layer.b[...] = rng.normal(scale=0.5, size=layer.b.shape)
    loss, l2 = LOSSES[loss_name](), 0.01

    net.loss_and_grads(X, Y, loss, l2)
    analytic = net.grad.copy()
    assert_grad(analytic, lambda: net.loss_and_grads(X, Y, loss, l2), net.theta)


@pytest.mark.parametrize(
    ("output", "loss_name"), [("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy")]
)
def test_fused_output_gradient_equals_the_two_local_jacobians(output, loss_name):
    n_out = 3 if output == "softmax" else 1
    rng, X, Y = small_problem(output, n_out)
    net = build_network(3, (4,), n_out, "tanh", output, rng, np.float64)
    loss = LOSSES[loss_name]()
    net.loss_and_grads(X, Y, loss)  # fused: (H − Y) / N
    fused = net.grad.copy()
    H = net.forward(X)
    net.backward(loss.grad(H, Y))  # loss gradient, then the output activation's Jacobian
    assert isinstance(net.modules[-1], Softmax | Sigmoid)
    np.testing.assert_allclose(fused, net.grad, rtol=1e-10, atol=1e-14)


def test_gradient_with_dropout_matches_central_differences():
    rng, X, Y = small_problem("softmax", 3)
    net = build_network(3, (6, 5), 3, "relu", "softmax", rng, np.float64, dropout=0.3)
    assert len(net.dropouts) == 2
    for layer in net.layers:  # a unit whose inputs are all dropped must not sit on ReLU's kink
        layer.b[...] = rng.normal(scale=0.5, size=layer.b.shape)
    loss = LOSSES["cross_entropy"]()

    def J():
        for i, m in enumerate(net.dropouts):
            m.rng = np.random.default_rng(i)  # the same masks at every evaluation
        return net.loss_and_grads(X, Y, loss, 0.01)

    J()
    analytic = net.grad.copy()
    assert_grad(analytic, J, net.theta)
    assert net.forward(X).shape == (6, 3)  # inference: no dropout
    np.testing.assert_array_equal(net.forward(X), net.forward(X))


def test_regulariser_is_half_the_squared_weights_and_skips_biases():
    rng = np.random.default_rng(5)
    net = build_network(2, (3,), 1, "relu", "sigmoid", rng, np.float64)
    for layer in net.layers:
        layer.b[...] = 7.0
    expected = 0.5 * sum((layer.W**2).sum() for layer in net.layers)
    assert net.regulariser() == pytest.approx(expected)
    X, Y = np.zeros((1, 2)), np.zeros((1, 1))
    loss = LOSSES["mse"]()
    j0 = net.loss_and_grads(X, Y, loss, 0.0)
    g0 = net.grad.copy()
    j1 = net.loss_and_grads(X, Y, loss, 0.1)
    assert j1 == pytest.approx(j0 + 0.1 * expected)
    np.testing.assert_allclose(
        net.layers[0].dW, g0[: net.layers[0].W.size].reshape(3, 2) + 0.1 * net.layers[0].W
    )
    np.testing.assert_allclose(net.layers[0].db, g0[6:9])  # biases: no penalty


def test_params_and_grads_are_views_of_the_flat_vectors():
    net = build_network(4, (3,), 2, "relu", "softmax", np.random.default_rng(0), np.float64)
    assert net.theta.size == 4 * 3 + 3 + 3 * 2 + 2
    net.theta[:] = 1.5
    assert all((p == 1.5).all() for p in net.params)
    assert all(np.shares_memory(g, net.grad) for g in net.grads)


def test_network_gradients_equal_reverse_mode_autodiff():
    """The hand-written backward pass and autodiff's tape give the same gradient."""
    rng = np.random.default_rng(6)
    N, d, k, C, l2 = 4, 3, 5, 3, 0.05
    X = rng.normal(size=(N, d))
    labels = rng.integers(0, C, size=N)
    net = build_network(d, (k,), C, "tanh", "softmax", rng, np.float64)
    for layer in net.layers:
        layer.b[...] = rng.normal(scale=0.3, size=layer.b.shape)
    net.loss_and_grads(X, np.eye(C)[labels], LOSSES["cross_entropy"](), l2)

    # The same network, one scalar node per parameter (object arrays of ad.Var).
    nodes = np.array([ad.Var(v) for v in net.theta], dtype=object)
    views, offset = [], 0
    for p in net.params:
        views.append(nodes[offset : offset + p.size].reshape(p.shape))
        offset += p.size
    W1, b1, W2, b2 = views
    J = 0.0
    for n in range(N):
        h = [ad.tanh(b1[i] + sum(W1[i, j] * X[n, j] for j in range(d))) for i in range(k)]
        a = [b2[c] + sum(W2[c, i] * h[i] for i in range(k)) for c in range(C)]
        log_z = ad.log(sum(ad.exp(a_c) for a_c in a))
        J = J - (a[labels[n]] - log_z) / N
    J = J + l2 * 0.5 * sum(w * w for w in [*W1.flat, *W2.flat])
    J.backward()
    np.testing.assert_allclose(net.grad, [v.grad for v in nodes], rtol=1e-10, atol=1e-13)


def test_build_network_shapes():
    net = build_network(10, (8, 6), 4, "relu", "softmax", np.random.default_rng(0))
    assert [layer.W.shape for layer in net.layers] == [(8, 10), (6, 8), (4, 6)]
    assert net.theta.dtype == np.float32
    assert net.forward(np.ones((3, 10), np.float32)).shape == (3, 4)
    single = build_network(2, (), 1, "relu", "sigmoid", np.random.default_rng(0))
    assert len(single.layers) == 1
    with pytest.raises(ValueError):
        build_network(2, (3,), 1, "softmax", "sigmoid", np.random.default_rng(0))
