"""File formats: word2vec text/binary both ways with gensim and word2vec.c, Parquet, projector."""

import gzip
import io
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w2v.errors import ModelError, UserError
from w2v.io import word2vec
from w2v.io.formats import (
    read_parquet,
    read_vectors,
    read_word2vec,
    write_parquet,
    write_projector,
    write_word2vec,
)
from w2v.vectors import Vectors

KeyedVectors = pytest.importorskip("gensim.models").KeyedVectors

WORDS = ["the", "frog", "café", "naïve", "über", "日本語", "ñandú", "emoji🙂", "x"]


def _vectors(n=9, dim=7, seed=0):
    rng = np.random.default_rng(seed)
    U = rng.standard_normal((n, dim)).astype(np.float32)
    U[0, 0] = 1e-30  # denormal-ish and extreme values survive the round trip
    U[1, 1] = -3.4e38
    words = (WORDS + [f"w{i}" for i in range(n)])[:n]
    return Vectors(words, U, counts=np.arange(n, 0, -1), meta={"trainer": "test", "dim": dim})


def _kv(vec):
    kv = KeyedVectors(vec.dim, count=0, dtype=np.float32)
    kv.add_vectors(vec.words, np.asarray(vec.vectors))
    return kv


def _assert_equal(vec, words, U):
    assert list(words) == vec.words
    np.testing.assert_array_equal(np.asarray(U), np.asarray(vec.vectors))


def _c_word2vec(vec, binary: bool) -> bytes:
    """Bytes as word2vec.c writes them: fprintf "%lld %lld\\n", then per word "%s ", the
    floats (fwrite, or "%lf " each), and "\\n"."""
    out = [f"{len(vec)} {vec.dim}\n".encode()]
    for w, u in zip(vec.words, np.asarray(vec.vectors), strict=True):
        out.append(w.encode() + b" ")
        out.append(u.tobytes() if binary else "".join(f"{x:f} " for x in u).encode())
        out.append(b"\n")
    return b"".join(out)


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_round_trips_with_gensim_both_ways(tmp_path, binary):
    vec = _vectors()
    ours = tmp_path / "ours.w2v"
    write_word2vec(vec, ours, binary=binary)
    kv = KeyedVectors.load_word2vec_format(str(ours), binary=binary)
    _assert_equal(vec, kv.index_to_key, kv.vectors)

    theirs = tmp_path / "theirs.w2v"
    _kv(vec).save_word2vec_format(str(theirs), binary=binary)
    for sniff in (None, binary):
        back = read_word2vec(theirs, binary=sniff)
        _assert_equal(vec, back.words, back.vectors)
    assert read_word2vec(ours).meta["source_format"] == (
        "word2vec-binary" if binary else "word2vec"
    )


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_c_files_read_as_gensim_reads_them(tmp_path, binary):
    vec = _vectors(dim=5)
    path = tmp_path / "c.bin"
    path.write_bytes(_c_word2vec(vec, binary))
    ours = read_word2vec(path)
    kv = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    _assert_equal(ours, kv.index_to_key, kv.vectors)
    if binary:
        _assert_equal(vec, ours.words, ours.vectors)
    else:  # "%lf" keeps 6 decimals
        np.testing.assert_allclose(ours.vectors, np.round(vec.vectors.astype(float), 6), atol=1e-6)


def test_our_binary_has_word2vec_c_layout(tmp_path):
    vec = _vectors(dim=3)
    path = tmp_path / "v.bin"
    write_word2vec(vec, path, binary=True)
    assert path.read_bytes() == _c_word2vec(vec, binary=True)


def test_limit_reads_the_first_n_as_gensim(tmp_path):
    vec = _vectors(n=50)
    for binary in (False, True):
        path = tmp_path / f"v{binary}"
        write_word2vec(vec, path, binary=binary)
        ours = read_word2vec(path, limit=7)
        kv = KeyedVectors.load_word2vec_format(str(path), binary=binary, limit=7)
        _assert_equal(ours, kv.index_to_key, kv.vectors)
        assert len(ours) == 7
    write_word2vec(vec, tmp_path / "head", limit=4)
    assert len(read_word2vec(tmp_path / "head")) == 4


