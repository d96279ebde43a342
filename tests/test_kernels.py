"""The Numba kernels: sampling helpers against their formulas, one step against the
float64 gradient of w2v.lecture.softmax, and sparsity (untouched rows stay bit-identical)."""

import subprocess
import sys

import numpy as np
import pytest
from numba import njit
from scipy import stats

from w2v.kernels.cbow import NEGATIVES_SHARED
from w2v.kernels.chunk import ARCHS, train_chunk
from w2v.kernels.sampling import (
    draw_alias,
    exp,
    gather_window,
    log_sum,
    step,
    stream_seed,
    subsample,
)
from w2v.lecture.softmax import sgns_grad, sgns_loss
from w2v.vocab import Vocab


def readonly(a, dtype):
    v = np.array(a, dtype=dtype)
    v.flags.writeable = False
    return v


def run_kernel(arch, U, V, sentences, prob, alias, *, keep=None, window=1, negative=1,
               alpha=0.05, seed=1, n_spans=1, hot=0, shared=NEGATIVES_SHARED):  # fmt: skip
    """One call of the chunk kernel on `sentences` (lists of ids); returns the loss array.
    `hot`: the output rows each span steps on in its own copy (w2v.kernels.hotrows);
    `shared`: CBOW's centres per draw of negatives (w2v.kernels.cbow)."""
    ids = readonly([w for s in sentences for w in s], np.uint32)
    offsets = readonly(np.cumsum([0] + [len(s) for s in sentences]), np.int64)
    keep = np.ones(len(U), np.float32) if keep is None else keep
    spans = np.linspace(0, len(sentences), n_spans + 1).astype(np.int64)
    loss = np.zeros((n_spans, 2))
    train_chunk(ARCHS[arch], U, V, ids, offsets, spans, keep, prob, alias, window, negative,
                alpha, alpha, np.uint64(seed), np.uint64(0), loss, hot, shared)  # fmt: skip
    return loss


def noise_on(words, n):
    """An alias table whose every draw is one of `words` (prob 0: always take the alias)."""
    prob = np.zeros(n, np.float32)
    alias = np.array([words[i % len(words)] for i in range(n)], np.int32)
    return prob, alias


def test_exp_is_accurate_over_the_clamped_range():
    x = np.linspace(-20, 20, 4001, dtype=np.float32)
    got = np.array([exp(v) for v in x], dtype=np.float64)
    np.testing.assert_allclose(got, np.exp(x.astype(np.float64)), rtol=2e-6)


def test_log_sum_folds_large_products():
    F = np.full(200, 1e8, np.float32)  # product 1e1600: overflows float64 unless folded
    F[::7] = 1.5
    assert log_sum(F, 200) == pytest.approx(np.log(F.astype(np.float64)).sum(), rel=1e-12)
    assert log_sum(F, 0) == 0.0


def test_subsampling_keeps_words_at_the_word2vec_rate():
    counts = np.array([60_000, 20_000, 5_000, 1_000, 200], np.int64)
    vocab = Vocab(["a", "b", "c", "d", "e"], counts)
    sample = 1e-2
    f = counts / counts.sum()
    word2vec_c = np.minimum(1.0, (np.sqrt(f / sample) + 1) * sample / f)
    np.testing.assert_allclose(vocab.keep_probs(sample), word2vec_c, rtol=1e-12)
    keep = vocab.keep_probs(sample).astype(np.float32)
    ids = np.repeat(np.arange(5), counts).astype(np.uint32)
    np.random.default_rng(0).shuffle(ids)
    out = np.empty(len(ids), np.int64)
    _, n = subsample(ids, 0, len(ids), keep, np.uint64(stream_seed(3, 0, 0)), out)
    kept = np.bincount(out[:n], minlength=5)
    assert kept[-1] == counts[-1]  # keep probability 1: every occurrence stays
    z = (kept - counts * keep) / np.sqrt(counts * keep * (1 - keep) + 1e-12)
    assert np.all(np.abs(z[:-1]) < 4.5), z


