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
against K negatives. Both peers read and write all those rows (~150: 10 words of ~15 rows)
for every centre, and each word stays in ~2·window windows in a row; the kernel keeps a
running sum of each position's rows and its pending steps while it is within reach of the
centre (cbow_sentence), so a word's rows are read and written once per position: the same
steps when no two positions within reach share a row, 1.7x faster on gcide_wn.

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
from w2v.kernels.hotrows import count_draws, private_rows, publish
from w2v.kernels.prefetch import prefetch_row
from w2v.kernels.sampling import (
    GOLDEN,
    below,
    draw_outputs,
    gather_window,
    mix,
    step,
    stream_seed,
    subsample,
    unit24,
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
    U, V, P, n_words, sub_offsets, sub_buckets, c, ctx, m, state, negative, noise_prob,
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
            if outs[j * width + k] >= P.shape[0]:
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
        nll += output_step(V, P, h, outs[j * width : j * width + n_out], n_out, alpha, S, G, F, e)
        terms += n_out
        for d in range(dim):
            h[d] += e[d]
            e_sum[d] += e[d]
    update_rows(U, n_words, sub_offsets, sub_buckets, c, e_sum)
    return state, nll, terms


@njit(inline="always", cache=True)
def cbow_sentence(
    U, V, P, P0, since, n_words, sub_offsets, sub_buckets, kept, n, state, window, negative,
    noise_prob, noise_alias, outs, alpha, S, G, F, h, e, Q, E, sizes,
):  # fmt: skip
    """CBOW over the kept words kept[:n] of one sentence, each in turn the centre c: h, the
    mean of every row of every context word (radius b uniform in 1..window), against c
    and K negatives. Returns (state, Σ −log σ(±score), terms, since): the output rows
    below P.shape[0] live in the span's copy P, published as w2v.kernels.hotrows does
    (`since` counts the outputs drawn since the last publication).

    A position p holds Q_p, the sum of its word's rows R_p, and E_p, the steps it has
    taken (scratch Q, E: float32 [2·window + 1, dim], a ring by position; sizes: int64
    [2·window + 1], |R_p|). Q_p is read from U once, when p comes within `window` of the
    centre; a step e on p adds e to E_p and |R_p|·e to Q_p, as adding e to each row would;
    E_p is added to the rows of R_p once, when no later centre can reach p. Each position's
    rows are read and written once instead of once per centre whose window holds it
    (~2·window times): a word's own earlier steps are in its Q_p at once, another
    position's steps to rows they share (the same word twice, a common n-gram) reach U,
    and the h that read them, when that position leaves the window."""
    dim = U.shape[1]
    ring = Q.shape[0]
    nll = 0.0
    terms = 0
    entered = 0  # positions 0..entered−1 have their Q_p, E_p
    for i in range(n):
        while entered < n and entered <= i + window:
            slot = entered % ring
            for d in range(dim):
                Q[slot, d] = 0.0
                E[slot, d] = 0.0
            sizes[slot] = add_rows(U, n_words, sub_offsets, sub_buckets, kept[entered], Q[slot])
            entered += 1
        if entered < n:  # the rows the next centre reads first
            prefetch_rows(U, n_words, sub_offsets, sub_buckets, kept[entered])
        state, r = step(state)
        b = 1 + below(r, window)  # as gather_window draws it
        lo, hi = max(0, i - b), min(n, i + b + 1)
        if hi - lo > 1:
            state, n_out = draw_outputs(state, kept[i], negative, noise_prob, noise_alias, outs)
            for d in range(dim):
                h[d] = 0.0
                e[d] = 0.0
            count = 0
            for p in range(lo, hi):
                if p != i:
                    slot = p % ring
                    count += sizes[slot]
                    for d in range(dim):
                        h[d] += Q[slot, d]
            inv = np.float32(1.0) / np.float32(count)
            for d in range(dim):
                h[d] *= inv
            nll += output_step(V, P, h, outs, n_out, alpha, S, G, F, e)
            terms += n_out
            since = count_draws(V, P, P0, since, n_out)
            for p in range(lo, hi):
                if p != i:
                    slot = p % ring
                    size = np.float32(sizes[slot])
                    for d in range(dim):
                        E[slot, d] += e[d]
                        Q[slot, d] += size * e[d]
        if i >= window:  # no later centre reaches position i − window
            update_rows(
                U, n_words, sub_offsets, sub_buckets, kept[i - window], E[(i - window) % ring]
            )
    for p in range(max(0, n - window), n):
        update_rows(U, n_words, sub_offsets, sub_buckets, kept[p], E[p % ring])
    return state, nll, terms, since


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def subword_span(
    arch, U, V, n_words, sub_offsets, sub_buckets, ids, offsets, s0, s1, keep, noise_prob,
    noise_alias, window, negative, alpha0, alpha1, w_base, w_total, state, hot,
):  # fmt: skip
    """Train sentences s0..s1−1 in order (as w2v.kernels.chunk.train_span walks them, the
    first `hot` rows of V through a private copy); returns (Σ −log-likelihood, number of
    terms)."""
    dim = U.shape[1]
    P, P0 = private_rows(V, hot)
    since = 0
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
    ring = 2 * window + 1 if arch == CBOW else 1  # CBOW: the positions within reach
    Q = np.empty((ring, dim), np.float32)
    E = np.empty((ring, dim), np.float32)
    sizes = np.empty(ring, np.int64)
    nll = 0.0
    terms = 0
    slope = (alpha1 - alpha0) / max(w_total, 1)
    for s in range(s0, s1):
        a = offsets[s]
        alpha = np.float32(alpha0 + slope * (a - w_base))
        state, n = subsample(ids, a, offsets[s + 1], keep, state, kept)
        if arch == CBOW:
            state, s_nll, s_terms, since = cbow_sentence(
                U, V, P, P0, since, n_words, sub_offsets, sub_buckets, kept, n, state, window,
                negative, noise_prob, noise_alias, outs, alpha, S, G, F, h, e, Q, E, sizes,
            )  # fmt: skip
            nll += s_nll
            terms += s_terms
            continue
        for i in range(n):
            if i + 1 < n:  # the rows the next centre reads first
                prefetch_rows(U, n_words, sub_offsets, sub_buckets, kept[i + 1])
            state, m = gather_window(kept, n, i, state, window, ctx)
            if m == 0:
                continue
            state, c_nll, c_terms = sg_centre(
                U, V, P, n_words, sub_offsets, sub_buckets, kept[i], ctx, m, state, negative,
                noise_prob, noise_alias, outs, n_outs, alpha, S, G, F, h, e, e_sum,
            )  # fmt: skip
            nll += c_nll
            terms += c_terms
            since = count_draws(V, P, P0, since, c_terms)
    publish(V, P, P0)
    return nll, terms


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy", parallel=True)
def train_subword_chunk(
    arch, U, V, n_words, sub_offsets, sub_buckets, ids, offsets, spans, keep, noise_prob,
    noise_alias, window, negative, alpha0, alpha1, seed, stream, loss, hot,
):  # fmt: skip
    """Train a chunk of the corpus, its spans in parallel (Hogwild), as
    w2v.kernels.chunk.train_chunk does, with subword inputs:

    U            float32 [W + B, dim]: word rows, then n-gram bucket rows; updated in place
    V            float32 [W, dim]: output vectors, updated in place
    n_words      W
    sub_offsets  int64 [W + 1], sub_buckets int32 [nnz]: word w's buckets are
                 sub_buckets[sub_offsets[w]:sub_offsets[w + 1]] (w2v.subwords.subword_table)

    and the other arguments as train_chunk's (hot included). Writes U, V and loss only;
    with one thread the result is a pure function of the arguments.
    """
    T = len(spans) - 1
    w_base = offsets[spans[0]]
    w_total = offsets[spans[T]] - w_base
    for t in prange(T):
        nll, terms = subword_span(
            arch, U, V, n_words, sub_offsets, sub_buckets, ids, offsets, spans[t],
            spans[t + 1], keep, noise_prob, noise_alias, window, negative, alpha0, alpha1,
            w_base, w_total, stream_seed(seed, stream, t), hot,
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


UNIFORM_BLOCK = 4096  # rows a random stream fills: the draw does not depend on the threads


@njit(inline="always", cache=True)
def uniform_row(U, r, k, seed, scale):
    """U[r] = the start of bucket k, uniform in (−scale, scale): the draws k_in·dim + 1 … of
    the stream (seed, 1, k // UNIFORM_BLOCK), k_in = k % UNIFORM_BLOCK (each block of
    UNIFORM_BLOCK buckets from its own stream, so no draw depends on the threads)."""
    dim = U.shape[1]
    half = np.float32(0.5 / 16777216.0)  # half a step of unit24: symmetric, strictly inside
    two = np.float32(2.0)
    one = np.float32(1.0)
    state = stream_seed(seed, 1, k // UNIFORM_BLOCK)
    # the k-th step of a stream is mix(state + k·γ) (sampling.step): computed from k, the
    # draws of a row do not wait on each other, and the loop vectorises
    at = state + np.uint64((k % UNIFORM_BLOCK) * dim) * GOLDEN
    for d in range(dim):
        bits = mix(at + np.uint64(d + 1) * GOLDEN)
        U[r, d] = ((unit24(bits) + half) * two - one) * scale


@njit(cache=True, nogil=True, parallel=True)
def bucket_rows(out, rows, trained, used, seed, scale):
    """out[j] = the row of bucket rows[j], for every j, in parallel: trained[p] where
    used[p] == rows[j] (used: int64 [B'] ascending; trained: float32 [B', dim]), else the
    bucket's start (uniform_row). With nothing trained (B' = 0), the start of every bucket
    asked: SubwordInputs.initial_input's; otherwise NgramRows' rows."""
    for j in prange(len(rows)):
        r = rows[j]
        p = np.searchsorted(used, r)
        if p < len(used) and used[p] == r:
            out[j, :] = trained[p]
        else:
            uniform_row(out, j, r, seed, scale)
