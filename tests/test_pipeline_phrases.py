"""The pipeline's phrases step: tokenize and encode read the corpus with the phrases joined,
and give what counting and encoding the joined text gives."""

import lzma

import numpy as np
import pytest

import w2v
from pipelines import config as config_mod
from pipelines import runner
from pipelines.init import render
from w2v.collocations import PhraseModel
from w2v.errors import ConfigError

CONFIG = """
[corpus]
paths = ["shards/*.txt"]
[phrases]
enabled = {enabled}
threshold = {threshold}
passes = 2
[vocab]
min_count = 3
[train]
dim = 8
epochs = 1
workers = 1
[evaluate]
restrict = 10000
[export]
formats = []
"""


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """The first 9,000 lines of the embedded corpus as three files."""
    d = tmp_path_factory.mktemp("corpus")
    with lzma.open(w2v.default_corpus(), "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(9_000)]
    (d / "shards").mkdir()
    for i in range(3):
        (d / "shards" / f"part{i}.txt").write_text("".join(lines[i * 3000 : (i + 1) * 3000]))
    return d


def load(base, enabled="true", threshold=5.0):
    path = base / "w2v.toml"
    path.write_text(CONFIG.format(enabled=enabled, threshold=threshold))
    return config_mod.load(path)


def test_the_vocabulary_and_corpus_are_those_of_the_joined_text(shards, tmp_path):
    cfg = load(shards)
    report = runner.run(cfg, tmp_path / "run", echo=lambda s: None)
    assert [r.name for r in report] == [
        "phrases", "tokenize", "vocab", "encode", "train", "evaluate",
    ]  # fmt: skip
    model = w2v.phrases(list(cfg.corpus_files), passes=2, threshold=5.0)
    saved = PhraseModel.load(tmp_path / "run" / "phrases.parquet")
    assert saved.phrases() == model.phrases() and saved.config.passes == 2
    joined = tmp_path / "joined.txt"  # the files joined one after another
    with open(joined, "wb") as out:
        for i, path in enumerate(cfg.corpus_files):
            model.write(path, tmp_path / f"j{i}.txt")
            out.write((tmp_path / f"j{i}.txt").read_bytes())
    reference = w2v.build_vocab(joined, min_count=3)
    ours = w2v.Vocab.load(tmp_path / "run" / "vocab.parquet")
    assert ours.words == reference.words and any("_" in w for w in ours.words[:300])
    np.testing.assert_array_equal(ours.counts, reference.counts)
    corpus = w2v.EncodedCorpus.load(tmp_path / "run" / "corpus")
    expected = w2v.encode(joined, reference, tmp_path / "enc")
    np.testing.assert_array_equal(corpus.ids, expected.ids)
    np.testing.assert_array_equal(corpus.offsets, expected.offsets)
    assert not list((tmp_path / "run").glob("*.txt"))  # no joined copy in the run


def test_phrase_settings_rerun_what_depends_on_them(shards, tmp_path):
    run_dir = tmp_path / "run"
    runner.run(load(shards), run_dir, echo=lambda s: None)
    assert {r.state for r in runner.run(load(shards), run_dir, echo=lambda s: None)} == {"skipped"}
    report = runner.run(load(shards, threshold=20.0), run_dir, echo=lambda s: None)
    assert [r.name for r in report if r.state == "ran"][:4] == [
        "phrases", "tokenize", "vocab", "encode",
    ]  # fmt: skip
    off = runner.run(load(shards, enabled="false"), run_dir, echo=lambda s: None)
    assert [r.name for r in off] == ["tokenize", "vocab", "encode", "train", "evaluate"]
    assert all(r.state == "ran" for r in off)
    assert not any("_" in w for w in w2v.Vocab.load(run_dir / "vocab.parquet").words)


@pytest.mark.parametrize(
    "text, message",
    [
        ("[phrases]\nthreshold = 0\n", "[phrases] threshold must be > 0 with scoring default"),
        ('[phrases]\nscoring = "pmi"\n', "[phrases] scoring must be default or npmi"),
        ("[phrases]\npasses = 3\n", "[phrases] passes must be"),
        ('[phrases]\ndelimiter = " "\n', "[phrases] delimiter must be"),
        ("[phrases]\nenabled = 1\n", "[phrases] enabled = 1: expected bool"),
        ("[phrases]\nconnector_words = []\n", "unknown key 'connector_words' in [phrases]"),
    ],
)
def test_bad_phrase_settings_name_the_key(shards, text, message):
    path = shards / "bad.toml"
    path.write_text('[corpus]\npaths = ["shards/*.txt"]\n' + text)
    with pytest.raises(ConfigError) as e:
        config_mod.load(path)
    assert message in str(e.value)


def test_init_writes_the_phrases_section(shards, tmp_path):
    path = shards / "init.toml"
    path.write_text(render([shards / "shards" / "part0.txt"], path))
    cfg = config_mod.load(path)
    assert cfg["phrases"] == config_mod.DEFAULTS["phrases"]
    assert cfg["phrases"]["max_vocab_size"] == w2v.PhrasesConfig().max_vocab_size
