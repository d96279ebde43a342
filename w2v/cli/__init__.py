"""The `w2v` command: a click group of the commands defined in the sibling modules.

`COMMANDS` lists them; `main` runs the group and turns every `UserError` into one line on
stderr and exit status 2 (a traceback only with --debug).
"""

import os
import sys

import click

from w2v import __version__
from w2v.cli import (
    classify,
    collocations,
    corpus,
    demo,
    formats,
    lsa,
    pipeline,
    playground,
    plot,
    query,
    serve,
    train,
)
from w2v.errors import UserError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="w2v")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Train word embeddings and query them."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    # Arrow's default allocator (mimalloc) reserves ~25 MB to write a vocabulary of a few
    # hundred KB; the command writes small tables, for which the C library's malloc is
    # enough. Read when pyarrow loads, so it must be set before; a user's setting wins.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    try:
        cli.main(args=args, prog_name="w2v", standalone_mode=False)
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.exceptions.Abort:
        click.echo("w2v: interrupted", err=True)
        return 130
    except click.ClickException as e:
        e.show()
        return 2
    except UserError as e:
        if debug:
            raise
        click.echo(f"w2v: error: {e}", err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("w2v: interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    return 0


COMMANDS = (
    train.train,
    query.similar,
    query.analogy,
    query.eval_,
    corpus.vocab,
    collocations.phrases,
    lsa.cooc,
    lsa.svd,
    formats.export,
    formats.import_,
    classify.classify,
    plot.plot,
    playground.playground,
    demo.demo,
    pipeline.pipeline,
    serve.serve,
)
for command in COMMANDS:
    cli.add_command(command)
