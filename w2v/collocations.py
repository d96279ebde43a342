"""Phrases: frequent collocations joined into single tokens ("new york" → "new_york").

    model = w2v.phrases("corpus.txt", passes=2)        # PhraseModel
    model.top(5); model["the new york times".split()]  # ['the', 'new_york_times']
    model.write("corpus.txt", "phrased.txt"); model.save("phrases.parquet")

A pass counts every token and every bigram of the corpus as gensim's `Phrases` does, the
bigram (a, b) keyed by the string a + delimiter + b, in a Numba key table fed by the same
streaming scanner as the vocabulary (w2v.scan.iter_blocks). Memory is bounded: when a
sentence ends with more than `max_vocab_size` keys held, the keys counted fewer than
min_reduce times are dropped and min_reduce grows by one, as gensim prunes. Each key that
splits at the delimiter into a, ..., b is scored as `Phrases.export_phrases` scores it
(w2v.kernels.bigrams.score_bigrams); those scoring above `threshold` are the pass's
phrases. Applying a pass joins them left to right as gensim's `FrozenPhrases` does. A
second pass counts the text the first one joined, so it finds phrases of phrases.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from w2v.config import PhrasesConfig
from w2v.errors import ConfigError, CorpusError
from w2v.kernels import bigrams as K
from w2v.tokens import MAX_SENTENCE_LEN, ReadStats, iter_sentences

_SCORING_CODE = {"default": K.DEFAULT, "npmi": K.NPMI}
FORMAT = "w2v-phrases"  # the mark of a saved PhraseModel (w2v.io.phrase_file)
_SENTENCE_BLOCK = 1 << 20  # bytes of token lists gathered into one block
KEY_BYTES = 20  # text bytes per distinct word or bigram, about (gcide_wn: 17)
MAX_FIRST_KEYS = 1 << 24  # at most this many keys before a table first grows


def _pow2(n: int) -> int:
    return 1 << max(4, int(n - 1).bit_length())


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
    """The unigram and bigram counts of a token stream (gensim's `Phrases.vocab`) in a key
    table of w2v.kernels.bigrams, pruned as gensim's `max_vocab_size` prunes. Feed it
    normalised blocks with `add`, then call `finish`."""

    def __init__(self, delimiter: str, max_keys: int, text_bytes: int = 0):
        """`text_bytes`, the size of the text to come if known, sizes the table for about
        one key per KEY_BYTES bytes (it grows past that), so that it is rarely rebuilt."""
        keys = min(max(text_bytes // KEY_BYTES, 1 << 15), max_keys + 2, MAX_FIRST_KEYS)
        self.delim = np.frombuffer(delimiter.encode("utf-8"), np.uint8)
        self.max_keys = max_keys
        self.n = 0  # keys held: gensim's len(vocab)
        self.used = 0  # arena bytes they take
        self.words = 0  # tokens counted: gensim's corpus_word_count
        self.min_reduce = 1  # the next pruning drops the keys counted fewer times
        self.pruned = 0  # keys dropped by pruning
        self.arena = np.zeros(_round8(32 * keys), np.uint8)  # pages as they are written
        self.slots = np.full(_pow2(2 * keys), -1, np.int32)
        self._state = np.array([0, -1, -1], np.int64)  # see K.count_grams
        self._carry = b""

    def add(self, block: bytes) -> None:
        buf, pos = _resume(self._carry, block, self._state)
        x = np.frombuffer(buf, np.uint8)
        while True:
            pos, self.n, self.used, words, stop, need = K.count_grams(
                x, pos, self._state, self.delim, MAX_SENTENCE_LEN, self.max_keys, self.slots,
                self.arena, self.arena.view(np.int64), self.n, self.used,
            )  # fmt: skip
            self.words += words
            if stop == K.DONE:
                break
            if stop == K.ROOM:
                self._grow(need)
            else:
                self._prune()
        self._carry = _suspend(buf, self._state)

    def finish(self) -> None:
        """End the stream's last sentence (a last line without a newline)."""
        self.add(b"\n")

    def _grow(self, need: int) -> None:
        """Room for two more keys and `need` more bytes. The arena is resized in place
        (realloc moves the pages of a large block without copying them, so the table is
        never held twice; no view of it outlives a kernel call); the slots are rebuilt,
        twice as many, before half are full."""
        if 2 * (self.n + 2) > len(self.slots):
            size = 2 * len(self.slots)
            self.slots = None  # freed before the new ones are made
            self.slots = np.empty(size, np.int32)
            K.rehash(self.slots, self.arena, self.used)
        if self.used + need > len(self.arena):
            size = _round8(max(len(self.arena) * 5 // 4, self.used + need))
            self.arena.resize(size, refcheck=False)

    def _prune(self) -> None:
        arena64 = self.arena.view(np.int64)
        kept, self.used = K.prune_grams(self.min_reduce, self.arena, arena64, self.used)
        self.pruned += self.n - kept
        self.n = kept
        K.rehash(self.slots, self.arena, self.used)
        self.min_reduce += 1

    def phrases(self, config: PhrasesConfig) -> PhraseTable:
        """The keys scoring above config.threshold (K.score_bigrams), in table order."""
        offsets = np.empty(self.n, np.int64)  # pages only as far as written: the phrases'
        scores = np.empty(self.n, np.float64)
        n_phrases = K.score_bigrams(
            self.delim, _SCORING_CODE[config.scoring], config.min_count, config.threshold,
            self.n, self.words, self.slots, self.arena, self.arena.view(np.int64), self.used,
            offsets, scores,
        )  # fmt: skip
        return PhraseTable.from_records(
            self.arena, offsets[:n_phrases], scores[:n_phrases], config.delimiter
        )


def _round8(n: int) -> int:
    return (n + 7) & ~7


class PhraseTable:
    """The phrases of one pass in a key table (w2v.kernels.bigrams): phrase i, the UTF-8
    bytes a + delimiter + b, is the record at offsets[i] (int64 [P]) of `arena`, whose
    count is its count in that pass; scores[i] (float64 [P]) is its score."""

    def __init__(self, arena, offsets, scores, delimiter: str):
        self.arena = arena
        self.offsets = offsets
        self.scores = np.ascontiguousarray(scores, np.float64)
        self.counts = arena.view(np.int64)[offsets // 8]
        self.delimiter = delimiter
        self.delim = np.frombuffer(delimiter.encode("utf-8"), np.uint8)
        self.slots = np.empty(_pow2(2 * len(offsets) + 2), np.int32)
        K.rehash(self.slots, self.arena, len(self.arena))
        self.pairs = np.empty(K.PAIR_BITS // 64, np.uint64)  # a filter of the keys' splits
        K.mark_pairs(self.arena, len(self.arena), self.delim, self.pairs)
        self.data, self.starts = self.keys()

    @classmethod
    def from_records(cls, arena, offsets, scores, delimiter: str) -> PhraseTable:
        """The records at `offsets` of a key table's arena, copied, with their scores."""
        lens = np.empty(len(offsets), np.int64)
        K.key_lengths(arena, offsets, lens)
        out = np.empty(int(np.sum(8 + ((lens + 8) & ~7))), np.uint8)
        new_offsets = np.empty(len(offsets), np.int64)
        K.copy_records(offsets, arena, out, new_offsets)
        return cls(out, new_offsets, scores, delimiter)

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
        K.pack_keys(data, starts, counts, arena, arena.view(np.int64), offsets)
        return cls(arena, offsets, scores, delimiter)

    def keys(self) -> tuple[np.ndarray, np.ndarray]:
        """The phrases' UTF-8 bytes back to back (uint8) and where each starts (int64
        [P + 1])."""
        lens = np.empty(len(self.offsets), np.int64)
        K.key_lengths(self.arena, self.offsets, lens)
        starts = np.zeros(len(lens) + 1, np.int64)
        np.cumsum(lens, out=starts[1:])
        data = np.empty(int(starts[-1]), np.uint8)
        K.unpack_keys(self.arena, self.offsets, starts, data)
        return data, starts

    def __len__(self) -> int:
        return len(self.scores)

    def phrase(self, i: int) -> str:
        return self.data[self.starts[i] : self.starts[i + 1]].tobytes().decode("utf-8")

    def join(self, blocks: Iterable[bytes], max_sentence_len: int = MAX_SENTENCE_LEN):
        """The normalised blocks with this table's phrases joined (K.join_phrases): a line
        per sentence, tokens one space apart. Yields bytes."""
        state = np.array([0, -1, -1, 0], np.int64)  # see K.join_phrases
        carry = b""
        for block in blocks:
            buf, pos = _resume(carry, block, state)
            out = np.empty(len(buf) + (len(buf) // 2 + 1) * (len(self.delim) + 1), np.uint8)
            n_out = K.join_phrases(
                np.frombuffer(buf, np.uint8), pos, state, self.delim, max_sentence_len,
                self.slots, self.arena, self.pairs, out,
            )  # fmt: skip
            carry = _suspend(buf, state)
            yield out[:n_out].tobytes()
        if carry:  # the pending token of a last line without a newline
            yield (bytes([state[3]]) if state[3] else b"") + carry


@dataclass
class PhraseModel:
    """The phrases found by each pass (`tables`), how they were found (`config`), how the
    text was read (`lower`, `punct`: apply it to text read the same way) and what each
    pass saw (`stats`: lines, words, keys, pruned keys, min_reduce, phrases)."""

    config: PhrasesConfig
    tables: list[PhraseTable]
    lower: bool = True
    punct: bool = False
    stats: list[dict] = field(default_factory=list)

    def __len__(self) -> int:
        return sum(len(t) for t in self.tables)

    def join_blocks(self, blocks: Iterable[bytes]) -> Iterator[bytes]:
        """Normalised blocks with the phrases of every pass joined, pass after pass."""
        for table in self.tables:
            blocks = table.join(blocks)
        return iter(blocks)

    def __getitem__(self, sentence: list[str]) -> list[str]:
        """A sentence (tokens without whitespace) with its phrases joined, as gensim's
        FrozenPhrases of each pass, one after the other, give it."""
        blocks: Iterable[bytes] = [" ".join(sentence).encode("utf-8")]
        for table in self.tables:
            blocks = table.join(blocks, max_sentence_len=len(sentence) + 1)
        return b"".join(blocks).decode("utf-8").split()

    def transform(self, sentences: Iterable[list[str]]) -> Iterator[list[str]]:
        """Token lists (tokens without whitespace) with their phrases joined; a list longer
        than MAX_SENTENCE_LEN comes out in pieces, as every corpus reader cuts it."""
        for block in self.join_blocks(sentence_blocks(sentences, ReadStats())):
            yield from (line.split() for line in block.decode("utf-8").splitlines() if line)

    def top(self, n: int | None = None) -> list[tuple[str, float, int, int]]:
        """(phrase, score, count, pass) of the n best-scoring phrases of all passes, best
        first (ties: the earlier pass, then the first found)."""
        scores = np.concatenate([t.scores for t in self.tables] + [np.empty(0)])
        firsts = np.cumsum([0] + [len(t) for t in self.tables])  # pass p's rows start here
        rows = []
        for k in np.argsort(-scores, kind="stable")[:n]:
            p = int(np.searchsorted(firsts, k, side="right")) - 1
            t, i = self.tables[p], int(k - firsts[p])
            rows.append((t.phrase(i), float(t.scores[i]), int(t.counts[i]), p + 1))
        return rows

    def phrases(self, npass: int | None = None) -> dict[str, float]:
        """phrase → score of pass `npass` (1-based; gensim's export_phrases of that pass),
        or of every pass."""
        tables = self.tables if npass is None else [self.tables[npass - 1]]
        return {t.phrase(i): float(t.scores[i]) for t in tables for i in range(len(t))}

    def summary(self) -> dict:
        """What a model trained on the joined text records of them (meta.json)."""
        return {
            "config": dataclasses.asdict(self.config),
            "lower": self.lower,
            "punct": self.punct,
            "phrases": [len(t) for t in self.tables],
        }

    def write(self, corpus, output, force: bool = False) -> dict:
        """Write the text file `corpus` with its phrases joined to the file `output`
        (atomically; an existing one only with `force`): its tokens as the model reads
        them, one space apart, a line per sentence. Returns what was read (lines,
        invalid_utf8)."""
        from w2v.io.atomic import atomic_file, refuse_existing
        from w2v.scan import iter_blocks, prefetch

        refuse_existing(output, force)
        read = ReadStats()
        blocks = prefetch(iter_blocks(corpus, self.lower, self.punct, read))
        with atomic_file(output) as f:
            for block in self.join_blocks(blocks):
                f.write(block)
        return {"lines": read.lines, "invalid_utf8": read.invalid_utf8}

    def save(self, path, force: bool = False) -> None:
        """Rows (phrase, score, count, pass) in a Parquet file, the settings in its
        metadata (w2v.io.phrase_file), for `PhraseModel.load` and `w2v train --phrases-from`."""
        from w2v.io.phrase_file import write_phrases

        write_phrases(path, self, force)

    @classmethod
    def load(cls, path) -> PhraseModel:
        from w2v.io.phrase_file import read_phrases

        return read_phrases(path)


def sentence_blocks(sentences: Iterable[list[str]], read: ReadStats) -> Iterator[bytes]:
    """Token lists as normalised blocks (tokens one space apart, a line each), cut as
    iter_sentences cuts them."""
    lines: list[str] = []
    size = 0
    for tokens in iter_sentences(sentences, stats=read):
        lines.append(" ".join(tokens))
        size += len(lines[-1]) + 1
        if size >= _SENTENCE_BLOCK:
            yield ("\n".join(lines) + "\n").encode("utf-8")
            lines, size = [], 0
    if lines:
        yield ("\n".join(lines) + "\n").encode("utf-8")


def _is_paths(corpus) -> bool:
    return isinstance(corpus, list | tuple) and all(
        isinstance(p, str | os.PathLike) for p in corpus
    )


def corpus_blocks(corpus, lower: bool, punct: bool, read: ReadStats) -> Iterator[bytes]:
    """The normalised blocks of a corpus: a text file, a list of them (each file's last
    line ends with it) or an iterable of token lists (taken as they are)."""
    from w2v.scan import iter_blocks

    if isinstance(corpus, str | os.PathLike):
        yield from iter_blocks(corpus, lower, punct, read)
    elif _is_paths(corpus):
        for path in corpus:
            yield from iter_blocks(path, lower, punct, read)
            yield b"\n"
    else:
        yield from sentence_blocks(corpus, read)


def phrases(corpus, *, lower: bool = True, punct: bool = False, **settings) -> PhraseModel:
    """Find the phrases of `corpus` (a text file, .gz/.bz2/.xz too, a list of them, or an
    iterable of token lists) with the PhrasesConfig fields as keywords: min_count=5,
    threshold=10.0, scoring="default" or "npmi", passes=1 or 2, delimiter="_",
    max_vocab_size=40_000_000. `lower` and `punct` say how files are tokenized.

    The phrases and their scores are gensim's: `Phrases(sentences, **settings)` without
    connector words, then `export_phrases()`; pass 2 is the same over the sentences joined
    by the first pass's `freeze()`. CorpusError if the corpus has no tokens.
    """
    from w2v.scan import prefetch

    config = PhrasesConfig.from_kwargs(**settings)
    model = PhraseModel(config, [], lower=lower, punct=punct)
    if not isinstance(corpus, str | os.PathLike | list | tuple) and iter(corpus) is corpus:
        corpus = list(corpus)  # a one-shot iterator of token lists: read once per pass
    size = _text_bytes(corpus)
    for _ in range(config.passes):
        counts = GramCounts(config.delimiter, config.max_vocab_size, size)
        read = ReadStats()
        for block in prefetch(model.join_blocks(corpus_blocks(corpus, lower, punct, read))):
            counts.add(block)
        counts.finish()
        if counts.words == 0:
            raise CorpusError(f"corpus {_name(corpus)!r} is empty (no tokens)")
        model.tables.append(counts.phrases(config))
        model.stats.append(
            {
                "lines": read.lines,
                "invalid_utf8": read.invalid_utf8,
                "words": counts.words,
                "keys": counts.n,
                "pruned_keys": counts.pruned,
                "min_reduce": counts.min_reduce,
                "phrases": len(model.tables[-1]),
            }
        )
        del counts
    return model


def _text_bytes(corpus) -> int:
    """About how many bytes of text the corpus files hold (0 for token lists): compressed
    files count four times their size."""
    from w2v.io.compressed import COMPRESSED

    paths = [corpus] if isinstance(corpus, str | os.PathLike) else corpus
    if not _is_paths(paths):
        return 0
    total = 0
    for p in map(Path, paths):
        if p.is_file():
            total += p.stat().st_size * (4 if p.suffix.lower() in COMPRESSED else 1)
    return total


def _name(corpus) -> str:
    if isinstance(corpus, str | os.PathLike):
        return str(corpus)
    return ", ".join(map(str, corpus)) if _is_paths(corpus) else "corpus"


def phrase_model(spec, corpus, lower: bool, punct: bool) -> PhraseModel | None:
    """The phrases `w2v.train(..., phrases=spec)` applies: None or False, none; True, those
    of `corpus` at the default settings; a dict of PhrasesConfig settings, those of
    `corpus` found with them; a PhraseModel, itself; a path, the model saved there
    (`w2v phrases --save`), which must have read its text as `lower` and `punct` say."""
    if spec is None or spec is False:
        return None
    if not isinstance(spec, bool | dict | PhraseModel | str | os.PathLike):
        raise ConfigError(
            f"phrases must be True, a dict of phrase settings, a PhraseModel or the path of "
            f"saved phrases, not {spec!r}"
        )
    if spec is True:
        return phrases(corpus, lower=lower, punct=punct)
    if isinstance(spec, dict):
        return phrases(corpus, lower=lower, punct=punct, **spec)
    model = spec if isinstance(spec, PhraseModel) else PhraseModel.load(spec)
    if (model.lower, model.punct) != (lower, punct):
        raise ConfigError(
            f"the phrases were found in text read with lower={model.lower}, "
            f"punct={model.punct}; read the corpus the same way (--no-lower, --punct)"
        )
    return model


__all__ = ["PhraseModel", "PhraseTable", "PhrasesConfig", "phrase_model", "phrases"]
