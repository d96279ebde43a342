"""fastText's files: .bin models read as gensim's load_facebook_model reads them (n-grams
included), hostile .bin files refused before any allocation, and .vec written byte for byte
as fastText writes it."""

import gzip
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from pipelines.steps.export import FILENAMES
from tests.helpers import one_error_line, run_cli
from w2v.cli import main
from w2v.errors import ModelError, UnknownWordError, UserError
from w2v.io.fasttext import (
    MAGIC,
    NoSubwordsError,
    facebook_to_vectors,
    is_facebook,
    read_facebook,
    write_vec,
)
from w2v.io.formats import EXPORT_FORMATS, export, read_word2vec, write_parquet, write_word2vec
from w2v.vectors import Vectors

gensim_fasttext = pytest.importorskip("gensim.models.fasttext")
KeyedVectors = pytest.importorskip("gensim.models").KeyedVectors

DATA = Path(gensim_fasttext.__file__).parent.parent / "test" / "test_data"
# written by Facebook's fastText 0.9.3 itself, with the vectors it gives (see
# scripts/make_fasttext_fixtures.py)
FIXTURES = Path(__file__).parent / "data" / "fasttext"
# lee_fasttext.bin: fastText before file versions; lee_fasttext_new.bin: version 11;
# crime-and-punishment.bin (Cyrillic and Latin words) and toy-model-pretrained.bin (an
# empty word among them): version 12; non_ascii_fasttext.bin: Czech words, n-grams of 2-4
MODELS = [
    "lee_fasttext.bin",
    "lee_fasttext_new.bin",
    "crime-and-punishment.bin",
    "non_ascii_fasttext.bin",
    "toy-model-pretrained.bin",
    FIXTURES / "skipgram.bin",
]
NON_ASCII = ["naïveté", "über", "日本語", "ñandú", "Straße", "ёлка", "čeština", "emoji🙂", "café"]


@pytest.fixture(scope="module", params=MODELS, ids=lambda p: Path(p).name)
def pair(request):
    """(our FacebookModel, gensim's FastText) of one file."""
    path = DATA / request.param
    return read_facebook(path), gensim_fasttext.load_facebook_model(str(path))


def _unseen(words: list[str], n: int = 100) -> list[str]:
    """n words outside `words`: vocabulary words changed (prefixes, suffixes, non-ASCII
    letters), then words in other scripts."""
    vocab = set(words)
    long_words = [w for w in words if len(w) >= 4][:60]
    tries = [w + "ing" for w in long_words] + ["un" + w for w in long_words]
    tries += [w[:-1] + "é" for w in long_words] + [w[:2] + "ö" + w[2:] for w in long_words]
    tries += NON_ASCII + [f"zq{i}x" for i in range(n)]
    fresh = [w for w in dict.fromkeys(tries) if w not in vocab]
    non_ascii = [w for w in fresh if not w.isascii()][:30]  # up to 30 beyond ASCII
    picked = non_ascii + [w for w in fresh if w not in non_ascii][: n - len(non_ascii)]
    assert len(set(picked)) == n and vocab.isdisjoint(picked) and len(non_ascii) >= 20
    return picked


def test_words_counts_and_vectors_equal_gensims(pair):
    fb, model = pair
    assert fb.words == model.wv.index_to_key
    np.testing.assert_array_equal(fb.counts, [model.wv.get_vecattr(w, "count") for w in fb.words])
    assert fb.ntokens == model.corpus_total_words
    assert (fb.dim, fb.minn, fb.maxn, fb.bucket) == (
        model.wv.vector_size,
        model.wv.min_n,
        model.wv.max_n,
        model.wv.bucket,
    )
    assert fb.args["model"] == ("sg" if model.sg else "cbow")
    U = fb.word_vectors()
    assert U.shape == model.wv.vectors.shape and U.dtype == np.float32
    expected = model.wv.vectors.copy()
    if fb.version >= 12 and "</s>" in model.wv.key_to_index:
        # fastText 12 gives "</s>" no n-grams (its .vec holds its own row); gensim does
        i = model.wv.key_to_index["</s>"]
        np.testing.assert_array_equal(U[i], fb.input[i])
        assert np.abs(model.wv.vectors[i] - fb.input[i]).max() > 1e-3
        expected[i] = fb.input[i]
    np.testing.assert_allclose(U, expected, rtol=0, atol=1e-5)
    for i in range(0, len(fb.words), 97):  # one word at a time: the same bits
        np.testing.assert_array_equal(fb.vector(fb.words[i]), U[i])


