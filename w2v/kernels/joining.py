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
def _copy(out, n_out, x, x0, x1):
    """Write x[x0:x1] at out[n_out:]; returns the new end."""
    out[n_out : n_out + x1 - x0] = x[x0:x1]
    return n_out + x1 - x0


@njit(cache=True, nogil=True, inline="always")
def _gap_is(buf, w0, w1, sep, newlines):
    """Whether the whitespace buf[w0:w1] is already what the output puts there: `newlines`
    line breaks if it holds any, else the byte sep (0: nothing)."""
    if newlines:
        return w1 - w0 == newlines
    if sep == 0:
        return w1 == w0
    return w1 - w0 == 1 and buf[w0] == sep


@njit(cache=True, nogil=True)
def join_phrases(buf, pos, state, delim, max_sentence_len, slots, arena, pairs, out):
    """Write buf[pos:] to `out` with the phrases of the key table joined, as gensim's
    FrozenPhrases[sentence] joins them: left to right, the pending token a and the next
    token b become the one token a + delim + b when that key is a phrase, and the token
    after them starts afresh; otherwise b is pending. Only the pairs that the bitset
    `pairs` (mark_pairs) holds are looked up.

    The output is the tokens as they are, one space apart, lines ending in b"\\n" as in
    buf, and a line broken where a sentence is cut at max_sentence_len tokens, so that
    every output line is one sentence. Tokens are copied in runs: only a gap between them
    that differs from its output (a join, spaces to normalise, a cut) is written apart.
    The pending token and the gap after the last token wait for the next call (which
    gets the pending token first), so the output ends at whitespace as buf does. state
    int64 [4] carries a line across calls: [tokens of the current sentence, start and end
    in buf of the pending token (-1, -1: none), what the next gap becomes without a line
    break in it: 0 (nothing, a line starts), SPACE, or NEWLINE after a cut]. `out` needs
    len(buf) + (len(buf) // 2 + 1) · (len(delim) + 1) bytes. Writes out, state. Returns
    the number of bytes written.
    """
    n = len(buf)
    dn = len(delim)
    raw, c0, c1, sep = state[0], state[1], state[2], state[3]
    n_out = 0
    run = c0 if c0 >= 0 else pos  # buf[run:] is to be copied as far as it is decided
    while True:
        w0 = pos  # the gap before the next token, and its line breaks
        newlines = 0
        while pos < n and is_space(buf[pos]):
            newlines += buf[pos] == NEWLINE
            pos += 1
        if pos == n and newlines == 0:
            break  # the line goes on in the next call: the gap is not decided
        if newlines:
            raw, c0, c1, sep = 0, -1, -1, 0
            if not _gap_is(buf, w0, pos, sep, newlines):
                n_out = _copy(out, n_out, buf, run, w0)
                for _ in range(newlines):
                    out[n_out] = NEWLINE
                    n_out += 1
                run = pos
            if pos == n:
                w0 = n  # decided to the end
                break
        t0 = pos
        while pos < n and not is_space(buf[pos]):
            pos += 1
        joined = False
        if newlines == 0 and c0 >= 0 and _may_join(pairs, buf, c0, c1, t0, pos):
            h = key_hash(buf, c0, c1, delim, dn, buf, t0, pos)
            joined = slots[find(slots, arena, h, buf, c0, c1, delim, dn, buf, t0, pos)] >= 0
        if joined:
            n_out = _copy(out, n_out, buf, run, w0)
            n_out = _copy(out, n_out, delim, 0, dn)
            run = t0
            c0, c1 = -1, -1
        else:
            if newlines == 0 and not _gap_is(buf, w0, t0, sep, 0):
                n_out = _copy(out, n_out, buf, run, w0)
                if sep:
                    out[n_out] = sep
                    n_out += 1
                run = t0
            c0, c1 = t0, pos
        sep = SPACE
        raw += 1
        if raw == max_sentence_len:
            raw, c0, c1, sep = 0, -1, -1, NEWLINE
    n_out = _copy(out, n_out, buf, run, c0 if c0 >= 0 else w0)
    state[0], state[1], state[2], state[3] = raw, c0, c1, sep
    return n_out
