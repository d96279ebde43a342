"""`w2v train`: train SGNS or CBOW embeddings on a corpus and write a model directory."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from w2v.cli.corpus import corpus_or_default, report_invalid_utf8
from w2v.cli.options import (
    corpus_argument,
    echo_json,
    json_option,
    model_option,
    phrase_options,
    phrases_of,
    setting_options,
    user_warnings,
)
from w2v.config import TrainConfig
from w2v.io.atomic import refuse_existing
from w2v.io.model_dir import MODEL_DIR

LOG_EVERY = 5.0  # seconds between progress lines when stderr is not a terminal


class ProgressReporter:
    """A tqdm bar on a terminal (percent, words/s, learning rate, loss, ETA); elsewhere a
    log line on stderr: the first, then one every LOG_EVERY seconds at most, and the last,
    however many epochs end in between."""

    def __init__(self, stream=None, tty: bool | None = None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.bar = None
        self.last_line = -float("inf")

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
        loss = "nothing trained" if p.loss is None else f"{p.loss:.4f}"
        self.bar.set_postfix(lr=f"{p.alpha:.5f}", loss=loss, refresh=False)
        self.bar.update(p.words_done - self.bar.n)

    def _log(self, p) -> None:
        now = time.monotonic()
        if now - self.last_line < LOG_EVERY and p.words_done < p.words_total:
            return
        self.last_line = now
        loss = "nothing trained yet" if p.loss is None else f"loss {p.loss:.4f}"
        print(
            f"w2v: epoch {p.epoch}/{p.epochs} {100 * p.fraction:5.1f}%  "
            f"{p.words_per_sec / 1e3:,.0f} k words/s  lr {p.alpha:.5f}  {loss}  "
            f"ETA {p.eta_seconds:,.0f} s",
            file=self.stream,
            flush=True,
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def losses_text(history: list[float | None]) -> str:
    """ "0.5102 0.4410", an epoch that trained nothing as "(nothing trained)"."""
    return " ".join("(nothing trained)" if x is None else f"{x:.4f}" for x in history)


@click.command()
@corpus_argument
@click.option(
    "-o", "--output", type=click.Path(path_type=Path),
    help="Model directory to write (default: the -m/--model directory).",
)  # fmt: skip
@model_option
@setting_options(TrainConfig, exclude=("lower", "punct"))
@click.option("--no-lower", is_flag=True, help="Keep case.")
@click.option("--punct", is_flag=True, help="Keep punctuation as tokens.")
@phrase_options
@click.option(
    "--init", "init", type=click.Path(path_type=Path),
    help="Continue training this model (a model directory with contexts.npy) on CORPUS.",
)  # fmt: skip
@click.option(
    "--checkpoint-every", "every",
    help="Write a checkpoint beside the output every so often: a time (30s, 10m, 2h) or a "
    "number of corpus words (50M, 500k).",
)  # fmt: skip
@click.option(
    "--resume", is_flag=True,
    help="Continue from the checkpoint an interrupted run of the same command left "
    "(none there: train from the start).",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Replace an existing model directory.")
@json_option
def train(
    corpus, output, model_dir, init, every, resume, force, no_lower, find_phrases, phrases_from,
    as_json, **options,
):  # fmt: skip
    """Train word vectors on CORPUS (default: the embedded WordNet glosses).

    Runs skip-gram (or CBOW) with negative sampling as word2vec.c does, in parallel, and
    writes a model directory that `w2v similar`, `w2v eval` and the rest read. The corpus
    is first encoded into $TMPDIR (4 bytes a token, removed at the end; a plain-text file
    is read once, its tokens recorded as they are counted, when $TMPDIR has room for the
    record, 4 bytes a byte of the file at most); a $TMPDIR with too little free space for
    the encoded corpus is refused before training, saying how much is needed.

    With --checkpoint-every, the training state is saved atomically in .OUT.checkpoint
    beside the output OUT; after a crash, the same command plus --resume continues from
    it (with --workers 1, to the very model an uninterrupted run gives). With --init MODEL,
    training starts from MODEL: its words keep their vectors, new words get fresh ones.
    """
    from w2v.checkpoint import checkpoint_path, has_checkpoint, parse_every, remove_checkpoint
    from w2v.errors import CheckpointError
    from w2v.training import train as train_model

    out = output if output is not None else model_dir
    refuse_existing(out, force, owned=MODEL_DIR)
    if every is not None:
        parse_every(every)  # a typo fails now, not after the vocabulary is counted
    checkpoint = checkpoint_path(out)
    if has_checkpoint(checkpoint) and not resume:
        if not force:
            raise CheckpointError(
                f"an interrupted run left a checkpoint in {str(checkpoint)!r}: add --resume "
                "to continue it, or --force to start over"
            )
        remove_checkpoint(checkpoint)
    if resume and not has_checkpoint(checkpoint):
        click.echo(f"w2v: no checkpoint in {str(checkpoint)!r}; training from the start", err=True)
    if init is not None:
        ctx = click.get_current_context()
        for name in ("dim", "arch"):  # the model's, unless given
            if ctx.get_parameter_source(name) is click.core.ParameterSource.DEFAULT:
                options.pop(name)
    phrases = phrases_of(find_phrases, phrases_from)
    source = corpus_or_default(corpus)
    reporter = ProgressReporter()
    try:
        with user_warnings():
            model = train_model(
                source, progress=reporter, phrases=phrases, lower=not no_lower, init=init,
                checkpoint=checkpoint if every or resume else None, checkpoint_every=every,
                resume=resume, **options,
            )  # fmt: skip
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
        "phrases": sum(meta["phrases"]["phrases"]) if "phrases" in meta else None,
    }
    if as_json:
        echo_json(summary)
        return
    click.echo(
        f"{summary['arch']}: {summary['words']:,} words × {summary['dim']} from "
        f"{summary['tokens']:,} tokens in {summary['train_seconds']:.1f} s "
        f"({summary['words_per_sec'] / 1e3:,.0f} k words/s); loss per epoch "
        + losses_text(model.loss_history)
    )
    if summary["phrases"] is not None:
        click.echo(f"phrases: {summary['phrases']:,} joined before counting the vocabulary")
    click.echo(f"saved {out}")
