"""Training with phrases: joining as the corpus is read equals training on the joined file."""

import json
import lzma

import numpy as np
import pytest

import w2v
from tests.helpers import one_error_line
from w2v.cli import main
from w2v.collocations import phrases
from w2v.errors import ConfigError

TRAIN = {"dim": 16, "epochs": 1, "workers": 1, "min_count": 3, "seed": 3}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, embedded_corpus):
    with lzma.open(embedded_corpus, "rt", encoding="utf-8") as f:
        head = [next(f) for _ in range(4000)]
    path = tmp_path_factory.mktemp("train") / "corpus.txt"
    path.write_text("".join(head), "utf-8")
    return path


@pytest.fixture(scope="module")
def joined(corpus, tmp_path_factory):
    """The corpus written with its phrases (2 passes) joined, and the model that joined it."""
    model = phrases(corpus, passes=2, threshold=5.0)
    path = tmp_path_factory.mktemp("joined") / "joined.txt"
    model.write(corpus, path)
    return path, model


def test_joined_as_read_equals_the_joined_file(corpus, joined):
    path, model = joined
    on_the_fly = w2v.train(corpus, phrases={"passes": 2, "threshold": 5.0}, **TRAIN)
    from_file = w2v.train(path, **TRAIN)
    assert on_the_fly.vocab.words == from_file.vocab.words
    assert any("_" in w for w in on_the_fly.vocab.words[:500])
    np.testing.assert_array_equal(on_the_fly.vocab.counts, from_file.vocab.counts)
    np.testing.assert_array_equal(on_the_fly.vectors.vectors, from_file.vectors.vectors)
    meta = on_the_fly.vectors.meta
    assert meta["phrases"]["phrases"] == [len(t) for t in model.tables]
    assert meta["phrases"]["config"]["passes"] == 2
    assert meta["corpus"]["tokens"] == from_file.vectors.meta["corpus"]["tokens"]
    assert "phrases" not in from_file.vectors.meta


def test_a_model_a_saved_file_and_token_lists(corpus, joined, tmp_path):
    path, model = joined
    model.save(tmp_path / "p.parquet")
    expected = w2v.train(path, **TRAIN).vectors.vectors
    for spec in (model, tmp_path / "p.parquet", str(tmp_path / "p.parquet")):
        got = w2v.train(corpus, phrases=spec, **TRAIN).vectors.vectors
        np.testing.assert_array_equal(got, expected)
    sentences = list(w2v.iter_sentences(corpus))
    from_lists = w2v.train(sentences, phrases=model, **TRAIN)
    np.testing.assert_array_equal(from_lists.vectors.vectors, expected)


def test_bad_phrases(corpus, joined, tmp_path):
    _, model = joined
    with pytest.raises(ConfigError, match="read with lower=True"):
        w2v.train(corpus, phrases=model, lower=False, **TRAIN)
    with pytest.raises(ConfigError, match="phrases must be True, a dict"):
        w2v.train(corpus, phrases=1, **TRAIN)
    with pytest.raises(ConfigError, match="unknown phrase option"):
        w2v.train(corpus, phrases={"thresh": 3}, **TRAIN)
    with pytest.raises(w2v.ModelError, match="does not exist"):
        w2v.train(corpus, phrases=tmp_path / "none.parquet", **TRAIN)


def test_svd_joins_phrases_too(corpus, joined):
    path, _ = joined
    options = {"dim": 8, "min_count": 3, "seed": 1}
    vec = w2v.lsa(corpus, phrases={"passes": 2, "threshold": 5.0}, **options)
    assert vec.words == w2v.lsa(path, **options).words
    assert vec.meta["phrases"]["config"]["passes"] == 2


def test_cli_train_and_svd_with_phrases(corpus, joined, tmp_path, capsys):
    _, model = joined
    model.save(tmp_path / "p.parquet")
    settings = ["--dim", "8", "--epochs", "1", "--min-count", "3", "--workers", "1"]
    assert main(["train", str(corpus), "-o", str(tmp_path / "m"), "--phrases", *settings]) == 0
    assert "phrases: " in capsys.readouterr().out
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    assert meta["phrases"]["config"] == {**meta["phrases"]["config"], "passes": 1, "min_count": 5}
    args = ["train", str(corpus), "-o", str(tmp_path / "m2"), "--json", *settings]
    assert main([*args, "--phrases-from", str(tmp_path / "p.parquet")]) == 0
    assert json.loads(capsys.readouterr().out)["phrases"] == len(model)
    assert main(["svd", str(corpus), "-o", str(tmp_path / "s"), "--dim", "4", "--phrases"]) == 0
    assert "phrases" in json.loads((tmp_path / "s" / "meta.json").read_text())
    capsys.readouterr()
    cases = [
        (["--phrases", "--phrases-from", str(tmp_path / "p.parquet")], "not both"),
        (["--phrases-from", str(tmp_path / "none.parquet")], "does not exist"),
        (["--phrases-from", str(tmp_path / "m" / "meta.json")], "not a readable Parquet"),
    ]
    for extra, message in cases:
        assert main(["train", str(corpus), "-o", str(tmp_path / "bad"), *settings, *extra]) == 2
        assert message in one_error_line(capsys), extra
    assert not (tmp_path / "bad").exists()
