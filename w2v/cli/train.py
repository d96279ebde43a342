"""`w2v train`: train SGNS or CBOW embeddings on a corpus and write a model directory."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from w2v.cli import cli
from w2v.cli.corpus import corpus_or_default, report_invalid_utf8
from w2v.cli.options import corpus_argument, echo_json, json_option, model_option
from w2v.config import SCHEDULES, TrainConfig
from w2v.io import MODEL_FILES, refuse_existing

LOG_EVERY = 5.0  # seconds between progress lines when stderr is not a terminal


class ProgressReporter:
    """A tqdm bar on a terminal (percent, words/s, learning rate, loss, ETA); elsewhere a
    log line on stderr every LOG_EVERY seconds and one at the end of each epoch."""

    def __init__(self, stream=None, tty: bool | None = None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.bar = None
        self.last_line = 0.0
        self.last_epoch = 0

    def __call__(self, p) -> None:
        if self.tty:
            self._bar(p)
        else:
            self._log(p)

    def _bar(self, p) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(
                total=p.words_total, unit="w", unit_scale=True, file=self.stream,
                desc="training", dynamic_ncols=True,
            )  # fmt: skip
        self.bar.set_description(f"epoch {p.epoch}/{p.epochs}", refresh=False)
        self.bar.set_postfix(lr=f"{p.alpha:.5f}", loss=f"{p.loss:.4f}", refresh=False)
        self.bar.update(p.words_done - self.bar.n)

    def _log(self, p) -> None:
        now = time.monotonic()
        epoch_end = p.words_done * p.epochs >= p.words_total * p.epoch
        if now - self.last_line < LOG_EVERY and not epoch_end:
            return
        self.last_line = now
        print(
            f"w2v: epoch {p.epoch}/{p.epochs} {100 * p.fraction:5.1f}%  "
            f"{p.words_per_sec / 1e3:,.0f} k words/s  lr {p.alpha:.5f}  loss {p.loss:.4f}  "
            f"ETA {p.eta_seconds:,.0f} s",
            file=self.stream,
            flush=True,
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@cli.command()
@corpus_argument
@click.option(
    "-o", "--output", type=click.Path(path_type=Path),
    help="Model directory to write (default: the -m/--model directory).",
)  # fmt: skip
@model_option
@click.option("--arch", type=click.Choice(["sgns", "cbow"]), default="sgns", show_default=True)
@click.option("--dim", default=100, show_default=True, type=click.IntRange(min=1))
@click.option("--window", default=5, show_default=True, type=click.IntRange(min=1))
@click.option("--negative", default=5, show_default=True, type=click.IntRange(min=1))
@click.option("--min-count", default=5, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--sample", default=1e-3, show_default=True,
    type=click.FloatRange(min=0, max=1, max_open=True), help="Subsampling threshold, 0 = off.",
)  # fmt: skip
@click.option("--epochs", default=5, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--alpha", type=click.FloatRange(min=0, max=1, min_open=True),
    help="Starting learning rate [default: 0.025 sgns, 0.05 cbow].",
)  # fmt: skip
@click.option(
    "--schedule", type=click.Choice(SCHEDULES), default=TrainConfig.schedule, show_default=True,
    help="How the rate falls: hold = alpha through the first epoch, then linearly to "
    "alpha·1e-4; word2vec = linearly from the first word (word2vec.c, gensim workers=1).",
)  # fmt: skip
@click.option("--workers", type=click.IntRange(min=1), help="Threads [default: all cores].")
@click.option("--seed", default=1, show_default=True, type=click.IntRange(min=0, max=2**64 - 1))
@click.option("--max-vocab-size", type=click.IntRange(min=1), help="Keep at most this many words.")
@click.option("--no-lower", is_flag=True, help="Keep case.")
@click.option("--punct", is_flag=True, help="Keep punctuation as tokens.")
@click.option("--force", is_flag=True, help="Replace an existing model directory.")
@json_option
def train(corpus, output, model_dir, force, no_lower, as_json, **options):
    """Train word vectors on CORPUS (default: the embedded WordNet glosses).

    Runs skip-gram (or CBOW) with negative sampling as word2vec.c does, in parallel, and
    writes a model directory that `w2v similar`, `w2v eval` and the rest read.
    """
    from w2v.train import train as train_model

    out = output if output is not None else model_dir
    refuse_existing(out, force, owned=MODEL_FILES)
    source = corpus_or_default(corpus)
    reporter = ProgressReporter()
    try:
        model = train_model(source, progress=reporter, lower=not no_lower, **options)
    finally:
        reporter.close()
    report_invalid_utf8(model.vocab.stats)
    model.save(out, force=force)
    meta = model.vectors.meta
    summary = {
        "model": str(out),
        "arch": model.config.arch,
        "words": len(model.vocab),
        "dim": model.config.dim,
        "tokens": int(meta["corpus"]["words"]),
        "loss": model.loss_history,
        "train_seconds": meta["train_seconds"],
        "words_per_sec": meta["words_per_sec"],
    }
    if as_json:
        echo_json(summary)
        return
    click.echo(
        f"{summary['arch']}: {summary['words']:,} words × {summary['dim']} from "
        f"{summary['tokens']:,} tokens in {summary['train_seconds']:.1f} s "
        f"({summary['words_per_sec'] / 1e3:,.0f} k words/s); loss per epoch "
        + " ".join(f"{x:.4f}" for x in model.loss_history)
    )
    click.echo(f"saved {out}")
