"""fastText's character n-grams as kernels: their buckets for a whole vocabulary, and the
words' vectors of a fastText input matrix (w2v.subwords and w2v.io.fasttext call them)."""

import numpy as np
from numba import njit, prange

from w2v.subwords import _LOW32, FNV_OFFSET, FNV_PRIME


@njit(cache=True, nogil=True)
def fill_buckets(data, starts, minn, maxn, n_buckets, offsets, out):
    """Count (out empty) or write the buckets of each word data[starts[w]:starts[w + 1]]
    (bytes of "<word>"); returns the total count. See w2v.subwords.ngrams for the walk."""
    total = 0
    for w in range(len(starts) - 1):
        a, b = starts[w], starts[w + 1]
        offsets[w] = total
        for i in range(a, b):
            if data[i] & 0xC0 == 0x80:
                continue
            h = np.uint64(FNV_OFFSET)  # 32 bits kept in 64: Numba widens uint32 products
            j, n = i, 1
            while j < b and n <= maxn:
                while True:  # one character: its lead byte and continuation bytes
                    c = np.uint64(data[j])
                    if c >= 0x80:
                        c |= np.uint64(0xFFFFFF00)
                    h = ((h ^ c) * np.uint64(FNV_PRIME)) & np.uint64(_LOW32)
                    j += 1
                    if j >= b or data[j] & 0xC0 != 0x80:
                        break
                if n >= minn and not (n == 1 and (i == a or j == b)):
                    if len(out) > 0:
                        out[total] = np.int32(h % np.uint64(n_buckets))
                    total += 1
                n += 1
    offsets[len(starts) - 1] = total
    return total


@njit(parallel=True, cache=True)
def fasttext_word_vectors(input, first, nwords, offsets, buckets, eos, out):
    """out[i] = (input[w] + Σ_k input[nwords + buckets[k]]) * float32(1 / (1 + |G_w|)) for
    word w = first + i, k over its n-grams offsets[i]:offsets[i + 1] (none for word `eos`)."""
    for i in prange(out.shape[0]):
        a, b = offsets[i], offsets[i + 1]
        if first + i == eos:
            b = a
        for j in range(out.shape[1]):
            out[i, j] = input[first + i, j]
        for k in range(a, b):
            r = nwords + buckets[k]
            for j in range(out.shape[1]):
                out[i, j] += input[r, j]
        scale = np.float32(1.0 / (b - a + 1))
        for j in range(out.shape[1]):
            out[i, j] *= scale
