"""Unigram and bigram counts keyed by bytes, their phrase scores, and phrases joined in text.

A *key table* holds distinct byte strings ("keys") as records in an arena, in the order
they were first counted:

    arena    uint8 [A]   records back to back from offset 0 to `used`; record at offset o
                         (a multiple of 8): count int64 (arena64[o // 8]), then the key's
                         bytes, then spaces up to the next multiple of 8 (at least one: no
                         key holds a space, so the first ends the key)
    arena64  int64       the same memory seen as int64 (arena.view(np.int64))
    slots    int32 [C]   o // 8 of a record, or -1; C a power of two, kept at most half full

A bigram of tokens a, b is the key a + delimiter + b, as gensim's Phrases keys it: a token
that holds the delimiter and a bigram spelling the same bytes share one count there, and so
they do here. Keys are found by FNV-1a hashing and compared byte for byte (hashes are not
stored: a table that grows or is pruned rehashes its keys), so counts are exact. A lookup
touches two cache lines at random, a slot and a record; the kernels hash a batch of keys
first and prefetch their slots, then their records, so that those loads overlap.

The text is a normalised block (w2v.scan): tokens separated by ASCII whitespace, b"\\n"
ending a line. A *sentence* is a line cut into pieces of at most `max_sentence_len` tokens
(gensim's LineSentence, word2vec.c's MAX_SENTENCE_LENGTH); no bigram spans two sentences.
A kernel that needs more room, or whose table outgrew its bound, stops and says so; the
caller acts and calls it again from where it stopped.
"""

import math

import numpy as np
from numba import njit

from w2v.kernels.prefetch import prefetch_item

_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)
NEWLINE = 10
SPACE = 32
BATCH = 128  # keys hashed and prefetched ahead of their lookups

# Why count_grams stopped.
DONE = 0  # the whole buffer is counted
ROOM = 1  # the next token needs two more keys and `need` more arena bytes
PRUNE = 2  # a sentence ended with more keys than max_keys: prune, then go on

# Scoring functions, gensim's names: original_scorer (word2phrase.c's) and npmi_scorer.
DEFAULT = 0
NPMI = 1


@njit(cache=True, nogil=True, inline="always")
def _is_space(b):
    return b == SPACE or (9 <= b <= 13)


@njit(cache=True, nogil=True, inline="always")
def record_size(key_len):
    """Bytes of the record of a key of key_len bytes: the count, the key, 1 to 8 spaces."""
    return 8 + ((key_len + 8) & ~7)


@njit(cache=True, nogil=True, inline="always")
def key_len(arena, o):
    """Length of the key of the record at offset o."""
    k = o + 8
    while arena[k] != SPACE:
        k += 1
    return k - o - 8


@njit(cache=True, nogil=True, inline="always")
def fnv1a_extend(h, x, x0, x1):
    """The 64-bit FNV-1a hash h carried on over the bytes x[x0:x1]."""
    for k in range(x0, x1):
        h ^= np.uint64(x[k])
        h *= _FNV_PRIME
    return h


@njit(cache=True, nogil=True, inline="always")
def key_hash(x, x0, x1, d, dn, y, y0, y1):
    """FNV-1a hash of the key x[x0:x1] + d[:dn] + y[y0:y1]."""
    h = fnv1a_extend(_FNV_OFFSET, x, x0, x1)
    h = fnv1a_extend(h, d, 0, dn)
    return fnv1a_extend(h, y, y0, y1)


@njit(cache=True, nogil=True)
def find(slots, arena, h, x, x0, x1, d, dn, y, y0, y1):
    """Slot of the key x[x0:x1] + d[:dn] + y[y0:y1], of hash h: its record's slot, or the
    empty slot where it would go (slots[result] == -1). With dn = 0 and y0 = y1 the key is
    x[x0:x1]. A stored key that is shorter shows its terminating space, which no key byte
    equals, before it could be read past."""
    mask = len(slots) - 1
    s = np.int64(h & np.uint64(mask))
    while True:
        r = slots[s]
        if r < 0:
            return s
        a = 8 * np.int64(r) + 8
        same = True
        for k in range(x0, x1):
            if arena[a] != x[k]:
                same = False
                break
            a += 1
        if same:
            for k in range(dn):
                if arena[a] != d[k]:
                    same = False
                    break
                a += 1
        if same:
            for k in range(y0, y1):
                if arena[a] != y[k]:
                    same = False
                    break
                a += 1
        if same and arena[a] == SPACE:
            return s
        s = (s + 1) & mask