def test_vectors_are_fastTexts_own_bit_for_bit():
    """fastText 0.9.3's get_word_vector of every vocabulary word ("</s>" first, words beyond
    ASCII among them) and of words it never saw, printed at 9 digits: float32 exactly."""
    fb = read_facebook(FIXTURES / "skipgram.bin")
    assert fb.version == 12 and fb.words[0] == "</s>" and (fb.minn, fb.maxn) == (2, 5)
    assert {"naïve", "日本語", "ёлка", "Straße"} <= set(fb.words)
    rows = [
        line.split("\t") for line in (FIXTURES / "expected.tsv").read_text("utf-8").splitlines()
    ]
    expected = {kind: [] for kind in ("vocab", "unseen")}
    for word, kind, values in rows:
        expected[kind].append((word, np.array(values.split(), np.float32)))
    assert [w for w, _ in expected["vocab"]] == fb.words
    np.testing.assert_array_equal(fb.word_vectors(), np.stack([u for _, u in expected["vocab"]]))
    assert len(expected["unseen"]) >= 10
    for word, u in expected["unseen"]:
        assert word not in fb.words
        np.testing.assert_array_equal(fb.vector(word), u, err_msg=word)


def test_unseen_words_get_gensims_vectors(pair):
    fb, model = pair
    unseen = _unseen(fb.words)
    for w in unseen:
        u = fb.vector(w)
        assert u.dtype == np.float32 and u.shape == (fb.dim,)
        np.testing.assert_allclose(u, model.wv[w], rtol=0, atol=1e-5, err_msg=w)
    rows = fb.subword_rows("naïveté")
    assert (rows >= fb.nwords).all() and len(rows) > 3  # n-gram rows only


def test_word_vectors_made_in_blocks_are_the_same(monkeypatch):
    """The n-gram table is made a block of words at a time, so that long hostile words
    cannot make it large; the blocks change nothing."""
    from w2v.io import fasttext

    fb = read_facebook(DATA / "lee_fasttext_new.bin")
    whole = fb.word_vectors()
    monkeypatch.setattr(fasttext, "NGRAMS_PER_BLOCK", 100)
    blocks = fb._blocks()
    assert len(blocks) > 100 and blocks[0][0] == 0 and blocks[-1][1] == fb.nwords
    assert all(a < b == c for (a, b), (c, _) in zip(blocks, blocks[1:], strict=False))
    np.testing.assert_array_equal(fb.word_vectors(), whole)


def test_a_word_without_ngrams_is_a_clear_error():
    fb = read_facebook(DATA / "lee_fasttext_new.bin")
    with pytest.raises(NoSubwordsError, match=r"no character n-gram of 3-6 characters") as e:
        fb.vector("")  # "<>" is two characters, shorter than minn
    assert isinstance(e.value, UnknownWordError) and isinstance(e.value, UserError)
    assert "\n" not in str(e.value)


def test_facebook_to_vectors_gives_the_contract(pair):
    fb, model = pair
    kw = facebook_to_vectors(fb)
    assert set(kw) == {"words", "vectors", "counts", "ngrams", "subwords", "meta"}
    V, dim = len(model.wv), model.wv.vector_size
    assert kw["words"] == model.wv.index_to_key
    assert kw["vectors"].shape == (V, dim) and kw["vectors"].dtype == np.float32
    assert kw["counts"].shape == (V,) and kw["counts"].dtype == np.int64
    assert kw["ngrams"].shape == (model.wv.bucket, dim) and kw["ngrams"].dtype == np.float32
    np.testing.assert_array_equal(kw["ngrams"], model.wv.vectors_ngrams)
    assert kw["subwords"] == {"minn": fb.minn, "maxn": fb.maxn, "buckets": fb.bucket}
    assert kw["meta"]["source_format"] == "fasttext-bin"
    assert kw["meta"]["fasttext"]["version"] == fb.version
    words = [w for w in kw["words"] if w != "</s>" or fb.version < 12]
    rows = [model.wv.key_to_index[w] for w in words]
    np.testing.assert_allclose(kw["vectors"][rows], model.wv.vectors[rows], rtol=0, atol=1e-5)
    # today's Vectors takes what it knows of them
    vec = Vectors(kw["words"], kw["vectors"], counts=kw["counts"], meta=kw["meta"])
    assert len(vec) == V


def test_a_model_without_ngrams_has_none(tmp_path):
    path = tmp_path / "plain.bin"
    path.write_bytes(_craft(bucket=0, maxn=0, minn=0))
    fb = read_facebook(path)
    kw = facebook_to_vectors(fb)
    assert kw["ngrams"] is None and kw["subwords"] is None
    np.testing.assert_array_equal(kw["vectors"], fb.input[:2])
    with pytest.raises(NoSubwordsError, match="has no n-grams"):
        fb.vector("unseen")


