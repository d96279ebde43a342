import bz2
import gzip
import lzma
import os

import pytest

from tests.helpers import CLEAN_HEAD, ONE_TOKEN, count_reads
from w2v.errors import CorpusError
from w2v.tokens import _SNIFF_BYTES, ReadStats, iter_sentences, tokenize


def write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_unicode_words_lowercased():
    assert tokenize("Çà et là, Ünïcode ΑΒΓ naïve") == ["çà", "et", "là", "ünïcode", "αβγ", "naïve"]


def test_case_kept_when_asked():
    assert tokenize("King Lear", lower=False) == ["King", "Lear"]


def test_apostrophes_inside_words_are_kept():
    assert tokenize("Don't stop 'til o'clock — rock’n’roll") == [
        "don't",
        "stop",
        "til",
        "o'clock",
        "rock’n’roll",
    ]


def test_punctuation_off_and_on():
    text = "I like deep learning. Hi, you!"
    assert tokenize(text, lower=False) == ["I", "like", "deep", "learning", "Hi", "you"]
    assert tokenize(text, lower=False, punct=True) == [
        "I",
        "like",
        "deep",
        "learning",
        ".",
        "Hi",
        ",",
        "you",
        "!",
    ]


def test_digits_are_word_characters():
    assert tokenize("route 66 in 1926") == ["route", "66", "in", "1926"]


def test_crlf_lines(tmp_path):
    p = write(tmp_path, "crlf.txt", b"one two\r\nthree\r\n\r\nfour\r\n")
    assert list(iter_sentences(p)) == [["one", "two"], ["three"], ["four"]]


def test_long_line_without_newline_is_split_like_linesentence(tmp_path):
    words = [f"w{i % 97}" for i in range(50_000)]
    p = write(tmp_path, "long.txt", " ".join(words).encode())
    sentences = list(iter_sentences(p))
    assert [len(s) for s in sentences] == [10_000] * 5
    assert [w for s in sentences for w in s] == words


def test_long_line_read_in_pieces_keeps_tokens_whole(tmp_path):
    # A line far longer than a read block: pieces are cut at whitespace, never inside a token.
    from w2v.tokens import iter_line_pieces

    words = [f"wörd{i}" for i in range(5000)]
    data = (" ".join(words) + "\nlast line\n").encode()
    p = write(tmp_path, "x.txt", data)
    with open(p, "rb") as f:
        pieces = list(iter_line_pieces(f, ReadStats(), block=1000))
    assert len(pieces) > 10
    assert "".join(t for t, _ in pieces).split() == words + ["last", "line"]
    assert [e for _, e in pieces].count(True) == 2


def test_gensim_linesentence_agrees_on_long_lines(tmp_path):
    from gensim.models.word2vec import LineSentence

    words = " ".join(f"w{i}" for i in range(25_000))
    p = write(tmp_path, "g.txt", (words + "\nshort line\n" + words).encode())
    assert list(iter_sentences(p)) == list(LineSentence(str(p)))


# valid UTF-8 as long as the first block open_binary sniffs, so what follows is read on
def test_invalid_utf8_past_the_first_block_replaced_and_counted(tmp_path):
    p = write(tmp_path, "bad.txt", CLEAN_HEAD + b"good \xff\xfe word\nal\xc3so fine\n")
    stats = ReadStats()
    sentences = list(iter_sentences(p, stats=stats))
    assert stats.invalid_utf8 == 3
    assert sentences[-2] == ["good", "word"]
    assert stats.lines == CLEAN_HEAD.count(b"\n") + 2


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_a_corpus_in_another_encoding_is_refused(tmp_path, suffix):
    text = "café crème, déjà vu\n".encode("latin-1") * 3
    squeeze = gzip.compress if suffix else bytes
    p = write(tmp_path, "latin1.txt" + suffix, squeeze(text))
    with pytest.raises(CorpusError, match=r"is not UTF-8 \(byte 0xe9 at offset 3\).*iconv"):
        list(iter_sentences(p))
    late = b"a" * (_SNIFF_BYTES - 100) + " café\n".encode("latin-1")  # past 4 KB, within 8
    with pytest.raises(CorpusError, match="is not UTF-8"):
        list(iter_sentences(write(tmp_path, "late.txt" + suffix, squeeze(late))))
    cut = b"a" * (_SNIFF_BYTES - 1) + "é more\n".encode()  # é's two bytes straddle the sniff
    assert list(iter_sentences(write(tmp_path, "cut.txt" + suffix, squeeze(cut))))[0][-1] == "more"


