"""Vectors: lookups and queries, checked against gensim's KeyedVectors on the same matrix."""

import re

import numpy as np
import pytest

import w2v.vectors
from tests.gensim_vectors import trained
from w2v.errors import ModelError, UnknownWordError
from w2v.io.arrow import write_vocab_parquet
from w2v.ranking import topk_rows
from w2v.vectors import Vectors

pytest.importorskip("gensim")
# gensim's most_similar_cosmul calls its own deprecated init_sims.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated `init_sims`")


@pytest.fixture(scope="module")
def pair():
    return trained()


def _queries(vec, n, seed=0):
    """The 100 most frequent words and n - 100 drawn from the rest."""
    rng = np.random.default_rng(seed)
    rest = rng.choice(np.arange(100, len(vec)), size=n - 100, replace=False)
    return vec.words[:100] + [vec.words[i] for i in rest]


def _assert_same(ours, theirs, atol=1e-5):
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=0, atol=atol)


def test_lookup_and_index():
    vec = Vectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    assert len(vec) == 3 and "b" in vec and "z" not in vec
    assert vec.index("c") == 2
    np.testing.assert_array_equal(vec["b"], [0, 1, 0])
    assert vec.dim == 3


def test_most_similar_matches_gensim(pair):
    vec, kv = pair
    for w in _queries(vec, 300):
        _assert_same(vec.most_similar(w), kv.most_similar(w))


def test_several_words_negatives_and_restrict_match_gensim(pair):
    vec, kv = pair
    rng = np.random.default_rng(1)
    for _ in range(100):
        pos = [vec.words[i] for i in rng.integers(0, 2000, rng.integers(1, 4))]
        neg = [vec.words[i] for i in rng.integers(0, 2000, rng.integers(0, 3))]
        restrict = int(rng.choice([0, 500, 3000]))
        ours = vec.most_similar(positive=pos, negative=neg, topn=7, restrict=restrict or None)
        theirs = kv.most_similar(positive=pos, negative=neg, topn=7, restrict_vocab=restrict)
        _assert_same(ours, theirs)


def test_analogy_add_and_mul_match_gensim(pair):
    vec, kv = pair
    rng = np.random.default_rng(2)
    for _ in range(300):
        a, b, c = (vec.words[i] for i in rng.integers(0, 3000, 3))
        _assert_same(vec.analogy(a, b, c), kv.most_similar(positive=[a, c], negative=[b]))
        _assert_same(
            vec.analogy(a, b, c, method="mul"),
            kv.most_similar_cosmul(positive=[a, c], negative=[b]),
        )


def test_analogy_is_a_minus_b_plus_c(pair):
    vec, _ = pair
    a, b, c = vec.words[10], vec.words[20], vec.words[30]
    assert vec.analogy(a, b, c, topn=5) == vec.most_similar([a, c], [b], topn=5)
    with pytest.raises(ValueError, match="method"):
        vec.analogy(a, b, c, method="sub")


def test_doesnt_match_and_similarity_match_gensim(pair):
    vec, kv = pair
    rng = np.random.default_rng(3)
    for _ in range(100):
        words = [vec.words[i] for i in rng.integers(0, 3000, rng.integers(3, 7))]
        assert vec.doesnt_match(words) == kv.doesnt_match(words)
        assert vec.similarity(words[0], words[1]) == pytest.approx(
            float(kv.similarity(words[0], words[1])), abs=1e-6
        )


def test_batch_matches_gensim_up_to_ties(pair):
    """Batched scores come from another float32 product, so words whose scores tie to
    within float32 rounding may swap: each position must hold a word whose gensim score
    equals gensim's score at that rank to 1e-6, and most lists must be identical."""
    vec, kv = pair
    words = _queries(vec, 300, seed=4)
    batch = vec.most_similar_batch(words, topn=10)
    identical = 0
    for w, ours in zip(words, batch, strict=True):
        theirs = kv.most_similar(w, topn=10)
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=0, atol=1e-5)
        every = kv.most_similar(w, topn=None)  # gensim's score of every word for this query
        ranked = [vec.index(x) for x, _ in ours]
        assert len(set(ranked)) == 10 and vec.index(w) not in ranked
        np.testing.assert_allclose(every[ranked], [s for _, s in theirs], rtol=0, atol=1e-6)
        identical += [x for x, _ in ours] == [x for x, _ in theirs]
    assert identical >= 0.9 * len(words)


