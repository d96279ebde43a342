"""`w2v export` and `w2v import`: move vectors between a model directory and other tools."""

from pathlib import Path

import click

from w2v.cli.options import model_option
from w2v.io.atomic import refuse_existing
from w2v.io.formats import EXPORT_FORMATS as FORMATS
from w2v.io.model_dir import MODEL_DIR


@click.command()
@click.argument("fmt", metavar="FORMAT", type=click.Choice(FORMATS))
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--limit", type=click.IntRange(min=1), help="Only the N most frequent words.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@model_option
def export(fmt, out, limit, force, model_dir):
    """Write the model's vectors to OUT as FORMAT: word2vec (text), word2vec-binary,
    fasttext-vec (fastText's .vec: word2vec text at 5 significant digits, as fastText
    writes it), parquet, or projector (a directory for projector.tensorflow.org: Load
    vectors.tsv, then metadata.tsv). word2vec and .vec files named *.gz, *.bz2 or *.xz are
    compressed."""
    from w2v.io import formats
    from w2v.vectors import load

    owned = formats.PROJECTOR_DIR if fmt == "projector" else None  # else a file
    refuse_existing(out, force, owned)
    vec = load(model_dir)
    formats.export(vec, fmt, out, limit=limit, force=force)
    n = len(vec) if limit is None else min(limit, len(vec))
    click.echo(f"wrote {n} vectors of dimension {vec.dim} to {out} ({fmt})", err=True)


@click.command(name="import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default="w2v-model",
    envvar="W2V_MODEL",
    show_default=True,
    help="Model directory to create (or $W2V_MODEL).",
)
@click.option("--limit", type=click.IntRange(min=1), help="Read only the first N vectors.")
@click.option("--force", is_flag=True, help="Replace the model directory if it exists.")
def import_(file, output, limit, force):
    """Make a model directory from FILE: word2vec text or binary (sniffed; also .gz, .bz2,
    .xz), Parquet (word, vector[, count]) or a Facebook fastText .bin, whose n-grams come
    along (ngrams.npy): words outside its vocabulary get vectors. Counts a file lacks are
    stored as zeros."""
    from w2v.io.formats import read_vectors

    refuse_existing(output, force, owned=MODEL_DIR)
    vec = read_vectors(file, limit=limit)
    source_meta = {k: v for k, v in vec.meta.items() if k not in ("source", "source_format")}
    vec.meta = {
        "trainer": "import",
        "source": str(file.resolve()),
        "source_format": vec.meta.get("source_format", "parquet"),
        **({"source_meta": source_meta} if source_meta else {}),
    }
    vec.save(output, force=force)
    if dropped := source_meta.get("duplicates_dropped"):
        click.echo(
            f"w2v: warning: {file} repeats words: dropped {dropped} duplicates, keeping the "
            f"first vector of each (as gensim does)",
            err=True,
        )
    click.echo(f"imported {len(vec)} vectors of dimension {vec.dim} into {output}", err=True)
