"""The counts phrases are found from, and the phrase tables that join text (over the Numba
kernels of w2v.kernels: keytable, bigrams, joining).

GramCounts counts the tokens and bigrams of normalised blocks as gensim's Phrases counts
them, in three tables (U, S, P: see w2v.kernels.bigrams), and scores them into a
PhraseTable, the phrases of one pass, which joins them in text.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from w2v.config import PhrasesConfig
from w2v.errors import CorpusError
from w2v.kernels import bigrams as K
from w2v.kernels import joining as J
from w2v.kernels import keytable as T
from w2v.tokens import MAX_SENTENCE_LEN

_SCORING_CODE = {"default": K.DEFAULT, "npmi": K.NPMI}
KEY_BYTES = 20  # text bytes per distinct bigram, about (gcide_wn: 19); sizes a first table
MAX_FIRST_KEYS = 1 << 24  # at most this many keys before a table first grows
MAX_ARENA = 8 << 31  # bytes: slots hold a record's offset // 8 as int32


def _pow2(n: int) -> int:
    return 1 << max(4, int(n - 1).bit_length())


def _round8(n: int) -> int:
    return (n + 7) & ~7


def overlaps_itself(delimiter: bytes) -> bool:
    """Whether the delimiter's start is also its end ("__", "aba"): a string then may split
    into two plain tokens in two ways, so bigrams cannot be counted by token pairs."""
    return any(delimiter[:k] == delimiter[-k:] for k in range(1, len(delimiter)))


class KeyTable:
    """The arrays of a key table of w2v.kernels.keytable (its size, keys and bytes used,
    is kept by its user). The arena is resized in place: realloc moves the pages of a
    large block without copying them, so the table is never held twice (no view of the
    arena, such as `arena64`, outlives a kernel call)."""

    def __init__(self, keys: int):
        self.arena = np.zeros(_round8(32 * keys), np.uint8)  # pages as they are written
        self.slots = np.full(_pow2(2 * keys), -1, np.int32)

    @property
    def arena64(self) -> np.ndarray:
        return self.arena.view(np.int64)

    def grow(self, n: int, used: int, keys: int, nbytes: int) -> None:
        """Room for `keys` more keys and `nbytes` more bytes beside the n keys held in
        `used` bytes; the slots are rebuilt, twice as many, so as never to be half full."""
        if 2 * (n + keys) > len(self.slots):
            size = len(self.slots)
            while 2 * (n + keys) > size:
                size *= 2
            self.slots = None  # freed before the new ones are made
            self.slots = np.empty(size, np.int32)
            T.rehash(self.slots, self.arena, used)
        if used + nbytes > len(self.arena):
            if used + nbytes > MAX_ARENA:
                raise CorpusError(
                    "more than 16 GB of distinct words or bigrams: lower --max-vocab-size"
                )
            size = min(_round8(max(len(self.arena) * 5 // 4, used + nbytes)), MAX_ARENA)
            self.arena.resize(size, refcheck=False)


class PairTable:
    """The arrays of a pair table of w2v.kernels.keytable (its size is kept by its user)."""

    def __init__(self, pairs: int):
        size = _pow2(2 * pairs)
        self.keys = np.zeros(size, np.uint64)  # EMPTY: pages as they are touched
        self.counts = np.zeros(size, np.int64)

    def grow(self, n: int, pairs: int) -> None:
        """Room for `pairs` more pairs beside the n held, so as never to be half full."""
        if 2 * (n + pairs) <= len(self.keys):
            return
        size = len(self.keys)
        while 2 * (n + pairs) > size:
            size *= 2
        keys, counts = self.keys, self.counts
        self.keys = np.zeros(size, np.uint64)
        self.counts = np.zeros(size, np.int64)
        T.move_pairs(keys, counts, self.keys, self.counts)


def _resume(carry: bytes, block: bytes, state: np.ndarray) -> tuple[bytes, int]:
    """The buffer a kernel reads next and where it starts: `block`, after the token the
    previous block left open (`carry` and a space), which state[1:3] then points at."""
    if not carry:
        return block, 0
    state[1], state[2] = 0, len(carry)
    return carry + b" " + block, len(carry)


def _suspend(buf: bytes, state: np.ndarray) -> bytes:
    """The token of `buf` that state[1:3] points at (the open sentence's last or pending
    token), to carry into the next block; b"" when there is none."""
    if state[1] < 0:
        return b""
    carry = buf[state[1] : state[2]]
    state[1], state[2] = -1, -1
    return carry


class GramCounts:
    """The token and bigram counts of a stream of normalised blocks (gensim's
    `Phrases.vocab`) in the tables U, S and P of w2v.kernels.bigrams, pruned as gensim's
    `max_vocab_size` prunes. Feed it blocks with `add`, then call `finish`.

    `text_bytes`, the size of the text if known, sizes the tables for about one bigram
    per KEY_BYTES bytes (they grow past that), so that they are rarely rebuilt."""

    def __init__(self, delimiter: str, max_keys: int, text_bytes: int = 0):
        keys = min(max(text_bytes // KEY_BYTES, 1 << 15), max_keys + 2, MAX_FIRST_KEYS)
        self.delim = np.frombuffer(delimiter.encode("utf-8"), np.uint8)
        self.pairs = not overlaps_itself(delimiter.encode("utf-8"))
        self.max_keys = max_keys
        self.u = KeyTable(keys // 8)  # one token to ten bigrams in gcide_wn
        self.s = KeyTable(1 << 10)
        self.p = PairTable(keys if self.pairs else 16)
        self.sizes = np.zeros(9, np.int64)  # see K.N_U ...
        self.state = np.array([0, -1, -1, -1], np.int64)  # see K.count_grams
        self.min_reduce = 1  # the next pruning drops the keys counted fewer times
        self.pruned = 0  # keys dropped by pruning
        self._carry = b""

    @property
    def n(self) -> int:
        """Keys held: gensim's len(vocab)."""
        return int(self.sizes[K.N_U] + self.sizes[K.N_S] + self.sizes[K.N_P])

    @property
    def words(self) -> int:
        """Tokens counted: gensim's corpus_word_count."""
        return int(self.sizes[K.WORDS])

    def add(self, block: bytes) -> None:
        buf, pos = _resume(self._carry, block, self.state)
        x = np.frombuffer(buf, np.uint8)
        u, s, p, sizes = self.u, self.s, self.p, self.sizes
        while True:
            pos, stop = K.count_grams(
                x, pos, self.state, self.delim, self.pairs, MAX_SENTENCE_LEN, self.max_keys,
                u.slots, u.arena, u.arena64, s.slots, s.arena, s.arena64, p.keys, p.counts,
                sizes,
            )  # fmt: skip
            if stop == K.DONE:
                break
            if stop == K.ROOM:
                u.grow(int(sizes[K.N_U]), int(sizes[K.USED_U]), T.BATCH, int(sizes[K.NEED_U]))
                s.grow(int(sizes[K.N_S]), int(sizes[K.USED_S]), 2 * T.BATCH, int(sizes[K.NEED_S]))
                p.grow(int(sizes[K.N_P]), T.BATCH)
            else:
                self._prune()
        self._carry = _suspend(buf, self.state)

    def finish(self) -> None:
        """End the stream's last sentence (a last line without a newline)."""
        self.add(b"\n")

    def _prune(self) -> None:
        """gensim's utils.prune_vocab(vocab, min_reduce), then min_reduce + 1."""
        u, s, p, sizes, r = self.u, self.s, self.p, self.sizes, self.min_reduce
        before = self.n
        new_ids = np.empty(int(sizes[K.USED_U]) // 8, np.int32)  # U under 16 GB
        sizes[K.N_U], sizes[K.USED_U] = T.prune_keys(
            r, u.arena, u.arena64, sizes[K.USED_U], new_ids
        )
        none = np.empty(0, np.int32)
        sizes[K.N_S], sizes[K.USED_S] = T.prune_keys(r, s.arena, s.arena64, sizes[K.USED_S], none)
        sizes[K.N_P] = T.prune_pairs(r, p.keys, p.counts, new_ids)
        T.rehash(u.slots, u.arena, sizes[K.USED_U])
        T.rehash(s.slots, s.arena, sizes[K.USED_S])
        sizes[K.N_SPLIT] = K.count_splits(s.arena, sizes[K.USED_S], self.delim)
        self.pruned += before - self.n
        self.min_reduce += 1

    def phrases(self, config: PhrasesConfig) -> PhraseTable:
        """The strings scoring above config.threshold (K.score_keys, K.score_pairs): S's,
        then P's."""
        u, s, p, sizes = self.u, self.s, self.p, self.sizes
        code = _SCORING_CODE[config.scoring]
        found = (code, config.min_count, config.threshold, self.n, self.words)
        offsets = np.empty(int(sizes[K.N_S]), np.int64)  # pages only as far as written
        scores = np.empty(int(sizes[K.N_S]), np.float64)
        n_s = K.score_keys(
            self.delim, *found, u.slots, u.arena, u.arena64, s.arena, s.arena64,
            sizes[K.USED_S], offsets, scores,
        )  # fmt: skip
        pair_keys = np.empty(int(sizes[K.N_P]), np.uint64)
        pair_scores = np.empty(int(sizes[K.N_P]), np.float64)
        n_p = K.score_pairs(*found, u.arena64, p.keys, p.counts, pair_keys, pair_scores)
        return PhraseTable.of_counts(self, offsets[:n_s], scores[:n_s], pair_keys[:n_p],
                                     pair_scores[:n_p], config.delimiter)  # fmt: skip


class PhraseTable:
    """The phrases of one pass in a key table (w2v.kernels.keytable): phrase i, the UTF-8
    bytes a + delimiter + b, is the record at offsets[i] (int64 [P]) of `arena`, whose
    count is its count in that pass; scores[i] (float64 [P]) is its score. `pairs` is a
    bitset that rules out most token pairs before they are looked up (J.mark_pairs)."""

    def __init__(self, arena, offsets, scores, delimiter: str):
        self.arena = arena
        self.offsets = offsets
        self.scores = np.ascontiguousarray(scores, np.float64)
        self.counts = arena.view(np.int64)[offsets // 8]
        self.delimiter = delimiter
        self.delim = np.frombuffer(delimiter.encode("utf-8"), np.uint8)
        self.slots = np.empty(_pow2(2 * len(offsets) + 2), np.int32)
        T.rehash(self.slots, self.arena, len(self.arena))
        self.pairs = np.empty(J.PAIR_BITS // 64, np.uint64)
        J.mark_pairs(self.arena, len(self.arena), self.delim, self.pairs)
        self.data, self.starts = self.keys()

    @classmethod
    def of_counts(cls, counts: GramCounts, offsets, scores, pair_keys, pair_scores, delimiter):
        """The phrases found in `counts`: the records at `offsets` of its S (with their
        scores), then the bigrams `pair_keys` of its P (with theirs), copied."""
        u, s = counts.u, counts.s
        s_lens = np.empty(len(offsets), np.int64)
        T.key_lengths(s.arena, offsets, s_lens)
        ids = ~pair_keys  # see T.pair_key
        a = (8 * (ids >> np.uint64(32))).astype(np.int64)
        b = (8 * (ids & np.uint64(0xFFFF_FFFF))).astype(np.int64)
        a_lens, b_lens = np.empty(len(a), np.int64), np.empty(len(b), np.int64)
        T.key_lengths(u.arena, a, a_lens)
        T.key_lengths(u.arena, b, b_lens)
        p_lens = a_lens + len(counts.delim) + b_lens
        s_bytes = int(np.sum(8 + ((s_lens + 8) & ~7)))
        arena = np.empty(s_bytes + int(np.sum(8 + ((p_lens + 8) & ~7))), np.uint8)
        new_offsets = np.empty(len(offsets) + len(pair_keys), np.int64)
        T.copy_records(offsets, s.arena, arena, new_offsets)
        tail = arena[s_bytes:]  # the bigrams' records, after S's (s_bytes is a multiple of 8)
        n_s = len(offsets)
        K.pair_records(pair_keys, counts.p.keys, counts.p.counts, u.arena, counts.delim,
                       tail, tail.view(np.int64), new_offsets[n_s:])  # fmt: skip
        new_offsets[n_s:] += s_bytes
        return cls(arena, new_offsets, np.concatenate([scores, pair_scores]), delimiter)

    @classmethod
    def from_phrases(cls, phrases: list[str], scores, counts, delimiter: str) -> PhraseTable:
        encoded = [p.encode("utf-8") for p in phrases]
        lens = np.fromiter(map(len, encoded), np.int64, len(encoded))
        starts = np.zeros(len(encoded) + 1, np.int64)
        np.cumsum(lens, out=starts[1:])
        arena = np.zeros(int(np.sum(8 + ((lens + 8) & ~7))), np.uint8)
        offsets = np.empty(len(encoded), np.int64)
        data = np.frombuffer(b"".join(encoded), np.uint8)
        counts = np.ascontiguousarray(counts, np.int64)
        T.pack_keys(data, starts, counts, arena, arena.view(np.int64), offsets)
        return cls(arena, offsets, scores, delimiter)

    def keys(self) -> tuple[np.ndarray, np.ndarray]:
        """The phrases' UTF-8 bytes back to back (uint8) and where each starts (int64
        [P + 1])."""
        lens = np.empty(len(self.offsets), np.int64)
        T.key_lengths(self.arena, self.offsets, lens)
        starts = np.zeros(len(lens) + 1, np.int64)
        np.cumsum(lens, out=starts[1:])
        data = np.empty(int(starts[-1]), np.uint8)
        T.unpack_keys(self.arena, self.offsets, starts, data)
        return data, starts

    def __len__(self) -> int:
        return len(self.scores)

    def phrase(self, i: int) -> str:
        return self.data[self.starts[i] : self.starts[i + 1]].tobytes().decode("utf-8")

    def join(self, blocks: Iterable[bytes], max_sentence_len: int = MAX_SENTENCE_LEN):
        """The normalised blocks with this table's phrases joined (J.join_phrases): a line
        per sentence, tokens one space apart. Yields bytes."""
        state = np.array([0, -1, -1, 0], np.int64)  # see J.join_phrases
        carry = b""
        out = np.empty(0, np.uint8)  # reused: its pages are not faulted in again each block
        for block in blocks:
            buf, pos = _resume(carry, block, state)
            size = len(buf) + (len(buf) // 2 + 1) * (len(self.delim) + 1)
            if len(out) < size:
                out = np.empty(size, np.uint8)
            n_out = J.join_phrases(
                np.frombuffer(buf, np.uint8), pos, state, self.delim, max_sentence_len,
                self.slots, self.arena, self.pairs, out,
            )  # fmt: skip
            carry = _suspend(buf, state)
            yield out[:n_out].tobytes()
        if carry:  # the pending token of a last line without a newline
            yield carry
