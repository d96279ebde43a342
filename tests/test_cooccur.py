"""w2v.cooccur and its kernels: the lecture's table, a brute-force count, files and limits."""

from collections import Counter, defaultdict

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.small_corpora import LECTURE, SLIDE, SLIDE_WORDS, in_order
from w2v.cooccur import cooccurrence, count_pairs, read_parquet, write_parquet
from w2v.corpus import EncodedCorpus, encode_in_memory
from w2v.errors import ConfigError, CorpusError
from w2v.kernels import cooccur as K
from w2v.vocab import build_vocab


def test_the_lecture_table(tmp_path):
    path = tmp_path / "lecture.txt"
    path.write_text(LECTURE)
    vocab, X = cooccurrence(path, window=1, lower=False, punct=True)
    assert sorted(vocab.words) == sorted(SLIDE_WORDS)
    np.testing.assert_array_equal(in_order(vocab.words, X, SLIDE_WORDS), SLIDE)


# A brute force that follows the definition in w2v/cooccur.py, sharing nothing but the radii.
M64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def py_splitmix64(x):
    z = (x + GOLDEN) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def py_radius(seed, position, window):
    return 1 + py_splitmix64(((seed * GOLDEN) & M64) ^ position) % window


def brute_force(sentences, window, weighting, dynamic, seed, min_count):
    """{(word, context): weight}, looking from every centre token at every other token."""
    counts = Counter(w for s in sentences for w in s)
    kept = [[w for w in s if counts[w] >= min_count] for s in sentences]
    X = defaultdict(float)
    position = 0  # index of the sentence's first token among all kept tokens
    for s in (s for s in kept if s):
        for i, w in enumerate(s):
            r = py_radius(seed, position + i, window) if dynamic else window
            for j, c in enumerate(s):
                d = abs(i - j)
                if 0 < d <= r:
                    X[w, c] += 1.0 / d if weighting == "harmonic" else 1.0
        position += len(s)
    if dynamic:  # the average of the (centre, context) counts and their transpose
        keys = set(X) | {(c, w) for w, c in X}
        X = {(w, c): (X.get((w, c), 0.0) + X.get((c, w), 0.0)) / 2 for w, c in keys}
    return X


def test_radius_matches_the_python_definition():
    for seed in (0, 1, 12345, 2**40 + 7):
        for p in (0, 1, 2, 999, 2**33):
            assert K.radius(seed, p, 5) == py_radius(seed, p, 5)


def test_radius_is_uniform_over_the_window():
    window, n = 5, 50_000
    r = np.array([K.radius(7, p, window) for p in range(n)])
    freq = np.bincount(r, minlength=window + 1)[1:] / n
    assert r.min() == 1 and r.max() == window
    np.testing.assert_allclose(freq, 1 / window, atol=0.01)  # 5 standard errors: 0.009


corpora = st.lists(
    st.lists(st.sampled_from("abcdefgh"), min_size=0, max_size=14), min_size=1, max_size=8
)


@pytest.mark.slow
@settings(max_examples=80, deadline=None)
@given(
    sentences=corpora,
    window=st.integers(1, 4),
    weighting=st.sampled_from(["uniform", "harmonic"]),
    dynamic=st.booleans(),
    seed=st.integers(0, 2**32),
    min_count=st.integers(1, 2),
    batch_tokens=st.sampled_from([1, 3, 10, 1000]),
)
def test_counts_equal_a_brute_force(
    sentences, window, weighting, dynamic, seed, min_count, batch_tokens
):
    counts = Counter(w for s in sentences for w in s)
    if not counts or max(counts.values()) < min_count:
        return  # nothing survives min_count: build_vocab refuses (tested below)
    vocab = build_vocab(sentences, min_count=min_count)
    corpus = encode_in_memory(sentences, vocab)
    # Tiny batches: many batches, spans and merges of sorted runs.
    X = count_pairs(corpus, len(vocab), window, weighting, dynamic, seed, batch_tokens)
    expected = np.zeros((len(vocab), len(vocab)))
    for (w, c), x in brute_force(sentences, window, weighting, dynamic, seed, min_count).items():
        expected[vocab.index(w), vocab.index(c)] = x
    np.testing.assert_allclose(X.toarray(), expected, rtol=1e-12, atol=0)
    assert X.has_sorted_indices and (X != X.T).nnz == 0


