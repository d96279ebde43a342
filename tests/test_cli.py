"""The command line as a user meets it: exit codes, one-line errors, no tracebacks."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO
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


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda d: d / "missing.txt", "does not exist"),
        (lambda d: d, "is a directory"),
        (lambda d: put(d / "empty.txt", b""), "is empty"),
        (lambda d: put(d / "b.bin", b"\x7fELF\x00\x00"), "binary"),
    ],
)
def test_vocab_user_errors_exit_2_with_one_line(tmp_path, make, message):
    r = run("vocab", str(make(tmp_path)))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("w2v: error:")
    assert "Traceback" not in r.stderr


def test_invalid_utf8_is_reported_once(tmp_path):
    corpus = tmp_path / "bad.txt"
    corpus.write_bytes(b"ok \xff word\n" * 50)
    r = run("vocab", str(corpus), "--min-count", "1")
    assert r.returncode == 0
    assert r.stderr.count("invalid UTF-8") == 1 and "50 invalid UTF-8" in r.stderr


def test_bad_option_is_a_usage_error():
    r = run("vocab", "--min-count", "zero")
    assert r.returncode == 2 and "Traceback" not in r.stderr
