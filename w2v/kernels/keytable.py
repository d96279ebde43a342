"""Hash tables of byte-string keys and of token-id pairs, with counts (Numba).

A *key table* holds distinct byte strings ("keys") as records in an arena, in the order
they were first counted:

    arena    uint8 [A]   records back to back from offset 0 to `used`; the record at offset
                         o (a multiple of 8) is its count int64 (arena64[o // 8]), the key's
                         bytes, then spaces up to the next multiple of 8 (at least one: no
                         key holds a space, so the first one ends the key)
    arena64  int64       the same memory seen as int64 (arena.view(np.int64))
    slots    int32 [C]   o // 8 of a record, or -1; C a power of two, at most half full

Keys are found by FNV-1a hashing and compared byte for byte, so counts are exact; hashes
are not stored (a table that is rebuilt hashes its keys again). The record offset o // 8
of a key is its *id* while the table is not pruned.

A *pair table* counts pairs of ids (a, b), ids below 2^32 - 1:

    keys     uint64 [C]  the key ~((a << 32) | b) (pair_key), or EMPTY = 0, so that a
                         table of zeros is empty; C a power of two, at most half full
    counts   int64 [C]   the count of keys[i]

found by linear probing from pair_slot(key), so that one cache line holds a pair's key
(and the next its count): a lookup touches one place at random, where a key table's
touches two (the slot, then the record).
"""

import numpy as np
from numba import njit

from w2v.kernels.prefetch import prefetch_item

FNV_OFFSET = np.uint64(14695981039346656037)
FNV_PRIME = np.uint64(1099511628211)
NEWLINE = 10
SPACE = 32
EMPTY = np.uint64(0)  # no pair (see pair_key)
BATCH = 128  # keys hashed and prefetched ahead of their lookups


@njit(cache=True, nogil=True, inline="always")
def is_space(b):
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
        h *= FNV_PRIME
    return h


@njit(cache=True, nogil=True, inline="always")
def fnv1a(x, x0, x1):
    """The 64-bit FNV-1a hash of x[x0:x1]."""
    return fnv1a_extend(FNV_OFFSET, x, x0, x1)


@njit(cache=True, nogil=True, inline="always")
def key_hash(x, x0, x1, d, dn, y, y0, y1):
    """FNV-1a hash of the key x[x0:x1] + d[:dn] + y[y0:y1]."""
    return fnv1a_extend(fnv1a_extend(fnv1a(x, x0, x1), d, 0, dn), y, y0, y1)


@njit(cache=True, nogil=True)
def find(slots, arena, h, x, x0, x1, d, dn, y, y0, y1):
    """Slot of the key x[x0:x1] + d[:dn] + y[y0:y1], of hash h: its record's slot, or the
    empty slot where it would go (slots[result] == -1). With dn = 0 and y0 = y1 the key is
    x[x0:x1]. A shorter stored key shows its terminating space, which no key byte equals,
    before it could be read past."""
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


@njit(cache=True, nogil=True, inline="always")
def count_of(slots, arena, arena64, h, x, x0, x1):
    """The count of the key x[x0:x1], of hash h, in a key table; 0 if it is not there."""
    r = slots[find(slots, arena, h, x, x0, x1, x, 0, x, 0, 0)]
    return arena64[r] if r >= 0 else 0


