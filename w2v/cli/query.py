"""`w2v similar`, `w2v analogy`, `w2v eval`: query and evaluate a model directory.

These run on every call from a fresh process, so they import only what they use:
no scipy (except `eval`), no gensim, no Numba, and the model is memory-mapped.
"""

import click

from w2v.cli.options import echo_json, json_option, model_option

topn_option = click.option(
    "-n", "topn", default=10, show_default=True, type=click.IntRange(min=1), help="How many."
)
restrict_option = click.option(
    "--restrict",
    type=click.IntRange(min=1),
    help="Search only the N most frequent words.",
)


def _print_ranked(results, as_json: bool, query: dict) -> None:
    """word<TAB>score lines, or with --json {**query, "results": [{"word", "score"}]}: the
    key the HTTP API uses too, whatever the score is (a cosine, or 3CosMul's product)."""
    if as_json:
        ranked = [{"word": w, "score": s} for w, s in results]
        echo_json({**query, "results": ranked})
        return
    click.echo("\n".join(f"{w}\t{s:.6f}" for w, s in results))


@click.command()
@click.argument("words", nargs=-1, required=True)
@topn_option
@restrict_option
@model_option
@json_option
def similar(words, topn, restrict, model_dir, as_json):
    """Print the words nearest to WORDS (several words: to the mean of their unit vectors),
    one "word<TAB>cosine" per line."""
    from w2v.vectors import load

    vec = load(model_dir)
    results = vec.most_similar(positive=list(words), topn=topn, restrict=restrict)
    _print_ranked(results, as_json, {"positive": list(words)})


@click.command()
@click.argument("a")
@click.argument("b")
@click.argument("c")
@topn_option
@click.option(
    "--method",
    type=click.Choice(["add", "mul"]),
    default="add",
    show_default=True,
    help="3CosAdd (cosine to A - B + C) or 3CosMul.",
)
@restrict_option
@model_option
@json_option
def analogy(a, b, c, topn, method, restrict, model_dir, as_json):
    """Print the words nearest to A - B + C (`w2v analogy king man woman` -> queen)."""
    from w2v.vectors import load

    vec = load(model_dir)
    results = vec.analogy(a, b, c, topn=topn, method=method, restrict=restrict)
    _print_ranked(results, as_json, {"a": a, "b": b, "c": c, "method": method})


@click.command(name="eval")
@click.option(
    "--analogies",
    type=click.Path(dir_okay=False),
    help="Analogy questions (default: the Google set shipped with w2v).",
)
@click.option(
    "--pairs",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Word-pair similarity file, repeatable (default: WordSim353 and SimLex-999).",
)
@click.option(
    "--restrict",
    default=30000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Answer analogies among the N most frequent words (gensim and word2vec.c: 30000).",
)
@model_option
@json_option
def eval_(analogies, pairs, restrict, model_dir, as_json):
    """Analogy accuracy and word-pair correlations, as gensim computes them."""
    from w2v.evaluate import PAIRS, data_path, evaluate_analogies, evaluate_pairs
    from w2v.vectors import load

    vec = load(model_dir)
    a = evaluate_analogies(vec, analogies, restrict=restrict)
    p = {str(f): evaluate_pairs(vec, f) for f in (pairs or [data_path(n) for n in PAIRS])}
    if as_json:
        echo_json({"analogies": a, "pairs": p})
        return
    click.echo(f"analogies: {a['path']} (restrict {restrict})")
    for s in a["sections"]:
        click.echo(f"  {s['section']:<30} {s['accuracy']:.4f}  ({s['correct']}/{s['total']})")
    click.echo(
        f"  {'total':<30} {a['accuracy']:.4f}  ({a['correct']}/{a['total']}; "
        f"semantic {a['semantic']:.4f}, syntactic {a['syntactic']:.4f}; "
        f"{a['oov']} of {a['questions']} questions skipped for unknown words)"
    )
    for f, r in p.items():
        click.echo(
            f"pairs: {f}: spearman {r['spearman']:.4f}  pearson {r['pearson']:.4f}  "
            f"({r['pairs']} pairs, {r['oov']} skipped for unknown words)"
        )