def test_batch_chunks_and_restrict(pair, monkeypatch):
    vec, _ = pair
    words = vec.words[:40] + vec.words[5000:5010]
    whole = vec.most_similar_batch(words, topn=5, restrict=4000)
    monkeypatch.setattr(w2v.vectors, "BATCH_BYTES", 4 * 4000 * 3)  # three queries a chunk
    assert vec.most_similar_batch(words, topn=5, restrict=4000) == whole
    for w, got in zip(words, whole, strict=True):
        single = vec.most_similar(w, topn=6, restrict=4000)
        _assert_same_up_to_near_ties(got, single)
        assert all(vec.index(x) < 4000 for x, _ in got)


def _assert_same_up_to_near_ties(batched, single, tol=1e-6):
    """The batch's matrix product rounds differently from the single query's, so two words
    whose scores differ in the last float32 bit may swap (the model, gensim's with two
    workers, changes from run to run); anything more is a bug. `single` has one extra row."""
    np.testing.assert_allclose([s for _, s in batched], [s for _, s in single[: len(batched)]],
                               rtol=0, atol=tol)  # fmt: skip
    exact = dict(single)
    for (w, _), (v, s) in zip(batched, single, strict=False):
        assert w == v or (w in exact and abs(exact[w] - s) <= tol), (batched, single)


@pytest.mark.parametrize("kind", ["floats", "ties", "nan"])
@pytest.mark.parametrize("shape_k", [(6, 100, 3), (9, 4000, 11), (4, 64 * 40 + 13, 2), (3, 7, 7)])
def test_topk_rows_equals_a_full_sort(kind, shape_k):
    B, V, k = shape_k
    rng = np.random.default_rng(V)
    S = rng.standard_normal((B, V)).astype(np.float32)
    if kind == "ties":
        S = np.round(S).astype(np.float32)
    if kind == "nan":
        S[0, 3] = np.nan
    expected = np.lexsort((np.broadcast_to(np.arange(V), S.shape), -S), axis=1)[:, :k]
    np.testing.assert_array_equal(topk_rows(S, k), expected)


def test_unknown_word_is_a_keyerror_naming_the_word_with_suggestions(pair):
    vec, _ = pair
    word = vec.words[50]
    typo = word[:-1] + ("x" if word[-1] != "x" else "y")
    for call in (
        lambda: vec.most_similar(typo),
        lambda: vec.analogy(word, typo, word),
        lambda: vec.most_similar_batch([word, typo]),
        lambda: vec[typo],
    ):
        with pytest.raises(KeyError) as e:
            call()
        assert isinstance(e.value, UnknownWordError)
        assert repr(typo) in str(e.value)
    with pytest.raises(UnknownWordError) as e:
        vec.most_similar(typo)
    assert word in e.value.suggestions


def test_normalised_matrix_is_computed_once(pair):
    vec, kv = pair
    N = vec.normed
    assert vec.normed is N
    np.testing.assert_allclose(np.linalg.norm(N, axis=1), 1, atol=1e-6)
    np.testing.assert_array_equal(vec.norms, np.linalg.norm(kv.vectors, axis=1))


def test_zero_vector_scores_zero_not_nan():
    U = np.array([[1, 0], [0, 0], [0.6, 0.8], [-1, 0]], dtype=np.float32)
    vec = Vectors(["a", "zero", "b", "c"], U)
    assert vec.most_similar("a") == [("b", pytest.approx(0.6)), ("zero", 0.0), ("c", -1.0)]
    assert vec.most_similar_batch(["a"])[0][1] == ("zero", 0.0)


