"""`w2v phrases`: find a corpus's phrases, write it with them joined, save them."""

from pathlib import Path

import click

from w2v.cli.corpus import corpus_or_default, report_invalid_utf8
from w2v.cli.options import corpus_argument, echo_json, json_option, setting_options
from w2v.config import PhrasesConfig
from w2v.errors import UserError
from w2v.io.atomic import refuse_existing


@click.command()
@corpus_argument
@click.option(
    "-o", "--output", type=click.Path(path_type=Path),
    help="Write the corpus with its phrases joined here (a line per sentence).",
)  # fmt: skip
@click.option(
    "--save", type=click.Path(path_type=Path),
    help="Write the phrases (Parquet: phrase, score, count, pass) for w2v train --phrases-from.",
)  # fmt: skip
@setting_options(PhrasesConfig)
@click.option("--no-lower", is_flag=True, help="Keep case.")
@click.option("--punct", is_flag=True, help="Keep punctuation as tokens.")
@click.option("-n", "top", default=20, show_default=True, type=click.IntRange(min=0),
              help="Print this many of the best-scoring phrases.")  # fmt: skip
@click.option("--force", is_flag=True, help="Replace the -o and --save files if they exist.")
@json_option
def phrases(corpus, output, save, no_lower, punct, top, force, as_json, **settings):
    """Find the phrases of CORPUS (default: the embedded WordNet glosses): the bigrams
    that score above --threshold, joined into one token (new york → new_york).

    The phrases and scores are gensim's Phrases' (no connector words); --passes 2 also
    joins phrases of phrases (new_york city → new_york_city).
    """
    from w2v.collocations import phrases as find_phrases

    for path in (output, save):
        if path is not None:
            refuse_existing(path, force)
    if output is not None and save is not None and output.resolve() == save.resolve():
        raise UserError(f"-o and --save both name {str(save)!r}; give two files")
    source = corpus_or_default(corpus)
    model = find_phrases(source, lower=not no_lower, punct=punct, **settings)
    report_invalid_utf8(model.stats[0])
    if output is not None:
        model.write(source, output, force=force)
    if save is not None:
        model.save(save, force=force)
    best = model.top(top)
    if as_json:
        echo_json(
            {
                "corpus": str(source),
                "passes": model.stats,
                "phrases": len(model),
                "output": None if output is None else str(output),
                "saved": None if save is None else str(save),
                "top": [{"phrase": p, "score": s, "count": c, "pass": k} for p, s, c, k in best],
            }
        )
        return
    click.echo(f"corpus: {source}")
    for k, s in enumerate(model.stats, 1):
        click.echo(
            f"pass {k}: {s['words']:,} tokens, {s['keys']:,} words and bigrams counted"
            + (f" ({s['pruned_keys']:,} rare ones pruned)" if s["pruned_keys"] else "")
            + f", {s['phrases']:,} phrases"
        )
    for path, what in ((output, "the joined corpus"), (save, "the phrases")):
        if path is not None:
            click.echo(f"wrote {what} to {path}")
    for p, s, c, _ in best:
        click.echo(f"{p}\t{s:.6g}\t{c}")
