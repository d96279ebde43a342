"""w2v.ppmi_svd: PPMI against a dense formula, the SVD against numpy's, and the whole pipeline."""

import numpy as np
import pytest
import scipy.sparse as sp

import w2v
from tests.small_corpora import TOPICS, topic_corpus
from w2v.errors import ConfigError
from w2v.ppmi_svd import LSA, LsaConfig, embed, lsa, ppmi, randomized_svd, truncated_svd


def dense_ppmi(X, cds, neg):
    """The formula of the module docstring, on a dense matrix, in float64."""
    X = np.asarray(X, dtype=np.float64)
    p_c = X.sum(axis=0) ** cds
    p_c /= p_c.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(X) - np.log(X.sum(axis=1))[:, None] - np.log(p_c)[None, :] - np.log(neg)
    return np.where(X > 0, np.maximum(pmi, 0), 0)


@pytest.mark.parametrize("cds, neg", [(1.0, 1), (0.75, 1), (0.75, 5), (0.5, 2.5)])
def test_ppmi_equals_the_dense_formula(cds, neg):
    rng = np.random.default_rng(0)
    X = rng.poisson(0.7, (40, 40)) * (rng.random((40, 40)) < 0.4)
    X[3] = 0  # a word with no context at all
    X[:, 5] = 0
    M = ppmi(sp.csr_matrix(X), cds=cds, neg=neg)
    assert M.dtype == np.float32 and (M.data > 0).all()
    np.testing.assert_allclose(M.toarray(), dense_ppmi(X, cds, neg), rtol=1e-5, atol=1e-6)


