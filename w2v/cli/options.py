"""Options shared by several commands, and the --json printer."""

import json
import math
from pathlib import Path

import click

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


corpus_argument = click.argument(
    "corpus", required=False, type=click.Path(path_type=Path, dir_okay=True)
)
