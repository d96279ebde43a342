"""`w2v plot`: pictures of a model (words and neighbours, an analogy, the training loss)."""

from pathlib import Path

import click
from click.core import ParameterSource

from w2v.cli.options import model_option
from w2v.errors import ConfigError


@click.command()
@click.argument("words", nargs=-1)
@model_option
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default="w2v-plot.png",
    show_default=True,
    help="Picture to write (.png, .svg or .pdf).",
)
@click.option(
    "-n",
    "--neighbours",
    default=8,
    show_default=True,
    type=click.IntRange(min=0),
    help="Also draw each word's N nearest neighbours.",
)
@click.option(
    "--method",
    type=click.Choice(["pca", "tsne"]),
    default="pca",
    show_default=True,
    help="2-D projection (t-SNE needs scikit-learn: pip install 'w2v[sklearn]').",
)
@click.option("--analogy", is_flag=True, help="WORDS are A B C: draw the offset A - B onto C.")
@click.option("--loss", is_flag=True, help="Draw the per-epoch training loss (no WORDS).")
def plot(words, model_dir, output, neighbours, method, analogy, loss):
    """Draw WORDS and their nearest neighbours in 2-D, or an analogy, or the training loss.

    \b
    w2v plot frog king music -n 8 -o words.png
    w2v plot --analogy king man woman -o analogy.png     (king - man + woman -> queen)
    w2v plot --loss -o loss.png

    Needs matplotlib: pip install 'w2v[plot]'.
    """
    from w2v.plot import figures as P
    from w2v.vectors import Vectors

    P.require_matplotlib()
    if analogy and loss:
        raise ConfigError("--analogy and --loss draw different pictures: choose one")
    if loss and words:
        raise ConfigError("--loss takes no WORDS")
    if analogy and len(words) != 3:
        raise ConfigError(f"--analogy needs three words A B C (king man woman), not {len(words)}")
    ctx = click.get_current_context()
    for name, flag in (("method", "--method"), ("neighbours", "--neighbours")):
        if (analogy or loss) and ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE:
            raise ConfigError(f"{flag} applies to word pictures, not to --analogy or --loss")
    if not loss and not words:
        raise ConfigError("give WORDS to draw, or --analogy A B C, or --loss (see w2v plot --help)")
    P.check_picture_path(output)
    vec = Vectors.load(model_dir)
    if loss:
        fig = P.loss_figure(P.loss_history(vec.meta), title=P.loss_title(vec.meta))
    elif analogy:
        fig = P.analogy_figure(vec, *words)
    else:
        fig = P.words_figure(vec, list(words), neighbours=neighbours, method=method)
    P.save_figure(fig, output)
    click.echo(f"wrote {output}")