def test_headerless_compressed_and_duplicate_words(tmp_path):
    glove = tmp_path / "glove.txt.gz"
    with gzip.open(glove, "wt") as f:
        f.write("a 1 2 3\nb 4 5 6 \nc 7 8 9\n")
    vec = read_word2vec(glove)
    assert vec.words == ["a", "b", "c"] and vec.vectors.tolist()[1] == [4, 5, 6]
    dup = tmp_path / "dup.txt"
    dup.write_text("3 2\na 1 2\nb 3 4\na 5 6\n")
    vec = read_word2vec(dup)
    assert vec.words == ["a", "b"] and vec["a"].tolist() == [1, 2]
    assert vec.meta["duplicates_dropped"] == 1


def test_non_finite_values_are_refused_naming_the_word(tmp_path):
    cases = {
        "2 2\na 1 2\nb nan inf\n": "line 3 \\(word 'b'\\)",
        "2 2\na 1 2\nb 1 1e39\n": "line 3 \\(word 'b'\\)",  # overflows float32
        "a 1 2\nb 1 2\nc -inf 2\n": "line 3 \\(word 'c'\\)",  # headerless
        "2 2\na nan inf\nb 1 2\n": "line 2 \\(word 'a'\\)",
    }
    for text, where in cases.items():
        path = tmp_path / "bad.txt"
        path.write_text(text)
        with pytest.raises(ModelError, match=f"bad.txt.*{where} has a value that is NaN"):
            read_vectors(path)
    U = np.ones((3, 2), np.float32)
    U[1, 0] = np.nan
    vec = Vectors(["a", "b", "c"], U)
    write_word2vec(vec, tmp_path / "bad.bin", binary=True)
    with pytest.raises(ModelError, match="vector 2 \\(word 'b'\\)"):
        read_word2vec(tmp_path / "bad.bin")
    write_parquet(vec, tmp_path / "bad.parquet")
    with pytest.raises(ModelError, match="row 2 \\(word 'b'\\).*1 such vectors"):
        read_vectors(tmp_path / "bad.parquet")


def test_words_the_format_cannot_hold_are_refused(tmp_path):
    vec = Vectors(["ok", "two words"], np.ones((2, 2), np.float32))
    with pytest.raises(UserError, match="two words"):
        write_word2vec(vec, tmp_path / "x.txt")
    assert not (tmp_path / "x.txt").exists()


def test_parquet_schema_metadata_and_round_trip(tmp_path):
    vec = _vectors()
    path = tmp_path / "v.parquet"
    write_parquet(vec, path)
    table = pq.read_table(path)
    assert table.schema.field("word").type == pa.string()
    assert table.schema.field("count").type == pa.int64()
    assert table.schema.field("vector").type == pa.list_(pa.float32(), vec.dim)
    assert json.loads(table.schema.metadata[b"w2v"])["trainer"] == "test"
    df = pytest.importorskip("pandas").read_parquet(path)
    assert df["word"].tolist() == vec.words
    np.testing.assert_array_equal(np.stack(df["vector"].to_numpy()), vec.vectors)
    back = read_vectors(path)
    _assert_equal(vec, back.words, back.vectors)
    np.testing.assert_array_equal(back.counts, vec.counts)
    assert back.meta["trainer"] == "test"


def test_parquet_with_plain_lists_and_bad_columns(tmp_path):
    path = tmp_path / "lists.parquet"
    pq.write_table(pa.table({"word": ["a", "b"], "vector": [[1.0, 2.0], [3.0, 4.0]]}), path)
    vec = read_parquet(path)
    assert vec.vectors.dtype == np.float32 and vec.vectors.tolist() == [[1, 2], [3, 4]]
    pq.write_table(pa.table({"word": ["a", "b"], "vector": [[1.0, 2.0], [3.0]]}), path)
    with pytest.raises(ModelError, match="differ in length"):
        read_parquet(path)
    pq.write_table(pa.table({"token": ["a"], "vector": [[1.0]]}), path)
    with pytest.raises(ModelError, match="word and vector"):
        read_parquet(path)


