"""Co-occurrence counting over an encoded corpus, as sorted runs of pair keys.

A pair of token positions p < q of one sentence, at distance d = q - p <= window, holding
words a = ids[p] and b = ids[q], is emitted as one int64 key

    key = ((min(a, b) · V + max(a, b)) << cbits) | cls,     cls = 2 (d - 1) + (k - 1)

where k ∈ {1, 2} says from how many of the two ends the pair is seen: always 2 with a fixed
window; with a dynamic window, position p sees q when d <= r_p (its sampled radius) and q
sees p when d <= r_q. The pair is worth weights[cls] = (k / 2) · (1/d if harmonic else 1),
so the upper triangle T of the symmetric matrix is X = T + Tᵀ. Keys of a span are sorted
and run-length reduced to (pair, weight sum); runs are merged, summing equal pairs. Memory
is bounded by the distinct pairs and one batch of keys, never by V².

The radius of position p is 1 + SplitMix64(seed·γ ⊕ p) mod window (the generator of
w2v.kernels.sampling: one output of the stream whose state is seed·γ ⊕ p): reproducible
whatever the number of threads or the split into spans, so a brute force can draw the same
radii.
"""

import numpy as np
from numba import njit, prange

from w2v.kernels.sampling import GOLDEN, step


@njit(cache=True, nogil=True, fastmath=True)
def radius(seed, position, window):
    """Dynamic window radius of the token at `position`: uniform in 1..window (word2vec's
    `window - rand() % window`), a pure function of (seed, position)."""
    _, h = step(np.uint64(seed) * GOLDEN ^ np.uint64(position))
    return 1 + np.int64(h % np.uint64(window))


@njit(cache=True, nogil=True, fastmath=True)
def emit_pairs(ids, offsets, s0, s1, n_words, window, dynamic, seed, cbits, keys):
    """Write the keys of every pair of sentences s0..s1-1 into keys[0:n]; returns n."""
    n = 0
    V = np.int64(n_words)
    for s in range(s0, s1):
        start, end = offsets[s], offsets[s + 1]
        for p in range(start, end):
            a = np.int64(ids[p])
            r_p = radius(seed, p, window) if dynamic else window
            for q in range(p + 1, min(p + window + 1, end)):
                d = q - p
                k = 2
                if dynamic:
                    k = (d <= r_p) + (d <= radius(seed, q, window))
                    if k == 0:
                        continue
                b = np.int64(ids[q])
                lo, hi = (a, b) if a <= b else (b, a)
                key = lo * V + hi
                if cbits:
                    key = (key << cbits) | (2 * (d - 1) + (k - 1))
                keys[n] = key
                n += 1
    return n


@njit(cache=True, nogil=True, fastmath=True)
def radix_sort(keys, aux, key_bits):
    """Sort non-negative keys (int64 [n], all < 2**key_bits) in place, least significant
    11-bit digit first; aux (int64 [>= n]) is scratch."""
    n = len(keys)
    bins = 1 << 11
    src, dst = keys, aux[:n]
    count = np.empty(bins, np.int64)
    for shift in range(0, key_bits, 11):
        count[:] = 0
        for i in range(n):
            count[(src[i] >> shift) & (bins - 1)] += 1
        if count.max() == n:  # one digit value: already in order for this digit
            continue
        total = 0
        for d in range(bins):
            c = count[d]
            count[d] = total
            total += c
        for i in range(n):
            d = (src[i] >> shift) & (bins - 1)
            dst[count[d]] = src[i]
            count[d] += 1
        src, dst = dst, src
    if src is not keys:
        keys[:] = src


@njit(cache=True, nogil=True, fastmath=True)
def reduce_sorted(keys, n, cbits, weights, out_keys, out_vals):
    """Run-length reduce sorted keys[0:n]: write each distinct pair (key >> cbits) to out_keys
    and the sum of its weights[key & mask] to out_vals; returns how many. out_keys may be keys."""
    mask = (np.int64(1) << cbits) - 1
    m = 0
    i = 0
    while i < n:
        pair = keys[i] >> cbits
        total = 0.0
        while i < n and (keys[i] >> cbits) == pair:
            total += weights[keys[i] & mask]
            i += 1
        out_keys[m] = pair
        out_vals[m] = total
        m += 1
    return m


