"""Running the command line in-process, as the CLI tests do."""

from w2v.cli import main


def run_cli(capsys, *args) -> tuple[int, str, str]:
    """`w2v ARGS` in this process: (exit status, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(capsys) -> str:
    """The one line a user's mistake prints on stderr (asserted: one line, w2v's, no traceback)."""
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("w2v: error:"), err
    return err[0]
