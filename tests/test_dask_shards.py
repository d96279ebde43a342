"""Input shards: byte ranges of a plain file count and encode exactly as the whole file."""

import lzma

import numpy as np
import pytest

import w2v
from pipelines import counts
from pipelines.dask import shards
from w2v.corpus import EncodedCorpus, concatenate, encode_files
from w2v.vocab import Vocab

CONFIG = {"lower": True, "punct": False}


@pytest.fixture(scope="module")
def text_file(tmp_path_factory):
    """8,000 lines of the embedded corpus plus lines that exercise the tokenizer's edges:
    capitals and punctuation (the regex path), a long line, and no final newline."""
    d = tmp_path_factory.mktemp("shards")
    with lzma.open(w2v.default_corpus(), "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(8_000)]
    lines.insert(3000, "The Frog's pond, Élan — don't STOP.\n")
    lines.insert(5000, "word " * 30_000 + "\n")
    path = d / "corpus.txt"
    path.write_text("".join(lines) + "last line without newline", encoding="utf-8")
    return path


def test_plan_cuts_plain_files_at_line_starts(text_file, tmp_path):
    size = text_file.stat().st_size
    plan = shards.plan([text_file], split_bytes=size // 5 + 1)
    assert len(plan) == 5
    assert plan[0].start == 0 and plan[-1].end == size
    data = text_file.read_bytes()
    for a, b in zip(plan[:-1], plan[1:], strict=True):
        assert a.end == b.start
        assert data[a.end - 1 : a.end] == b"\n"
    small = tmp_path / "small.txt"
    small.write_text("a b c\n")
    packed = tmp_path / "packed.txt.xz"
    packed.write_bytes(lzma.compress(data))
    assert shards.plan([small, packed], split_bytes=16) == [
        shards.Shard(small),
        shards.Shard(packed),
    ]


def test_a_line_longer_than_a_range_stays_whole(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("x " * 1000 + "\nshort\n")
    plan = shards.plan([path], split_bytes=100)
    assert [(s.start, s.end) for s in plan] == [(0, 2001), (2001, 2007)]


@pytest.mark.parametrize("lower, punct", [(True, False), (False, True)])
def test_ranges_count_like_the_whole_file(text_file, lower, punct):
    whole, info = counts.count_file(text_file, lower, punct)
    plan = shards.plan([text_file], split_bytes=text_file.stat().st_size // 7)
    parts = [shards.count(s, lower, punct) for s in plan]
    merged = counts.merge([t for t, _ in parts])
    assert merged.equals(whole)  # words in first-appearance order, and their counts
    for key in ("lines", "tokens", "invalid_utf8"):
        assert sum(p[1][key] for p in parts) == info[key], key


def test_ranges_encode_like_the_whole_file(text_file, tmp_path):
    table, _ = counts.count_file(text_file, True, False)
    words, n = table.column("word").to_pylist(), table.column("count").to_pylist()
    vocab = Vocab.from_counter(dict(zip(words, n, strict=True)), min_count=3)
    whole = encode_files([text_file], vocab, tmp_path / "whole")  # the local encode step
    plan = shards.plan([text_file], split_bytes=text_file.stat().st_size // 6)
    parts = [shards.encode(s, vocab, tmp_path / f"part{i}", CONFIG) for i, s in enumerate(plan)]
    (tmp_path / "joined").mkdir()
    joined = concatenate(parts, tmp_path / "joined")
    np.testing.assert_array_equal(joined.ids, whole.ids)
    np.testing.assert_array_equal(joined.offsets, whole.offsets)
    assert sum(p.stats["tokens"] for p in parts) == whole.stats["tokens"]
    again = EncodedCorpus.load(tmp_path / "part0")
    np.testing.assert_array_equal(again.ids, parts[0].ids)
