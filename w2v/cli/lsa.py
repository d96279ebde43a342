"""`w2v cooc` (window co-occurrence counts) and `w2v svd` (PPMI + SVD vectors)."""

from pathlib import Path

import click
import numpy as np
import scipy.sparse as sp

from w2v.cli.corpus import corpus_or_default, report_invalid_utf8
from w2v.cli.options import corpus_argument, echo_json, json_option, phrase_options, phrases_of
from w2v.cooccur import WEIGHTINGS, cooccurrence, write_parquet
from w2v.io.atomic import refuse_existing
from w2v.io.model_dir import MODEL_DIR

TABLE_MAX_WORDS = 30


def window_options(f):
    """--window, --weighting, --dynamic, --no-lower, --punct, --seed: how pairs are counted."""
    for option in reversed(
        [
            click.option(
                "--window",
                default=5,
                show_default=True,
                type=click.IntRange(min=1),
                help="Count pairs at most this many positions apart.",
            ),
            click.option(
                "--weighting",
                type=click.Choice(WEIGHTINGS),
                default="uniform",
                show_default=True,
                help="harmonic: a pair at distance d counts 1/d.",
            ),
            click.option(
                "--dynamic",
                is_flag=True,
                help="Sample each token's window radius in 1..N, as word2vec does.",
            ),
            click.option("--no-lower", is_flag=True, help="Keep case."),
            click.option("--punct", is_flag=True, help="Keep punctuation as tokens."),
            click.option(
                "--seed",
                default=1,
                show_default=True,
                type=int,
                help="Seed of the --dynamic radii.",
            ),
        ]
    ):
        f = option(f)
    return f


def _format_count(x: float) -> str:
    return str(int(x)) if x == int(x) else f"{x:.3g}"


def format_table(words: list[str], X: np.ndarray, corner: str = "counts") -> str:
    """The matrix as an aligned text table: a header row of words, then one row per word."""
    cells = [[corner, *words]] + [
        [w, *(_format_count(x) for x in row)] for w, row in zip(words, X, strict=True)
    ]
    widths = [max(len(r[j]) for r in cells) for j in range(len(cells[0]))]
    lines = []
    for r in cells:
        first = r[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True))
        lines.append("  ".join([first, *rest]).rstrip())
    return "\n".join(lines)


@click.command()
@corpus_argument
@window_options
@click.option("--min-count", default=1, show_default=True, type=click.IntRange(min=1))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write (word, context, count) rows to this Parquet file.",
)
@click.option(
    "-n",
    "top",
    default=10,
    show_default=True,
    type=click.IntRange(min=0),
    help="Most frequent pairs to show when the vocabulary is too large for a table.",
)
@click.option("--force", is_flag=True, help="Replace an existing -o file.")
@json_option
def cooc(
    corpus, window, weighting, dynamic, no_lower, punct, seed, min_count, output, top, force,
    as_json,
):  # fmt: skip
    """Count which words occur within --window positions of each other in CORPUS
    (default: the embedded WordNet glosses). Prints the matrix for a vocabulary of at most
    30 words, else the most frequent pairs; -o writes every (word, context, count) row."""
    if output:
        refuse_existing(output, force)
    source = corpus_or_default(corpus)
    vocab, X = cooccurrence(
        source,
        window=window,
        min_count=min_count,
        weighting=weighting,
        dynamic=dynamic,
        lower=not no_lower,
        punct=punct,
        seed=seed,
    )
    report_invalid_utf8(vocab.stats)
    if output:
        settings = {
            "window": window,
            "weighting": weighting,
            "dynamic": dynamic,
            "min_count": min_count,
            "lower": not no_lower,
            "punct": punct,
            "seed": seed,
        }
        rows = write_parquet(output, vocab.words, X, **settings)
        if not as_json:
            click.echo(f"wrote {rows:,} rows ({len(vocab):,} words) to {output}")
    small = len(vocab) <= TABLE_MAX_WORDS
    if as_json:
        if small:
            result = {"words": vocab.words, "counts": X.toarray().tolist()}
        else:
            result = {"words": len(vocab), "nonzero": int(X.nnz), "top": top_pairs(vocab, X, top)}
        echo_json(result)
    elif output:
        return
    elif small:
        click.echo(format_table(vocab.words, X.toarray()))
    else:
        click.echo(
            f"vocabulary: {len(vocab):,} words (min count {min_count}); "
            f"nonzero entries: {X.nnz:,}; use -o FILE.parquet to write them all"
        )
        for a, b, x in top_pairs(vocab, X, top):
            click.echo(f"{a}\t{b}\t{_format_count(x)}")


