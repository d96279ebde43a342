"""`w2v cooc` and `w2v svd` (w2v/cli/lsa.py), in process through w2v.cli.main."""

import json
import os
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest

import w2v
from tests.helpers import REPO, run_cli
from tests.small_corpora import LECTURE, SLIDE, SLIDE_WORDS, in_order, topic_corpus


def parse_table(text):
    """The words and the matrix of a printed table (first row and column are labels)."""
    rows = [line.split() for line in text.strip().splitlines()]
    words = rows[0][1:]
    assert [r[0] for r in rows[1:]] == words
    return words, np.array([[float(x) for x in r[1:]] for r in rows[1:]])


def test_cooc_prints_the_lecture_table(tmp_path, capsys):
    (tmp_path / "lecture.txt").write_text(LECTURE)
    code, out, err = run_cli(capsys, "cooc", tmp_path / "lecture.txt", "--window", 1, "--no-lower",
                         "--punct")  # fmt: skip
    assert code == 0 and err == ""
    assert out.splitlines()[0].split()[0] == "counts"
    words, X = parse_table(out)
    np.testing.assert_array_equal(in_order(words, X, SLIDE_WORDS), SLIDE)


def test_cooc_writes_parquet_and_summarises_large_vocabularies(tmp_path, capsys):
    corpus = tmp_path / "topics.txt"
    extra = " ".join(f"w{i}" for i in range(20))  # 22 + 20 words: too many for a table
    corpus.write_text("\n".join([extra] + [" ".join(s) for s in topic_corpus(300)]))
    out_file = tmp_path / "pairs.parquet"
    code, out, _ = run_cli(capsys, "cooc", corpus, "--window", 2, "-o", out_file)
    assert code == 0 and "rows" in out
    table = pq.read_table(out_file)
    vocab, X = w2v.cooccurrence(corpus, window=2)
    assert table.num_rows == X.nnz
    row = table.slice(0, 1).to_pylist()[0]
    assert row["count"] == X[vocab.index(row["word"]), vocab.index(row["context"])]
    code, _, err = run_cli(capsys, "cooc", corpus, "--window", 3, "-o", out_file)
    assert code == 2 and "--force" in err and pq.read_table(out_file).equals(table)
    code, _, _ = run_cli(capsys, "cooc", corpus, "--window", 3, "-o", out_file, "--force")
    assert code == 0 and pq.read_table(out_file).num_rows > table.num_rows
    code, out, _ = run_cli(capsys, "cooc", corpus, "--window", 2, "-n", 3)
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("vocabulary: 42 words") and len(lines) == 4
    code, out, _ = run_cli(capsys, "cooc", corpus, "--window", 2, "--json")
    assert json.loads(out)["nonzero"] == X.nnz


def test_svd_writes_a_model_directory(tmp_path, capsys):
    corpus = tmp_path / "topics.txt"
    corpus.write_text("\n".join(" ".join(s) for s in topic_corpus(300)))
    model = tmp_path / "model"
    args = ["svd", corpus, "-o", model, "--dim", 4, "--window", 3, "--min-count", 1, "--eig", 0]
    code, out, err = run_cli(capsys, *args)
    assert code == 0, err
    assert f"to {model}" in out
    vec = w2v.load(model)
    assert vec.dim == 4 and vec.meta["trainer"] == "svd" and vec.meta["config"]["eig"] == 0
    assert vec.contexts is not None
    code, _, err = run_cli(capsys, *args)  # exists: refused before any work
    assert code == 2 and "already exists" in err and "--force" in err
    code, _, err = run_cli(capsys, *args, "--force", "--add-contexts", "--json")
    assert code == 0 and w2v.load(model).meta["config"]["add_contexts"] is True


def test_svd_default_output_is_the_model_default(tmp_path, capsys, monkeypatch):
    corpus = tmp_path / "topics.txt"
    corpus.write_text("\n".join(" ".join(s) for s in topic_corpus(100)))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("W2V_MODEL", raising=False)
    code, _, err = run_cli(capsys, "svd", corpus, "--dim", 2, "--min-count", 1)
    assert code == 0, err
    assert w2v.load(tmp_path / "w2v-model").dim == 2
    monkeypatch.setenv("W2V_MODEL", str(tmp_path / "env-model"))
    assert run_cli(capsys, "svd", corpus, "--dim", 2, "--min-count", 1)[0] == 0
    assert (tmp_path / "env-model" / "vectors.npy").is_file()


def test_user_errors_exit_2_with_one_line(tmp_path, capsys):
    for args in (
        ["cooc", tmp_path / "missing.txt"],
        ["svd", tmp_path / "missing.txt", "-o", tmp_path / "m"],
        ["cooc", tmp_path, "--window", 1],  # a directory
    ):
        code, out, err = run_cli(capsys, *args)
        assert code == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    (tmp_path / "tiny.txt").write_text("a b c\n")
    code, _, err = run_cli(
        capsys, "svd", tmp_path / "tiny.txt", "--min-count", 1, "-o", tmp_path / "m"
    )
    assert code == 2 and "dim" in err
    assert not (tmp_path / "m").exists()
    code, _, err = run_cli(capsys, "svd", tmp_path / "tiny.txt", "--min-count", 1, "--dim", 1,
                       "--neg", "1e9", "-o", tmp_path / "m")  # fmt: skip
    assert code == 2 and "no positive entry" in err and "log(neg)" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "m").exists()
    code, _, err = run_cli(capsys, "cooc", tmp_path / "tiny.txt", "--weighting", "gauss")
    assert code == 2 and "gauss" in err


@pytest.mark.slow
def test_console_entry_point_missing_corpus():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    p = subprocess.run([sys.executable, "-m", "w2v", "cooc", "/nonexistent/corpus.txt"],
                       capture_output=True, text=True, env=env)  # fmt: skip
    assert p.returncode == 2
    assert p.stderr.strip() == "w2v: error: corpus file '/nonexistent/corpus.txt' does not exist"
