"""Subword (fastText) skip-gram and CBOW with negative sampling: the walk and the steps.

The input matrix is fastText's: U float32 [W + B, dim], rows 0..W−1 the vocabulary words,
rows W..W+B−1 the n-gram buckets (w2v.subwords). Word w is seen through R_w, its own row and
the rows W + b of its n-grams' buckets b (b in sub_buckets[sub_offsets[w]:sub_offsets[w+1]]),
and its input is their mean

    u_w = (1 / |R_w|) Σ_{r ∈ R_w} U[r].

Skip-gram, in fastText's orientation (as gensim's FastText): the centre c's input predicts
each context word x within the radius b (uniform in 1..window), K negatives drawn per pair,

    L(x, c) = −log σ(u_c·V[x]) − Σ_k log σ(−u_c·V[n_k]),   n_k ~ P_n(w) ∝ count(w)^0.75.

Both peers update the rows R_c after each pair, and the next pair reads them again. Adding e
to every row of R_c adds e to their mean, so the kernel reads R_c once per centre, keeps
u_c ← u_c + e_j after pair j, and writes Σ_j e_j to the rows at the end: the same updates,
without reading the rows again for every pair (gensim reads and writes all of R_c per
pair, |R_c| ≈ 15 rows of a matrix too large for the caches; a bucket repeated within one
word, a hash collision, would take e twice while u_c moves by e).

CBOW: h, the mean over every row of every context word (Σ_j |R_{x_j}| rows), predicts c
against K negatives.

The step is fastText's (Model::update) and gensim's (fasttext_inner.pyx): with s = σ(u·V[o])
and label 1 for the true output, 0 for a negative,

    V[o] += α(label − s)·u,   e = Σ_o α(label − s)·V[o],   U[r] += e for every r ∈ R,

each input row taking the whole of e, not e / |R| (the exact gradient of the mean): both
peers do so, as word2vec.c's CBOW does for its context words. V is [W, dim] as in the plain
kernels. Only the rows a step touches are written (Hogwild across threads).
"""

import numpy as np
from numba import njit, prange

from w2v.kernels.cbow import output_step
from w2v.kernels.prefetch import prefetch_row
from w2v.kernels.sampling import (
    draw_outputs,
    gather_window,
    stream_seed,
    subsample,
)

SGNS = 0  # as w2v.kernels.chunk
CBOW = 1


@njit(inline="always", cache=True)
def add_rows(U, n_words, sub_offsets, sub_buckets, w, h):
    """h += Σ_{r ∈ R_w} U[r]; returns |R_w|."""
    dim = U.shape[1]
    for d in range(dim):
        h[d] += U[w, d]
    a, b = sub_offsets[w], sub_offsets[w + 1]
    for p in range(a, b):
        r = n_words + sub_buckets[p]
        for d in range(dim):
            h[d] += U[r, d]
    return 1 + b - a


@njit(inline="always", cache=True)
def update_rows(U, n_words, sub_offsets, sub_buckets, w, e):
    """U[r] += e for every r ∈ R_w."""
    dim = U.shape[1]
    for d in range(dim):
        U[w, d] += e[d]
    for p in range(sub_offsets[w], sub_offsets[w + 1]):
        r = n_words + sub_buckets[p]
        for d in range(dim):
            U[r, d] += e[d]


@njit(inline="always", cache=True)
def prefetch_rows(U, n_words, sub_offsets, sub_buckets, w):
    """A hint: start loading the rows R_w."""
    prefetch_row(U, w)
    for p in range(sub_offsets[w], sub_offsets[w + 1]):
        prefetch_row(U, n_words + sub_buckets[p])


@njit(inline="always", cache=True)
def sg_centre(
    U, V, n_words, sub_offsets, sub_buckets, c, ctx, m, state, negative, noise_prob,
    noise_alias, outs, n_outs, alpha, S, G, F, h, e, e_sum,
):  # fmt: skip
    """Skip-gram: u_c against each context ctx[:m] in turn, with its K negatives, u_c
    taking each pair's step before the next (as R_c's rows would). The outputs of all
    pairs are drawn first, into outs (int64 [≥ m·(K + 1)]; their counts in n_outs), and
    their V rows prefetched while R_c is read. Writes R_c's rows of U, the V rows of the
    pairs, and the scratch (h, e, e_sum: float32 [dim]). Returns (state, Σ −log σ(±score),
    terms)."""
    dim = U.shape[1]
    width = negative + 1
    for j in range(m):
        state, n = draw_outputs(
            state, ctx[j], negative, noise_prob, noise_alias, outs[j * width : (j + 1) * width]
        )
        n_outs[j] = n
        for k in range(n):
            prefetch_row(V, outs[j * width + k])
    for d in range(dim):
        h[d] = 0.0
        e_sum[d] = 0.0
    count = add_rows(U, n_words, sub_offsets, sub_buckets, c, h)
    inv = np.float32(1.0) / np.float32(count)
    for d in range(dim):
        h[d] *= inv
    nll = 0.0
    terms = 0
    for j in range(m):
        for d in range(dim):
            e[d] = 0.0
        n_out = n_outs[j]
        nll += output_step(V, h, outs[j * width : j * width + n_out], n_out, alpha, S, G, F, e)
        terms += n_out
        for d in range(dim):
            h[d] += e[d]
            e_sum[d] += e[d]
    update_rows(U, n_words, sub_offsets, sub_buckets, c, e_sum)
    return state, nll, terms


