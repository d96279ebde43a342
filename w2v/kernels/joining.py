"""Joining phrases in text, as gensim's FrozenPhrases does (Numba).

The phrases are a key table (w2v.kernels.keytable) of the strings a + delimiter + b. The
text is a normalised block (w2v.scan); a sentence is a line cut into pieces of at most
`max_sentence_len` tokens, and phrases never span two.
"""

import numpy as np
from numba import njit

from w2v.kernels.keytable import NEWLINE, SPACE, find, is_space, key_hash, key_len, record_size

PAIR_BITS = 1 << 22  # the bitset of mark_pairs: uint64 [PAIR_BITS // 64], 512 KB


@njit(cache=True, nogil=True, inline="always")
def _signature(x, x0, x1):
    """20 bits of a token: its length (mod 16), first and last bytes. No multiply chain."""
    return ((x1 - x0) & 15) << 16 | np.int64(x[x0]) << 8 | np.int64(x[x1 - 1])


@njit(cache=True, nogil=True, inline="always")
def _pair_bit(x, a0, a1, y, b0, b1):
    """The bit of the token pair (x[a0:a1], y[b0:b1]) in a PAIR_BITS bitset."""
    mixed = np.uint64(_signature(x, a0, a1)) * np.uint64(0x9E3779B97F4A7C15)
    return np.int64((mixed >> np.uint64(40)) ^ np.uint64(_signature(y, b0, b1))) & (PAIR_BITS - 1)


@njit(cache=True, nogil=True)
def mark_pairs(arena, used, delim, pairs):
    """Set in the bitset `pairs` (uint64 [PAIR_BITS // 64]) the `_pair_bit` of (a, b) for
    every split of a key of arena[:used] as a + delim + b (a and b not empty). Writes
    pairs."""
    dn = len(delim)
    pairs[:] = 0
    o = 0
    while o < used:
        a = o + 8
        end = a + key_len(arena, o)
        for k in range(a + 1, end - dn):
            match = True
            for j in range(dn):
                if arena[k + j] != delim[j]:
                    match = False
                    break
            if match:
                bit = _pair_bit(arena, a, k, arena, k + dn, end)
                pairs[bit >> 6] |= np.uint64(1) << np.uint64(bit & 63)
        o += record_size(end - a)


@njit(cache=True, nogil=True, inline="always")
def _may_join(pairs, x, a0, a1, b0, b1):
    """Whether x[a0:a1] + delim + x[b0:b1] may be a key (mark_pairs); most pairs are not."""
    bit = _pair_bit(x, a0, a1, x, b0, b1)
    return (pairs[bit >> 6] >> np.uint64(bit & 63)) & np.uint64(1) != 0


@njit(cache=True, nogil=True, inline="always")
def _emit(out, n_out, sep, x, x0, x1, d, dn, y, y0, y1):
    """Write the byte `sep` (0: none) then x[x0:x1] + d[:dn] + y[y0:y1] at out[n_out:];
    returns the new end."""
    if sep:
        out[n_out] = sep
        n_out += 1
    for k in range(x0, x1):
        out[n_out] = x[k]
        n_out += 1
    for k in range(dn):
        out[n_out] = d[k]
        n_out += 1
    for k in range(y0, y1):
        out[n_out] = y[k]
        n_out += 1
    return n_out


@njit(cache=True, nogil=True)
def join_phrases(buf, pos, state, delim, max_sentence_len, slots, arena, pairs, out):
    """Write buf[pos:] to `out` with the phrases of the key table joined, as gensim's
    FrozenPhrases[sentence] joins them: left to right, the pending token a and the next
    token b become the one token a + delim + b when that key is a phrase, and the token
    after them starts afresh; otherwise a is written and b is pending. Only the pairs that
    the bitset `pairs` (mark_pairs) holds are looked up.

    Tokens are written one space apart and lines end in b"\\n" as in buf; a sentence cut
    at max_sentence_len tokens ends its output line there, so every output line is one
    sentence. state int64 [4] carries a line across calls: [tokens of the current
    sentence, start and end in buf of the pending token (-1, -1: none), the byte written
    before the next token: 0 (none, a line starts), SPACE, or NEWLINE after a cut]. `out`
    needs len(buf) + (len(buf) // 2 + 1) · (len(delim) + 1) bytes. Writes out, state.
    Returns the number of bytes written.
    """
    n = len(buf)
    dn = len(delim)
    raw, c0, c1, sep = state[0], state[1], state[2], state[3]
    n_out = 0
    while pos < n:
        b = buf[pos]
        if is_space(b):
            if b == NEWLINE:
                if c0 >= 0:
                    n_out = _emit(out, n_out, sep, buf, c0, c1, delim, 0, buf, 0, 0)
                    c0, c1 = -1, -1
                out[n_out] = NEWLINE
                n_out += 1
                raw, sep = 0, 0
            pos += 1
            continue
        t0 = pos
        while pos < n and not is_space(buf[pos]):
            pos += 1
        raw += 1
        if c0 < 0:
            c0, c1 = t0, pos
        else:
            joined = False
            if _may_join(pairs, buf, c0, c1, t0, pos):
                h = key_hash(buf, c0, c1, delim, dn, buf, t0, pos)
                joined = slots[find(slots, arena, h, buf, c0, c1, delim, dn, buf, t0, pos)] >= 0
            if joined:
                n_out = _emit(out, n_out, sep, buf, c0, c1, delim, dn, buf, t0, pos)
                c0, c1 = -1, -1
            else:
                n_out = _emit(out, n_out, sep, buf, c0, c1, delim, 0, buf, 0, 0)
                c0, c1 = t0, pos
            sep = SPACE
        if raw == max_sentence_len:
            if c0 >= 0:
                n_out = _emit(out, n_out, sep, buf, c0, c1, delim, 0, buf, 0, 0)
                c0, c1 = -1, -1
            raw, sep = 0, NEWLINE
    state[0], state[1], state[2], state[3] = raw, c0, c1, sep
    return n_out