@njit(cache=True, nogil=True)
def _put(arena, arena64, o, count, x, x0, x1, d, dn, y, y0, y1):
    """Write the record (count, x[x0:x1] + d[:dn] + y[y0:y1]) at offset o; returns its end.
    (Not inlined: only new keys come here, and an inlined tuple-returning helper made the
    counting loop 2.5 times slower.)"""
    arena64[o // 8] = count
    a = o + 8
    for k in range(x0, x1):
        arena[a] = x[k]
        a += 1
    for k in range(dn):
        arena[a] = d[k]
        a += 1
    for k in range(y0, y1):
        arena[a] = y[k]
        a += 1
    end = o + record_size(a - o - 8)
    while a < end:
        arena[a] = SPACE
        a += 1
    return end


@njit(cache=True, nogil=True, inline="always")
def _prefetch_record(slots, arena, h, mask):
    """Prefetch the record in the first slot a key of hash h probes (most often its own)."""
    r = slots[np.int64(h & mask)]
    if r >= 0:
        prefetch_item(arena, 8 * np.int64(r))


@njit(cache=True, nogil=True)
def count_grams(
    buf, pos, state, delim, max_sentence_len, max_keys, slots, arena, arena64, n_keys, used
):
    """Count every token of buf[pos:] and every bigram (the previous token of its sentence,
    the token), keyed previous + delim + token, into the key table: gensim's
    Phrases._learn_vocab, batch by batch (hash BATCH tokens and prefetch their slots, then
    their records, then count them in order).

    state int64 [3] carries a sentence across calls: [tokens of the current sentence so
    far, start and end in buf of its last token (-1, -1: none yet)]. Writes state, slots,
    arena. Returns (pos, n_keys, used, words, stop, need): `words` tokens were counted;
    stop is DONE (pos == len(buf)), ROOM (the token at pos needs two more keys and `need`
    more arena bytes; nothing of it is counted) or PRUNE (a sentence ended before pos and
    the table holds more than max_keys keys: gensim prunes there).
    """
    n = len(buf)
    dn = len(delim)
    mask = np.uint64(len(slots) - 1)
    raw, p0, p1 = state[0], state[1], state[2]
    t0s = np.empty(BATCH, np.int64)
    t1s = np.empty(BATCH, np.int64)
    breaks = np.empty(BATCH, np.bool_)  # a line ends between the token and the one before
    h_uni = np.empty(BATCH, np.uint64)
    h_bi = np.empty(BATCH, np.uint64)  # with the token before, if paired
    paired = np.empty(BATCH, np.bool_)  # the token before is on the same line
    words = 0
    stop = DONE
    need = 0
    while stop == DONE:
        m = 0  # hash a batch of tokens, prefetch their slots
        q = pos
        a0 = p0  # the token before, and its hash: a bigram's hash goes on from it
        h_a = fnv1a_extend(_FNV_OFFSET, buf, p0, p1)
        while m < BATCH:
            line_break = False
            while q < n and _is_space(buf[q]):
                line_break |= buf[q] == NEWLINE
                q += 1
            if q == n:
                break
            t0 = q
            while q < n and not _is_space(buf[q]):
                q += 1
            t0s[m], t1s[m], breaks[m] = t0, q, line_break
            paired[m] = a0 >= 0 and not line_break
            h_uni[m] = fnv1a_extend(_FNV_OFFSET, buf, t0, q)
            prefetch_item(slots, np.int64(h_uni[m] & mask))
            if paired[m]:
                h_bi[m] = fnv1a_extend(fnv1a_extend(h_a, delim, 0, dn), buf, t0, q)
                prefetch_item(slots, np.int64(h_bi[m] & mask))
            a0, h_a = t0, h_uni[m]
            m += 1
        for k in range(m):  # prefetch their records
            _prefetch_record(slots, arena, h_uni[k], mask)
            if paired[k]:
                _prefetch_record(slots, arena, h_bi[k], mask)
        for k in range(m):  # count them
            t0, t1 = t0s[k], t1s[k]
            if breaks[k] and raw > 0:
                raw, p0, p1 = 0, -1, -1
                if n_keys > max_keys:
                    pos, stop = t0, PRUNE
                    break
            need = record_size(t1 - t0)
            if p0 >= 0:
                need += record_size((p1 - p0) + dn + (t1 - t0))
            if 2 * (n_keys + 2) > len(slots) or used + need > len(arena):
                pos, stop = t0, ROOM
                break
            s = find(slots, arena, h_uni[k], buf, t0, t1, delim, 0, buf, 0, 0)
            if slots[s] >= 0:
                arena64[slots[s]] += 1
            else:
                slots[s] = used // 8
                used = _put(arena, arena64, used, 1, buf, t0, t1, delim, 0, buf, 0, 0)
                n_keys += 1
            if p0 >= 0:  # then paired[k], and h_bi[k] is this bigram's hash
                s = find(slots, arena, h_bi[k], buf, p0, p1, delim, dn, buf, t0, t1)
                if slots[s] >= 0:
                    arena64[slots[s]] += 1
                else:
                    slots[s] = used // 8
                    used = _put(arena, arena64, used, 1, buf, p0, p1, delim, dn, buf, t0, t1)
                    n_keys += 1
            p0, p1 = t0, t1
            raw += 1
            words += 1
            pos = t1
            if raw == max_sentence_len:
                raw, p0, p1 = 0, -1, -1
                if n_keys > max_keys:
                    stop = PRUNE
                    break
        if stop == DONE and m < BATCH:  # no token left: a line may end in the last spaces
            while pos < n:
                if buf[pos] == NEWLINE and raw > 0:
                    raw, p0, p1 = 0, -1, -1
                    if n_keys > max_keys:
                        stop = PRUNE
                pos += 1
            break
    state[0], state[1], state[2] = raw, p0, p1
    return pos, n_keys, used, words, stop, need


@njit(cache=True, nogil=True)
def prune_grams(min_count, arena, arena64, used):
    """Drop the keys counted fewer than `min_count` times (gensim's utils.prune_vocab),
    moving the others down in order. Writes arena (the slots must be rebuilt: rehash).
    Returns (keys kept, used)."""
    kept = 0
    w = 0  # the next kept record goes here; w <= o
    o = 0
    while o < used:
        size = record_size(key_len(arena, o))
        if arena64[o // 8] >= min_count:
            if w < o:
                for k in range(size):
                    arena[w + k] = arena[o + k]
            w += size
            kept += 1
        o += size
    return kept, w


@njit(cache=True, nogil=True)
def rehash(slots, arena, used):
    """Fill slots (any contents on entry) with the records of arena[:used], a batch at a
    time: hash the keys and prefetch their slots, then insert them. Writes slots."""
    slots[:] = -1
    mask = np.uint64(len(slots) - 1)
    offsets = np.empty(BATCH, np.int64)
    hashes = np.empty(BATCH, np.uint64)
    o = 0
    while o < used:
        m = 0
        while m < BATCH and o < used:
            n = key_len(arena, o)
            offsets[m] = o
            hashes[m] = fnv1a_extend(_FNV_OFFSET, arena, o + 8, o + 8 + n)
            prefetch_item(slots, np.int64(hashes[m] & mask))
            o += record_size(n)
            m += 1
        for k in range(m):
            s = np.int64(hashes[k] & mask)
            while slots[s] >= 0:
                s = (s + 1) & np.int64(mask)
            slots[s] = offsets[k] // 8


@njit(cache=True, nogil=True, inline="always")
def _split(arena, o, delim):
    """(start of the key at o, its end, where its first delimiter starts, where its last
    one ends): the first and last parts of the key split at the delimiter left to right, as
    str.split does; the first delimiter's start is -1 if the key holds none."""
    dn = len(delim)
    a = o + 8
    k = a
    first, last = -1, -1
    while arena[k] != SPACE:
        match = True
        for j in range(dn):
            if arena[k + j] != delim[j]:  # a key's space stops a delimiter that runs past it
                match = False
                break
        if match:
            if first < 0:
                first = k
            last = k + dn
            k += dn
        else:
            k += 1
    return a, k, first, last


@njit(cache=True, nogil=True)  # not fastmath: the scores must be gensim's to the last bit
def score_bigrams(
    delim, scoring, min_count, threshold, len_vocab, corpus_words, slots, arena, arena64,
    used, phrase_offsets, phrase_scores,
):  # fmt: skip
    """The phrases of the table: the keys that gensim's Phrases.export_phrases scores above
    `threshold`, in table order, their record offsets and scores written to
    phrase_offsets (int64) and phrase_scores (float64), each with room for every key.
    Returns how many.

    A key is a candidate when it splits at the delimiter (left to right, as str.split) into
    parts a, ..., b whose first part a and last part b are keys of the table; with c_a, c_b,
    c_ab their counts, m = min_count, |V| = len_vocab (keys in the table) and
    N = corpus_words (tokens counted), its score is

        default (word2phrase.c's):  (c_ab − m) / (c_a · c_b) · |V|
        npmi (Bouma 2009):          ln(p_ab / (p_a · p_b)) / −ln p_ab,  p_x = c_x / N,
                                    and −inf when c_ab < m

    so a key counted at most m times (default: the threshold is > 0) or fewer (npmi) is
    passed over before it is split.
    """
    mask = np.uint64(len(slots) - 1)
    N = float(corpus_words)
    offsets = np.empty(BATCH, np.int64)
    bounds = np.empty((BATCH, 4), np.int64)  # _split of each key of the batch
    h_a = np.empty(BATCH, np.uint64)
    h_b = np.empty(BATCH, np.uint64)
    n_phrases = 0
    o = 0
    while o < used:
        m = 0  # split a batch of keys, hash their first and last parts, prefetch the slots
        while m < BATCH and o < used:
            c_ab = arena64[o // 8]
            if c_ab < min_count or (scoring == DEFAULT and c_ab == min_count):
                o += record_size(key_len(arena, o))  # scores at most 0 (default) or −inf
                continue
            a, end, first, last = _split(arena, o, delim)
            offsets[m] = o
            o += record_size(end - a)
            if first < 0:
                continue
            bounds[m, 0], bounds[m, 1], bounds[m, 2], bounds[m, 3] = a, end, first, last
            h_a[m] = fnv1a_extend(_FNV_OFFSET, arena, a, first)
            h_b[m] = fnv1a_extend(_FNV_OFFSET, arena, last, end)
            prefetch_item(slots, np.int64(h_a[m] & mask))
            prefetch_item(slots, np.int64(h_b[m] & mask))
            m += 1
        for k in range(m):  # prefetch the parts' records
            _prefetch_record(slots, arena, h_a[k], mask)
            _prefetch_record(slots, arena, h_b[k], mask)
        for k in range(m):  # score
            a, end, first, last = bounds[k, 0], bounds[k, 1], bounds[k, 2], bounds[k, 3]
            r = slots[find(slots, arena, h_a[k], arena, a, first, delim, 0, arena, 0, 0)]
            if r < 0:
                continue
            c_a = arena64[r]
            r = slots[find(slots, arena, h_b[k], arena, last, end, delim, 0, arena, 0, 0)]
            if r < 0:
                continue
            c_b = arena64[r]
            c_ab = arena64[offsets[k] // 8]
            if scoring == DEFAULT:
                score = (c_ab - min_count) / float(c_a * c_b) * len_vocab
            elif c_ab >= min_count:
                p_a = c_a / N
                p_b = c_b / N
                p_ab = c_ab / N
                score = math.log(p_ab / (p_a * p_b)) / -math.log(p_ab)
            else:
                continue
            if score > threshold:
                phrase_offsets[n_phrases] = offsets[k]
                phrase_scores[n_phrases] = score
                n_phrases += 1
    return n_phrases


@njit(cache=True, nogil=True)
def copy_records(offsets, arena, out_arena, out_offsets):
    """Copy the records at `offsets` (int64 [P]) back to back into out_arena (room for
    them), writing their new offsets to out_offsets (int64 [P]). Returns the bytes used."""
    w = 0
    for i in range(len(offsets)):
        o = offsets[i]
        size = record_size(key_len(arena, o))
        for k in range(size):
            out_arena[w + k] = arena[o + k]
        out_offsets[i] = w
        w += size
    return w


@njit(cache=True, nogil=True)
def pack_keys(data, starts, counts, arena, arena64, offsets):
    """Records (counts[i], data[starts[i]:starts[i + 1]]) back to back in arena (room for
    them), their offsets written to offsets (int64 [P]). Returns the bytes used."""
    used = 0
    for i in range(len(counts)):
        offsets[i] = used
        used = _put(arena, arena64, used, counts[i], data, starts[i], starts[i + 1], data, 0,
                    data, 0, 0)  # fmt: skip
    return used


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


@njit(cache=True, nogil=True)
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
        if _is_space(b):
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
        while pos < n and not _is_space(buf[pos]):
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


@njit(cache=True, nogil=True)
def key_lengths(arena, offsets, lens):
    """lens[i] (int64 [P]) = the length of the key of the record at offsets[i]."""
    for i in range(len(offsets)):
        lens[i] = key_len(arena, offsets[i])


@njit(cache=True, nogil=True)
def unpack_keys(arena, offsets, starts, data):
    """The keys of the records at `offsets` (int64 [P]) back to back: key i goes to
    data[starts[i]:starts[i + 1]] (starts int64 [P + 1], from their lengths). Writes data."""
    for i in range(len(offsets)):
        a = offsets[i] + 8
        for k in range(starts[i + 1] - starts[i]):
            data[starts[i] + k] = arena[a + k]