def test_vectors_and_ngram_rows_that_are_not_finite_are_refused(tmp_path):
    path = tmp_path / "nan.bin"
    rows = np.ones((2 + 1000, 2), "<f4")
    rows[0, 1] = np.nan  # word "ab"
    path.write_bytes(_craft(bucket=1000, floats=rows.tobytes()))
    with pytest.raises(ModelError, match=r"the vector of word 1 \(word 'ab'\) has a value that"):
        facebook_to_vectors(read_facebook(path))
    path.write_bytes(_craft(bucket=1000))
    fb = read_facebook(path)
    used = {r - fb.nwords for w in fb.words for r in fb.subword_rows(w) if r >= fb.nwords}
    unused = min(set(range(fb.bucket)) - used)  # a bucket no vocabulary word uses
    rows[0, 1] = 1.0
    rows[fb.nwords + unused, 0] = np.inf
    path.write_bytes(_craft(bucket=1000, floats=rows.tobytes()))
    with pytest.raises(ModelError, match=f"n-gram bucket {unused} .* is NaN, infinite"):
        facebook_to_vectors(read_facebook(path))


def test_matrices_are_memory_mapped_and_compressed_files_read_the_same(tmp_path):
    fb = read_facebook(DATA / "lee_fasttext_new.bin")
    assert isinstance(fb.input, np.memmap) and isinstance(fb.output, np.memmap)
    assert fb.output.shape == (fb.nwords, fb.dim)
    packed = tmp_path / "lee.bin.gz"
    packed.write_bytes(gzip.compress((DATA / "lee_fasttext_new.bin").read_bytes()))
    assert is_facebook(packed)
    back = read_facebook(packed)
    assert back.words == fb.words
    np.testing.assert_array_equal(back.input, fb.input)
    np.testing.assert_array_equal(back.output, fb.output)
    cut = tmp_path / "cut.bin.gz"
    cut.write_bytes(gzip.compress((DATA / "lee_fasttext_new.bin").read_bytes()[:-1000]))
    with pytest.raises(ModelError, match="is truncated: it ends in the output matrix"):
        read_facebook(cut)


def test_words_not_utf8_are_refused_unless_told_how_to_decode():
    path = DATA / "cp852_fasttext.bin"
    with pytest.raises(ModelError, match="not valid UTF-8; read it with unicode_errors"):
        read_facebook(path)
    fb = read_facebook(path, unicode_errors="backslashreplace")
    model = gensim_fasttext.load_facebook_model(str(path))
    assert fb.words == model.wv.index_to_key
    np.testing.assert_allclose(fb.word_vectors(), model.wv.vectors, rtol=0, atol=1e-5)


# --- hostile and unsupported files: crafted small, each refused in one line ---------------


def _craft(
    *,
    magic=MAGIC,
    version=12,
    dim=2,
    bucket=3,
    minn=3,
    maxn=4,
    model=2,
    loss=2,
    words=((b"ab", 3), (b"cd", 2)),
    size=None,
    nwords=None,
    nlabels=0,
    prune=-1,
    qin=0,
    input_shape=None,
    output_shape=None,
    floats=None,
    tail=b"",
    cut=None,
):
    """A small fastText .bin (version 12 layout by default), any field overridden."""
    args = struct.pack("<12id", dim, 5, 5, 1, 5, 1, loss, model, bucket, minn, maxn, 100, 1e-4)
    n = len(words)
    out = struct.pack("<2i", magic, version) + args
    size, nwords = (n if size is None else size), (n if nwords is None else nwords)
    out += struct.pack("<3iqq", size, nwords, nlabels, 10, prune)
    out += b"".join(w + b"\0" + struct.pack("<qb", c, 0) for w, c in words)
    m_in, n_in = input_shape or (n + bucket, dim)
    m_out, n_out = output_shape or (n, dim)
    rng = np.random.default_rng(0)
    if floats is None:
        floats = rng.standard_normal(m_in * n_in).astype("<f4").tobytes()
    data_out = rng.standard_normal(m_out * n_out).astype("<f4").tobytes()
    out += bytes([qin]) + struct.pack("<2q", m_in, n_in) + floats
    out += b"\0" + struct.pack("<2q", m_out, n_out) + data_out
    return (out + tail)[:cut]


