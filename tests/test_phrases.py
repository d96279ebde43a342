"""Phrases: the phrases, their scores and the joined text are gensim's Phrases' exactly."""

import lzma
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("gensim")
from gensim.models.phrases import Phrases
from gensim.models.word2vec import LineSentence

import w2v
from w2v.collocations import PhraseModel, phrases
from w2v.config import PhrasesConfig
from w2v.errors import ConfigError, CorpusError, ModelError
from w2v.scan import iter_blocks

LONG_LINE = " ".join(f"w{i % 7} x{i % 5}" for i in range(12_501))  # 25,002 tokens: cut twice


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, embedded_corpus):
    """6,000 lines of WordNet glosses, then tokens that hold the delimiter (new_york beside
    new york, whose keys collide), a line longer than MAX_SENTENCE_LEN and a last line
    without a newline."""
    with lzma.open(embedded_corpus, "rt", encoding="utf-8") as f:
        head = [next(f) for _ in range(6000)]
    planted = ["the new_york times and new york city\n"] * 8 + ["new york_city\n"] * 6
    path = tmp_path_factory.mktemp("phrases") / "corpus.txt"
    path.write_text("".join(head + planted) + LONG_LINE + "\nnew york in the end", "utf-8")
    return path


def gensim_passes(sentences, passes, **settings):
    """gensim's export_phrases() of each pass, and the sentences joined by every pass's
    FrozenPhrases, one after the other."""
    exported = []
    for _ in range(passes):
        model = Phrases(sentences, **settings)
        exported.append(model.export_phrases())
        frozen = model.freeze()
        sentences = [frozen[s] for s in sentences]
    return exported, sentences


def lines_of(path) -> list[list[str]]:
    return [line.split() for line in path.read_text("utf-8").splitlines() if line.strip()]


def assert_same_phrases(model: PhraseModel, exported: list[dict]):
    """The same phrases and scores, bit for bit, pass by pass."""
    assert len(model.tables) == len(exported)
    for p, theirs in enumerate(exported, 1):
        assert model.phrases(p) == theirs


@pytest.mark.parametrize(
    "settings",
    [
        {"min_count": 3, "threshold": 10.0},
        {"min_count": 3, "threshold": 0.4, "scoring": "npmi"},
        {"min_count": 2, "threshold": 5.0, "max_vocab_size": 20_000},  # pruned many times
        {"min_count": 2, "threshold": 0.3, "scoring": "npmi", "max_vocab_size": 20_000},
    ],
)
@pytest.mark.parametrize("passes", [1, 2])
def test_phrases_scores_and_joined_text_equal_gensim(corpus, tmp_path, settings, passes):
    sentences = list(LineSentence(str(corpus)))
    exported, joined = gensim_passes(sentences, passes, **settings)
    model = phrases(corpus, passes=passes, **settings)
    assert all(exported) and len(model) > 10
    assert_same_phrases(model, exported)
    if "max_vocab_size" in settings:
        assert model.stats[0]["pruned_keys"] > 0 and model.stats[0]["min_reduce"] > 3
    model.write(corpus, tmp_path / "joined.txt")
    assert lines_of(tmp_path / "joined.txt") == [s for s in joined if s]
    assert [model[s] for s in sentences] == joined


def test_pruning_in_small_blocks_equals_gensim(corpus, monkeypatch):
    """Sentences end in every block, prunings fall anywhere, as gensim's."""
    monkeypatch.setattr("w2v.scan.BLOCK_BYTES", 3000)
    settings = {"min_count": 2, "threshold": 5.0, "max_vocab_size": 30_000}
    exported, _ = gensim_passes(list(LineSentence(str(corpus))), 2, **settings)
    model = phrases(corpus, passes=2, **settings)
    assert model.stats[0]["pruned_keys"] > 0
    assert_same_phrases(model, exported)


def test_the_planted_collisions_score_as_gensim_scores_them(corpus):
    """new_york is a token and a bigram: one count. Pass 2 scores new_york_city from the
    counts of new and city (export_phrases splits at every delimiter), as gensim does."""
    model = phrases(corpus, passes=2, min_count=3, threshold=1.0)
    one, two = model.phrases(1), model.phrases(2)
    assert "new_york" in one and "new_york_city" in two
    assert model["new york city".split()] == ["new_york_city"]


def test_blocks_cut_anywhere_give_the_same_model_and_text(corpus, tmp_path, monkeypatch):
    whole = phrases(corpus, passes=2, min_count=2, threshold=5.0)
    whole.write(corpus, tmp_path / "whole.txt")
    for block in (61, 4099):
        monkeypatch.setattr("w2v.scan.BLOCK_BYTES", block)
        cut = phrases(corpus, passes=2, min_count=2, threshold=5.0)
        assert cut.phrases() == whole.phrases()
        cut.write(corpus, tmp_path / f"cut{block}.txt")
        assert (tmp_path / f"cut{block}.txt").read_bytes() == (tmp_path / "whole.txt").read_bytes()
        joined = list(cut.join_blocks(iter_blocks(corpus)))  # read by block, as counting is
        assert all(  # no token spans two blocks
            a[-1:].isspace() or b[:1].isspace() for a, b in zip(joined, joined[1:], strict=False)
        )