@pytest.mark.parametrize("dynamic", [False, True])
def test_a_window_too_wide_for_exact_harmonic_sums(dynamic):
    rng = np.random.default_rng(1)
    sentences = [list(rng.choice(list("abcdef"), 40)) for _ in range(5)]
    vocab, X = cooccurrence(sentences, window=20, weighting="harmonic", dynamic=dynamic, seed=5)
    expected = np.zeros((len(vocab), len(vocab)))
    for (w, c), x in brute_force(sentences, 20, "harmonic", dynamic, 5, 1).items():
        expected[vocab.index(w), vocab.index(c)] = x
    np.testing.assert_allclose(X.toarray(), expected, rtol=1e-12)


def test_counts_do_not_depend_on_threads_or_batches(embedded_sample):
    vocab, sentences = embedded_sample
    corpus = encode_in_memory(sentences, vocab)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        X1 = count_pairs(corpus, len(vocab), 5, "harmonic", True, 3, batch_tokens=10**9)
    finally:
        numba.set_num_threads(before)
    X2 = count_pairs(corpus, len(vocab), 5, "harmonic", True, 3, batch_tokens=5_000)
    assert (X1 != X2).nnz == 0


def test_file_and_token_lists_agree(tmp_path):
    text = "the cat sat on the mat\n\nthe dog sat on the log\na cat and a dog\n"
    path = tmp_path / "c.txt"
    path.write_text(text)
    v1, X1 = cooccurrence(path, window=2, weighting="harmonic")
    v2, X2 = cooccurrence(
        [line.split() for line in text.splitlines()], window=2, weighting="harmonic"
    )
    assert v1.words == v2.words
    assert (X1 != X2).nnz == 0


def test_a_vocabulary_too_large_for_a_dense_matrix():
    V = 3_000_000  # V² float64 would be 72 TB
    rng = np.random.default_rng(0)
    ids = rng.integers(0, V, 200_000).astype(np.uint32)
    offsets = np.arange(0, len(ids) + 1, 50, dtype=np.int64)
    X = count_pairs(EncodedCorpus(ids, offsets, {}), V, window=5)
    assert X.shape == (V, V)
    assert X.sum() == 2 * 4000 * 235  # 2 · sentences · Σ_j min(5, j), j < 50
    assert X.nnz <= 2 * 4000 * 235


def test_parquet_round_trip(tmp_path):
    vocab, X = cooccurrence([["a", "b", "c", "a"], ["b", "c"]], window=2, weighting="harmonic")
    n = write_parquet(tmp_path / "x.parquet", vocab.words, X, window=2)
    assert n == X.nnz
    Y = read_parquet(tmp_path / "x.parquet", vocab.words)
    assert abs(X - Y).max() == 0
    import pyarrow.parquet as pq

    uniform = cooccurrence([["a", "b", "c", "a"]], window=2)
    write_parquet(tmp_path / "u.parquet", uniform[0].words, uniform[1])
    assert str(pq.read_schema(tmp_path / "u.parquet").field("count").type) == "int64"
    assert str(pq.read_schema(tmp_path / "x.parquet").field("count").type) == "double"


@pytest.mark.parametrize("options", [{"window": 0}, {"window": 2.5}, {"weighting": "gaussian"}])
def test_bad_options_are_config_errors(options):
    with pytest.raises(ConfigError):
        cooccurrence([["a", "b"]], **options)


def test_empty_and_missing_corpora(tmp_path):
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(CorpusError):
        cooccurrence(tmp_path / "empty.txt")
    with pytest.raises(CorpusError):
        cooccurrence(tmp_path / "missing.txt")
    with pytest.raises(CorpusError):
        cooccurrence([["a", "b"]], min_count=2)


@pytest.fixture(scope="module")
def embedded_sample():
    """The first 5,000 lines of the embedded corpus and their vocabulary (min count 2)."""
    import itertools

    import w2v

    sentences = list(itertools.islice(w2v.iter_sentences(w2v.default_corpus()), 5000))
    return build_vocab(sentences, min_count=2), sentences