@njit(inline="always", cache=True)
def cbow_centre(U, V, n_words, sub_offsets, sub_buckets, ctx, m, outs, n_out, alpha, S, G, F, h, e):
    """CBOW: h, the mean of every row of every context word ctx[:m], against V[outs[:n_out]]
    (outs[0] the centre). Writes those rows of U, V[outs] and the scratch; returns the loss."""
    dim = U.shape[1]
    for d in range(dim):
        h[d] = 0.0
        e[d] = 0.0
    count = 0
    for j in range(m):
        count += add_rows(U, n_words, sub_offsets, sub_buckets, ctx[j], h)
    inv = np.float32(1.0) / np.float32(count)
    for d in range(dim):
        h[d] *= inv
    nll = output_step(V, h, outs, n_out, alpha, S, G, F, e)
    for j in range(m):
        update_rows(U, n_words, sub_offsets, sub_buckets, ctx[j], e)
    return nll


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def subword_span(
    arch, U, V, n_words, sub_offsets, sub_buckets, ids, offsets, s0, s1, keep, noise_prob,
    noise_alias, window, negative, alpha0, alpha1, w_base, w_total, state,
):  # fmt: skip
    """Train sentences s0..s1−1 in order (as w2v.kernels.chunk.train_span walks them);
    returns (Σ −log-likelihood, number of terms)."""
    dim = U.shape[1]
    longest = 1
    for s in range(s0, s1):
        longest = max(longest, offsets[s + 1] - offsets[s])
    kept = np.empty(longest, np.int64)
    outs = np.empty(2 * window * (negative + 1), np.int64)  # skip-gram: every pair's
    n_outs = np.empty(2 * window, np.int64)
    ctx = np.empty(2 * window, np.int64)
    S = np.empty(negative + 1, np.float32)
    G = np.empty_like(S)
    F = np.empty_like(S)
    h = np.empty(dim, np.float32)
    e = np.empty(dim, np.float32)
    e_sum = np.empty(dim, np.float32)
    nll = 0.0
    terms = 0
    slope = (alpha1 - alpha0) / max(w_total, 1)
    for s in range(s0, s1):
        a = offsets[s]
        alpha = np.float32(alpha0 + slope * (a - w_base))
        state, n = subsample(ids, a, offsets[s + 1], keep, state, kept)
        for i in range(n):
            # the rows the next step reads first: the next centre's (skip-gram), the word
            # entering the window (CBOW)
            nxt = i + 1 if arch == SGNS else i + 1 + window
            if nxt < n:
                prefetch_rows(U, n_words, sub_offsets, sub_buckets, kept[nxt])
            state, m = gather_window(kept, n, i, state, window, ctx)
            if m == 0:
                continue
            if arch == SGNS:
                state, c_nll, c_terms = sg_centre(
                    U, V, n_words, sub_offsets, sub_buckets, kept[i], ctx, m, state, negative,
                    noise_prob, noise_alias, outs, n_outs, alpha, S, G, F, h, e, e_sum,
                )  # fmt: skip
                nll += c_nll
                terms += c_terms
            else:
                state, n_out = draw_outputs(state, kept[i], negative, noise_prob, noise_alias, outs)
                nll += cbow_centre(
                    U, V, n_words, sub_offsets, sub_buckets, ctx, m, outs, n_out, alpha, S, G,
                    F, h, e,
                )  # fmt: skip
                terms += n_out
    return nll, terms


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy", parallel=True)
def train_subword_chunk(
    arch, U, V, n_words, sub_offsets, sub_buckets, ids, offsets, spans, keep, noise_prob,
    noise_alias, window, negative, alpha0, alpha1, seed, stream, loss,
):  # fmt: skip
    """Train a chunk of the corpus, its spans in parallel (Hogwild), as
    w2v.kernels.chunk.train_chunk does, with subword inputs:

    U            float32 [W + B, dim]: word rows, then n-gram bucket rows; updated in place
    V            float32 [W, dim]: output vectors, updated in place
    n_words      W
    sub_offsets  int64 [W + 1], sub_buckets int32 [nnz]: word w's buckets are
                 sub_buckets[sub_offsets[w]:sub_offsets[w + 1]] (w2v.subwords.subword_table)

    and the other arguments as train_chunk's. Writes U, V and loss only; with one thread
    the result is a pure function of the arguments.
    """
    T = len(spans) - 1
    w_base = offsets[spans[0]]
    w_total = offsets[spans[T]] - w_base
    for t in prange(T):
        nll, terms = subword_span(
            arch, U, V, n_words, sub_offsets, sub_buckets, ids, offsets, spans[t],
            spans[t + 1], keep, noise_prob, noise_alias, window, negative, alpha0, alpha1,
            w_base, w_total, stream_seed(seed, stream, t),
        )  # fmt: skip
        loss[t, 0] = nll
        loss[t, 1] = terms


@njit(cache=True, nogil=True, parallel=True)
def word_vectors(U, n_words, sub_offsets, sub_buckets, out):
    """out[w] = u_w, the mean of U over R_w, for every word w < n_words (float32 [W, dim]):
    the vectors a subword model gives its vocabulary (fastText's getWordVector)."""
    dim = U.shape[1]
    for w in prange(n_words):
        h = out[w]
        for d in range(dim):
            h[d] = 0.0
        count = add_rows(U, n_words, sub_offsets, sub_buckets, w, h)
        inv = np.float32(1.0) / np.float32(count)
        for d in range(dim):
            h[d] *= inv
