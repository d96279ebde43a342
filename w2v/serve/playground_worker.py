"""One playground run in its own process: `python -m w2v.serve.playground_worker PARAMS`.

PARAMS is a JSON object of `train_playground`'s arguments (data, hidden, activation, lr,
batch, epochs, noise, seed, points; the service has validated them). The run trains the
lecture's MLP with `w2v.lecture.playground.train_playground`, as `w2v playground` does, and
writes what the explorer page draws as JSON lines on stdout, as they happen:

    {"points": {"train": [[x1, x2, y], ...], "test": [...]}}       first
    {"scores": {"epoch", "train_loss", "train_acc", "test_loss", "test_acc"}}   every epoch
    {"surface": {"epoch", "size": G, "extent": E, "p": BASE64}}     about FRAMES times a run

A surface is p(y = 1 | x) on the G x G grid over [-E, E]^2, each value scaled to a byte
(round(255 p)), row i at x2 = grid[i] (bottom up), column j at x1 = grid[j]. A ConfigError
(training diverged) is written as {"error": "..."} and the exit status is 3. The process
lowers its priority as a job's worker does, and exits when the server goes away.
"""

from __future__ import annotations

import base64
import json
import os
import sys

import numpy as np

FRAMES = 50  # decision surfaces sent in a run (plus the last)
NICE = 10


def emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def surface_message(epoch: int, P: np.ndarray, extent: float) -> dict:
    """The JSON line of a decision surface P [G, G] (probabilities) after `epoch`."""
    levels = np.rint(np.clip(P, 0.0, 1.0) * 255).astype(np.uint8)
    p = base64.b64encode(levels.tobytes()).decode("ascii")
    return {"surface": {"epoch": epoch, "size": P.shape[0], "extent": extent, "p": p}}


def points_message(X_train, y_train, X_test, y_test) -> dict:
    """The JSON line of the data set: [x1, x2, label] rows, coordinates to 4 decimals."""

    def rows(X, y):
        return [
            [round(float(a), 4), round(float(b), 4), int(c)] for (a, b), c in zip(X, y, strict=True)
        ]

    return {"points": {"train": rows(X_train, y_train), "test": rows(X_test, y_test)}}


def run(params: dict) -> int:
    from dataclasses import asdict

    from w2v.errors import ConfigError
    from w2v.lecture.datasets2d import make_split
    from w2v.lecture.playground import EXTENT, train_playground

    data, points, noise, seed = params["data"], params["points"], params["noise"], params["seed"]
    # the split train_playground makes from the same arguments
    emit(points_message(*make_split(data, points, noise, seed)))
    every = max(1, params["epochs"] // FRAMES)
    try:
        train_playground(
            hidden=tuple(params["hidden"]),
            frame_every=every,
            on_epoch=lambda scores: emit({"scores": asdict(scores)}),
            on_frame=lambda epoch, P: emit(surface_message(epoch, P, EXTENT)),
            **{k: params[k] for k in ("data", "activation", "lr", "batch", "epochs")},
            noise=noise,
            seed=seed,
            points=points,
        )
    except ConfigError as e:
        emit({"error": str(e)})
        return 3
    return 0


def main(argv: list[str]) -> int:
    from w2v.serve.worker import watch_parent

    watch_parent(os.getppid())
    os.nice(NICE)
    try:
        return run(json.loads(argv[0]))
    except BrokenPipeError:  # the server stopped reading: the run was cancelled
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