def test_projector_files_follow_the_projector_rules(tmp_path):
    pd = pytest.importorskip("pandas")
    vec = _vectors()
    out = write_projector(vec, tmp_path / "proj")
    vectors = pd.read_csv(out / "vectors.tsv", sep="\t", header=None)
    assert vectors.shape == (len(vec), vec.dim)
    np.testing.assert_array_equal(vectors.to_numpy(np.float32), vec.vectors)
    # More than one metadata column: the first line is the header, one line per vector.
    meta = pd.read_csv(out / "metadata.tsv", sep="\t", keep_default_na=False, quoting=3)
    assert meta.columns.tolist() == ["word", "count"] and meta["word"].tolist() == vec.words
    config = json.loads((out / "projector_config.json").read_text())["embeddings"][0]
    assert config["tensorShape"] == [len(vec), vec.dim]
    assert (out / config["tensorPath"]).is_file() and (out / config["metadataPath"]).is_file()
    # One column (no counts): no header, exactly one line per vector.
    vec.counts[:] = 0
    out = write_projector(vec, tmp_path / "proj", force=True, limit=4)
    assert (out / "metadata.tsv").read_text(encoding="utf-8").splitlines() == vec.words[:4]
    with pytest.raises(UserError):
        write_projector(vec, tmp_path / "proj")


def test_to_gensim_round_trip_through_files(tmp_path):
    vec = _vectors(n=30)
    kv = vec.to_gensim()
    kv.save_word2vec_format(str(tmp_path / "g.bin"), binary=True)
    back = read_word2vec(tmp_path / "g.bin")
    _assert_equal(vec, back.words, back.vectors)


# ---- malformed files: a clear ModelError, never a hang, a crash or another exception ----

_GOOD = {}


def _good(binary: bool) -> bytes:
    if binary not in _GOOD:
        _GOOD[binary] = _c_word2vec(_vectors(n=6, dim=4, seed=1), binary)
    return _GOOD[binary]


def _read_or_model_error(path):
    """Either a consistent Vectors or ModelError; anything else fails the test."""
    try:
        vec = read_word2vec(path)
    except ModelError as e:
        assert str(path) in str(e)
        return None
    assert vec.vectors.shape == (len(vec.words), vec.dim) and len(vec) > 0
    return vec


