"""Subword (fastText) skip-gram and CBOW with negative sampling: the walk and the steps.

The input matrix is fastText's: U float32 [W + B, dim], rows 0..W−1 the vocabulary words,
rows W..W+B−1 the n-gram buckets (w2v.subwords). Word w is seen through R_w, its own row and
the rows W + b of its n-grams' buckets b (b in sub_buckets[sub_offsets[w]:sub_offsets[w+1]]),
and its input is their mean

    u_w = (1 / |R_w|) Σ_{r ∈ R_w} U[r].

Skip-gram, in fastText's orientation (as gensim's FastText): the centre c's input predicts
each context word x_j within the radius b (uniform in 1..window) against K negatives,

    L(x_j, c) = −log σ(u_c·V[x_j]) − Σ_k log σ(−u_c·V[n_k]),   n_k ~ P_n(w) ∝ count(w)^0.75.

As the plain kernel (w2v.kernels.sgns), the K negatives are drawn once per centre and shared
by its 2b contexts, and the centre's Σ_j L(x_j, c) is one minibatch: u_c, the mean of R_c
read once, against the 2b context rows (label 1) and the K negative rows (label 0), each
negative n_k weighted by ω_k, the number of contexts x_j ≠ n_k (the pairs it is a negative
of: Σ_j L's negative terms are ω_k copies of the same term, u_c being one vector for all
pairs). The outputs are 2b + K rows instead of 2b·(1 + K), and they stay in L1 while the
step runs. fastText and gensim draw K per pair and step pair by pair, u_c moving after
each; scripts/bench_subwords.py measures the two against each other (scripts/results/
subwords.txt).

CBOW: h, the mean over every row of every context word (Σ_j |R_{x_j}| rows), predicts c
against K negatives.

The step is fastText's (Model::update) and gensim's (fasttext_inner.pyx): with s = σ(u·V[o])
and label 1 for the true output, 0 for a negative,

    V[o] += ω_o·α(label − s)·u,   e = Σ_o ω_o·α(label − s)·V[o],   U[r] += e for every r ∈ R,

(ω_o = 1 but for skip-gram's shared negatives), each input row taking the whole of e, not
e / |R| (the exact gradient of the mean): both peers do so, as word2vec.c's CBOW does for its
context words. V is [W, dim] as in the plain
kernels. Only the rows a step touches are written (Hogwild across threads).
"""

import numpy as np
from numba import njit, prange

from w2v.kernels.prefetch import prefetch_row
from w2v.kernels.sampling import (
    clamp,
    draw_alias,
    draw_outputs,
    exp,
    gather_window,
    log_sum,
    step,
    step_sizes,
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
def output_step(V, h, outs, n_out, alpha, S, G, F, e):
    """h (float32 [dim]) against V[outs[:n_out]], outs[0] the true output: V[o] += g_o·h
    and e += Σ_o g_o·V[o] (V as on entry), g_o = α(label − σ(h·V[o])). Returns
    Σ −log σ(±h·V[o]). The scores all come first, from V as it is on entry."""
    dim = V.shape[1]
    for k in range(n_out):
        o = outs[k]
        f = np.float32(0.0)
        for d in range(dim):
            f += h[d] * V[o, d]
        S[k] = clamp(f)
    step_sizes(S, 1, n_out, alpha, G, F)
    for k in range(n_out):
        g = G[k]
        o = outs[k]
        for d in range(dim):
            v = V[o, d]
            e[d] += g * v
            V[o, d] = v + g * h[d]
    return log_sum(F, n_out)


@njit(inline="always", cache=True)
def draw_shared_negatives(state, ctx, m, negative, noise_prob, noise_alias, outs, weight):
    """K draws from the noise table into outs[m:m + n], each with weight[k] = ω_k, the number
    of contexts ctx[:m] it differs from (a draw equal to every context is dropped, as
    word2vec.c drops a negative equal to its pair's output). Returns (state, n)."""
    n = 0
    for _ in range(negative):
        state, r = step(state)
        o = draw_alias(r, noise_prob, noise_alias)
        w = m
        for j in range(m):
            if ctx[j] == o:
                w -= 1
        if w > 0:
            outs[m + n] = o
            weight[n] = w
            n += 1
    return state, n


@njit(inline="always", cache=True)
def sg_centre(
    U, V, n_words, sub_offsets, sub_buckets, c, ctx, m, state, negative, noise_prob,
    noise_alias, outs, weight, alpha, S, G, F, h, e,
):  # fmt: skip
    """Skip-gram: one minibatch, u_c against the contexts ctx[:m] (label 1) and K shared
    negatives (label 0, weights ω). outs (int64 [≥ m + K]) takes the outputs, weight
    (int64 [≥ K]) the ω; S, G, F float32 [≥ m + K], h, e float32 [dim]. The scores all come
    first, from V as on entry; then per output in order e += g_o·V[o], V[o] += g_o·u_c,
    g_o = ω_o·α(label − σ(score)); then U[r] += e for r ∈ R_c. Returns (state,
    Σ ω·(−log σ(±score)), Σ ω)."""
    dim = U.shape[1]
    for j in range(m):
        outs[j] = ctx[j]
    state, n_neg = draw_shared_negatives(
        state, ctx, m, negative, noise_prob, noise_alias, outs, weight
    )
    n_out = m + n_neg
    for k in range(n_out):
        prefetch_row(V, outs[k])
    for d in range(dim):
        h[d] = 0.0
        e[d] = 0.0
    count = add_rows(U, n_words, sub_offsets, sub_buckets, c, h)
    inv = np.float32(1.0) / np.float32(count)
    for d in range(dim):
        h[d] *= inv
    for k in range(n_out):
        o = outs[k]
        f = np.float32(0.0)
        for d in range(dim):
            f += h[d] * V[o, d]
        S[k] = clamp(f)
    # G, F as step_sizes writes them, the negatives' scaled by ω
    one = np.float32(1.0)
    for k in range(m):
        x = exp(-S[k])
        G[k] = alpha * x / (one + x)
        F[k] = one + x
    nll = log_sum(F, m)
    terms = m
    for k in range(m, n_out):
        x = exp(-S[k])
        w = weight[k - m]
        G[k] = -alpha * np.float32(w) / (one + x)
        nll += w * np.log(one + one / x)
        terms += w
    for k in range(n_out):
        g = G[k]
        o = outs[k]
        for d in range(dim):
            v = V[o, d]
            e[d] += g * v
            V[o, d] = v + g * h[d]
    update_rows(U, n_words, sub_offsets, sub_buckets, c, e)
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
    outs = np.empty(2 * window + negative + 1, np.int64)  # skip-gram: contexts, negatives
    weight = np.empty(negative, np.int64)
    ctx = np.empty(2 * window, np.int64)
    S = np.empty(2 * window + negative + 1, np.float32)
    G = np.empty_like(S)
    F = np.empty_like(S)
    h = np.empty(dim, np.float32)
    e = np.empty(dim, np.float32)
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
                    noise_prob, noise_alias, outs, weight, alpha, S, G, F, h, e,
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
