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

Counting can also *record* the text: its tokens' entry indices, with LINE for each newline
(uint32, a "stream"). Encoding the stream (`encode_stream`) then needs no second read and no
hashing: it is `encode_tokens` with the lookup already done.
"""

import numpy as np
from numba import njit

_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)
NEWLINE = 10
LINE = np.uint32(0xFFFFFFFF)  # a newline, in a recorded stream
DROP = np.uint32(0xFFFFFFFF)  # an entry that has no id, in encode_stream's id_of


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
def count_tokens(
    buf, pos, slots, hashes, starts, lens, counts, n_entries, arena, arena_used, stream, n_stream
):  # fmt: skip
    """Count the tokens of buf[pos:] into the table; record them unless `stream` is empty.

    Writes slots, hashes, starts, lens, counts, arena, and stream[n_stream:] (uint32, room
    for a value per token and newline of buf[pos:], or length 0): each token's entry index,
    LINE for each newline. Returns (pos, n_entries, arena_used, tokens, n_stream): pos ==
    len(buf) when done, else where it stopped for lack of room.
    """
    n = len(buf)
    record = len(stream) > 0
    tokens = 0
    while pos < n:
        while pos < n and _is_space(buf[pos]):
            if record and buf[pos] == NEWLINE:
                stream[n_stream] = LINE
                n_stream += 1
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
                return pos, n_entries, arena_used, tokens, n_stream
            arena[arena_used : arena_used + length] = buf[pos:end]
            hashes[n_entries] = h
            starts[n_entries] = arena_used
            lens[n_entries] = length
            counts[n_entries] = 1
            slots[s] = n_entries
            e = n_entries
            arena_used += length
            n_entries += 1
        if record:
            stream[n_stream] = e
            n_stream += 1
        tokens += 1
        pos = end
    return pos, n_entries, arena_used, tokens, n_stream


@njit(cache=True, nogil=True)
def merge_entries(
    slots, hashes, starts, lens, counts, n_entries, arena, arena_used,
    b_arena, b_starts, b_lens, b_hashes, b_counts, b_n, where,
):  # fmt: skip
    """Add the b_n entries of table B (its arena, starts, lens, hashes, counts) to this
    table: a known entry's count grows, a new one is appended, in B's order. The caller
    makes room first (entries, arena bytes, slots at most half full afterwards). Writes
    where[f] (int64 [b_n]), the entry B's entry f is here. Returns (n_entries, arena_used)."""
    for f in range(b_n):
        a = b_starts[f]
        length = b_lens[f]
        h = b_hashes[f]
        s = find(b_arena, a, a + length, h, slots, hashes, starts, lens, arena)
        e = slots[s]
        if e >= 0:
            counts[e] += b_counts[f]
            where[f] = e
            continue
        arena[arena_used : arena_used + length] = b_arena[a : a + length]
        hashes[n_entries] = h
        starts[n_entries] = arena_used
        lens[n_entries] = length
        counts[n_entries] = b_counts[f]
        slots[s] = n_entries
        where[f] = n_entries
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


@njit(cache=True, nogil=True, inline="always")
def _sentence_end(ends, n_ends, kept, begin):
    """A sentence ends after `kept` tokens kept, unless it is empty (kept == begin).
    Returns (ends written, where the next sentence begins)."""
    if kept > begin:
        ends[n_ends] = kept
        return n_ends + 1, kept
    return n_ends, begin


@njit(cache=True, nogil=True, inline="always")
def _line_goes_on(ends, n_ends, kept, begin, raw, max_sentence_len):
    """After the raw-th token of a line (kept or not): a sentence ends at max_sentence_len
    of them. Returns (ends written, where the next sentence begins, raw tokens now)."""
    if raw == max_sentence_len:
        n_ends, begin = _sentence_end(ends, n_ends, kept, begin)
        return n_ends, begin, 0
    return n_ends, begin, raw


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
                n_ends, begin = _sentence_end(ends, n_ends, kept, begin)
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
        n_ends, begin, raw = _line_goes_on(ends, n_ends, kept, begin, raw + 1, max_sentence_len)
        seen += 1
        pos = end
    state[0], state[1], state[2] = raw, kept, begin
    return n_ids, n_ends, seen


@njit(cache=True, nogil=True)
def encode_stream(stream, id_of, ids, ends, state, max_sentence_len):
    """encode_tokens on a recorded stream (entry indices and LINE marks, uint32) instead of
    bytes: a token is kept as id_of[entry] (uint32), or dropped when that is DROP. Same
    sentence ends, same `state` (int64 [3]) carried across pieces of the stream.
    Writes ids (uint32, room for every token of the stream), ends (int64), state.
    Returns (ids written, ends written)."""
    n_ids = 0
    n_ends = 0
    raw, kept, begin = state[0], state[1], state[2]
    for t in range(len(stream)):
        e = stream[t]
        if e == LINE:
            n_ends, begin = _sentence_end(ends, n_ends, kept, begin)
            raw = 0
            continue
        i = id_of[e]
        if i != DROP:
            ids[n_ids] = i
            n_ids += 1
            kept += 1
        n_ends, begin, raw = _line_goes_on(ends, n_ends, kept, begin, raw + 1, max_sentence_len)
    state[0], state[1], state[2] = raw, kept, begin
    return n_ids, n_ends
