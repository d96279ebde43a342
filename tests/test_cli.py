"""The command line as a user meets it: exit codes, one-line errors, no tracebacks."""

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import CLEAN_HEAD, REPO, one_error_line
from w2v.cli import main


def run(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "w2v", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


@pytest.mark.slow
def test_help_and_version():
    r = run("--help")
    assert r.returncode == 0 and "vocab" in r.stdout
    r = run("--version")
    assert r.returncode == 0 and "w2v" in r.stdout


def test_vocab_on_the_embedded_corpus(capsys):
    assert main(["vocab", "-n", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["words"] == 18404 and out["tokens"] == 1464587
    assert [w for w, _ in out["top"]] == ["the", "a", "of"]


def test_vocab_writes_parquet(tmp_path, capsys):
    corpus = tmp_path / "c.txt"
    corpus.write_text("b a b\nc b a\n")
    assert main(["vocab", str(corpus), "--min-count", "1", "-o", str(tmp_path / "v.parquet")]) == 0
    from w2v import Vocab

    v = Vocab.load(tmp_path / "v.parquet")
    assert v.words == ["b", "a", "c"] and v.counts.tolist() == [3, 2, 1]


def put(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.slow
@pytest.mark.parametrize(
    "make,message",
    [
        (lambda d: d / "missing.txt", "does not exist"),
        (lambda d: d, "is a directory"),
        (lambda d: put(d / "empty.txt", b""), "is empty"),
        (lambda d: put(d / "b.bin", b"\x7fELF\x00\x00"), "binary"),
        (lambda d: put(d / "token.txt", b"a" * (9 << 20)), "more than 8 MB without a space"),
    ],
)
def test_vocab_user_errors_exit_2_with_one_line(tmp_path, make, message):
    r = run("vocab", str(make(tmp_path)))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("w2v: error:")
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_invalid_utf8_is_reported_once(tmp_path):
    corpus = tmp_path / "bad.txt"
    corpus.write_bytes(CLEAN_HEAD + b"ok \xff word\n" * 50)  # past the sniffed first block
    r = run("vocab", str(corpus), "--min-count", "1")
    assert r.returncode == 0
    assert r.stderr.count("invalid UTF-8") == 1 and "50 invalid UTF-8" in r.stderr


def test_bad_option_is_a_usage_error():
    r = run("vocab", "--min-count", "zero")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_outputs_are_checked_before_any_work(tmp_path, capsys, monkeypatch):
    """Each refusal is one line, exit 2, and comes before counting or training (the corpus
    is absent: reading it would be a different error)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plain").write_text("x")
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("x")
    (tmp_path / "voc.parquet").write_text("x")
    cases = [
        (["train", "nowhere.txt", "-o", "precious", "--force"], "not a model directory w2v wrote"),
        (["train", "nowhere.txt", "-o", ".", "--force"], "holds the current directory"),
        (["train", "nowhere.txt", "-o", "plain/m"], "'plain' is not a directory"),
        (["svd", "nowhere.txt", "-o", "plain", "--force"], "is a file, not a directory"),
        (["vocab", "nowhere.txt", "-o", "voc.parquet"], "already exists; use --force"),
        (["vocab", "nowhere.txt", "-o", "precious", "--force"], "is a directory"),
        (["demo", "-m", "new-model", "-o", "picture.txt"], "use a .png, .svg or .pdf"),
        (["demo", "-m", "plain/m"], "'plain' is not a directory"),
    ]
    for args, message in cases:
        assert main(args) == 2, args
        assert message in one_error_line(capsys), args
    assert (precious / "thesis.tex").read_text() == "x"
    assert (tmp_path / "voc.parquet").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain", "precious", "voc.parquet"]


def test_json_output_has_no_nan(capsys):
    """--json output is JSON: Python's NaN and Infinity are not (jq and browsers reject them)."""
    from w2v.cli.options import echo_json

    echo_json({"spearman": float("nan"), "rows": [float("inf"), 1.5, "naïve"], "n": 3})
    out = capsys.readouterr().out
    assert out == '{"spearman": null, "rows": [null, 1.5, "naïve"], "n": 3}\n'
    assert json.loads(out)["rows"][2] == "naïve"


def test_the_console_script_ends_fast_with_everything_written_and_flushed(tmp_path):
    """`python -m w2v` leaves through os._exit (w2v.cli.run): the model directory is whole,
    stdout is all there, errors keep status 2, and a pipe closed early is no error."""
    from tests.helpers import write_small_corpus

    corpus = tmp_path / "small.txt"
    write_small_corpus(corpus, 500)
    out = tmp_path / "m"
    r = run("train", str(corpus), "-o", str(out), "--epochs", "1", "--min-count", "2",
            "--dim", "8", "--workers", "1")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.rstrip().endswith(f"saved {out}")
    assert sorted(p.name for p in out.iterdir()) == [
        "contexts.npy", "meta.json", "vectors.npy", "vocab.parquet"
    ]  # fmt: skip
    r = run("similar", "entity", "-m", str(out), "-n", "500")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 500, r.stderr
    r = run("similar", "entityy", "-m", str(out))
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    env = dict(os.environ, PYTHONPATH=str(REPO))
    piped = subprocess.run(  # 200 KB into a pipe closed after a line
        f"{sys.executable} -m w2v vocab -n 1000000 | head -1; exit ${{PIPESTATUS[0]}}",
        executable="/bin/bash",
        shell=True, capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert piped.returncode == 0 and len(piped.stdout.splitlines()) == 1
    assert piped.stderr == ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc and /proc")
def test_the_console_script_gives_freed_memory_back(tmp_path):
    """w2v.cli.run fixes glibc's mmap threshold (return_freed_memory): freed 1 MB blocks
    leave RssAnon even after an 8 MB block freed earlier would have raised the threshold
    and put them on a heap that cannot shrink past a later allocation."""
    code = """
import sys
import numpy as np
from w2v.cli import return_freed_memory
if sys.argv[1] == "fixed":
    return_freed_memory()
def anon():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("RssAnon")) // 1024
big = np.ones(8 << 20, np.uint8)
del big
base = anon()
blocks = [np.ones(1 << 20, np.uint8) for _ in range(64)]
pin = np.ones(200_000, np.uint8)
del blocks
print(anon() - base)
"""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    kept = {}
    for mode in ("default", "fixed"):
        r = subprocess.run([sys.executable, "-c", code, mode], capture_output=True, text=True,
                           env=env, timeout=60)  # fmt: skip
        assert r.returncode == 0, r.stderr
        kept[mode] = int(r.stdout)
    assert kept["default"] >= 48 and kept["fixed"] <= 8, kept  # MB still resident
