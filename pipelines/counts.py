"""Word counts as Arrow tables (word: string, count: int64), in first-appearance order.

A shard's counts come straight out of the Numba word table (w2v.scan.WordTable) without a
Python string per word: the table's byte arena and entry starts are already an Arrow string
column. Several tables merge by one vectorised pass: the concatenated words are
dictionary-encoded (Arrow gives the distinct words in order of first appearance) and the
counts summed per code, c[d(i)] += c_i. Merging is associative and keeps first appearance,
so a tree of merges over shards in order gives the counts of the whole corpus, word order
included, whatever the tree's shape.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np
import pyarrow as pa

from w2v.errors import CorpusError
from w2v.io.arrow import arrow_numbers, numbers_of
from w2v.vocab import kept_order

SCHEMA = pa.schema([("word", pa.string()), ("count", pa.int64())])


def empty() -> pa.Table:
    return SCHEMA.empty_table()


def from_word_table(table) -> pa.Table:
    """The entries of a w2v.scan.WordTable (its arena holds entry e's UTF-8 bytes at
    starts[e] .. starts[e] + lens[e], entries back to back) as a counts table."""
    n, used = table.n, table.arena_used
    if used >= 1 << 31:
        raise CorpusError("a shard holds more than 2 GiB of distinct words: split it")
    offsets = np.empty(n + 1, np.int32)
    offsets[:n] = table.starts[:n]
    offsets[n] = used
    words = pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(table.arena[:used].copy())
    )
    return pa.table([words, arrow_numbers(table.counts[:n].copy(), np.int64)], schema=SCHEMA)


def count_file(
    path: str | os.PathLike,
    lower: bool,
    punct: bool,
    start: int = 0,
    end: int | None = None,
    max_table: int | None = None,
    phrases=None,
) -> tuple[pa.Table, dict]:
    """Counts of the tokens of a corpus file (or of its bytes start..end−1, cut at line ends)
    and what the pass saw, as w2v.vocab.count_words counts them (w2v.scan.count_file), with
    the phrases of `phrases` (a w2v.collocations.PhraseModel) joined if given."""
    from w2v.scan import count_file as count_table
    from w2v.vocab import MAX_TABLE

    table, info = count_table(path, lower, punct, max_table or MAX_TABLE, start, end, phrases)
    return from_word_table(table), info


def merge(tables: Iterable[pa.Table]) -> pa.Table:
    """Summed counts of several tables (each of distinct words) taken in order; each word
    keeps its first appearance."""
    tables = [t for t in tables if t.num_rows]
    if len(tables) <= 1:
        return tables[0] if tables else empty()
    t = pa.concat_tables(tables)
    encoded = t.column("word").combine_chunks().dictionary_encode()
    d = encoded.indices  # int32: d(i), in order of first appearance
    codes = np.frombuffer(d.buffers()[1], np.int32, len(d), 4 * d.offset)
    counts = np.zeros(len(encoded.dictionary), np.int64)
    np.add.at(counts, codes, numbers_of(t.column("count"), np.int64))
    return pa.table([encoded.dictionary, arrow_numbers(counts, np.int64)], schema=SCHEMA)


def select(table: pa.Table, min_count: int, max_size: int = 0) -> pa.Table:
    """Words with count >= min_count, most frequent first (ties: first appearance), at most
    `max_size` of them (0: no limit)."""
    order = kept_order(numbers_of(table.column("count"), np.int64), min_count, max_size or None)
    return table.take(arrow_numbers(order, np.int64))
