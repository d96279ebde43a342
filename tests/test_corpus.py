import numpy as np
import pytest

from w2v.corpus import EncodedCorpus, concatenate, encode, encode_files, encode_in_memory
from w2v.errors import CorpusError
from w2v.vocab import build_vocab


@pytest.mark.slow
def test_encoded_corpus_decodes_back_to_the_kept_tokens(
    tmp_path, embedded_corpus, embedded_sentences
):
    vocab = build_vocab(embedded_corpus, min_count=5)
    corpus = encode(embedded_corpus, vocab, tmp_path / "enc", chunk_tokens=100_000)
    assert corpus.ids.dtype == np.uint32 and corpus.offsets.dtype == np.int64
    assert isinstance(corpus.ids, np.memmap)
    kept = [[w for w in s if w in vocab] for s in embedded_sentences]
    kept = [s for s in kept if s]
    assert corpus.n_sentences == len(kept)
    assert corpus.n_tokens == vocab.total
    for s in (0, 1, len(kept) // 2, len(kept) - 1):
        assert [vocab.words[i] for i in corpus.sentence(s)] == kept[s]
    assert corpus.stats["tokens"] == sum(len(s) for s in embedded_sentences)


def test_in_memory_encoding_matches_disk(tmp_path):
    sentences = [["a", "b", "zz"], ["q"], ["b", "b", "a"]]
    vocab = build_vocab(sentences, min_count=2)
    disk = encode(sentences, vocab, tmp_path / "e")
    mem = encode_in_memory(sentences, vocab)
    np.testing.assert_array_equal(disk.ids, mem.ids)
    np.testing.assert_array_equal(disk.offsets, mem.offsets)
    assert mem.offsets.tolist() == [0, 2, 5]


def test_files_encode_in_one_pass_as_their_encodings_concatenated(tmp_path):
    texts = ["the cat sat\nthe dog\n", "\n\nzebra\n", "dog the cat", "cat\ndog the"]
    paths = []
    for i, text in enumerate(texts):  # the last two end without a newline
        paths.append(tmp_path / f"{i}.txt")
        paths[-1].write_text(text)
    vocab = build_vocab(paths[0], min_count=1)
    parts = [encode(p, vocab, tmp_path / f"part{i}") for i, p in enumerate(paths)]
    (tmp_path / "joined").mkdir()
    joined = concatenate(parts, tmp_path / "joined")
    one_pass = encode_files(paths, vocab, tmp_path / "one-pass")
    np.testing.assert_array_equal(one_pass.ids, joined.ids)
    np.testing.assert_array_equal(one_pass.offsets, joined.offsets)
    assert one_pass.offsets.tolist() == [0, 3, 5, 8, 9, 11]  # no sentence spans two files
    assert one_pass.stats["lines"] == 8 and one_pass.stats["kept"] == 11


def test_npy_files_are_plain_numpy(tmp_path):
    sentences = [["x", "y"]] * 1000
    vocab = build_vocab(sentences, min_count=1)
    encode(sentences, vocab, tmp_path / "e", chunk_tokens=7)
    ids = np.load(tmp_path / "e" / "ids.npy", allow_pickle=False)
    assert ids.shape == (2000,) and ids[:4].tolist() == [0, 1, 0, 1]


def test_failed_encoding_leaves_nothing(tmp_path):
    vocab = build_vocab([["a"]], min_count=1)

    def broken():
        yield ["a"]
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        encode(broken(), vocab, tmp_path / "e")
    assert list(tmp_path.iterdir()) == []


def test_inconsistent_encoded_corpus_is_refused(tmp_path):
    vocab = build_vocab([["a", "b"]], min_count=1)
    encode([["a", "b"]], vocab, tmp_path / "e")
    np.save(tmp_path / "e" / "offsets.npy", np.array([0, 5], np.int64))
    with pytest.raises(CorpusError, match="inconsistent"):
        EncodedCorpus.load(tmp_path / "e")


ONE_READ_TEXT = (
    "I like deep learning.\r\nI like NLP.\nI enjoy flying.\n\n\n"
    "Ünïcode naïve café — don't stop, o'clock!\n"
    "MiXeD CaSe words 123 4x4 rare1 rare2\n"
    + " ".join(f"w{i % 13}" for i in range(25_003))  # a line cut at MAX_SENTENCE_LEN
    + "\n"
    + " ".join(f"r{i}" for i in range(10_000))  # a cut that keeps no word
    + " w1\n   \nbad \udcff byte\n"  # past the sniffed head, which must be UTF-8
    + "last line without newline"
)


@pytest.mark.parametrize("threads,min_bytes", [(1, 1), (2, 1), (3, 5_000), (7, 100)])
@pytest.mark.parametrize("min_count,max_size", [(1, None), (2, None), (2, 9)])
def test_one_read_gives_the_vocabulary_and_corpus_of_two_passes(
    tmp_path, threads, min_bytes, min_count, max_size
):
    """RecordedText: counting with the tokens recorded, then encoding the record, gives
    build_vocab's vocabulary and encode's corpus (ids, sentence ends, facts) to the bit,
    over ranges cut anywhere, unknown words, empty lines and sentences cut at 10,000."""
    from w2v.corpus import RecordedText

    p = tmp_path / "t.txt"
    p.write_bytes(ONE_READ_TEXT.encode("utf-8", "surrogateescape"))
    for lower, punct in [(True, False), (False, True)]:
        scratch = tmp_path / f"scratch-{lower}"
        scratch.mkdir()
        text = RecordedText.count(p, scratch, lower, punct, 10**9, threads, min_bytes)
        vocab = text.vocab(min_count, max_size)
        corpus = text.encode(tmp_path / f"one-{lower}")
        want_vocab = build_vocab(p, min_count, max_size, lower, punct, workers=threads)
        want = encode(p, want_vocab, tmp_path / f"two-{lower}", lower, punct)
        assert vocab.words == want_vocab.words and vocab.stats == want_vocab.stats
        assert np.array_equal(vocab.counts, want_vocab.counts)
        assert np.array_equal(corpus.ids, want.ids)
        assert np.array_equal(corpus.offsets, want.offsets) and corpus.stats == want.stats
        assert list(scratch.iterdir()) == []  # the record is gone once encoded


def test_one_read_that_had_to_prune_says_so_and_leaves_no_record(tmp_path):
    from w2v.corpus import RecordedText

    p = tmp_path / "t.txt"
    p.write_text(" ".join(f"w{i}" for i in range(3000)) + "\n" + "a b " * 500, encoding="utf-8")
    assert RecordedText.count(p, tmp_path, True, False, 1000, 2, min_bytes=100) is None
    assert sorted(x.name for x in tmp_path.iterdir()) == ["t.txt"]
    text = RecordedText.count(p, tmp_path, True, False, 10_000, 2, min_bytes=100)
    assert text.vocab(2).words == ["a", "b"]
