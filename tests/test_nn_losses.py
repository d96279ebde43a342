import numpy as np
import pytest

from tests.gradcheck import assert_grad
from w2v.nn.losses import MSE, BinaryCrossEntropy, CrossEntropy

# The lecture's flight-delay example: four predictions against what happened.
PREDICTED = np.array([[0.05], [0.02], [0.96], [0.35]])
ACTUAL = np.array([[1.0], [0.0], [1.0], [1.0]])


def test_flight_delay_binary_cross_entropy():
    assert BinaryCrossEntropy().value(PREDICTED, ACTUAL) == pytest.approx(1.0266, abs=5e-5)


def test_flight_delay_mean_squared_error():
    assert MSE().value(PREDICTED, ACTUAL) == pytest.approx(0.3318, abs=5e-5)


def test_cross_entropy_of_one_hot_is_minus_log_of_the_true_class():
    H = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    Y = np.array([[1.0, 0, 0], [0, 0, 1]])
    assert CrossEntropy().value(H, Y) == pytest.approx(-(np.log(0.7) + np.log(0.8)) / 2)


def test_saturated_outputs_give_a_finite_loss():
    H = np.array([[0.0], [1.0]], np.float32)
    Y = np.array([[1.0], [0.0]], np.float32)
    assert np.isfinite(BinaryCrossEntropy().value(H, Y))
    assert np.isfinite(BinaryCrossEntropy().grad(H, Y)).all()


@pytest.mark.parametrize("loss", [CrossEntropy(), BinaryCrossEntropy(), MSE()], ids=repr)
def test_loss_gradient_matches_central_differences(loss):
    rng = np.random.default_rng(3)
    H = rng.uniform(0.05, 0.95, size=(6, 4))
    Y = (rng.uniform(size=(6, 4)) < 0.4).astype(np.float64)
    Y[:, 0] = 1  # every row has a true class
    assert_grad(loss.grad(H, Y), lambda: loss.value(H, Y), H)