def top_pairs(vocab, X, n: int) -> list[tuple[str, str, float]]:
    """The n largest entries of the upper triangle of X as (word, context, count)."""
    upper = sp.triu(X, format="coo")
    order = np.argsort(-upper.data, kind="stable")[:n]
    words = vocab.words
    return [(words[upper.row[i]], words[upper.col[i]], float(upper.data[i])) for i in order]


@click.command()
@corpus_argument
@click.option(
    "-o",
    "--output",
    "-m",
    "--model",
    "output",
    type=click.Path(path_type=Path),
    default="w2v-model",
    envvar="W2V_MODEL",
    show_default=True,
    help="Model directory to write (or $W2V_MODEL).",
)
@click.option("--dim", default=100, show_default=True, type=click.IntRange(min=1))
@window_options
@click.option("--min-count", default=5, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--cds",
    default=0.75,
    show_default=True,
    type=click.FloatRange(0, 1, min_open=True),
    help="Context-distribution smoothing: context counts raised to this power.",
)
@click.option(
    "--eig",
    default=0.5,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Eigenvalue weighting p: vectors are U Σ^p.",
)
@click.option(
    "--neg",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=1),
    help="Shift the PMI by log NEG before clipping at zero.",
)
@click.option("--add-contexts", is_flag=True, help="Vectors are W + C (each row-normalised).")
@click.option(
    "--solver", type=click.Choice(["randomized", "arpack"]), default="randomized", show_default=True
)
@phrase_options
@click.option("--force", is_flag=True, help="Replace an existing model directory.")
@json_option
def svd(
    corpus,
    output,
    dim,
    window,
    weighting,
    dynamic,
    no_lower,
    punct,
    seed,
    min_count,
    cds,
    eig,
    neg,
    add_contexts,
    solver,
    find_phrases,
    phrases_from,
    force,
    as_json,
):
    """Train PPMI + SVD word vectors on CORPUS (default: the embedded WordNet glosses) and
    write a model directory that `similar`, `analogy` and `eval` read like any other."""
    from w2v.ppmi_svd import lsa

    refuse_existing(output, force, owned=MODEL_DIR)
    phrases = phrases_of(find_phrases, phrases_from)
    source = corpus_or_default(corpus)
    vectors = lsa(
        source,
        dim=dim,
        window=window,
        min_count=min_count,
        cds=cds,
        eig=eig,
        neg=neg,
        weighting=weighting,
        dynamic=dynamic,
        add_contexts=add_contexts,
        solver=solver,
        lower=not no_lower,
        punct=punct,
        seed=seed,
        phrases=phrases,
    )
    report_invalid_utf8(vectors.meta["corpus"])
    vectors.save(output, force=force)
    seconds = vectors.meta["seconds"]
    if as_json:
        echo_json(
            {"model": str(output), "words": len(vectors), "dim": vectors.dim, "seconds": seconds}
        )
        return
    c = vectors.meta["corpus"]
    click.echo(
        f"corpus: {source}: {c['tokens']:,} tokens, {len(vectors):,} words "
        f"(min count {min_count}), {c['ppmi_nnz']:,} positive PMI entries"
    )
    click.echo("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in seconds.items()))
    click.echo(f"wrote {len(vectors):,} vectors of dimension {vectors.dim} to {output}")