@njit(cache=True, nogil=True)
def put(arena, arena64, o, count, x, x0, x1, d, dn, y, y0, y1):
    """Write the record (count, x[x0:x1] + d[:dn] + y[y0:y1]) at offset o; returns its end.
    (Not inlined: only new keys come here, and an inlined helper returning a tuple made the
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


@njit(cache=True, nogil=True)
def prune_keys(min_count, arena, arena64, used, new_ids):
    """Drop the keys counted fewer than `min_count` times (gensim's utils.prune_vocab),
    moving the others down in order, and write each key's new id (-1: dropped) to
    new_ids[old id] (int32 [used // 8], or empty: not wanted). Writes arena, new_ids (the
    slots must be rebuilt: rehash). Returns (keys kept, used)."""
    kept = 0
    w = 0  # the next kept record goes here; w <= o
    o = 0
    while o < used:
        size = record_size(key_len(arena, o))
        keep = arena64[o // 8] >= min_count
        if len(new_ids):
            new_ids[o // 8] = w // 8 if keep else -1
        if keep:
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
            hashes[m] = fnv1a(arena, o + 8, o + 8 + n)
            prefetch_item(slots, np.int64(hashes[m] & mask))
            o += record_size(n)
            m += 1
        for k in range(m):
            s = np.int64(hashes[k] & mask)
            while slots[s] >= 0:
                s = (s + 1) & np.int64(mask)
            slots[s] = offsets[k] // 8


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
        used = put(arena, arena64, used, counts[i], data, starts[i], starts[i + 1], data, 0,
                   data, 0, 0)  # fmt: skip
    return used


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


# --- pair tables ------------------------------------------------------------------------


@njit(cache=True, nogil=True, inline="always")
def pair_key(a, b):
    """The key of the pair of ids (a, b), complemented so that no pair's key is 0 = EMPTY."""
    return ~((np.uint64(a) << np.uint64(32)) | np.uint64(b))


@njit(cache=True, nogil=True, inline="always")
def pair_first(key):
    return np.int64(~key >> np.uint64(32))


@njit(cache=True, nogil=True, inline="always")
def pair_second(key):
    return np.int64(~key & np.uint64(0xFFFF_FFFF))


@njit(cache=True, nogil=True, inline="always")
def pair_slot(key, mask):
    """Where the probe for a pair key starts: its bits mixed (MurmurHash3's fmix64)."""
    key ^= key >> np.uint64(33)
    key *= np.uint64(0xFF51AFD7ED558CCD)
    key ^= key >> np.uint64(33)
    return np.int64(key & np.uint64(mask))


@njit(cache=True, nogil=True, inline="always")
def find_pair(keys, key):
    """The slot of the pair key: its own, or the empty one where it would go."""
    mask = len(keys) - 1
    s = pair_slot(key, mask)
    while keys[s] != key and keys[s] != EMPTY:
        s = (s + 1) & mask
    return s


@njit(cache=True, nogil=True)
def delete_pair(keys, counts, s):
    """Remove the pair in slot s, moving the pairs probed past it back (linear probing's
    deletion, so every pair stays findable). Writes keys, counts."""
    mask = len(keys) - 1
    j = s
    while True:
        j = (j + 1) & mask
        if keys[j] == EMPTY:
            break
        home = pair_slot(keys[j], mask)
        if (j - home) & mask >= (j - s) & mask:  # home is at or before s: j moves to s
            keys[s], counts[s] = keys[j], counts[j]
            s = j
    keys[s] = EMPTY


@njit(cache=True, nogil=True)
def move_pairs(keys, counts, new_keys, new_counts):
    """Insert every pair of (keys, counts) into (new_keys, new_counts) (empty, EMPTY
    everywhere, on entry). Writes new_keys, new_counts."""
    for i in range(len(keys)):
        if keys[i] != EMPTY:
            s = find_pair(new_keys, keys[i])
            new_keys[s], new_counts[s] = keys[i], counts[i]


@njit(cache=True, nogil=True)
def prune_pairs(min_count, keys, counts, new_ids):
    """Drop the pairs counted fewer than `min_count` times and give the others their ids'
    new values (new_ids[old id], from prune_keys: both ids of a kept pair are kept, a pair
    being counted at most as often as each of its tokens). Rebuilds the table in place.
    Writes keys, counts. Returns the pairs kept."""
    kept = 0
    for i in range(len(keys)):  # the kept pairs, renamed, to the front (i >= kept)
        key = keys[i]
        if key != EMPTY and counts[i] >= min_count:
            a, b = new_ids[pair_first(key)], new_ids[pair_second(key)]
            keys[kept], counts[kept] = pair_key(a, b), counts[i]
            kept += 1
    front_keys = keys[:kept].copy()
    front_counts = counts[:kept].copy()
    keys[:] = EMPTY
    move_pairs(front_keys, front_counts, keys, counts)
    return kept