def test_output_lines_are_the_sentences(tmp_path):
    """Tokens one space apart, empty lines kept, a line past MAX_SENTENCE_LEN tokens broken
    where the readers cut it, no newline added at the end."""
    path = tmp_path / "c.txt"
    path.write_text("New  York,\tNEW york!\n\n" + LONG_LINE + "\nnew york", "utf-8")
    model = phrases(path, min_count=1, threshold=0.5)
    model.write(path, tmp_path / "out.txt")
    out = (tmp_path / "out.txt").read_text("utf-8").split("\n")
    assert out[:2] == ["new_york new_york", ""]
    assert len(out) == 6 and out[-1] == "new_york"
    assert [0 < len(line.split()) <= 10_000 for line in out[2:5]] == [True] * 3


@settings(max_examples=80, deadline=None)
@given(
    text=st.lists(st.text(alphabet="ab_ \n", max_size=30), min_size=1, max_size=25),
    delimiter=st.sampled_from(["_", "__", "b"]),
    max_vocab_size=st.sampled_from([4, 40_000_000]),
    block=st.sampled_from([3, 16, 1 << 22]),
)
def test_random_text_equals_gensim(tmp_path_factory, text, delimiter, max_vocab_size, block):
    """Tokens made of a, b and _ (delimiters inside tokens, at their ends, tokens that are
    delimiters), with tiny tables that prune after nearly every sentence, read in blocks
    cut anywhere."""
    path = tmp_path_factory.mktemp("r") / "r.txt"
    path.write_text("\n".join(text), "utf-8")
    sentences = list(LineSentence(str(path)))
    settings = {"min_count": 1, "threshold": 1e-9, "delimiter": delimiter}
    if not any(sentences):
        with pytest.raises(CorpusError):
            phrases(path, **settings)
        return
    exported, joined = gensim_passes(sentences, 2, max_vocab_size=max_vocab_size, **settings)
    with mock.patch("w2v.scan.BLOCK_BYTES", block):
        model = phrases(path, passes=2, max_vocab_size=max_vocab_size, **settings)
        out = path.with_suffix(".out")
        model.write(path, out, force=True)
    assert_same_phrases(model, exported)
    assert lines_of(out) == [s for s in joined if s]


def test_token_lists_and_several_files_read_as_one_corpus(corpus, tmp_path):
    text = corpus.read_text("utf-8")
    cut = text.index("\n", len(text) // 2)
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(text[:cut], "utf-8")  # no newline at the end: the file's last line ends
    b.write_text(text[cut + 1 :], "utf-8")
    one = phrases(corpus, passes=2, min_count=3)
    assert phrases([a, b], passes=2, min_count=3).phrases() == one.phrases()
    sentences = list(w2v.iter_sentences(corpus))
    assert phrases(iter(sentences), passes=2, min_count=3).phrases() == one.phrases()


def test_save_and_load(corpus, tmp_path):
    model = phrases(corpus, passes=2, min_count=3, scoring="npmi", threshold=0.4, delimiter="+")
    model.save(tmp_path / "p.parquet")
    back = PhraseModel.load(tmp_path / "p.parquet")
    assert back.config == model.config and back.stats == model.stats
    assert back.phrases(1) == model.phrases(1) and back.phrases(2) == model.phrases(2)
    assert back.top(5) == model.top(5)
    assert [back[s] for s in lines_of(corpus)] == [model[s] for s in lines_of(corpus)]
    with pytest.raises(w2v.UserError, match="already exists"):
        model.save(tmp_path / "p.parquet")
    w2v.Vocab(["a"], [1]).save(tmp_path / "vocab.parquet")
    with pytest.raises(ModelError, match="not a phrases file"):
        PhraseModel.load(tmp_path / "vocab.parquet")
    (tmp_path / "junk.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(ModelError):
        PhraseModel.load(tmp_path / "junk.parquet")
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "p.parquet")
    for bad in ("new york", "new\vyork", ""):  # the tables end a key at whitespace
        phrases_ = pa.array([bad] + table.column("phrase").to_pylist()[1:])
        pq.write_table(table.set_column(0, "phrase", phrases_), tmp_path / "bad.parquet")
        with pytest.raises(ModelError, match="phrases are non-empty tokens"):
            PhraseModel.load(tmp_path / "bad.parquet")


def test_top_is_by_score():
    model = phrases([["new", "york"] * 3, ["new", "york", "city"] * 2, ["a", "b"]], min_count=1,
                    threshold=0.1)  # fmt: skip
    top = model.top()
    assert [s for _, s, _, _ in top] == sorted((s for _, s, _, _ in top), reverse=True)
    assert {p for p, *_ in top} == set(model.phrases())
    assert model.top(1)[0][2] >= 1 and model.top(1)[0][3] == 1


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"threshold": 0}, "threshold must be > 0 with scoring default"),
        ({"scoring": "npmi", "threshold": 10}, r"threshold must be in \[-1, 1\]"),
        ({"delimiter": "a b"}, "delimiter must be"),
        ({"delimiter": ""}, "delimiter must be"),
        ({"passes": 3}, "passes must be"),
        ({"scoring": "pmi"}, "scoring must be default or npmi"),
        ({"min_count": 0}, "min_count must be"),
        ({"connector_words": ["of"]}, "unknown phrase option connector_words"),
    ],
)
def test_bad_settings(settings, message):
    with pytest.raises(ConfigError, match=message):
        PhrasesConfig.from_kwargs(**settings)


def test_empty_corpus(tmp_path):
    (tmp_path / "e.txt").write_text("\n .,;\n", "utf-8")
    with pytest.raises(CorpusError, match="empty"):
        phrases(tmp_path / "e.txt")
