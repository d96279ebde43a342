"""Hash partition of count tables (pipelines.counts): every occurrence of a word, in any
shard and any process, goes to part (h >> 32) mod P, where h is the 64-bit FNV-1a hash of the
word's UTF-8 bytes (the Numba word table's hash, w2v.kernels.wordtable.fnv1a)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from numba import njit

from w2v.kernels.wordtable import fnv1a


@njit(cache=True, nogil=True, fastmath=True)
def word_hashes(data, offsets, h):
    """Writes h[i] = FNV-1a of data[offsets[i] : offsets[i + 1]] for every word i."""
    for i in range(len(h)):
        h[i] = fnv1a(data, offsets[i], offsets[i + 1])


def partition(table: pa.Table, parts: int) -> list[pa.Table]:
    """Split a count table into `parts` tables by word hash, each keeping the rows' order."""
    if parts == 1:
        return [table]
    words = table.column("word").combine_chunks()
    n = len(words)
    offsets = np.frombuffer(words.buffers()[1], np.int32, n + 1, 4 * words.offset)
    data = np.frombuffer(words.buffers()[2] or b"\0", np.uint8)
    h = np.empty(n, np.uint64)
    word_hashes(data, offsets.astype(np.int64), h)
    part = (h >> np.uint64(32)) % np.uint64(parts)
    # a gather per part, not slices of one sorted table: a slice would pickle its whole buffers
    return [table.take(pa.array(np.flatnonzero(part == p), pa.int64())) for p in range(parts)]
