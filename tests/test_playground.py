import numpy as np
import pytest

from w2v.errors import ConfigError
from w2v.lecture.playground import GRID, surface, train_playground


@pytest.mark.parametrize("data", ["xor", "circles"])
@pytest.mark.parametrize("seed", [0, 1])
def test_one_neuron_fails_where_one_hidden_layer_succeeds(data, seed):
    """The lecture's point: a single neuron draws a straight line, 8 tanh units do not."""
    neuron = train_playground(data, hidden=(), noise=0.05, seed=seed)
    network = train_playground(data, hidden=(8,), activation="tanh", noise=0.05, seed=seed)
    assert neuron.history[-1].test_acc < 0.70
    assert network.history[-1].test_acc > 0.95


def test_history_and_frames():
    seen = []
    run = train_playground("gauss", hidden=(4,), epochs=12, frame_every=5, on_epoch=seen.append)
    assert [h.epoch for h in run.history] == list(range(1, 13)) and seen == run.history
    assert [epoch for epoch, _ in run.frames] == [1, 5, 10, 12]
    for _, P in run.frames:
        assert P.shape == (GRID, GRID) and 0 <= P.min() and P.max() <= 1
    assert run.history[-1].train_loss < run.history[0].train_loss
    assert len(run.X_train) == len(run.X_test) == 250
    only_last = train_playground("gauss", hidden=(), epochs=3)
    assert [epoch for epoch, _ in only_last.frames] == [3]


def test_surface_is_oriented_like_the_plane():
    run = train_playground("gauss", hidden=(), epochs=30)  # class 1 is up and right
    P = surface(run.clf)
    assert P[-1, -1] > 0.9 and P[0, 0] < 0.1  # P[i, j]: x2 = grid[i], x1 = grid[j]
    np.testing.assert_allclose(P, run.frames[-1][1])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"hidden": (100_000, 100_000)}, "at most 8 hidden layers of at most 1024 units"),
        ({"hidden": (2,) * 9}, "at most 8 hidden layers"),
        ({"points": 10**9}, "points 1000000000 is out of the playground's range"),
        ({"noise": 1e308}, "noise 1e\\+308 is out"),
        ({"lr": 0.0}, "lr 0.0 is out"),
        (
            {"hidden": (64, 64, 64), "activation": "relu", "lr": 10.0},
            "training diverged by epoch 1 ",
        ),
    ],
)
def test_oversized_or_diverging_networks_are_config_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        train_playground("xor", **{"epochs": 3, "points": 200, **options})