def test_non_finite_vectors_refuse_queries_naming_the_rows(tmp_path):
    U = np.array([[1, 0], [np.nan, 1], [0.6, 0.8], [np.inf, 0]], dtype=np.float32)
    Vectors(["a", "nan", "b", "inf"], np.nan_to_num(U)).save(tmp_path / "m")
    np.save(tmp_path / "m" / "vectors.npy", U)  # w2v does not write them: a damaged model
    vec = w2v.vectors.load(tmp_path / "m")
    name = re.escape(repr(str(tmp_path / "m")))
    message = f"model {name} has non-finite vectors \\(2 rows .*first: 'nan'"
    queries = [
        lambda: vec.most_similar("a"),
        lambda: vec.most_similar_batch(["a"]),
        lambda: vec.analogy("a", "b", "a", method="mul"),
        lambda: vec.doesnt_match(["a", "b"]),
        lambda: vec.similarity("a", "nan"),
    ]
    for query in queries:
        with pytest.raises(ModelError, match=message):
            query()
    assert vec.similarity("a", "b") == pytest.approx(0.6)  # two finite rows need no scan
    huge = Vectors(["a", "big"], np.array([[1, 0], [3e19, 0]], dtype=np.float32))
    with pytest.raises(ModelError, match="the model has vectors too long .*first: 'big'"):
        huge.most_similar("a")


def test_repeated_words_are_refused_and_a_model_repeating_them_is_a_model_error(tmp_path):
    with pytest.raises(ValueError, match="2 duplicates, first: 'king'"):
        Vectors(["king", "queen", "king", "king"], np.eye(4, dtype=np.float32))
    Vectors(["king", "queen", "man"], np.eye(3, dtype=np.float32)).save(tmp_path / "m")
    write_vocab_parquet(tmp_path / "m" / "vocab.parquet", ["king", "queen", "king"], np.ones(3))
    with pytest.raises(ModelError, match="vocab.parquet.*1 duplicates, first: 'king'"):
        w2v.vectors.load(tmp_path / "m")


def test_topn_and_empty_queries():
    vec = Vectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    assert vec.most_similar("a", topn=0) == []
    assert len(vec.most_similar("a", topn=50)) == 2
    with pytest.raises(ValueError):
        vec.most_similar([])
    with pytest.raises(ValueError):
        vec.doesnt_match([])


def test_to_gensim_and_saved_model_give_the_same_answers(pair, tmp_path):
    vec, kv = pair
    counts = np.arange(len(vec), 0, -1)
    Vectors(vec.words, vec.vectors, counts=counts).save(tmp_path / "m")
    loaded = w2v.vectors.load(tmp_path / "m")
    assert isinstance(loaded.vectors, np.memmap)
    assert loaded.most_similar(vec.words[7]) == kv.most_similar(vec.words[7])
    kv2 = loaded.to_gensim()
    assert kv2.index_to_key == vec.words
    np.testing.assert_array_equal(kv2.vectors, kv.vectors)
    assert kv2.get_vecattr(vec.words[3], "count") == counts[3]


def test_cosmul_restrict_limits_the_search(pair):
    """gensim ignores restrict_vocab in most_similar_cosmul; ours keeps the first N words,
    which must give gensim's full ranking filtered to them."""
    vec, kv = pair
    a, b, c = vec.words[1], vec.words[2], vec.words[3]
    got = vec.most_similar_cosmul([a, c], [b], topn=5, restrict=300)
    full = kv.most_similar_cosmul(positive=[a, c], negative=[b], topn=len(vec))
    _assert_same(got, [(w, s) for w, s in full if vec.index(w) < 300][:5])


def test_batch_takes_a_single_word(pair):
    vec, _ = pair
    assert vec.most_similar_batch(vec.words[9], topn=3) == vec.most_similar_batch(
        [vec.words[9]], topn=3
    )


def test_exact_ties_come_out_in_gensims_order():
    """Equal float32 scores (here: repeated vectors) keep gensim's partial-sort order."""
    rng = np.random.default_rng(5)
    base = rng.standard_normal((40, 8)).astype(np.float32)
    U = np.concatenate([base, base[:25], base[:25]])  # many rows score exactly alike
    words = [f"w{i}" for i in range(len(U))]
    vec = Vectors(words, U)
    kv = vec.to_gensim()
    for w in words[:30]:
        assert vec.most_similar(w, topn=12) == kv.most_similar(w, topn=12)
        assert vec.most_similar_cosmul(w, words[60], topn=7) == kv.most_similar_cosmul(
            w, words[60], topn=7
        )


def test_similarity_on_a_non_finite_row_warns_nothing(tmp_path):
    import warnings

    U = np.array([[1, 0], [np.nan, 1], [1e20, 1e20]], dtype=np.float32)
    vec = Vectors(["a", "nan", "big"], U)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ModelError, match="non-finite"):
            vec.similarity("a", "nan")
