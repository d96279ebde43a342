"""`w2v playground`: the lecture's demo — watch an MLP learn what one neuron cannot."""

from __future__ import annotations

import time
from pathlib import Path

import click

from w2v.cli.classify import parse_hidden
from w2v.cli.options import echo_json, json_option
from w2v.errors import ConfigError
from w2v.lecture.datasets2d import DATASETS
from w2v.lecture.playground import MAX_LAYERS, MAX_LR, MAX_NOISE, MAX_POINTS, MAX_UNITS
from w2v.nn.mlp import HIDDEN_ACTIVATIONS, SOLVERS

FORMATS = (".png", ".gif", ".svg", ".pdf", ".jpg", ".jpeg")
LOG_EVERY = 1.0  # seconds between progress lines without -v


class EpochLog:
    """Epoch lines on stderr: every epoch with `verbose`, else the first, then one a
    LOG_EVERY seconds at most, and the last."""

    def __init__(self, epochs: int, verbose: bool):
        self.epochs = epochs
        self.verbose = verbose
        self.last_line = -float("inf")

    def __call__(self, s) -> None:
        now = time.monotonic()
        if not (self.verbose or s.epoch == self.epochs or now - self.last_line >= LOG_EVERY):
            return
        self.last_line = now
        click.echo(
            f"epoch {s.epoch:4d}/{self.epochs}  train loss {s.train_loss:.4f} "
            f"acc {s.train_acc:.3f}  test loss {s.test_loss:.4f} acc {s.test_acc:.3f}",
            err=True,
        )


@click.command()
@click.option("--data", type=click.Choice(DATASETS), default="xor", show_default=True)
@click.option(
    "--hidden",
    default="8,8",
    show_default=True,
    help=f'Hidden layer sizes (at most {MAX_LAYERS} of at most {MAX_UNITS}); "" = a single neuron.',
)
@click.option(
    "--activation", type=click.Choice(HIDDEN_ACTIVATIONS), default="tanh", show_default=True
)
@click.option(
    "--lr", default=0.1, show_default=True, type=click.FloatRange(0, MAX_LR, min_open=True)
)
@click.option("--batch", default=10, show_default=True, type=click.IntRange(min=1))
@click.option("--epochs", default=200, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--noise",
    default=0.1,
    show_default=True,
    type=click.FloatRange(0, MAX_NOISE),
    help="Std of the Gaussian noise on each coordinate (the points lie in [-1, 1]²).",
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--points", default=500, show_default=True, type=click.IntRange(4, MAX_POINTS))
@click.option("--solver", type=click.Choice(SOLVERS), default="sgd", show_default=True)
@click.option(
    "--every", type=click.IntRange(min=1), help="GIF: a frame every N epochs [~25 frames]"
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default="playground.png",
    show_default=True,
    help="Picture (.png, .svg, .pdf, .jpg) or animation (.gif).",
)
@click.option("-v", "--verbose", is_flag=True, help="A line for every epoch.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
@json_option
def playground(
    data,
    hidden,
    activation,
    lr,
    batch,
    epochs,
    noise,
    seed,
    points,
    solver,
    every,
    output,
    verbose,
    quiet,
    as_json,
):
    """Train an MLP on a 2-D toy data set and draw its decision surface and loss curves.

    Half the points train, half test. With --hidden "" there is no hidden layer: a single
    neuron, whose boundary is a straight line, fails on xor and circles; one hidden layer
    of a few tanh units succeeds.
    """
    from w2v.lecture.playground import train_playground
    from w2v.plot.playground import animate, draw, require_matplotlib

    sizes = parse_hidden(hidden)
    suffix = output.suffix.lower()
    if suffix not in FORMATS:
        raise ConfigError(f"-o takes a file ending in {', '.join(FORMATS)}, not {str(output)!r}")
    gif = suffix == ".gif"
    require_matplotlib(gif=gif)  # fail before training, not after

    progress = None if quiet or as_json else EpochLog(epochs, verbose)
    every = every or (max(1, epochs // 25) if gif else 0)
    run = train_playground(
        data,
        sizes,
        activation,
        lr,
        batch,
        epochs,
        noise,
        seed,
        points,
        solver,
        frame_every=every,
        on_epoch=progress,
    )
    (animate if gif else draw)(run, output)
    last = run.history[-1]
    if as_json:
        fields = ("train_loss", "train_acc", "test_loss", "test_acc")
        summary = {"data": data, "hidden": list(sizes), "activation": activation, "epochs": epochs}
        echo_json({**summary, **{k: getattr(last, k) for k in fields}, "output": str(output)})
        return
    net = f"hidden {','.join(map(str, sizes))} {activation}" if sizes else "a single neuron"
    click.echo(
        f"{data}, {net}: test accuracy {last.test_acc:.1%} (train {last.train_acc:.1%}); "
        f"wrote {output}"
    )
