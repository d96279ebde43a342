"""`w2v demo`: train on the embedded corpus (or open the model already there), show a few
neighbours and an analogy, and draw one picture. The README's first command."""

from pathlib import Path

import click
from click.core import ParameterSource

from w2v.cli.options import model_option, user_warnings
from w2v.errors import ConfigError, ModelError

# Words of the embedded corpus (WordNet glosses) whose neighbours make the point; the first
# that a model has are shown. The lecture's "words similar to frog" comes first.
DEMO_WORDS = ["frog", "king", "violin", "doctor", "river", "red", "happy", "bread"]
# boy - man + woman -> girl holds on the small embedded corpus (king - man + woman needs more
# text: see the README's pictures, from a 6 M-token corpus); the others stand in for models
# that lack a word.
DEMO_ANALOGIES = [("boy", "man", "woman"), ("father", "man", "woman"), ("king", "man", "woman")]
SHOWN = 4  # words whose neighbours are printed
DRAWN = 3  # of those, words drawn in the picture


def _check_asked(vec, model_dir: Path, asked: dict) -> None:
    """ConfigError unless the model agrees with the training options given on the command
    line (`asked`: option name → value): the demo does not silently ignore them."""
    config = vec.meta.get("config") if isinstance(vec.meta.get("config"), dict) else {}
    have = {"dim": vec.dim, "epochs": config.get("epochs"), "seed": config.get("seed")}
    if all(have[k] == v for k, v in asked.items()):
        return
    held = ", ".join(f"{k} {'unknown' if have[k] is None else have[k]}" for k in have)
    given = " ".join(f"--{k} {v}" for k, v in asked.items())
    raise ConfigError(
        f"{str(model_dir)!r} already holds a model ({held}), not the {given} asked for: "
        "delete it to train there, or give another directory with -m DIR"
    )


def _open_or_train(model_dir: Path, epochs: int, dim: int, workers: int | None, seed: int,
                   asked: dict):  # fmt: skip
    """The model in `model_dir` if there is one (and it agrees with the options `asked`
    for); else train on the embedded corpus and save it there. A directory that exists but
    is not a model is left alone (ModelError)."""
    from w2v.vectors import Vectors

    if model_dir.exists():
        try:
            vec = Vectors.load(model_dir)
        except ModelError as e:
            raise ModelError(
                f"{str(model_dir)!r} exists but is not a w2v model ({e}); "
                "remove it or pick another directory with -m DIR"
            ) from None
        _check_asked(vec, model_dir, asked)
        click.echo(f"using the model in {model_dir} ({len(vec):,} words, dim {vec.dim})")
        click.echo("  (delete that directory to train a fresh one)")
        return vec
    import w2v
    from w2v.io.atomic import refuse_existing
    from w2v.io.model_dir import MODEL_DIR
    from w2v.vocab import default_corpus

    refuse_existing(model_dir, force=False, owned=MODEL_DIR)  # checked before training

    click.echo(
        f"training skip-gram on the embedded corpus (WordNet 3.0 glosses, 1.46 M tokens): "
        f"dim {dim}, {epochs} epochs"
    )
    from w2v.cli.train import ProgressReporter

    reporter = ProgressReporter()
    try:
        with user_warnings():
            model = w2v.train(default_corpus(), progress=reporter, dim=dim, epochs=epochs,
                              workers=workers, seed=seed)  # fmt: skip
    finally:
        reporter.close()
    model.save(model_dir)
    click.echo(f"saved the model in {model_dir} ({len(model.vectors):,} words)")
    return model.vectors


@click.command()
@model_option
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default="w2v-demo.png",
    show_default=True,
    help="The picture to write.",
)
@click.option("--epochs", default=5, show_default=True, type=click.IntRange(min=1))
@click.option("--dim", default=100, show_default=True, type=click.IntRange(min=2))
@click.option("--workers", type=click.IntRange(min=1), help="Threads (default: all cores).")
@click.option("--seed", default=1, show_default=True, type=int)
def demo(model_dir, output, epochs, dim, workers, seed):
    """Train on the embedded corpus (or open the model in -m DIR), print neighbours and an
    analogy, and draw the neighbours (the picture needs: pip install 'w2v[plot]')."""
    from w2v.plot import figures as P

    P.check_picture_path(output)  # before an hour of training, not after
    ctx = click.get_current_context()
    asked = {
        name: value
        for name, value in (("dim", dim), ("epochs", epochs), ("seed", seed))
        if ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE
    }
    vec = _open_or_train(model_dir, epochs, dim, workers, seed, asked)
    words = [w for w in DEMO_WORDS if w in vec][:SHOWN]
    click.echo("")
    click.echo("nearest neighbours (cosine):")
    for w in words:
        near = ", ".join(f"{n} {s:.2f}" for n, s in vec.most_similar(w, topn=6))
        click.echo(f"  {w:>8}: {near}")
    for a, b, c in DEMO_ANALOGIES:
        if a in vec and b in vec and c in vec:
            best = vec.analogy(a, b, c, topn=3)
            guesses = ", ".join(f"{d} {s:.2f}" for d, s in best)
            click.echo("")
            click.echo(f"analogy: {a} - {b} + {c} = {guesses}")
            click.echo(f"  (w2v analogy {a} {b} {c}; picture: w2v plot --analogy {a} {b} {c})")
            break
    click.echo("")
    try:
        P.require_matplotlib()
    except P.MissingExtra:
        click.echo("no picture: matplotlib is not installed (pip install 'w2v[plot]')")
        return
    if not words:
        click.echo("no picture: the model has none of the demo words")
        return
    P.save_figure(P.words_figure(vec, words[:DRAWN], neighbours=8), output)
    click.echo(f"wrote {output}: {', '.join(words[:DRAWN])} and their nearest neighbours")
    click.echo(f"next: w2v similar WORD -m {model_dir}, w2v plot WORD ... -m {model_dir}")
