"""Options shared by several commands, the --json printer, and the warnings printer."""

import contextlib
import json
import math
import warnings
from pathlib import Path

import click

from w2v.errors import SmallDataWarning

model_option = click.option(
    "-m",
    "--model",
    "model_dir",
    type=click.Path(path_type=Path),
    default="w2v-model",
    envvar="W2V_MODEL",
    show_default=True,
    help="Model directory (or $W2V_MODEL).",
)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


def echo_json(obj, indent: int | None = None) -> None:
    """Print `obj` as JSON for --json; NaN and infinities (e.g. the correlation of a
    constant column) as null, since JSON has no such numbers and parsers reject Python's."""
    click.echo(json.dumps(_json_safe(obj), ensure_ascii=False, indent=indent, allow_nan=False))


def _json_safe(x):
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_json_safe(v) for v in x]
    return x


def phrase_options(command):
    """--phrases and --phrases-from: join a corpus's phrases before its vocabulary is
    counted (see `phrases_of`)."""
    command = click.option(
        "--phrases-from", type=click.Path(path_type=Path, dir_okay=False),
        help="Join the phrases saved by `w2v phrases --save FILE` first.",
    )(command)  # fmt: skip
    return click.option(
        "--phrases", "find_phrases", is_flag=True,
        help="Find the corpus's phrases first, at `w2v phrases`' defaults, and join them.",
    )(command)  # fmt: skip


def phrases_of(find_phrases: bool, phrases_from: Path | None):
    """The `phrases` argument of w2v.train and w2v.lsa for --phrases and --phrases-from."""
    if find_phrases and phrases_from is not None:
        from w2v.errors import UserError

        raise UserError("give --phrases or --phrases-from, not both")
    return True if find_phrases else phrases_from


corpus_argument = click.argument(
    "corpus", required=False, type=click.Path(path_type=Path, dir_okay=True)
)


def setting_options(config_class, exclude: tuple[str, ...] = ()):
    """Decorate a command with one option per field of `config_class` (w2v.config), but
    those in `exclude`: --min-count for min_count, typed and bounded by the field's Setting
    (click.Choice, IntRange, FloatRange), its help and default from there too."""
    from w2v.config import settings

    def option(name: str, kind: type, default, s):
        if s.choices is not None:
            kind = click.Choice(s.choices)
        elif kind in (int, float):
            bounded = click.IntRange if kind is int else click.FloatRange
            kind = bounded(min=s.low, max=s.high, min_open=s.low_open, max_open=s.high_open)
        text = s.help[0].upper() + s.help[1:]
        text += f" [default: {s.none}]." if default is None else "."
        flag = "--" + name.replace("_", "-")
        return click.option(
            flag, type=kind, default=default, show_default=default is not None, help=text
        )

    def decorate(command):
        fields = [(n, *spec) for n, spec in settings(config_class).items() if n not in exclude]
        for name, kind, default, s in reversed(fields):  # the first field's option on top
            command = option(name, kind, default, s)(command)
        return command

    return decorate


@contextlib.contextmanager
def user_warnings():
    """Inside: the library's warnings of what the user can change (SmallDataWarning) are
    printed at once as `w2v: warning: ...` on stderr, every one; others as Python does."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", SmallDataWarning)
        python_shows = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, SmallDataWarning):
                click.echo(f"w2v: warning: {message}", err=True)
            else:
                python_shows(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield
