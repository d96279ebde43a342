"""`w2v export` and `w2v import`: every format out and back into a model directory."""

import json

import numpy as np
import pytest

from w2v.cli import main
from w2v.vectors import load

KeyedVectors = pytest.importorskip("gensim.models").KeyedVectors


# The `model` fixture (conftest.py): six words, two not ASCII, counts 60, 50, ..., 10, dim 5
pytestmark = pytest.mark.model("unicode", meta={"trainer": "sgns", "config": {"dim": 5}})


COMPRESSED = [(f, s) for f in ("word2vec", "word2vec-binary") for s in (".gz", ".bz2", ".xz")]


@pytest.mark.parametrize(
    "fmt,suffix", [("word2vec", ""), ("word2vec-binary", ""), ("parquet", ""), *COMPRESSED]
)
def test_export_then_import_gives_the_same_vectors(model, model_vectors, tmp_path, fmt, suffix):
    """Compressed by suffix as gensim compresses, and read back by gensim too."""
    vec, path = model_vectors, model
    out = tmp_path / f"out.{fmt}{suffix}"
    assert main(["export", fmt, str(out), "-m", str(path)]) == 0
    assert main(["import", str(out), "-o", str(tmp_path / "back")]) == 0
    back = load(tmp_path / "back")
    assert back.words == vec.words
    np.testing.assert_array_equal(back.vectors, vec.vectors)
    assert back.meta["trainer"] == "import"
    assert back.meta["source_format"] == fmt
    if fmt == "parquet":  # Parquet keeps counts and the original meta
        np.testing.assert_array_equal(back.counts, vec.counts)
        assert back.meta["source_meta"]["trainer"] == "sgns"
    else:
        assert not back.counts.any()
        kv = KeyedVectors.load_word2vec_format(str(out), binary=fmt == "word2vec-binary")
        assert kv.index_to_key == vec.words
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_export_projector_and_limit(model, tmp_path, capsys):
    path = model
    out = tmp_path / "projector"
    assert main(["export", "projector", str(out), "--limit", "3", "-m", str(path)]) == 0
    assert (out / "metadata.tsv").read_text().splitlines() == [
        "word\tcount",
        "the\t60",
        "frog\t50",
        "toad\t40",
    ]
    assert json.loads((out / "projector_config.json").read_text())["embeddings"][0][
        "tensorShape"
    ] == [3, 5]
    capsys.readouterr()
    assert main(["export", "projector", str(out), "-m", str(path)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["export", "projector", str(out), "--force", "-m", str(path)]) == 0


def test_import_of_non_finite_vectors_is_a_user_error(tmp_path, capsys):
    bad = tmp_path / "nan.txt"
    bad.write_text("2 2\na nan inf\nb 1 2\n")
    assert main(["import", str(bad), "-o", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "line 2 (word 'a')" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "m").exists()


def test_import_warns_of_duplicate_words(tmp_path, capsys):
    dup = tmp_path / "dup.txt"
    dup.write_text("3 2\na 1 2\nb 3 4\na 5 6\n")
    assert main(["import", str(dup), "-o", str(tmp_path / "m")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        f"w2v: warning: {dup} repeats words: dropped 1 duplicates, keeping the first vector "
        f"of each (as gensim does)"
    )
    assert err[1].startswith("imported 2 vectors")
    assert load(tmp_path / "m")["a"].tolist() == [1, 2]


def test_import_refuses_to_overwrite_and_reports_bad_files(model, model_vectors, tmp_path, capsys):
    vec, path = model_vectors, model
    good = tmp_path / "v.txt"
    good.write_text("2 2\na 1 2\nb 3 4\n")
    assert main(["import", str(good), "-o", str(path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert load(path).words == vec.words  # untouched
    assert main(["import", str(good), "-o", str(path), "--force"]) == 0
    assert load(path).words == ["a", "b"]
    bad = tmp_path / "bad.txt"
    bad.write_text("2 2\nalpha 1.5 2.5\n")
    capsys.readouterr()
    assert main(["import", str(bad), "-o", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "truncated" in err
    assert not (tmp_path / "x").exists()


def test_import_force_never_deletes_a_directory_of_hidden_entries(tmp_path, capsys):
    """`mkdir -p d/.git; w2v import vectors.bin -o d --force` deleted .git."""
    good = tmp_path / "v.txt"
    good.write_text("2 2\na 1 2\nb 3 4\n")
    (tmp_path / "d" / ".git").mkdir(parents=True)
    (tmp_path / "d" / ".git" / "config").write_text("[core]\n")
    assert main(["import", str(good), "-o", str(tmp_path / "d"), "--force"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a model directory w2v wrote (it holds '.git')" in err
    assert (tmp_path / "d" / ".git" / "config").read_text() == "[core]\n"