_fuzz = settings(
    max_examples=60, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_fuzz
@given(binary=st.booleans(), cut=st.integers(min_value=0, max_value=10_000))
def test_truncated_files(tmp_path, binary, cut):
    data = _good(binary)
    cut = cut % len(data)
    path = tmp_path / "cut.bin"
    path.write_bytes(data[:cut])
    vec = _read_or_model_error(path)
    if vec is not None:  # only a binary file may lose the newline after its last vector
        assert binary and cut == len(data) - 1 and len(vec) == 6


@_fuzz
@given(binary=st.booleans(), header=st.binary(max_size=40))
def test_wrong_headers(tmp_path, binary, header):
    body = _good(binary).split(b"\n", 1)[1]
    path = tmp_path / "header.bin"
    path.write_bytes(header + b"\n" + body)
    _read_or_model_error(path)


@_fuzz
@given(binary=st.booleans(), dim=st.integers(min_value=1, max_value=10**12))
def test_wrong_dimension(tmp_path, binary, dim):
    body = _good(binary).split(b"\n", 1)[1]
    path = tmp_path / "dim.bin"
    path.write_bytes(f"6 {dim}\n".encode() + body)
    vec = _read_or_model_error(path)
    if dim != 4 and not binary:
        assert vec is None


@_fuzz
@given(data=st.binary(max_size=3000), header=st.sampled_from([b"", b"3 4\n", b"2 1\n"]))
def test_garbage_bytes(tmp_path, data, header):
    path = tmp_path / "garbage.bin"
    path.write_bytes(header + data)
    _read_or_model_error(path)


@_fuzz
@given(binary=st.booleans(), pos=st.integers(min_value=0), byte=st.integers(0, 255))
def test_one_corrupted_byte(tmp_path, binary, pos, byte):
    data = bytearray(_good(binary))
    data[pos % len(data)] = byte
    path = tmp_path / "flip.bin"
    path.write_bytes(bytes(data))
    _read_or_model_error(path)


@pytest.mark.slow
def test_binary_files_are_not_mistaken_for_text(tmp_path):
    """The sniffing that sends text-like first rows to the text reader leaves binary alone."""
    rng = np.random.default_rng(0)
    path = tmp_path / "v.bin"
    for trial in range(300):
        dim, scale = 2 + trial % 7, 10.0 ** rng.integers(-3, 4)
        U = (rng.standard_normal((3, dim)) * scale).astype(np.float32)
        write_word2vec(Vectors(["a", "b", "c"], U), path, binary=True)
        np.testing.assert_array_equal(read_word2vec(path).vectors, U)


def test_malformed_messages_say_what_is_wrong(tmp_path):
    cases = {
        b"": "empty",
        b"hello world\n": "first line",
        b"0 4\n": "announces 0 vectors",
        b"2 3\nalpha 1.5 2.5 3.5\n": "truncated",
        b"100 3\na 1 2 3\n": "announces 100 vectors of dimension 3",
        b"2 3\na 1 2 3\nb 1 2\n": "line 3 has 2 values, expected 3",
        b"1 2\na 1 1.2.3\n": "not a number",
        b"1 2\na 1 zz\n": "line 2: 'zz' is not a number",
        b"2 2\na 1 x\nb 1 2\n": "line 2: 'x' is not a number",
        b"2 2\na\t1\t2\nb\t1\t2\n": "line 2 is separated by tabs",
        b"2 3\na 1 x\nb 1 2\n": "line 2 has 2 values, expected 3",
        b"2 2\na 1 2\nb 1 x\n": "line 3: 'x' is not a number",
        b"1 2\n\xff\xfe 1 2\n": "UTF-8",
    }
    for data, message in cases.items():
        path = tmp_path / "bad.txt"
        path.write_bytes(data)
        with pytest.raises(ModelError, match=message):
            read_word2vec(path)
    with pytest.raises(UserError, match="does not exist"):
        read_word2vec(tmp_path / "missing.txt")


def test_a_binary_file_whose_first_record_reads_as_a_text_row_is_still_binary(tmp_path):
    """0.16019133 and 0.6608002 as float32 bytes are '2\\t$>' and '4*)?': printable, so the
    record looks like a tab-separated text row with a bad value; it reads as binary."""
    U = np.array([[0.16019133, 0.6608002], [1, 1], [2, 3]], np.float32)
    p = tmp_path / "amb.bin"
    p.write_bytes(
        b"3 2\n"
        + b"".join(
            w + b" " + u.tobytes() + b"\n" for w, u in zip([b"a", b"b", b"c"], U, strict=True)
        )
    )
    vec = read_word2vec(p)
    assert vec.words == ["a", "b", "c"] and vec.meta["source_format"] == "word2vec-binary"
    np.testing.assert_array_equal(vec.vectors, U)


# ---- hostile files: refused from what they hold, in bounded reads, never from a header ----


class _CountingRaw(io.RawIOBase):
    """A raw file that counts the bytes read through it."""

    def __init__(self, path):
        self.f, self.bytes_read = open(path, "rb"), 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        return self.f.seek(offset, whence)

    def tell(self):
        return self.f.tell()

    def readinto(self, b):
        n = self.f.readinto(b)
        self.bytes_read += n
        return n

    def close(self):
        self.f.close()
        super().close()


@pytest.fixture()
def bytes_read(monkeypatch):
    """Files opened by the word2vec reader count the bytes it reads from them (of a .gz
    file, the compressed bytes): bytes_read()."""
    opened = []

    def open_counted(path, buffer_bytes=0):
        raw = _CountingRaw(path)
        opened.append(raw)
        f = io.BufferedReader(raw)
        return gzip.GzipFile(fileobj=f, mode="rb") if path.suffix == ".gz" else f

    monkeypatch.setattr(word2vec, "open_bytes", open_counted)
    return lambda: sum(raw.bytes_read for raw in opened)


def test_a_header_declaring_a_huge_dimension_is_refused_before_the_body(tmp_path, bytes_read):
    """The reported case in small: a gzip binary whose header declares dimension 10^9 (a
    row of 4 GB) over a body of zeros. The header alone is refused; the body is not read."""
    path = tmp_path / "dim.bin.gz"
    with gzip.open(path, "wb") as f:
        f.write(b"1 1000000000\nfrog ")
        for _ in range(16):
            f.write(bytes(4 << 20))
    with pytest.raises(ModelError, match=r"dimension 1,000,000,000; w2v reads at most 65,536"):
        read_word2vec(path)
    assert bytes_read() < path.stat().st_size / 2


@pytest.mark.parametrize(
    ("head", "line"),
    [(b"2 4\nfrog 1 2 3 4\n", 3), (b"frog 1 2 3 4\n", 2), (b"", 1), (b"3 4\n", 2)],
    ids=["text", "headerless", "headerless-first-line", "first-data-line"],
)
def test_a_text_line_without_end_is_refused_after_a_bounded_read(tmp_path, bytes_read, head, line):
    """A vector line is at most 64 KB for the word plus 64 bytes a value; the reader stops
    there instead of reading a line of any length."""
    path = tmp_path / "long.txt"
    path.write_bytes(head + b"toad " + b"1 " * (4 << 20) + b"\n")
    with pytest.raises(ModelError, match=f"line {line} is longer than"):
        read_word2vec(path)
    assert bytes_read() < 2 << 20


def test_a_binary_word_without_end_and_a_huge_count_are_refused(tmp_path, bytes_read):
    """Regression guards (already bounded): a word is at most 64 KB, and the vector count
    of a header allocates nothing."""
    path = tmp_path / "noword.bin"
    path.write_bytes(b"1 100\n" + b"a" * (4 << 20))
    with pytest.raises(ModelError, match="record 1 has no word"):
        read_word2vec(path)
    assert bytes_read() < 2 << 20
    path = tmp_path / "count.bin.gz"
    with gzip.open(path, "wb") as f:
        f.write(b"1000000000000 4\nfrog " + bytes(16) + b"\n")
    with pytest.raises(ModelError, match="ends in vector 2 of the 1000000000000 announced"):
        read_word2vec(path)


@pytest.mark.parametrize("binary", [False, True])
def test_vectors_of_the_widest_dimension_read_back(tmp_path, binary):
    """MAX_DIM values make a text line of about 1 MB, which the reader takes whole."""
    dim = word2vec.MAX_DIM
    vec = Vectors(["a", "b"], np.random.default_rng(0).standard_normal((2, dim), np.float32))
    path = write_word2vec(vec, tmp_path / "wide.txt", binary=binary)
    np.testing.assert_array_equal(read_word2vec(path).vectors, vec.vectors)
    path.write_bytes(path.read_bytes().replace(b"2 65536", b"2 65537", 1))
    with pytest.raises(ModelError, match="dimension 65,537; w2v reads at most 65,536"):
        read_word2vec(path)
    if not binary:  # headerless text: the first line says the dimension
        path.write_bytes(b"a" + b" 0" * (dim + 1) + b"\n")
        with pytest.raises(ModelError, match="line 1 holds a vector of dimension 65,537"):
            read_word2vec(path)


@pytest.mark.parametrize("fixed", [False, True])
def test_a_parquet_row_wider_than_max_dim_is_refused_from_the_footer(tmp_path, monkeypatch, fixed):
    """One row of 10^6 zeros is a Parquet file of a few KB (dictionary and run-length
    encoding); `w2v import` of 10^8 decoded 1.3 GB and made a model of it. The footer's
    value count (or the fixed list size) is checked before anything is decoded."""
    n = 10**6
    zeros = pa.array(np.zeros(n, np.float32))
    if fixed:
        vector = pa.FixedSizeListArray.from_arrays(zeros, n)
    else:
        vector = pa.ListArray.from_arrays(pa.array([0, n], pa.int32()), zeros)
    path = tmp_path / "wide.parquet"
    pq.write_table(pa.table({"word": ["frog"], "vector": vector}), path)
    assert path.stat().st_size < 100_000
    monkeypatch.setattr("w2v.io.formats.read_parquet_table", lambda *a: pytest.fail("decoded"))
    with pytest.raises(ModelError, match="1,000,000 values in 1 row; w2v reads at most 65,536"):
        read_vectors(path)