def matrix_with_spectrum(m, n, S, seed=0):
    """A sparse-stored m × n matrix with singular values S and random singular vectors."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((m, len(S))))
    V, _ = np.linalg.qr(rng.standard_normal((n, len(S))))
    return sp.csr_matrix((U * S) @ V.T)


def assert_equal_up_to_sign(A, B, atol):
    """Columns of A equal those of B, each possibly negated."""
    signs = np.sign(np.sum(A * B, axis=0))
    np.testing.assert_allclose(A * signs, B, atol=atol)


@pytest.mark.parametrize("solver", ["randomized", "arpack"])
def test_svd_equals_numpy_up_to_sign(solver):
    S_true = np.concatenate([np.geomspace(50, 5, 12), np.full(28, 0.5)])
    M = matrix_with_spectrum(120, 90, S_true)
    k = 8
    U0, S0, Vt0 = np.linalg.svd(M.toarray(), full_matrices=False)
    U, S, Vt = truncated_svd(M, k, solver)
    np.testing.assert_allclose(S, S0[:k], rtol=1e-4)
    assert_equal_up_to_sign(U, U0[:, :k], atol=1e-4)
    assert_equal_up_to_sign(Vt.T, Vt0[:k].T, atol=1e-4)


def test_solvers_agree_on_a_ppmi_matrix_including_signs():
    vocab, X = w2v.cooccurrence(topic_corpus(), window=3)
    M = ppmi(X)
    Ur, Sr, Vtr = truncated_svd(M, 5, "randomized", n_iter=10)
    Ua, Sa, Vta = truncated_svd(M, 5, "arpack")
    U0, S0, _ = np.linalg.svd(M.toarray())
    np.testing.assert_allclose(Sr, S0[:5], rtol=1e-4)
    np.testing.assert_allclose(Sa, S0[:5], rtol=1e-4)
    np.testing.assert_allclose(Ur, Ua, atol=1e-3)  # same signs: svd_flip's convention
    np.testing.assert_allclose(Vtr, Vta, atol=1e-3)


def test_randomized_svd_of_a_rank_deficient_matrix():
    M = sp.csr_matrix(np.outer(np.arange(1.0, 31), np.arange(1.0, 21)))  # rank 1
    U, S, Vt = randomized_svd(M, 3, n_iter=2, oversample=5)
    np.testing.assert_allclose(S[0], np.linalg.norm(M.toarray(), 2), rtol=1e-5)
    np.testing.assert_allclose(S[1:], 0, atol=1e-3)
    np.testing.assert_allclose((U * S) @ Vt, M.toarray(), atol=1e-3)


def test_eigenvalue_weighting_and_contexts():
    rng = np.random.default_rng(0)
    U, _ = np.linalg.qr(rng.standard_normal((10, 3)))
    V, _ = np.linalg.qr(rng.standard_normal((10, 3)))
    S = np.array([9.0, 4.0, 1.0])
    W, C = embed(U, S, V.T, eig=0.5)
    np.testing.assert_allclose(W, U * [3, 2, 1], rtol=1e-6)
    np.testing.assert_allclose(C, V * [3, 2, 1], rtol=1e-6)
    W0, _ = embed(U, S, V.T, eig=0.0)
    np.testing.assert_allclose(W0, U, rtol=1e-6)
    Wc, _ = embed(U, S, V.T, eig=1.0, add_contexts=True)

    def unit(A):
        return A / np.linalg.norm(A, axis=1, keepdims=True)

    np.testing.assert_allclose(Wc, unit(U * S) + unit(V * S), rtol=1e-5)


def test_lsa_separates_topics():
    vec = lsa(topic_corpus(), dim=4, window=3, min_count=1)
    W = vec.vectors / np.linalg.norm(vec.vectors, axis=1, keepdims=True)
    for i, topic in enumerate(TOPICS):
        other = [w for t in TOPICS[:i] + TOPICS[i + 1 :] for w in t]
        for word in topic:
            same = np.mean([W[vec.index(word)] @ W[vec.index(w)] for w in topic if w != word])
            different = np.mean([W[vec.index(word)] @ W[vec.index(w)] for w in other])
            assert same > different + 0.5, (word, same, different)


def test_lsa_meta_and_round_trip(tmp_path):
    vec = lsa(topic_corpus(200), dim=5, window=2, min_count=2, cds=1.0, eig=0.0, neg=2)
    assert vec.vectors.dtype == np.float32 and vec.vectors.shape == (len(vec), 5)
    assert vec.contexts.shape == vec.vectors.shape
    assert vec.meta["trainer"] == "svd"
    assert vec.meta["config"] == {**LsaConfig().__dict__, "dim": 5, "window": 2, "min_count": 2,
                                  "cds": 1.0, "eig": 0.0, "neg": 2}  # fmt: skip
    assert vec.meta["corpus"]["kept"] == int(vec.counts.sum()) == 200 * 8
    assert len(vec.meta["singular_values"]) == 5
    vec.save(tmp_path / "m")
    back = w2v.load(tmp_path / "m")
    assert back.words == vec.words and back.meta["config"] == vec.meta["config"]
    np.testing.assert_array_equal(back.vectors, vec.vectors)


def test_the_estimator_is_reproducible():
    config = LsaConfig(dim=4, window=2, min_count=1, dynamic=True, seed=3)
    a, b = LSA(config).fit(topic_corpus(200)), LSA(config).fit(topic_corpus(200))
    assert a.vectors_.words == b.vectors_.words == a.vocab_.words
    np.testing.assert_array_equal(a.vectors_.vectors, b.vectors_.vectors)
    np.testing.assert_array_equal(a.singular_values_, a.vectors_.meta["singular_values"])
    assert set(a.seconds_) == {"count", "ppmi", "svd"}


@pytest.mark.parametrize(
    "options",
    [{"dim": 0}, {"cds": 0}, {"cds": 1.5}, {"eig": -1}, {"neg": 0.5}, {"solver": "lapack"},
     {"weighting": "x"}, {"window": 0}, {"min_count": 0}],
)  # fmt: skip
def test_bad_config_is_a_config_error(options):
    with pytest.raises(ConfigError):
        LsaConfig(**options)


def test_dim_must_be_below_the_vocabulary():
    with pytest.raises(ConfigError, match="vocabulary"):
        lsa([["a", "b", "c"], ["b", "c", "a"]], dim=3, min_count=1)


def test_an_all_zero_count_matrix_has_an_all_zero_ppmi_without_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        M = ppmi(sp.csr_matrix((3, 3)))
    assert M.shape == (3, 3) and M.nnz == 0


@pytest.mark.parametrize(
    ("sentences", "neg", "message"),
    [
        (
            [["a", "b", "c"], ["b", "c", "d"]],
            1e9,
            r"the shift log\(neg\) = 20.7 removes every entry",
        ),
        ([["w", "w", "w"], ["w"]], 1, "every word pair has PMI <= 0"),
        ([["w"], ["v"]], 1, "no two words of the corpus occur within the window"),
    ],
)
def test_an_empty_ppmi_matrix_is_a_config_error_naming_the_cause(sentences, neg, message):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ConfigError, match="no positive entry: " + message):
            lsa(sentences, dim=1, min_count=1, neg=neg)