@pytest.mark.parametrize(
    "suffix,opener", [(".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open)]
)
def test_compressed_input(tmp_path, suffix, opener):
    p = tmp_path / f"c.txt{suffix}"
    with opener(p, "wb") as f:
        f.write(b"Hello World\nsecond Line\n")
    assert list(iter_sentences(p)) == [["hello", "world"], ["second", "line"]]


def test_empty_file_yields_nothing(tmp_path):
    p = write(tmp_path, "empty.txt", b"")
    assert list(iter_sentences(p)) == []


def test_binary_file_refused(tmp_path):
    p = write(tmp_path, "bin.dat", b"ELF\x00\x01\x02 some text")
    with pytest.raises(CorpusError, match="binary"):
        list(iter_sentences(p))


def test_missing_file_and_directory_refused(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        list(iter_sentences(tmp_path / "nope.txt"))
    with pytest.raises(CorpusError, match="directory"):
        list(iter_sentences(tmp_path))


def test_standard_input_and_pipes_refused(tmp_path, monkeypatch):
    """A corpus is read twice (counted, then encoded): a pipe would be empty the second time."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CorpusError, match="cannot be standard input.*write it to a file"):
        list(iter_sentences("-"))
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(CorpusError, match="not a regular file .*read twice"):
        list(iter_sentences(tmp_path / "fifo"))


def test_iterable_source_passes_through_and_splits():
    sentences = [["a"] * 25_000, ["b", "c"]]
    out = list(iter_sentences(sentences))
    assert [len(s) for s in out] == [10_000, 10_000, 5_000, 2]


def test_w2v_tokenize_train_and_lsa_are_functions_whatever_is_imported_first():
    """No module shares a name with a function (w2v.tokens, w2v.training, w2v.ppmi_svd), so
    importing the modules first does not turn the package's attributes into modules."""
    import subprocess
    import sys

    code = (
        "import w2v, w2v.vocab, w2v.tokens, w2v.training, w2v.ppmi_svd\n"
        "assert w2v.tokenize('Frogs, toads!') == ['frogs', 'toads'], w2v.tokenize\n"
        "assert w2v.tokenize is w2v.tokens.tokenize and 'tokenize' in w2v.__all__\n"
        "assert w2v.train is w2v.training.train and w2v.lsa is w2v.ppmi_svd.lsa\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_a_corrupt_compressed_corpus_is_a_corpus_error(tmp_path):
    data = bytearray(gzip.compress(b"the frog sat on the log\n" * 2000))
    data[12] ^= 0xFF  # the deflate stream's first byte: zlib.error, not an OSError
    p = write(tmp_path, "bad.txt.gz", bytes(data))
    with pytest.raises(CorpusError, match="cannot read corpus"):
        list(iter_sentences(p))


def test_a_token_of_many_megabytes_is_refused_after_a_bounded_read(tmp_path, monkeypatch):
    """A file of one letter was carried as one ever-growing token, copied at every block."""
    p = write(tmp_path, "one-token.txt", ONE_TOKEN)
    opened = count_reads(monkeypatch, "w2v.tokens")
    with pytest.raises(CorpusError, match=r"more than 8 MB without a space .*\(from byte 17\)"):
        list(iter_sentences(p))
    assert opened[0].bytes_read < 12 << 20