@njit(cache=True)
def _window_draws(kept, i, window, draws, seed):
    """The radius of `draws` windows around position i, and whether each was contiguous."""
    ctx = np.empty(2 * window, np.int64)
    state = stream_seed(seed, 1, 0)
    radius = np.zeros(draws, np.int64)
    ok = True
    for t in range(draws):
        state, m = gather_window(kept, len(kept), i, state, window, ctx)
        lo = max(0, i - window)
        radius[t] = max(i - min(ctx[:m].min(), i), max(ctx[:m].max(), i) - i)
        ok &= m == min(i + radius[t] + 1, len(kept)) - max(i - radius[t], 0) - 1
        ok &= ctx[:m].min() >= lo
    return radius, ok


@pytest.mark.slow
def test_window_radius_is_uniform_in_1_to_window():
    window = 5
    radius, contiguous = _window_draws(np.arange(40, dtype=np.int64), 20, window, 30_000, 7)
    assert contiguous
    counts = np.bincount(radius, minlength=window + 1)
    assert counts[0] == 0 and len(counts) == window + 1
    assert stats.chisquare(counts[1:]).pvalue > 1e-4
    edge, contiguous = _window_draws(np.arange(40, dtype=np.int64), 0, window, 2000, 8)
    assert contiguous and edge.min() == 1 and edge.max() == window  # clipped at the edge


@njit(cache=True)
def _alias_draws(prob, alias, n, seed):
    counts = np.zeros(len(prob), np.int64)
    state = stream_seed(seed, 0, 0)
    for _ in range(n):
        state, r = step(state)
        counts[draw_alias(r, prob, alias)] += 1
    return counts


def test_alias_draws_follow_the_noise_distribution():
    counts = np.array([900, 300, 100, 40, 10, 5, 1], np.int64)
    vocab = Vocab([str(i) for i in range(7)], counts)
    np.testing.assert_allclose(vocab.noise_probs(), counts**0.75 / (counts**0.75).sum())
    draws = _alias_draws(*vocab.noise_alias(), 200_000, 11)
    assert stats.chisquare(draws, vocab.noise_probs() * draws.sum()).pvalue > 1e-4


