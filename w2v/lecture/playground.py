"""The lecture's playground: train an MLP on a 2-D toy data set and record how it learns.

    run = train_playground("xor", hidden=(), epochs=200)      # one neuron: a straight boundary
    run.history[-1].test_acc                                 # ≈ 0.5 on XOR
    run = train_playground("xor", hidden=(8,), frame_every=5)
    run.frames                                               # [(epoch, P [G, G]), ...]

After every epoch the whole train and test halves are scored (binary cross-entropy and
accuracy), and every `frame_every` epochs the predicted p(y = 1 | x) is evaluated on a
G × G grid over the plane, the decision surface that playground_plot.py draws.
Training is plain minibatch SGD in batches of 10 with no regulariser (no dropout, no weight
averaging: the surface shown is the weights as they are), as in the TensorFlow
Playground, but at learning rate 0.1 rather than its 0.03: its points span [−6, 6]², ours
[−1, 1]², so the same step moves the weights less, and at 0.03 a tanh layer of 8 units
still sits on a plateau of the circles after 200 epochs for some seeds (88.8 % test
accuracy at seed 0), where at 0.1 all of seeds 0–7 reach 94–98 %.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from w2v.errors import ConfigError
from w2v.lecture.datasets2d import make_split
from w2v.nn.losses import BinaryCrossEntropy
from w2v.nn.mlp import MLPClassifier

EXTENT = 1.5  # the plane shown: [−EXTENT, EXTENT]²
GRID = 101  # points per side of the probability grid
MAX_LAYERS = 8  # a toy network: the TensorFlow Playground allows 6 hidden layers of 8 units
MAX_UNITS = 1024  # per hidden layer; a 1024 × 1024 layer is 4 MB, 10⁵ × 10⁵ would be 40 GB
MAX_POINTS = 100_000  # points of a data set (their decision surface is drawn too)
MAX_NOISE = 5.0  # std of the noise on coordinates in [-1, 1]
MAX_LR = 10.0  # a larger step diverges for every activation


@dataclass
class EpochScores:
    epoch: int
    train_loss: float
    train_acc: float
    test_loss: float
    test_acc: float


@dataclass
class PlaygroundRun:
    """Data, trained classifier, per-epoch scores and decision-surface frames."""

    data: str
    hidden: tuple[int, ...]
    activation: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    clf: MLPClassifier
    history: list[EpochScores] = field(default_factory=list)
    frames: list[tuple[int, np.ndarray]] = field(default_factory=list)

    @property
    def grid(self) -> np.ndarray:
        """The grid's coordinates along each axis, [GRID]."""
        return np.linspace(-EXTENT, EXTENT, GRID, dtype=np.float32)


def surface(clf: MLPClassifier) -> np.ndarray:
    """P [GRID, GRID]: p(y = 1 | x) at grid point (x1 = grid[j], x2 = grid[i]) in P[i, j]."""
    g = np.linspace(-EXTENT, EXTENT, GRID, dtype=np.float32)
    x1, x2 = np.meshgrid(g, g)
    return clf.predict_proba(np.column_stack([x1.ravel(), x2.ravel()]))[:, 1].reshape(GRID, GRID)


def _scores(clf: MLPClassifier, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    p = clf.predict_proba(X)[:, 1:].astype(np.float64)
    loss = BinaryCrossEntropy().value(p, y[:, None].astype(np.float64))
    return loss, float(np.mean((p[:, 0] > 0.5) == (y == 1)))


def train_playground(
    data: str = "xor",
    hidden: tuple[int, ...] = (8, 8),
    activation: str = "tanh",
    lr: float = 0.1,
    batch: int = 10,
    epochs: int = 200,
    noise: float = 0.1,
    seed: int = 0,
    points: int = 500,
    solver: str = "sgd",
    frame_every: int = 0,
    on_epoch: Callable[[EpochScores], None] | None = None,
    on_frame: Callable[[int, np.ndarray], None] | None = None,
) -> PlaygroundRun:
    """Generate `points` points of `data` (half train, half test) and train on them.

    frame_every: keep the decision surface every that many epochs (0: only the last).
    on_epoch(scores) is called after every epoch, on_frame(epoch, P) with every surface kept
    (the service's playground streams them to the explorer page as the MLP trains).
    ConfigError for more than MAX_LAYERS hidden layers or MAX_UNITS units in one, for
    points, noise or lr outside [4, MAX_POINTS], [0, MAX_NOISE], (0, MAX_LR], and when
    training diverges (a weight or loss overflows: lr too large for the activation).
    """
    for name, value, ok in (
        ("points", points, 4 <= points <= MAX_POINTS),
        ("noise", noise, 0 <= noise <= MAX_NOISE),
        ("lr", lr, 0 < lr <= MAX_LR),
    ):
        if not ok:
            raise ConfigError(f"{name} {value} is out of the playground's range")
    hidden = tuple(hidden)
    if len(hidden) > MAX_LAYERS or any(h > MAX_UNITS for h in hidden):
        raise ConfigError(
            f"hidden layers {list(hidden)}: the playground takes at most {MAX_LAYERS} hidden "
            f"layers of at most {MAX_UNITS} units"
        )
    X_train, y_train, X_test, y_test = make_split(data, points, noise, seed)
    clf = MLPClassifier(
        hidden=hidden,
        activation=activation,
        solver=solver,
        lr=lr,
        batch_size=batch,
        epochs=epochs,
        l2=0.0,
        dropout=0.0,
        averaging=0.0,
        early_stopping=False,
        seed=seed,
    )
    run = PlaygroundRun(data, hidden, activation, X_train, y_train, X_test, y_test, clf)

    def record(model, epoch, _loss, _val):
        scores = EpochScores(
            epoch, *_scores(model, X_train, y_train), *_scores(model, X_test, y_test)
        )
        run.history.append(scores)
        if on_epoch is not None:
            on_epoch(scores)
        if frame_every and (epoch % frame_every == 0 or epoch == 1):
            keep(epoch, surface(model))

    def keep(epoch, P):
        run.frames.append((epoch, P))
        if on_frame is not None:
            on_frame(epoch, P)

    try:
        with np.errstate(over="raise", invalid="raise"):  # the stable network never does either
            clf.fit(X_train, y_train, on_epoch=record)
            if not run.frames or run.frames[-1][0] != epochs:
                keep(epochs, surface(clf))
    except FloatingPointError as e:
        epoch = min(len(run.history) + 1, epochs)
        raise ConfigError(
            f"training diverged by epoch {epoch} ({e}): the learning rate {lr:g} is too large "
            "for this network; lower it"
        ) from None
    return run
