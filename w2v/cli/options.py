"""Options shared by several commands."""

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

corpus_argument = click.argument(
    "corpus", required=False, type=click.Path(path_type=Path, dir_okay=True)
)
