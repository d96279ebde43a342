"""The `w2v` command: a click group of the commands defined in the sibling modules.

`COMMANDS` names them; `main` runs the group and turns every `UserError` into one line on
stderr and exit status 2 (a traceback only with --debug); `run` is the console script. A
command's module is imported when that command runs (or `w2v --help` lists them all), so
`w2v train` does not pay for SciPy, the classifier or the service: a fixed cost of every
short run.
"""

import atexit
import importlib
import os
import sys
import threading
from typing import NoReturn

import click

from w2v import __version__
from w2v.errors import UserError

# command name: "module:attribute" of its click command
COMMANDS = {
    "train": "w2v.cli.train:train",
    "similar": "w2v.cli.query:similar",
    "analogy": "w2v.cli.query:analogy",
    "eval": "w2v.cli.query:eval_",
    "vocab": "w2v.cli.corpus:vocab",
    "phrases": "w2v.cli.collocations:phrases",
    "cooc": "w2v.cli.lsa:cooc",
    "svd": "w2v.cli.lsa:svd",
    "export": "w2v.cli.formats:export",
    "import": "w2v.cli.formats:import_",
    "classify": "w2v.cli.classify:classify",
    "plot": "w2v.cli.plot:plot",
    "playground": "w2v.cli.playground:playground",
    "demo": "w2v.cli.demo:demo",
    "pipeline": "w2v.cli.pipeline:pipeline",
    "serve": "w2v.cli.serve:serve",
}


class LazyGroup(click.Group):
    """A group whose commands (COMMANDS) are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name].split(":")
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    stdout = sys.stdout
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
    except SystemExit as e:
        # click answers a closed stdout (`w2v vocab | head -1`) with exit status 1, having
        # replaced the streams to silence it; a reader that has read enough is no error
        if e.code == 1 and sys.stdout is not stdout:
            return 0
        raise
    return 0


_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)


def return_freed_memory() -> None:
    """Make glibc's malloc give every freed block of 128 KB or more back to the system.

    By default glibc raises its mmap threshold to the size of each large block freed (up to
    32 MB); the counting's growing tables and the encoding's buffers then come from the
    heap, and what they free stays resident, fragmented, through training: 14 MB more peak
    RssAnon in a one-epoch run on gcide_wn (139 MB against 125 MB, same speed). A fixed
    threshold keeps glibc's starting value. Elsewhere (no glibc), nothing changes."""
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, 128 * 1024)
    except (OSError, AttributeError):
        pass


def run() -> NoReturn:
    """The console script (`w2v`, `python -m w2v`): main(), then the process ends without
    the interpreter's teardown.

    Once Numba has compiled or loaded a kernel, a normal shutdown spends ~0.15 s taking
    LLVM's state apart (measured: `import numba` and one njit call exit in 0.16 s, against
    0.06 s for the import alone), a tenth of a one-epoch run on gcide_wn, and nothing in
    it matters to a finished command: every file w2v writes is closed (atomically renamed
    and synced) before main returns. The exit handlers still run (temporary files,
    multiprocessing's children) and the standard streams are flushed; with another
    Python thread still alive, the normal exit (which waits for it) is taken instead.
    Freed memory goes back to the system at once (return_freed_memory)."""
    return_freed_memory()
    code = main()
    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`w2v similar frog | head -1`)
            pass
    os._exit(code)