@njit(cache=True, nogil=True, fastmath=True)
def merge_runs(ka, va, kb, vb, out_keys, out_vals):
    """Merge two sorted runs of distinct keys, summing the values of equal keys, into
    out_keys/out_vals (len >= len(ka) + len(kb)); returns the merged length."""
    i = j = m = 0
    na, nb = len(ka), len(kb)
    while i < na and j < nb:
        if ka[i] < kb[j]:
            out_keys[m] = ka[i]
            out_vals[m] = va[i]
            i += 1
        elif kb[j] < ka[i]:
            out_keys[m] = kb[j]
            out_vals[m] = vb[j]
            j += 1
        else:
            out_keys[m] = ka[i]
            out_vals[m] = va[i] + vb[j]
            i += 1
            j += 1
        m += 1
    while i < na:
        out_keys[m] = ka[i]
        out_vals[m] = va[i]
        i += 1
        m += 1
    while j < nb:
        out_keys[m] = kb[j]
        out_vals[m] = vb[j]
        j += 1
        m += 1
    return m


@njit(cache=True, nogil=True, fastmath=True, parallel=True)
def count_spans(
    ids, offsets, span_sents, slots, n_words, window, dynamic, seed, cbits, key_bits, weights,
    keys, vals, n_run,
):  # fmt: skip
    """Span i (sentences span_sents[i]..span_sents[i+1]-1) owns keys/vals[slots[i]:slots[i+1]]:
    emit its pairs there, sort them (vals is the sort's scratch, viewed as int64), reduce them
    in place; n_run[i] = its number of distinct pairs."""
    for i in prange(len(span_sents) - 1):
        lo, hi = slots[i], slots[i + 1]
        span_keys = keys[lo:hi]
        n = emit_pairs(
            ids,
            offsets,
            span_sents[i],
            span_sents[i + 1],
            n_words,
            window,
            dynamic,
            seed,
            cbits,
            span_keys,
        )
        run = span_keys[:n]
        radix_sort(run, vals[lo:hi].view(np.int64), key_bits)
        n_run[i] = reduce_sorted(run, n, cbits, weights, run, vals[lo:hi])


@njit(cache=True, nogil=True, fastmath=True, parallel=True)
def merge_level(keys, vals, slots, n_run, out_keys, out_vals, out_n):
    """Merge runs 2j and 2j+1 (run i at slots[i], n_run[i] long) into out at slots[2j];
    out_n[j] = merged length. An odd last run is copied."""
    n_pairs = (len(n_run) + 1) // 2
    for j in prange(n_pairs):
        a = 2 * j
        lo_a = slots[a]
        if a + 1 == len(n_run):
            n = n_run[a]
            out_keys[lo_a : lo_a + n] = keys[lo_a : lo_a + n]
            out_vals[lo_a : lo_a + n] = vals[lo_a : lo_a + n]
            out_n[j] = n
            continue
        lo_b = slots[a + 1]
        out_n[j] = merge_runs(
            keys[lo_a : lo_a + n_run[a]],
            vals[lo_a : lo_a + n_run[a]],
            keys[lo_b : lo_b + n_run[a + 1]],
            vals[lo_b : lo_b + n_run[a + 1]],
            out_keys[lo_a:],
            out_vals[lo_a:],
        )


@njit(cache=True, nogil=True, fastmath=True)
def csr_from_upper(pairs, vals, n_words, indptr, indices, data):
    """Fill the CSR arrays of X = T + Tᵀ from the sorted upper-triangle entries of T
    (pair = a · V + b, a <= b). indptr: int64 [V + 1]; indices, data: [nnz]. Columns come
    out sorted within each row: the transposed entries (column a < row) arrive first, in
    increasing a, then the row's own entries in increasing b."""
    V = np.int64(n_words)
    indptr[:] = 0
    for t in range(len(pairs)):
        a = pairs[t] // V
        b = pairs[t] - a * V
        indptr[a + 1] += 1
        if a != b:
            indptr[b + 1] += 1
    for r in range(V):
        indptr[r + 1] += indptr[r]
    cursor = indptr[:-1].copy()
    for t in range(len(pairs)):
        a = pairs[t] // V
        b = pairs[t] - a * V
        if a == b:
            indices[cursor[a]] = a
            data[cursor[a]] = 2.0 * vals[t]
            cursor[a] += 1
        else:
            indices[cursor[a]] = b
            data[cursor[a]] = vals[t]
            cursor[a] += 1
            indices[cursor[b]] = a
            data[cursor[b]] = vals[t]
            cursor[b] += 1