LONG = ((b"a" * 40, 1), (b"b" * 40, 2))
HOSTILE = {
    "wrong magic": (dict(magic=12345678, dim=10**6), "is not a fastText .bin model"),
    "version": (dict(version=13), "format version 13; w2v reads versions 11 and 12"),
    "huge dim": (dict(dim=10**6), "dimension 1,000,000; w2v reads 1 to 65,536"),
    "huge vocabulary": (
        dict(size=2**31 - 1, nwords=2**31 - 1),
        "is truncated: it announces 2,147,483,647 words",
    ),
    "entries": (dict(size=2**31 - 1), "announces 2,147,483,647 entries, 2 words and 0 labels"),
    "huge buckets": (
        dict(bucket=2**31 - 1, floats=b"\0" * 8),
        r"is truncated: it announces 2 words and",
    ),
    "quantized": (dict(qin=1), "is a quantized fastText model"),
    "pruned": (dict(prune=5), "is a quantized fastText model"),
    "supervised": (dict(model=3, loss=3), "is a supervised fastText model"),
    "labels": (dict(nlabels=1, size=3), "is a supervised fastText model"),
    # long words leave the file more bytes than the dictionary's least, so the matrix is read
    "matrix rows": (
        dict(words=LONG, input_shape=(4, 2)),
        r"the input matrix is 4 × 2; .* make it 5 × 2",
    ),
    "matrix width": (
        dict(words=LONG, output_shape=(2, 3)),
        r"the output matrix is 2 × 3; .* 2 × 2",
    ),
    "matrix data": (dict(words=LONG, cut=220), "is truncated: it ends in the input matrix"),
    "unknown model": (dict(model=7), "unknown model 7 or loss 2"),
    "huge maxn": (dict(maxn=10**6), "w2v reads n-grams of at most 256 characters"),
    "trailing bytes": (dict(tail=b"x"), "bytes follow the output matrix"),
    "long word": (dict(words=((b"a" * 70_000, 1),)), "word 1 of the dictionary is longer"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_files_are_refused_in_one_line_without_allocating(tmp_path, case):
    kwargs, message = HOSTILE[case]
    path = tmp_path / "model.bin"
    path.write_bytes(_craft(**kwargs))
    tracemalloc.start()
    try:
        with pytest.raises(ModelError, match=message) as e:
            read_facebook(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "\n" not in str(e.value) and str(path) in str(e.value)
    assert peak < 4 * path.stat().st_size + (2 << 20)  # a file's worth, never a declared size


def test_a_crafted_file_reads_and_a_truncated_one_fails_at_every_cut(tmp_path):
    data = _craft()
    path = tmp_path / "model.bin"
    path.write_bytes(data)
    fb = read_facebook(path)
    assert fb.words == ["ab", "cd"] and fb.version == 12 and fb.input.shape == (5, 2)
    for cut in range(len(data)):
        path.write_bytes(data[:cut])
        with pytest.raises(ModelError) as e:
            read_facebook(path)
        text = str(e.value)
        assert "\n" not in text and ("truncated" in text or "not a fastText" in text), cut


def test_a_real_supervised_model_and_other_files_are_refused(tmp_path):
    for supervised in (DATA / "pang_lee_polarity_fasttext.bin", FIXTURES / "supervised.ftz"):
        with pytest.raises(ModelError, match="is a supervised fastText model"):
            read_facebook(supervised)
    vec = Vectors(["a", "b"], np.ones((2, 3), np.float32))
    text, binary, parquet = tmp_path / "v.txt", tmp_path / "v.bin", tmp_path / "v.parquet"
    write_word2vec(vec, text)
    write_word2vec(vec, binary, binary=True)
    write_parquet(vec, parquet)
    for path in (text, binary, parquet):
        assert not is_facebook(path)
        with pytest.raises(ModelError, match="is not a fastText .bin model"):
            read_facebook(path)
    for name in MODELS + ["pang_lee_polarity_fasttext.bin", "cp852_fasttext.bin"]:
        assert is_facebook(DATA / name)
    assert is_facebook(FIXTURES / "supervised.ftz")
    with pytest.raises(UserError, match="does not exist"):
        read_facebook(tmp_path / "missing.bin")


# --- .vec --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["lee_fasttext", "crime-and-punishment", "toy-model"])
def test_vec_is_byte_for_byte_what_fasttext_wrote(tmp_path, name):
    """gensim's test data holds fastText's own .vec beside each .bin."""
    kw = facebook_to_vectors(read_facebook(DATA / f"{name}.bin"))
    vec = Vectors(kw["words"], kw["vectors"], counts=kw["counts"])
    out = write_vec(vec, tmp_path / "out.vec")
    assert out.read_bytes() == (DATA / f"{name}.vec").read_bytes()


def test_vec_export_reads_back_in_gensim_and_as_fasttext_reads_it(tmp_path):
    rng = np.random.default_rng(1)
    words = ["the", "frog", "café", "日本語", "ñandú", "x"]
    U = (rng.standard_normal((6, 7)) * 10.0 ** rng.integers(-6, 6, (6, 7))).astype(np.float32)
    U[0, 0] = -0.0
    vec = Vectors(words, U)
    out = export(vec, "fasttext-vec", tmp_path / "v.vec")
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "6 7" and lines[-1] == ""
    assert all(line.endswith(" ") and line.count(" ") == 8 for line in lines[1:-1])
    rounded = np.array([[float(f"{x:.5g}") for x in row] for row in U.tolist()], np.float32)
    kv = KeyedVectors.load_word2vec_format(str(out))
    assert kv.index_to_key == words
    np.testing.assert_array_equal(kv.vectors, rounded)
    # fastText's loadVectors: `in >> word` then dim times `in >> value`, across whitespace
    tokens = out.read_text(encoding="utf-8").split()
    n, dim = int(tokens[0]), int(tokens[1])
    rows = [tokens[2 + i * (dim + 1) : 2 + (i + 1) * (dim + 1)] for i in range(n)]
    assert [r[0] for r in rows] == words
    np.testing.assert_array_equal(np.array([r[1:] for r in rows], np.float32), rounded)
    back = read_word2vec(out)
    assert back.words == words
    np.testing.assert_array_equal(back.vectors, rounded)
    write_vec(back, tmp_path / "again.vec")  # 5 digits read back print the same
    assert (tmp_path / "again.vec").read_bytes() == out.read_bytes()
    with pytest.raises(UserError, match="cannot be written in the fasttext-vec format"):
        write_vec(Vectors(["a b"], U[:1]), tmp_path / "bad.vec")


@pytest.mark.model("unicode")
def test_cli_exports_fasttext_vec(model, model_vectors, tmp_path):
    out = tmp_path / "out.vec.gz"
    assert main(["export", "fasttext-vec", str(out), "--limit", "4", "-m", str(model)]) == 0
    kv = KeyedVectors.load_word2vec_format(str(out))
    assert kv.index_to_key == model_vectors.words[:4]
    np.testing.assert_allclose(kv.vectors, model_vectors.vectors[:4], rtol=1e-4, atol=1e-9)
    assert gzip.decompress(out.read_bytes()).split(b"\n")[1].endswith(b" ")
    assert set(FILENAMES) == set(EXPORT_FORMATS)  # the pipeline's export step names each


def test_import_makes_a_subword_model_that_answers_unseen_words_as_gensim(tmp_path, capsys):
    path = DATA / "lee_fasttext_new.bin"
    code, _, _ = run_cli(capsys, "import", path, "-o", tmp_path / "m")
    assert code == 0 and (tmp_path / "m" / "ngrams.npy").is_file()
    ft = gensim_fasttext.load_facebook_model(str(path))
    vec = Vectors.load(tmp_path / "m")
    unseen = "frogzzled"
    assert unseen not in vec and vec.has_vector(unseen)
    np.testing.assert_allclose(vec[unseen], ft.wv[unseen], atol=1e-5)
    code, out, _ = run_cli(capsys, "similar", unseen, "-m", tmp_path / "m", "-n", "5")
    assert code == 0
    ours = [line.split("\t")[0] for line in out.splitlines()]
    assert ours == [w for w, _ in ft.wv.most_similar(unseen, topn=5)]
    assert main(["import", str(path), "-o", str(tmp_path / "m2"), "--limit", "10"]) == 2
    assert "read whole" in one_error_line(capsys) and not (tmp_path / "m2").exists()


def test_a_bin_that_is_neither_format_says_both_were_tried(tmp_path, capsys):
    junk = tmp_path / "model.bin"
    junk.write_bytes(bytes(range(256)) * 4)
    assert main(["import", str(junk), "-o", str(tmp_path / "m")]) == 2
    line = one_error_line(capsys)
    assert "neither a fastText model" in line and "nor a word2vec file" in line
    assert not (tmp_path / "m").exists()
    junk.rename(tmp_path / "model.txt")  # any other name: the word2vec reader's own words
    assert main(["import", str(tmp_path / "model.txt"), "-o", str(tmp_path / "m")]) == 2
    assert one_error_line(capsys).count("is not a word2vec file") == 1
