"""`w2v classify train|predict`: an MLP on mean word vectors, from a TSV of text and label."""

from __future__ import annotations

from pathlib import Path

import click

from w2v.cli.options import echo_json, json_option, model_option, user_warnings
from w2v.errors import ConfigError
from w2v.io.atomic import refuse_existing
from w2v.nn.classify import (
    CLASSIFIER_DIR,
    load_classifier,
    read_labelled_tsv,
    save_classifier,
    train_classifier,
)
from w2v.nn.mlp import HIDDEN_ACTIVATIONS
from w2v.vectors import load


def parse_hidden(text: str) -> tuple[int, ...]:
    """ "256" → (256,), "8,8" → (8, 8), "" → () (no hidden layer)."""
    try:
        sizes = tuple(int(s) for s in text.replace(" ", "").split(",") if s)
    except ValueError:
        raise ConfigError(f"--hidden takes layer sizes like 256 or 8,8, not {text!r}") from None
    if any(n < 1 for n in sizes):
        raise ConfigError(f"--hidden layer sizes must be positive, not {text!r}")
    return sizes


@click.group()
def classify() -> None:
    """Train and apply a text classifier on top of word vectors."""


@classify.command()
@click.argument("data", type=click.Path(path_type=Path))
@model_option
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default="w2v-classifier",
    show_default=True,
    help="Directory for mlp.npz and classifier.json.",
)
@click.option("--force", is_flag=True, help="Replace an existing output directory.")
@click.option("--hidden", default="256", show_default=True, help="Hidden layer sizes, e.g. 256,64.")
@click.option(
    "--activation", type=click.Choice(HIDDEN_ACTIVATIONS), default="relu", show_default=True
)
@click.option(
    "--epochs",
    default=200,
    show_default=True,
    type=click.IntRange(min=1),
    help="At most this many; early stopping usually ends sooner.",
)
@click.option(
    "--patience",
    type=click.IntRange(min=0),
    help="Early stopping: stop when more than N epochs in a row bring no validation gain [10].",
)
@click.option(
    "--no-early-stopping",
    is_flag=True,
    help="Hold out no validation part and train all --epochs.",
)
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), help="Adam's step size [3e-3].")
@click.option("--batch-size", type=click.IntRange(min=1), help="Minibatch size [400].")
@click.option(
    "--test-size",
    default=0.2,
    show_default=True,
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("-q", "--quiet", is_flag=True, help="No per-epoch progress on stderr.")
@json_option
def train(
    data,
    model_dir,
    output,
    force,
    hidden,
    activation,
    epochs,
    patience,
    no_early_stopping,
    lr,
    batch_size,
    test_size,
    seed,
    quiet,
    as_json,
):
    """Train on DATA.tsv (header row text<TAB>label) and report held-out accuracy.

    A text's features are the mean of its in-vocabulary word vectors; texts with none are
    counted as skipped. Early stopping holds out 10 % of the training rows and keeps the
    epoch with the best accuracy on them; under 50 rows it is off (with a warning). The
    classifier is saved to OUTPUT as mlp.npz + classifier.json.
    """
    if no_early_stopping and patience is not None:
        raise ConfigError(
            "--patience applies to early stopping, which --no-early-stopping turns off"
        )
    sizes = parse_hidden(hidden)
    texts, labels = read_labelled_tsv(data)
    refuse_existing(output, force, owned=CLASSIFIER_DIR)
    vec = load(model_dir)

    def progress(clf, epoch, loss, val):
        if not quiet:
            val_text = f"  val acc {val:.4f}" if val is not None else ""
            click.echo(f"epoch {epoch:3d}  loss {loss:.4f}{val_text}", err=True)

    given = {"lr": lr, "batch_size": batch_size, "patience": patience}
    mlp_params = {k: v for k, v in given.items() if v is not None}
    if no_early_stopping:
        mlp_params["early_stopping"] = False
    with user_warnings():
        result = train_classifier(
            texts, labels, vec, sizes, activation, epochs, test_size, seed, on_epoch=progress,
            **mlp_params,
        )  # fmt: skip
    save_classifier(output, result, vec, model_dir, force=force)
    r = result.report
    if as_json:
        echo_json({**r, "output": str(output)})
        return
    click.echo(
        f"rows: {r['rows']:,}  used: {r['n_train'] + r['n_test']:,}  "
        f"skipped (no in-vocabulary word): {r['skipped']:,}"
    )
    click.echo(f"classes: {r['classes']}  train: {r['n_train']:,}  test: {r['n_test']:,}")
    click.echo(
        f"held-out accuracy: {r['accuracy']:.4f}  macro-F1: {r['macro_f1']:.4f}  "
        f"majority baseline: {r['majority']:.4f} ({r['majority_label']})"
    )
    if r["most_confused"]:
        click.echo("most confused (true -> predicted: count):")
        for c in r["most_confused"]:
            click.echo(f"  {c['true']} -> {c['predicted']}: {c['count']}")
    click.echo(f"saved: {output}")


@classify.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.argument("texts", nargs=-1, required=True)
@click.option(
    "-m",
    "--model",
    "model_dir",
    type=click.Path(path_type=Path),
    help="Embedding model (default: the one recorded in DIRECTORY).",
)
@json_option
def predict(directory, texts, model_dir, as_json):
    """Label each TEXT with the classifier in DIRECTORY: label<TAB>probability<TAB>text."""
    saved = load_classifier(directory)
    model_dir = model_dir or Path(saved.model_path)
    vec = load(model_dir)
    saved.check_model(vec, model_dir)
    rows = saved.predict(list(texts), vec)
    if as_json:
        out = [
            {"text": t, "label": lab, "probability": p}
            for t, (lab, p) in zip(texts, rows, strict=True)
        ]
        echo_json(out)
        return
    for text, (label, p) in zip(texts, rows, strict=True):
        if label is None:
            click.echo(f"w2v: warning: no in-vocabulary word in {text!r}", err=True)
            click.echo(f"-\t-\t{text}")
        else:
            click.echo(f"{label}\t{p:.4f}\t{text}")