@pytest.mark.parametrize("hot", [0, 3])
@pytest.mark.parametrize("arch", ["sgns", "cbow"])
def test_a_step_is_minus_alpha_times_the_gradient(arch, hot):
    # one negative, always word 2, and window 1: every step is known. Skip-gram on [0, 1]
    # (each centre has one context); CBOW on [0, 1, 3] (centre 1 averages two contexts)
    sentence = [0, 1] if arch == "sgns" else [0, 1, 3]
    rng = np.random.default_rng(5)
    U = rng.normal(scale=0.3, size=(4, 6)).astype(np.float32)
    V = rng.normal(scale=0.3, size=(4, 6)).astype(np.float32)
    U0, V0 = U.astype(np.float64), V.astype(np.float64)
    alpha = 0.05
    loss = run_kernel(arch, U, V, [sentence], *noise_on([2], 4), alpha=alpha, hot=hot)
    total, terms = 0.0, 0
    for i, c in enumerate(sentence):
        context = [sentence[j] for j in (i - 1, i + 1) if 0 <= j < len(sentence)]
        u = U0[context].mean(axis=0)  # skip-gram: the one context; CBOW: their mean h
        total += sgns_loss(u, V0[c], V0[[2]])
        terms += 2
        du, dv, dN = sgns_grad(u, V0[c], V0[[2]])
        V0[c] -= alpha * dv
        V0[2] -= alpha * dN[0]
        for x in context:  # CBOW: every context word takes the whole ∂L/∂h (word2vec.c)
            U0[x] -= alpha * du
    np.testing.assert_allclose(U, U0, rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(V, V0, rtol=2e-5, atol=1e-6)
    assert loss[0, 1] == terms
    assert loss[0, 0] == pytest.approx(total, rel=1e-5)


@pytest.mark.parametrize("hot", [0, 4])
@pytest.mark.parametrize("arch", ["sgns", "cbow"])
def test_untouched_rows_stay_bit_identical(arch, hot):
    rng = np.random.default_rng(2)
    U = rng.normal(size=(50, 8)).astype(np.float32)
    V = rng.normal(size=(50, 8)).astype(np.float32)
    U0, V0 = U.copy(), V.copy()
    sentences = [[0, 1, 2], [3, 4, 0, 5], [1, 2]]  # words 0..5; negatives only 6 and 7
    run_kernel(
        arch, U, V, sentences, *noise_on([6, 7], 50), window=2, negative=3, n_spans=2, hot=hot
    )
    assert np.array_equal(U[6:], U0[6:])  # never an input
    assert np.array_equal(V[8:], V0[8:])  # neither a centre nor a negative
    assert not np.array_equal(U[:6], U0[:6]) and not np.array_equal(V[:8], V0[:8])
    for w in range(6):
        assert not np.array_equal(U[w], U0[w]) and not np.array_equal(V[w], V0[w])


@pytest.mark.parametrize("arch, shared", [("sgns", NEGATIVES_SHARED), ("cbow", NEGATIVES_SHARED),
                                          ("cbow", 1)])  # fmt: skip
def test_cbow_draws_negatives_once_for_every_few_centres(arch, shared):
    """CBOW shares one draw of K negatives among NEGATIVES_SHARED consecutive centres of a
    sentence (w2v.kernels.cbow); with shared = 1 (schedule "word2vec") and in skip-gram,
    every centre draws its own."""
    rng = np.random.default_rng(4)
    U = rng.normal(size=(200, 4)).astype(np.float32)
    V = rng.normal(size=(200, 4)).astype(np.float32)
    V0 = V.copy()
    sentences = [list(range(12)), [12, 13]]  # negatives: uniform over 100..199
    run_kernel(arch, U, V, sentences, *noise_on(list(range(100, 200)), 200), negative=3,
               shared=shared)  # fmt: skip
    negatives = np.flatnonzero((V[100:] != V0[100:]).any(axis=1))
    draws = sum(-(-len(s) // NEGATIVES_SHARED) for s in sentences)  # 3 + 1
    if arch == "cbow" and shared > 1:
        assert NEGATIVES_SHARED > 1 and 3 < len(negatives) <= 3 * draws
    else:  # 14 draws of 3: about 34 distinct rows
        assert len(negatives) > 25


def test_extreme_scores_stay_finite():
    # word2vec.c's sigmoid table reads past its end at a score of exactly 6 (NaN);
    # here scores are clamped to ±20 before σ, for any size of vector
    for scale in (6.0, 20.0, 1e3, 1e15):
        U = np.zeros((3, 4), np.float32)
        V = np.zeros((3, 4), np.float32)
        U[:, 0] = 1.0
        V[:, 0] = scale  # every score is exactly `scale`
        loss = run_kernel("sgns", U, V, [[0, 1]], *noise_on([2], 3))
        assert np.isfinite(U).all() and np.isfinite(V).all() and np.isfinite(loss).all()


def test_kernels_load_without_scipy_linalg_and_blas_calls_still_compile():
    # Numba's first load would import scipy.linalg (0.2 s) to check for BLAS; w2v.kernels
    # answers that check without the import, and puts Numba's own back for BLAS users
    code = """
import sys
import numpy as np
from numba import njit
from w2v.kernels.wordtable import rehash
rehash(np.full(8, -1, np.int64), np.zeros(2, np.uint64), 2)
assert "scipy.linalg" not in sys.modules, "scipy.linalg imported"
import numba.np.linalg, numba.np.arraymath
assert numba.np.arraymath._HAVE_BLAS
assert numba.np.linalg.ensure_blas.__module__ == "numba.np.linalg"
dot = njit(lambda a, b: np.dot(a, b))
assert dot(np.ones((2, 3)), np.ones((3, 2)))[1, 1] == 3.0
assert "scipy.linalg" in sys.modules
"""
    subprocess.run([sys.executable, "-c", code], check=True)
