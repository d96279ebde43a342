"""The byte-level fast path must give exactly what the tokenizer gives, line by line."""

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import CLEAN_HEAD, ONE_TOKEN, count_reads
from w2v.corpus import encode, encode_in_memory
from w2v.errors import CorpusError
from w2v.scan import WordTable, iter_blocks
from w2v.tokens import ReadStats, iter_sentences
from w2v.vocab import Vocab, count_words

TRICKY = (
    "I like deep learning.\r\nI like NLP.\nI enjoy flying.\n\n"
    "Ünïcode naïve café — don't stop, o'clock!\n"
    "MiXeD CaSe words 123 4x4\n"
    + " ".join(f"w{i % 13}" for i in range(25_003))
    + "\nlast line without newline"
)


def flat_counts(path, **kw):
    return Counter(w for s in iter_sentences(path, **kw) for w in s)


@pytest.mark.parametrize(
    "lower,punct", [(True, False), (False, False), (True, True), (False, True)]
)
@pytest.mark.parametrize("block", [pytest.param(7, marks=pytest.mark.slow), 64, 4096, 1 << 20])
def test_counts_and_encoding_equal_the_tokenizer(tmp_path, lower, punct, block, monkeypatch):
    p = tmp_path / "t.txt"
    p.write_bytes(CLEAN_HEAD + TRICKY.encode() + b" bad \xff\xfe byte")
    monkeypatch.setattr("w2v.scan.BLOCK_BYTES", block)
    counter, info = count_words(p, lower=lower, punct=punct)
    expected = flat_counts(p, lower=lower, punct=punct)
    assert counter == expected
    assert list(counter) == list(expected)  # first-appearance order too
    assert info["invalid_utf8"] == 2
    vocab = Vocab.from_counter(counter, min_count=2)
    sentences = list(iter_sentences(p, lower=lower, punct=punct))
    fast = encode(p, vocab, tmp_path / "enc", lower=lower, punct=punct)
    slow = encode_in_memory(sentences, vocab)
    np.testing.assert_array_equal(fast.ids, slow.ids)
    np.testing.assert_array_equal(fast.offsets, slow.offsets)
    assert fast.stats["tokens"] == sum(len(s) for s in sentences)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ab é\n\r\t.,'’Z", max_size=40), max_size=30))
def test_random_text_counts_equal_the_tokenizer(tmp_path_factory, lines):
    p = tmp_path_factory.mktemp("h") / "r.txt"
    p.write_text("\n".join(lines), encoding="utf-8")
    table = WordTable(capacity=2)
    stats = ReadStats()
    for block in iter_blocks(p, punct=True, stats=stats, block=16):
        table.count(block)
    words, counts = table.items()
    assert dict(zip(words, counts.tolist(), strict=True)) == flat_counts(p, punct=True)


def test_prune_keeps_order_and_counts():
    table = WordTable(capacity=4)
    table.count(b"a b c a d e a c f")
    assert table.prune(2) == 4
    assert table.items()[0] == ["a", "c"]
    assert table.items()[1].tolist() == [3, 2]
    table.count(b"g c a")
    assert table.items()[0] == ["a", "c", "g"]
    assert table.items()[1].tolist() == [4, 3, 1]


def test_table_grows_past_its_initial_capacity():
    words = [f"word{i}" for i in range(10_000)]
    table = WordTable(capacity=2)
    table.count(" ".join(words + words[:10]).encode())
    got, counts = table.items()
    assert got == words and counts.sum() == 10_010


def test_prefetch_keeps_order_and_raises_the_producers_error():
    from w2v.scan import prefetch

    assert list(prefetch(iter(range(100)), depth=3)) == list(range(100))

    def broken():
        yield 1
        raise OSError("disk")

    got = []
    with pytest.raises(OSError, match="disk"):
        for x in prefetch(broken()):
            got.append(x)
    assert got == [1]


def test_prefetch_stops_its_thread_when_the_consumer_stops():
    import itertools
    import threading

    from w2v.scan import prefetch

    it = prefetch(itertools.count(), depth=2)
    assert next(it) == 0
    it.close()
    assert not any(t.name == "w2v-prefetch" for t in threading.enumerate())


def test_prefetch_stops_when_the_consumer_leaves_near_the_end():
    """The producer's last hand-overs (the end marker, an error) must not block on a full
    queue either: closing the consumer with the queue full used to hang in join()."""
    import threading
    import time

    from w2v.scan import prefetch

    def broken():
        yield from range(2)
        raise OSError("disk")

    # depth 1: the consumer takes 0, the queue holds 1, the end marker or error waits
    for items in (iter(range(2)), broken()):
        it = prefetch(items, depth=1)
        assert next(it) == 0
        time.sleep(0.3)  # the producer fills the queue and waits to hand over the rest
        closer = threading.Thread(target=it.close, daemon=True)
        closer.start()
        closer.join(timeout=5)
        assert not closer.is_alive(), "closing the consumer hung"


