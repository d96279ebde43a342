"""One pass over a corpus file in normalised byte blocks, counted or encoded by a hash table.

A *normalised block* is UTF-8 bytes in which tokens are separated by ASCII whitespace and
lines end in b"\\n": exactly the tokens `w2v.tokens.tokenize` would give, line by line. Plain
lowercase ASCII text (the common case, e.g. text8-style corpora) is already normalised
after `bytes.lower()`; other text goes through the tokenizer's regex once per block. The
Numba kernels in `w2v.kernels.wordtable` then count or encode the block at memory speed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from w2v.errors import CorpusError
from w2v.io.compressed import READ_ERRORS
from w2v.kernels import wordtable as K
from w2v.tokens import (
    _WORD,
    MAX_SENTENCE_LEN,
    MAX_TOKEN_BYTES,
    ReadStats,
    decode,
    open_binary,
    token_too_long,
)

BLOCK_BYTES = 4 << 20
_NO_STREAM = np.empty(0, np.uint32)  # count_tokens records nothing into it
_WS = b" \t\r\n\f\v"
_SPACE = re.compile(rb"[ \t\r\n\f\v]")
# The bytes of plain text, lowercased or not: a block of nothing else is already normalised.
# (bytes.translate deletes them ten times faster than a regex matches them.)
_PLAIN_LOWER = b"abcdefghijklmnopqrstuvwxyz0123456789" + _WS
_PLAIN_ANY = _PLAIN_LOWER + b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_WORDS_AND_NEWLINES = re.compile(_WORD + r"|\n")
_WORDS_PUNCT_AND_NEWLINES = re.compile(_WORD + r"|[^\w\s]|\n")


def normalise(body: bytes, lower: bool, punct: bool, stats: ReadStats) -> bytes:
    """Turn raw bytes (whole lines or whitespace-cut pieces) into a normalised block."""
    if body.isascii():
        plain = body.lower() if lower else body
        if not plain.translate(None, _PLAIN_LOWER if lower else _PLAIN_ANY):
            return plain
    text = decode(body, stats)
    if lower:
        text = text.lower()
    pattern = _WORDS_PUNCT_AND_NEWLINES if punct else _WORDS_AND_NEWLINES
    return " ".join(pattern.findall(text)).encode("utf-8")


def iter_blocks(
    path: str | os.PathLike,
    lower: bool = True,
    punct: bool = False,
    stats: ReadStats | None = None,
    block: int | None = None,
    start: int = 0,
    end: int | None = None,
) -> Iterator[bytes]:
    """Yield the normalised blocks of a corpus file, each cut at whitespace
    (blocks of `block` bytes read, default BLOCK_BYTES). `start`/`end` restrict the pass
    to a byte range of an uncompressed file (a shard of a large file). A token longer than
    MAX_TOKEN_BYTES raises CorpusError."""
    stats = stats if stats is not None else ReadStats()
    block = block or BLOCK_BYTES
    with open_binary(path) as f:
        if start:
            f.seek(start)
        left = None if end is None else end - start
        carry = b""
        consumed = start  # bytes of the (decompressed) file read so far
        while True:
            try:
                size = block if left is None else min(block, left)
                raw = f.read(size) if size > 0 else b""
            except READ_ERRORS as e:
                raise CorpusError(f"cannot read corpus {str(path)!r}: {e}") from e
            if left is not None:
                left -= len(raw)
            consumed += len(raw)
            if not raw:
                if carry.strip():
                    stats.lines += 1
                    yield normalise(carry, lower, punct, stats)
                return
            raw = carry + raw
            cut = max(raw.rfind(c) for c in _WS)
            if cut < 0:  # a single token longer than a block: keep reading it, up to a limit
                if len(raw) > MAX_TOKEN_BYTES:
                    raise token_too_long(path, consumed - len(raw))
                carry = raw
                continue
            body, carry = raw[: cut + 1], raw[cut + 1 :]
            stats.lines += body.count(b"\n")
            yield normalise(body, lower, punct, stats)


def prefetch(items: Iterator, depth: int = 2) -> Iterator:
    """Run `items` in a background thread, `depth` ahead of the consumer.

    Reading and normalising a block (Python, under the GIL) then overlaps with counting or
    encoding the previous one (Numba, nogil), so the two cores both work. Exceptions of the
    producer are raised in the consumer; closing the consumer stops the producer.
    """
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def put(item) -> bool:
        """Hand `item` over unless the consumer has gone; False once it has."""
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for item in items:
                if not put(item):
                    return
            put(done)
        except BaseException as e:  # handed to the consumer
            put(e)

    thread = threading.Thread(target=produce, name="w2v-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def count_file(
    path: str | os.PathLike,
    lower: bool,
    punct: bool,
    max_table: int,
    start: int = 0,
    end: int | None = None,
    phrases=None,
    block: int | None = None,
    sink=None,
) -> tuple[WordTable, dict]:
    """Every token of a corpus file (or of its lines starting in bytes start..end−1) counted
    in a WordTable, and what the pass saw (lines, tokens, invalid_utf8, pruned_words); the
    file is read in blocks of `block` bytes (default BLOCK_BYTES).
    Memory stays bounded: past `max_table` distinct words, words rarer than a rising
    threshold are dropped (as gensim's max_vocab_size), so very rare counts are lower bounds.
    With `phrases` (a w2v.collocations.PhraseModel), the tokens are those of the text with
    its phrases joined (joined as it is read, in the reading thread). `sink`, if given, is
    called with each block recorded (WordTable.count_recorded), in order; a prune
    renumbers the entries, so after one (pruned_words > 0) the record is of no use."""
    stats = ReadStats()
    table, min_reduce, pruned = WordTable(), 1, 0
    blocks = iter_blocks(path, lower, punct, stats, block, start, end)
    if phrases is not None:
        blocks = phrases.join_blocks(blocks)
    room = np.empty(0, np.uint32)  # one buffer for every block's record
    for normalised in prefetch(blocks):
        if sink is None:
            stats.tokens += table.count(normalised)
        else:
            if len(room) <= len(normalised):
                room = np.empty(len(normalised) + 1, np.uint32)
            tokens, recorded = table.count_recorded(normalised, room)
            stats.tokens += tokens
            sink(recorded)
        while len(table) > max_table:
            min_reduce += 1
            pruned += table.prune(min_reduce)
    info = stats.counting_info(pruned)
    return table, info


PARALLEL_MIN_BYTES = 2 * BLOCK_BYTES  # a range smaller than this is counted with the rest
# Ranges counted at once read smaller blocks, so that their buffers together (a few blocks
# each, in flight and queued) take about what one pass's do: on gcide_wn × 10, peak RssAnon
# of the count 156 MB with two ranges of 4 MB blocks, 120 MB with 1 MB blocks, 110 MB in
# one pass of 4 MB blocks (and 1 MB blocks are no slower: they stay in L2).
RANGE_BLOCK_BYTES = 1 << 20


def split_points(
    path: str | os.PathLike, parts: int, min_bytes: int = PARALLEL_MIN_BYTES
) -> list[int]:
    """Byte offsets [0, c_1, ..., size] cutting a plain (uncompressed) file into at most
    `parts` ranges of about `min_bytes` or more, each cut just after a whitespace byte,
    so that no token is split and the ranges' line counts add up to the file's; [0, size]
    when the file is compressed or too small to cut."""
    from w2v.io.compressed import COMPRESSED

    path = Path(path)
    if not path.is_file():  # missing, a directory, a pipe: the single pass says which
        return [0, 0]
    size = path.stat().st_size
    parts = min(parts, size // max(min_bytes, 1))
    if parts < 2 or path.suffix.lower() in COMPRESSED:
        return [0, size]
    cuts = [0]
    with open(path, "rb") as f:
        for k in range(1, parts):
            at = max(k * size // parts, cuts[-1])
            f.seek(at)
            gap = None
            while at - k * size // parts <= MAX_TOKEN_BYTES:
                piece = f.read(1 << 16)
                gap = _SPACE.search(piece)
                if not piece or gap:
                    break
                at += len(piece)
            if not gap:
                break  # no whitespace to cut at: one pass (which refuses an endless token)
            cuts.append(at + gap.start() + 1)
    return list(dict.fromkeys([*cuts, size]))


def count_ranges(
    path: str | os.PathLike,
    lower: bool,
    punct: bool,
    max_table: int,
    threads: int,
    min_bytes: int = PARALLEL_MIN_BYTES,
) -> tuple[WordTable, dict]:
    """count_file's table and facts, counted in up to `threads` byte ranges of the file at
    once (split_points; the kernels run without the GIL) and merged in order, so the table
    is the single pass's, first-appearance order included. Each range may hold its share
    of `max_table` words, so the tables together stay within the single pass's memory;
    when a range had to prune, the file is counted again in one pass, whose pruning is the
    one gensim's max_vocab_size describes."""
    parts = _count_parts(path, lower, punct, max_table, threads, min_bytes)
    if len(parts) > 1 and any(info["pruned_words"] for _, info in parts):
        return count_file(path, lower, punct, max_table)
    table, info, _ = _merged(parts)
    return table, info


def count_recorded(
    path: str | os.PathLike,
    lower: bool,
    punct: bool,
    max_table: int,
    threads: int,
    sink_for,
    min_bytes: int = PARALLEL_MIN_BYTES,
) -> tuple[WordTable, dict, list[np.ndarray]] | None:
    """count_ranges' table and facts, the file recorded as it is counted: range r's blocks
    go to the sink sink_for(r) (see count_file), and where[r] (int64) maps range r's
    entries to the table's. None when a count had to prune: its record is of no use."""
    parts = _count_parts(path, lower, punct, max_table, threads, min_bytes, sink_for)
    if any(info["pruned_words"] for _, info in parts):
        return None
    return _merged(parts)


def _count_parts(path, lower, punct, max_table, threads, min_bytes, sink_for=None):
    """[(table, facts)] of each range of split_points(path, threads, min_bytes), counted at
    once, with the ranges' shares of `max_table`; recorded into sink_for(r) if given."""
    from concurrent.futures import ThreadPoolExecutor

    cuts = split_points(path, threads, min_bytes)
    share = max_table // max(len(cuts) - 1, 1)
    if len(cuts) <= 2 or share < 1:  # one pass over the whole file
        sink = None if sink_for is None else sink_for(0)
        return [count_file(path, lower, punct, max_table, sink=sink)]

    def count(r: int) -> tuple[WordTable, dict]:
        sink = None if sink_for is None else sink_for(r)
        a, b = cuts[r], cuts[r + 1]
        return count_file(path, lower, punct, share, a, b, block=RANGE_BLOCK_BYTES, sink=sink)

    with ThreadPoolExecutor(len(cuts) - 1, thread_name_prefix="w2v-count") as pool:
        return list(pool.map(count, range(len(cuts) - 1)))


def _merged(parts: list[tuple[WordTable, dict]]) -> tuple[WordTable, dict, list[np.ndarray]]:
    """The ranges' tables merged into the first, in order, with their facts added up, and
    for each range where its entries went (the first's stay where they are)."""
    table, info = parts[0]
    where = [np.arange(table.n)]
    for more, more_info in parts[1:]:
        where.append(table.merge(more))
        for key in ("lines", "tokens", "invalid_utf8"):
            info[key] += more_info[key]
    return table, info, where


class WordTable:
    """Distinct tokens (as UTF-8 bytes) and their counts, in first-appearance order."""

    def __init__(self, capacity: int = 1 << 17):
        self.n = 0
        self.arena_used = 0
        self._alloc(capacity, capacity * 8)

    def _alloc(self, entries: int, arena: int) -> None:
        """(Re)allocate room for `entries` entries and `arena` bytes, keeping the contents."""
        n, used = self.n, self.arena_used
        old = [getattr(self, name, None) for name in ("hashes", "starts", "lens", "counts")]
        self.hashes = np.empty(entries, np.uint64)
        self.starts = np.empty(entries, np.int64)
        self.lens = np.empty(entries, np.int64)
        self.counts = np.empty(entries, np.int64)
        for new, prev in zip((self.hashes, self.starts, self.lens, self.counts), old, strict=True):
            if prev is not None:
                new[:n] = prev[:n]
        arena_old = getattr(self, "arena", None)
        self.arena = np.empty(arena, np.uint8)
        if arena_old is not None:
            self.arena[:used] = arena_old[:used]
        self.slots = np.full(_pow2(2 * entries), -1, np.int64)
        K.rehash(self.slots, self.hashes, n)

    def __len__(self) -> int:
        return self.n

    def count(self, block: bytes) -> int:
        """Add the tokens of a normalised block; returns how many tokens it held."""
        return self._count(block, _NO_STREAM)[0]

    def count_recorded(self, block: bytes, room: np.ndarray) -> tuple[int, np.ndarray]:
        """count(block), and the block recorded in `room` (uint32, at least len(block) + 1):
        its tokens' entry indices with LINE for each newline (w2v.kernels.wordtable), a
        view of room's start. Entry indices hold until a prune."""
        return self._count(block, room)

    def _count(self, block: bytes, stream: np.ndarray) -> tuple[int, np.ndarray]:
        buf = np.frombuffer(block, np.uint8)
        pos, total, n_stream = 0, 0, 0
        while True:
            pos, self.n, self.arena_used, tokens, n_stream = K.count_tokens(
                buf, pos, self.slots, self.hashes, self.starts, self.lens, self.counts, self.n,
                self.arena, self.arena_used, stream, n_stream,
            )  # fmt: skip
            total += tokens
            if pos >= len(buf):
                return total, stream[:n_stream]
            self._alloc(2 * len(self.counts), max(2 * len(self.arena), self.arena_used + len(buf)))

    def merge(self, other: WordTable) -> np.ndarray:
        """Add `other`'s counts: its words already here add to theirs, the others follow
        this table's, in `other`'s order. Counting a text's first part here and the rest
        in `other`, then merging, gives the table of the whole text. Returns where each of
        `other`'s entries is in this table (int64 [len(other)])."""
        entries, arena = self.n + other.n, self.arena_used + other.arena_used
        if entries > len(self.counts) or arena > len(self.arena):
            self._alloc(max(entries, len(self.counts)), max(arena, len(self.arena)))
        where = np.empty(other.n, np.int64)
        self.n, self.arena_used = K.merge_entries(
            self.slots, self.hashes, self.starts, self.lens, self.counts, self.n, self.arena,
            self.arena_used, other.arena, other.starts, other.lens, other.hashes, other.counts,
            other.n, where,
        )  # fmt: skip
        return where

    def prune(self, min_count: int) -> int:
        """Drop entries seen fewer than `min_count` times, keeping order; returns how many."""
        keep = np.flatnonzero(self.counts[: self.n] >= min_count)
        dropped = self.n - len(keep)
        lens = self.lens[keep]
        new_starts = np.concatenate(([0], np.cumsum(lens)[:-1])) if len(keep) else lens
        byte_index = np.repeat(self.starts[keep] - new_starts, lens) + np.arange(lens.sum())
        self.arena[: len(byte_index)] = self.arena[byte_index]
        self.arena_used = int(lens.sum())
        self.hashes[: len(keep)] = self.hashes[keep]
        self.counts[: len(keep)] = self.counts[keep]
        self.lens[: len(keep)] = lens
        self.starts[: len(keep)] = new_starts
        self.n = len(keep)
        self.slots.fill(-1)
        K.rehash(self.slots, self.hashes, self.n)
        return dropped

    def word(self, e: int) -> str:
        s = self.starts[e]
        return self.arena[s : s + self.lens[e]].tobytes().decode("utf-8")

    def items(self, min_count: int = 1) -> tuple[list[str], np.ndarray]:
        """Words with count >= min_count (first-appearance order) and their counts."""
        keep = np.flatnonzero(self.counts[: self.n] >= min_count)
        return [self.word(e) for e in keep], self.counts[keep].copy()

    @classmethod
    def from_words(cls, words: list[str]) -> WordTable:
        """A table whose entry i is words[i] (the words must be distinct tokens)."""
        table = cls(capacity=max(16, len(words)))
        table.count(" ".join(words).encode("utf-8"))
        if table.n != len(words):
            raise ValueError("words are not distinct whitespace-free tokens")
        return table

    def encode(self, block: bytes, state: np.ndarray, max_sentence_len: int = MAX_SENTENCE_LEN):
        """Entry indices of a block's known tokens and the sentence ends it closes.

        Returns (ids uint32, ends int64, tokens seen); `state` carries a line across blocks.
        """
        buf = np.frombuffer(block, np.uint8)
        ids = np.empty(len(buf) // 2 + 1, np.uint32)
        ends = np.empty(block.count(b"\n") + len(buf) // (2 * max_sentence_len) + 2, np.int64)
        n_ids, n_ends, seen = K.encode_tokens(
            buf,
            self.slots,
            self.hashes,
            self.starts,
            self.lens,
            self.arena,
            ids,
            ends,
            state,
            max_sentence_len,
        )
        return ids[:n_ids], ends[:n_ends], seen


def _pow2(n: int) -> int:
    return 1 << max(4, int(n - 1).bit_length())
