"""`w2v vocab`: count a corpus and show its vocabulary."""

from pathlib import Path

import click

from w2v.cli.options import corpus_argument, echo_json, json_option
from w2v.io.atomic import refuse_existing
from w2v.vocab import build_vocab, default_corpus


def corpus_or_default(corpus: Path | None) -> Path:
    """The CORPUS argument, or the embedded default corpus when none is given."""
    return corpus if corpus is not None else default_corpus()


def report_invalid_utf8(stats: dict) -> None:
    n = stats.get("invalid_utf8", 0)
    if n:
        click.echo(f"w2v: warning: {n} invalid UTF-8 sequences were replaced by U+FFFD", err=True)


@click.command()
@corpus_argument
@click.option("--min-count", default=5, show_default=True, type=click.IntRange(min=1))
@click.option("--max-size", type=click.IntRange(min=1), help="Keep at most this many words.")
@click.option("--no-lower", is_flag=True, help="Keep case.")
@click.option("--punct", is_flag=True, help="Keep punctuation as tokens.")
@click.option("-n", "top", default=20, show_default=True, type=click.IntRange(min=0))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write vocab.parquet here.")
@click.option("--force", is_flag=True, help="Replace the -o file if it exists.")
@json_option
def vocab(corpus, min_count, max_size, no_lower, punct, top, output, force, as_json):
    """Count CORPUS (default: the embedded WordNet glosses) and print its vocabulary."""
    if output:
        refuse_existing(output, force)
    source = corpus_or_default(corpus)
    v = build_vocab(source, min_count=min_count, max_size=max_size, lower=not no_lower, punct=punct)
    report_invalid_utf8(v.stats)
    if output:
        v.save(output)
    head = [(w, int(c)) for w, c in zip(v.words[:top], v.counts[:top], strict=True)]
    if as_json:
        echo_json({"words": len(v), "tokens": v.stats["tokens"], "kept": v.total, "top": head})
        return
    click.echo(f"corpus: {source}")
    click.echo(
        f"tokens: {v.stats['tokens']:,}  lines: {v.stats['lines']:,}  "
        f"distinct: {v.stats['distinct']:,}"
    )
    click.echo(f"vocabulary (min count {min_count}): {len(v):,} words, {v.total:,} tokens kept")
    for w, c in head:
        click.echo(f"{w}\t{c}")