def test_a_token_of_many_megabytes_is_refused_after_a_bounded_read(tmp_path, monkeypatch):
    """A file of one letter was carried as one ever-growing token, copied at every block
    (200 MB: 8 s and 700 MB before `w2v vocab` answered); counting refuses it."""
    p = tmp_path / "one-token.txt"
    p.write_bytes(ONE_TOKEN)
    opened = count_reads(monkeypatch, "w2v.scan")
    with pytest.raises(CorpusError, match=r"more than 8 MB without a space .*\(from byte 17\)"):
        count_words(p)
    assert opened[0].bytes_read < 16 << 20
    opened.clear()
    with pytest.raises(CorpusError, match=r"\(from byte 8,388,608\)"):  # where the shard starts
        list(iter_blocks(p, start=1 << 23))


@pytest.mark.parametrize("threads", [2, 3, 7])
@pytest.mark.parametrize("min_bytes", [1, 500, 10_000])
def test_counting_in_ranges_is_the_single_pass(tmp_path, threads, min_bytes):
    """Ranges counted at once and merged in order: the same words, counts, first-appearance
    order and reading facts (lines, tokens, invalid bytes) as one pass."""
    from w2v.scan import count_file, count_ranges, split_points

    p = tmp_path / "t.txt"
    p.write_bytes(CLEAN_HEAD + TRICKY.encode() + b" bad \xff\xfe byte\n\n" + TRICKY.encode())
    cuts = split_points(p, threads, min_bytes)
    size = p.stat().st_size
    assert cuts[0] == 0 and cuts[-1] == size and cuts == sorted(set(cuts))
    assert len(cuts) - 1 <= threads and (min_bytes > size // 2 or len(cuts) > 2)
    raw = p.read_bytes()
    assert all(raw[c - 1 : c] in b" \t\r\n\f\v" for c in cuts[1:-1])  # cut after whitespace
    for lower, punct in [(True, False), (False, True)]:
        one, one_info = count_file(p, lower, punct, 10**9)
        many, many_info = count_ranges(p, lower, punct, 10**9, threads, min_bytes)
        (words, counts), (want_words, want_counts) = many.items(), one.items()
        assert words == want_words and np.array_equal(counts, want_counts)
        assert many_info == one_info


def test_counting_in_ranges_that_prune_falls_back_to_one_pass(tmp_path):
    from w2v.scan import count_file, count_ranges

    p = tmp_path / "t.txt"
    p.write_text(" ".join(f"w{i}" for i in range(3000)) + "\n" + "a b " * 500, encoding="utf-8")
    one, one_info = count_file(p, True, False, 1000)
    many, many_info = count_ranges(p, True, False, 1000, 2, min_bytes=100)
    assert one_info["pruned_words"] > 0 and many_info == one_info
    assert many.items()[0] == one.items()[0]


def test_an_endless_token_is_not_cut(tmp_path):
    from w2v.scan import split_points

    p = tmp_path / "t.txt"
    p.write_bytes(b"x" * 300_000)
    assert split_points(p, 2, min_bytes=1000) == [0, 300_000]
    p.write_bytes(b"x" * 200_000 + b" y")
    assert split_points(p, 2, min_bytes=1000) == [0, 200_001, 200_002]


def test_a_range_over_its_share_of_the_table_falls_back_to_one_pass(tmp_path, monkeypatch):
    """Two ranges may hold max_table / 2 words each (the single pass's memory): one range
    with 600 distinct words of a 1000-word budget is counted again in one pass, unpruned."""
    import w2v.scan
    from w2v.scan import count_file, count_ranges, split_points

    p = tmp_path / "t.txt"
    p.write_text(" ".join(f"w{i}" for i in range(600)) + "\n" + "a b " * 1500, encoding="utf-8")
    assert len(split_points(p, 2, min_bytes=100)) == 3
    one, one_info = count_file(p, True, False, 1000)
    passes = []
    monkeypatch.setattr(
        w2v.scan, "count_file", lambda *a, **k: passes.append(a[3:]) or count_file(*a, **k)
    )
    many, many_info = count_ranges(p, True, False, 1000, 2, min_bytes=100)
    assert [limit for limit, *_ in passes] == [500, 500, 1000]  # two ranges, then one pass
    assert one_info["pruned_words"] == 0 and many_info == one_info
    assert many.items()[0] == one.items()[0] and len(many) == 602
