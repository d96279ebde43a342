"""`w2v phrases`: the joined corpus, the saved phrases, the report, and one-line errors."""

import json

import pytest

from tests.helpers import one_error_line, run_cli
from w2v.cli import main
from w2v.collocations import PhraseModel, phrases

TEXT = "the new york times\nnew york city hall\nin new york\nnew york is big\n" * 3


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text(TEXT + "A New-York state of mind", "utf-8")
    return path


def test_writes_the_joined_corpus_and_the_phrases(corpus, tmp_path, capsys):
    out, saved = tmp_path / "joined.txt", tmp_path / "p.parquet"
    args = ["--min-count", 2, "--threshold", 1, "--passes", 2]
    code, stdout, _ = run_cli(capsys, "phrases", corpus, "-o", out, "--save", saved, *args)
    assert code == 0
    model = phrases(corpus, passes=2, min_count=2, threshold=1.0)
    model.write(corpus, tmp_path / "expected.txt")
    assert out.read_bytes() == (tmp_path / "expected.txt").read_bytes()
    assert out.read_text("utf-8").splitlines()[0] == "the new_york times"
    assert PhraseModel.load(saved).phrases() == model.phrases()
    lines = stdout.splitlines()
    assert lines[1].startswith("pass 1: 51 tokens") and lines[2].startswith("pass 2:")
    assert f"wrote the joined corpus to {out}" in lines and f"wrote the phrases to {saved}" in lines
    best = model.top(1)[0]
    assert lines[lines.index(f"wrote the phrases to {saved}") + 1] == (
        f"{best[0]}\t{best[1]:.6g}\t{best[2]}"
    )


def test_json(corpus, capsys):
    code, stdout, _ = run_cli(capsys, "phrases", corpus, "--min-count", 2, "--threshold", 1,
                              "-n", 2, "--json")  # fmt: skip
    report = json.loads(stdout)
    assert code == 0 and report["output"] is None and report["saved"] is None
    assert report["passes"][0]["words"] == 51
    assert [r["phrase"] for r in report["top"]] == [p for p, *_ in phrases(
        corpus, min_count=2, threshold=1.0).top(2)]  # fmt: skip


def test_user_errors_are_one_line(corpus, tmp_path, capsys):
    (tmp_path / "taken.txt").write_text("mine")
    cases = [
        (["nowhere.txt", "-o", tmp_path / "taken.txt"], "already exists; use --force"),
        (["nowhere.txt", "--save", tmp_path / "taken.txt"], "already exists; use --force"),
        (["nowhere.txt"], "does not exist"),
        ([corpus, "--threshold", "0"], "threshold must be > 0 with scoring default"),
        ([corpus, "--scoring", "npmi", "--threshold", "5"], "threshold must be in [-1, 1]"),
        ([corpus, "--delimiter", "a b"], "delimiter must be a non-empty string"),
        ([corpus, "-o", tmp_path / "x", "--save", tmp_path / "x"], "give two files"),
        ([tmp_path], "is a directory"),
    ]
    for args, message in cases:
        assert main(["phrases", *map(str, args)]) == 2, args
        assert message in one_error_line(capsys), args
    assert (tmp_path / "taken.txt").read_text() == "mine"
    assert not (tmp_path / "x").exists()


def test_force_replaces(corpus, tmp_path, capsys):
    out = tmp_path / "joined.txt"
    out.write_text("old")
    args = ["--min-count", "2", "--threshold", "1"]
    assert main(["phrases", str(corpus), "-o", str(out), "--force", *args]) == 0
    assert out.read_text("utf-8").startswith("the new_york times")
