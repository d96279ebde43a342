"""The training walk shared by SGNS and CBOW: spans of sentences in parallel, each span's
sentences in order, each kept word in turn as the centre c.

For each sentence: subsample it (w2v.kernels.sampling.subsample); for each kept centre,
draw its outputs (c and K negatives from P_n; CBOW draws the negatives once for every
`shared` centres, w2v.kernels.cbow) and its window (radius b uniform in
1..window), then take one step of the architecture's loss: `sgns_centre` (each context
predicts c) or `cbow_centre` (the mean of the contexts predicts c). The next centre's
outputs are drawn, and their rows prefetched, while this one computes. With several
threads, each span steps on its own copy of the hottest output rows and publishes them every
few hundred centres (w2v.kernels.hotrows).
"""

import numpy as np
from numba import njit, prange

from w2v.kernels.cbow import cbow_centre
from w2v.kernels.hotrows import count_draws, private_rows, publish
from w2v.kernels.prefetch import prefetch_row
from w2v.kernels.sampling import (
    draw_outputs,
    gather_window,
    reuse_negatives,
    stream_seed,
    subsample,
)
from w2v.kernels.sgns import sgns_centre

SGNS = 0  # skip-gram: the loss of w2v.kernels.sgns
CBOW = 1  # continuous bag of words: the loss of w2v.kernels.cbow
ARCHS = {"sgns": SGNS, "cbow": CBOW}


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def train_span(
    arch, U, V, ids, offsets, s0, s1, keep, noise_prob, noise_alias, window, negative,
    alpha0, alpha1, w_base, w_total, state, hot, shared,
):  # fmt: skip
    """Train sentences s0..s1−1 in order; returns (Σ −log-likelihood, number of terms).

    Writes only the rows of U and V that its steps touch, the first `hot` rows of V through
    a private copy (w2v.kernels.hotrows). The learning rate at a sentence starting at word
    p is alpha0 + (alpha1 − alpha0)·(p − w_base) / w_total.
    """
    dim = U.shape[1]
    P, P0 = private_rows(V, hot)
    since = 0
    longest = 1
    for s in range(s0, s1):
        longest = max(longest, offsets[s + 1] - offsets[s])
    kept = np.empty(longest, np.int64)
    outs = np.empty(negative + 1, np.int64)
    outs_next = np.empty_like(outs)
    ctx = np.empty(2 * window, np.int64)
    # scratch: a score, step and loss factor per term (SGNS: per context and output);
    # two dim-vectors (SGNS: two contexts' gradients; CBOW: h and its gradient)
    S = np.empty((2 * window if arch == SGNS else 1) * (negative + 1), np.float32)
    G = np.empty_like(S)
    F = np.empty_like(S)
    A = np.empty(dim, np.float32)
    B = np.empty(dim, np.float32)
    nll = 0.0
    terms = 0
    slope = (alpha1 - alpha0) / max(w_total, 1)
    for s in range(s0, s1):
        a = offsets[s]
        alpha = np.float32(alpha0 + slope * (a - w_base))
        state, n = subsample(ids, a, offsets[s + 1], keep, state, kept)
        if n == 0:
            continue
        state, n_out = draw_outputs(state, kept[0], negative, noise_prob, noise_alias, outs)
        for i in range(n):
            n_next = 0
            if i + 1 < n:
                if arch == CBOW and (i + 1) % shared != 0:
                    n_next = reuse_negatives(kept[i + 1], outs, n_out, outs_next)
                    fresh = 1  # the negatives' rows are in cache already
                else:
                    state, n_next = draw_outputs(
                        state, kept[i + 1], negative, noise_prob, noise_alias, outs_next
                    )
                    fresh = n_next
                for k in range(fresh):
                    if outs_next[k] >= P.shape[0]:
                        prefetch_row(V, outs_next[k])
                if i + 1 + window < n:  # the word entering the window
                    prefetch_row(U, kept[i + 1 + window])
            state, m = gather_window(kept, n, i, state, window, ctx)
            if m > 0:
                if arch == SGNS:
                    nll += sgns_centre(U, V, P, ctx, m, outs, n_out, alpha, S, G, F, A, B)
                    terms += m * n_out
                else:
                    nll += cbow_centre(U, V, P, ctx, m, outs, n_out, alpha, S, G, F, A, B)
                    terms += n_out
                since = count_draws(V, P, P0, since, n_out)
            outs, outs_next = outs_next, outs
            n_out = n_next
    publish(V, P, P0)
    return nll, terms


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy", parallel=True)
def train_chunk(
    arch, U, V, ids, offsets, spans, keep, noise_prob, noise_alias, window, negative,
    alpha0, alpha1, seed, stream, loss, hot, shared,
):  # fmt: skip
    """Train a chunk of the corpus, its spans in parallel (Hogwild: lock-free, rows shared).

    arch         SGNS or CBOW
    U, V         float32 [V, dim], C-contiguous: input and output vectors, updated in place
                 (word2vec.c syn0 / syn1neg; gensim wv.vectors / syn1neg)
    ids          uint32 [N]: token ids, sentence after sentence
    offsets      int64 [S + 1]: sentence s is ids[offsets[s]:offsets[s + 1]]
    spans        int64 [T + 1]: span t is sentences spans[t]..spans[t+1]−1, one task per span
                 (call under numba.parallel_chunksize(1) to hand them out one at a time)
    keep         float32 [V]: probability of keeping an occurrence (Vocab.keep_probs(sample))
    noise_prob, noise_alias   float32 [V], int32 [V]: alias table of P_n (Vocab.noise_alias())
    window       maximum radius; each centre word draws its radius b uniformly in 1..window
    negative     K, negatives per centre word, shared by its contexts
    alpha0, alpha1            learning rate at the chunk's first word and after its last word,
                 interpolated linearly by word position (the caller applies any floor)
    seed, stream              span t draws from the stream stream_seed(seed, stream, t)
    loss         float64 [T, 2], written: (Σ −log σ(±score) over the terms trained, their
                 number; SGNS has a term per context and output, CBOW one per output)
    hot          H: each span steps on its own copy of V[:H], published every few centres
                 (w2v.kernels.hotrows.HOT_ROWS with several threads; 0 with one)
    shared       CBOW: consecutive centres of a sentence that share one draw of negatives
                 (w2v.kernels.cbow.NEGATIVES_SHARED; 1 draws for every centre, as word2vec.c)

    Writes U, V and loss only. With one thread the result is a pure function of the
    arguments; with several, concurrent updates of a shared row may interleave (Hogwild).
    """
    T = len(spans) - 1
    w_base = offsets[spans[0]]
    w_total = offsets[spans[T]] - w_base
    for t in prange(T):
        nll, terms = train_span(
            arch, U, V, ids, offsets, spans[t], spans[t + 1], keep, noise_prob, noise_alias,
            window, negative, alpha0, alpha1, w_base, w_total, stream_seed(seed, stream, t), hot,
            shared,
        )  # fmt: skip
        loss[t, 0] = nll
        loss[t, 1] = terms
