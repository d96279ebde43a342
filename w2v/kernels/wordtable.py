"""Counting and encoding whitespace-separated byte tokens with an open-addressing hash table.

The table holds n distinct tokens ("entries") in first-appearance order:

    slots   int64 [C]   entry index or -1; C is a power of two, kept at most half full
    hashes  uint64 [E]  FNV-1a hash of each entry's bytes
    starts  int64 [E]   where an entry's bytes begin in `arena`
    lens    int64 [E]   their length
    counts  int64 [E]   occurrences
    arena   uint8 [A]   the entries' bytes, one after another

Keys are compared byte for byte, so counts are exact whatever the hash does. Tokens are
separated by ASCII whitespace; b"\\n" also ends a line. Kernels that may need more room stop
at the start of the token that did not fit and return where they stopped; the caller grows
the arrays and calls again.
"""

import numpy as np
from numba import njit

_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)
NEWLINE = 10


@njit(cache=True, nogil=True, inline="always")
def _is_space(b):
    return b == 32 or (9 <= b <= 13)


@njit(cache=True, nogil=True)
def fnv1a(buf, start, end):
    """64-bit FNV-1a hash of buf[start:end]."""
    h = _FNV_OFFSET
    for k in range(start, end):
        h ^= np.uint64(buf[k])
        h *= _FNV_PRIME
    return h


@njit(cache=True, nogil=True)
def find(buf, start, end, h, slots, hashes, starts, lens, arena):
    """Slot of the token buf[start:end] with hash h: an entry's slot, or the empty slot
    where it would go (slots[result] == -1)."""
    mask = len(slots) - 1
    s = np.int64(h & np.uint64(mask))
    n = end - start
    while True:
        e = slots[s]
        if e < 0:
            return s
        if hashes[e] == h and lens[e] == n:
            a = starts[e]
            same = True
            for k in range(n):
                if arena[a + k] != buf[start + k]:
                    same = False
                    break
            if same:
                return s
        s = (s + 1) & mask


@njit(cache=True, nogil=True)
def count_tokens(buf, pos, slots, hashes, starts, lens, counts, n_entries, arena, arena_used):
    """Count the tokens of buf[pos:] into the table.

    Writes slots, hashes, starts, lens, counts, arena. Returns (pos, n_entries, arena_used,
    tokens): pos == len(buf) when done, else where it stopped for lack of room.
    """
    n = len(buf)
    tokens = 0
    while pos < n:
        while pos < n and _is_space(buf[pos]):
            pos += 1
        if pos >= n:
            break
        end = pos
        while end < n and not _is_space(buf[end]):
            end += 1
        h = fnv1a(buf, pos, end)
        s = find(buf, pos, end, h, slots, hashes, starts, lens, arena)
        e = slots[s]
        if e >= 0:
            counts[e] += 1
        else:
            length = end - pos
            if (
                n_entries == len(counts)
                or arena_used + length > len(arena)
                or 2 * (n_entries + 1) > len(slots)
            ):
                return pos, n_entries, arena_used, tokens
            arena[arena_used : arena_used + length] = buf[pos:end]
            hashes[n_entries] = h
            starts[n_entries] = arena_used
            lens[n_entries] = length
            counts[n_entries] = 1
            slots[s] = n_entries
            arena_used += length
            n_entries += 1
        tokens += 1
        pos = end
    return pos, n_entries, arena_used, tokens


@njit(cache=True, nogil=True)
def merge_entries(
    slots, hashes, starts, lens, counts, n_entries, arena, arena_used,
    b_arena, b_starts, b_lens, b_hashes, b_counts, b_n,
):  # fmt: skip
    """Add the b_n entries of table B (its arena, starts, lens, hashes, counts) to this
    table: a known entry's count grows, a new one is appended, in B's order. The caller
    makes room first (entries, arena bytes, slots at most half full afterwards). Returns
    (n_entries, arena_used)."""
    for f in range(b_n):
        a = b_starts[f]
        length = b_lens[f]
        h = b_hashes[f]
        s = find(b_arena, a, a + length, h, slots, hashes, starts, lens, arena)
        e = slots[s]
        if e >= 0:
            counts[e] += b_counts[f]
            continue
        arena[arena_used : arena_used + length] = b_arena[a : a + length]
        hashes[n_entries] = h
        starts[n_entries] = arena_used
        lens[n_entries] = length
        counts[n_entries] = b_counts[f]
        slots[s] = n_entries
        arena_used += length
        n_entries += 1
    return n_entries, arena_used


@njit(cache=True, nogil=True)
def rehash(slots, hashes, n_entries):
    """Refill `slots` (all -1 on entry) from the first n_entries hashes. Writes slots."""
    mask = len(slots) - 1
    for e in range(n_entries):
        s = np.int64(hashes[e] & np.uint64(mask))
        while slots[s] >= 0:
            s = (s + 1) & mask
        slots[s] = e


@njit(cache=True, nogil=True)
def encode_tokens(buf, slots, hashes, starts, lens, arena, ids, ends, state, max_sentence_len):
    """Encode buf's tokens as entry indices, dropping unknown tokens, and record sentence ends.

    A sentence ends at a newline or after `max_sentence_len` tokens (known or not) of a
    line; an empty sentence is not recorded. state (int64 [3]) carries across blocks:
    [tokens of the current line piece, kept tokens so far, kept count at sentence start].
    Writes ids (uint32, room for every token of buf), ends (int64), state.
    Returns (ids written, ends written, tokens seen).
    """
    n = len(buf)
    pos = 0
    n_ids = 0
    n_ends = 0
    seen = 0
    raw, kept, begin = state[0], state[1], state[2]
    while pos < n:
        b = buf[pos]
        if _is_space(b):
            if b == NEWLINE:
                if kept > begin:
                    ends[n_ends] = kept
                    n_ends += 1
                    begin = kept
                raw = 0
            pos += 1
            continue
        end = pos
        while end < n and not _is_space(buf[end]):
            end += 1
        h = fnv1a(buf, pos, end)
        e = slots[find(buf, pos, end, h, slots, hashes, starts, lens, arena)]
        if e >= 0:
            ids[n_ids] = e
            n_ids += 1
            kept += 1
        seen += 1
        raw += 1
        if raw == max_sentence_len:
            if kept > begin:
                ends[n_ends] = kept
                n_ends += 1
                begin = kept
            raw = 0
        pos = end
    state[0], state[1], state[2] = raw, kept, begin
    return n_ids, n_ends, seen
