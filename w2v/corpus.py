"""The encoded corpus: token ids of the kept words, on disk, memory-mapped.

    ids.npy      uint32 [N]      vocabulary row of every kept token, sentence after sentence
    offsets.npy  int64  [S + 1]  sentence s is ids[offsets[s]:offsets[s + 1]]

Written in one streaming pass (the .npy header is rewritten with the final length at the
end), so neither the text nor the ids are ever held whole. Out-of-vocabulary tokens are
dropped, as word2vec.c does; a sentence left empty is dropped too. `encode` reads the text
again after the vocabulary was counted; `RecordedText` counts a plain-text file and keeps a
record of its tokens, so that the vocabulary and the encoded corpus come from one read.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from w2v.errors import CorpusError
from w2v.io.atomic import MARK, Owned, atomic_dir
from w2v.io.model_dir import check_npy
from w2v.kernels import wordtable as K
from w2v.scan import WordTable, iter_blocks, prefetch
from w2v.tokens import MAX_SENTENCE_LEN, ReadStats, iter_sentences
from w2v.vocab import Vocab

ENCODED_DIR = Owned("encoded corpus", MARK)  # see w2v.io.Owned
_HEADER_LEN = 128  # fixed, so the shape can be rewritten in place when the pass ends


def _npy_header(dtype: np.dtype, n: int) -> bytes:
    d = f"{{'descr': '{dtype.str}', 'fortran_order': False, 'shape': ({n},), }}"
    body = d.ljust(_HEADER_LEN - 10 - 1) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body.encode("latin1")


class _NpyAppender:
    """Append 1-D chunks to a .npy file whose length is known only at the end."""

    def __init__(self, path: Path, dtype):
        self.dtype = np.dtype(dtype)
        self.n = 0
        self.f = open(path, "wb")
        self.f.write(_npy_header(self.dtype, 0))

    def append(self, a: np.ndarray) -> None:
        self.f.write(np.ascontiguousarray(a, dtype=self.dtype).tobytes())
        self.n += len(a)

    def close(self) -> None:
        self.f.seek(0)
        self.f.write(_npy_header(self.dtype, self.n))
        self.f.close()


@dataclass
class EncodedCorpus:
    """Token ids and sentence offsets (see the module docstring)."""

    ids: np.ndarray  # uint32 [N]
    offsets: np.ndarray  # int64 [S + 1]
    stats: dict

    @property
    def n_tokens(self) -> int:
        return len(self.ids)

    @property
    def n_sentences(self) -> int:
        return len(self.offsets) - 1

    def sentence(self, s: int) -> np.ndarray:
        return self.ids[self.offsets[s] : self.offsets[s + 1]]

    @classmethod
    def load(cls, directory: str | os.PathLike, mmap: bool = True) -> EncodedCorpus:
        d = Path(directory)
        mode = "r" if mmap else None
        ids = check_npy(d / "ids.npy", np.uint32, ndim=1, mmap_mode=mode)
        offsets = check_npy(d / "offsets.npy", np.int64, ndim=1, mmap_mode=mode)
        if len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(ids):
            raise CorpusError(f"encoded corpus in {str(d)!r} is inconsistent; encode it again")
        return cls(ids, offsets, {})


def encode(
    source: str | os.PathLike | Iterable[list[str]],
    vocab: Vocab,
    out_dir: str | os.PathLike,
    lower: bool = True,
    punct: bool = False,
    chunk_tokens: int = 1 << 20,
    start: int = 0,
    end: int | None = None,
    phrases=None,
) -> EncodedCorpus:
    """Encode `source` with `vocab` into `out_dir` (ids.npy, offsets.npy); returns it mmapped.
    For a plain-text file, `start`/`end` encode only its lines starting in that byte range
    (w2v.scan.iter_blocks), so ranges of one file encode to the pieces of the whole. With
    `phrases` (a w2v.collocations.PhraseModel), the text is encoded with its phrases joined.

    `out_dir` is written atomically: it appears complete or not at all.
    """
    if isinstance(source, str | os.PathLike):
        return _write(
            out_dir,
            lambda ids, ends, stats: _encode_files(
                [source], vocab, ids, ends, stats, lower, punct, start, end, phrases
            ),
        )
    if phrases is not None:
        source = phrases.transform(source)
    return _write(
        out_dir,
        lambda ids, ends, stats: _encode_sentences(source, vocab, ids, ends, stats, chunk_tokens),
    )


def encode_files(
    paths: list[str | os.PathLike], vocab: Vocab, out_dir: str | os.PathLike,
    lower: bool = True, punct: bool = False, phrases=None,
) -> EncodedCorpus:  # fmt: skip
    """Encode text files one after another into `out_dir`, in one pass: the concatenation
    of their encodings (a sentence never runs from one file into the next); with `phrases`,
    the text with its phrases joined."""
    return _write(
        out_dir,
        lambda ids, ends, stats: _encode_files(
            paths, vocab, ids, ends, stats, lower, punct, phrases=phrases
        ),
    )


class RecordedText:
    """A plain-text file read once: counted, with every token's table entry recorded on disk
    as it was read (w2v.scan.count_recorded), so that once the vocabulary is known the
    encoded corpus follows from the record (w2v.kernels.wordtable.encode_stream), without
    reading, normalising and hashing the text again. The vocabulary and the corpus are
    those of build_vocab and encode, to the bit.

        text = RecordedText.count(path, scratch, lower, punct, max_table, threads)
        vocab = text.vocab(min_count, max_size)
        corpus = text.encode(out_dir)

    The record takes 4 bytes a token and a line (recorded_bytes), in `scratch`.
    """

    PIECE = 1 << 18  # record entries encoded at a time: 1 MB of ids, 2 MB of ends at most

    def __init__(self, path, table, info, where, records):
        self.path, self.table, self.info = path, table, info
        self.where = where  # where[r]: range r's entries in the merged table
        self.records = records  # records[r]: the file holding range r's record
        self.id_of: np.ndarray | None = None  # uint32 [entries]: a kept entry's row, or DROP

    @classmethod
    def count(
        cls, path, scratch, lower: bool, punct: bool, max_table: int, threads: int,
        min_bytes: int | None = None,
    ) -> RecordedText | None:  # fmt: skip
        """Count the file `path` in up to `threads` ranges at once (of min_bytes or more,
        w2v.scan.split_points), recording into files in the existing directory `scratch`;
        None when the count had to prune (too many distinct words), the record then being of
        no use: count and encode in two passes."""
        from w2v.scan import PARALLEL_MIN_BYTES, count_recorded

        records: dict[int, Path] = {}
        files = []

        def sink_for(r: int):
            records[r] = Path(scratch) / f"record-{r}.u32"
            f = open(records[r], "wb")
            files.append(f)
            return f.write

        try:
            min_bytes = PARALLEL_MIN_BYTES if min_bytes is None else min_bytes
            counted = count_recorded(path, lower, punct, max_table, threads, sink_for, min_bytes)
        finally:
            for f in files:
                f.close()
        if counted is None:
            for record in records.values():
                record.unlink()
            return None
        table, info, where = counted
        info["distinct"] = len(table)
        return cls(path, table, info, where, [records[r] for r in range(len(where))])

    def vocab(self, min_count: int, max_size: int | None = None) -> Vocab:
        """build_vocab(path, min_count, max_size, ...) of the text."""
        from w2v.vocab import checked, kept_order

        table = self.table
        order = kept_order(table.counts[: table.n], min_count, max_size)
        self.id_of = np.full(table.n, K.DROP, np.uint32)
        self.id_of[order] = np.arange(len(order), dtype=np.uint32)
        vocab = Vocab([table.word(e) for e in order], table.counts[order], dict(self.info))
        self.table = None  # the hash table (14 MB on gcide_wn) is of no use to the encoding
        return checked(vocab, str(self.path), min_count)

    def encode(self, out_dir: str | os.PathLike) -> EncodedCorpus:
        """encode(path, self.vocab(...), out_dir), from the record, which it then deletes."""
        if self.id_of is None:
            raise RuntimeError("RecordedText.encode needs the vocabulary first")

        def fill(ids_out, ends_out, stats):
            state = np.zeros(3, np.int64)  # see w2v.kernels.wordtable.encode_tokens
            ids = np.empty(self.PIECE, np.uint32)
            ends = np.empty(self.PIECE + 1, np.int64)
            for record, where in zip(self.records, self.where, strict=True):
                id_of = self.id_of[where]  # the range's entries straight to rows
                stream = np.memmap(record, np.uint32, "r") if record.stat().st_size else []
                for a in range(0, len(stream), self.PIECE):
                    piece = stream[a : a + self.PIECE]
                    n_ids, n_ends = K.encode_stream(
                        piece, id_of, ids, ends, state, MAX_SENTENCE_LEN
                    )
                    ids_out.append(ids[:n_ids])
                    ends_out.append(ends[:n_ends])
                del stream
                record.unlink()
            if state[1] > state[2]:  # the last line had no newline
                ends_out.append(state[1:2])
            stats.lines = self.info["lines"]
            stats.tokens = self.info["tokens"]
            stats.invalid_utf8 = self.info["invalid_utf8"]

        return _write(out_dir, fill)


def one_read(source, threads: int) -> bool:
    """Whether RecordedText can count and encode `source`: a plain-text file (a compressed
    one's size says nothing of its text) whose record fits in $TMPDIR's free space."""
    from w2v.io.atomic import scratch_free
    from w2v.io.compressed import COMPRESSED

    if not isinstance(source, str | os.PathLike) or not os.path.isfile(source):
        return False
    if Path(source).suffix.lower() in COMPRESSED:
        return False
    return recorded_bytes(source, threads) <= scratch_free()


def recorded_bytes(path: str | os.PathLike, threads: int) -> int:
    """At most the scratch bytes of RecordedText.count and encode for the plain-text file
    `path` of n bytes: the record, 4 bytes a token or newline (a token has a byte of its
    own, so at most n + 1 of them a range), and the encoded corpus: at most n/2 + 1 tokens
    (each is followed by a space or the end) and as many sentences (none is empty)."""
    n = os.stat(path).st_size
    tokens = n // 2 + 1
    return 4 * (n + threads) + 4 * tokens + 8 * (tokens + 1) + 256


def encoded_bytes(stats: dict) -> int:
    """At most the bytes of the encoded corpus of a text whose counting facts are `stats`:
    4 a token (ids.npy) and 8 a sentence (offsets.npy: a line, or one more for every
    MAX_SENTENCE_LEN tokens of a longer one), plus the two headers."""
    tokens, lines = stats.get("tokens", 0), stats.get("lines", 0)
    return 4 * tokens + 8 * (lines + tokens // MAX_SENTENCE_LEN + 1) + 256


def _write(out_dir, fill) -> EncodedCorpus:
    """Create `out_dir` atomically with the ids and offsets that `fill(ids_out, ends_out,
    stats)` appends; the corpus, memory-mapped, with the reading facts as its stats."""
    stats = ReadStats()
    with atomic_dir(out_dir, ENCODED_DIR, force=True) as tmp:
        ids_out = _NpyAppender(tmp / "ids.npy", np.uint32)
        ends_out = _NpyAppender(tmp / "offsets.npy", np.int64)
        ends_out.append(np.zeros(1, np.int64))
        fill(ids_out, ends_out, stats)
        ids_out.close()
        ends_out.close()
    corpus = EncodedCorpus.load(out_dir)
    corpus.stats = {
        "lines": stats.lines,
        "tokens": stats.tokens,
        "kept": corpus.n_tokens,
        "invalid_utf8": stats.invalid_utf8,
    }
    return corpus


def _encode_files(
    paths, vocab, ids_out, ends_out, stats, lower, punct, start=0, end=None, phrases=None
):
    """The fast path: normalised byte blocks (phrases joined in the reading thread, if
    given) encoded by the Numba word table."""
    table = WordTable.from_words(vocab.words)
    for path in paths:
        n = ids_out.n  # the file's sentence ends count on from the tokens already written
        state = np.array([0, n, n], np.int64)  # see w2v.kernels.wordtable.encode_tokens
        blocks = iter_blocks(path, lower=lower, punct=punct, stats=stats, start=start, end=end)
        if phrases is not None:
            blocks = phrases.join_blocks(blocks)
        for block in prefetch(blocks):
            ids, ends, seen = table.encode(block, state)
            stats.tokens += seen
            ids_out.append(ids)
            ends_out.append(ends)
        if state[1] > state[2]:  # the last line had no newline
            ends_out.append(state[1:2])


def _encode_sentences(sentences, vocab, ids_out, ends_out, stats, chunk_tokens) -> None:
    index = vocab.word_index
    ids_buf: list[int] = []
    ends: list[int] = []
    n = 0
    for sentence in iter_sentences(sentences, stats=stats):
        row = [i for i in map(index.get, sentence) if i is not None]
        if not row:
            continue
        ids_buf.extend(row)
        n += len(row)
        ends.append(n)
        if len(ids_buf) >= chunk_tokens:
            ids_out.append(np.array(ids_buf, dtype=np.uint32))
            ends_out.append(np.array(ends, dtype=np.int64))
            ids_buf, ends = [], []
    ids_out.append(np.array(ids_buf, dtype=np.uint32))
    ends_out.append(np.array(ends, dtype=np.int64))


def concatenate(parts: list[EncodedCorpus], out_dir: str | os.PathLike) -> EncodedCorpus:
    """Write the encoded corpora `parts`, one after another, into the directory `out_dir`
    (which must exist); streamed, one part in memory at a time."""
    out = Path(out_dir)
    ids_out = _NpyAppender(out / "ids.npy", np.uint32)
    ends_out = _NpyAppender(out / "offsets.npy", np.int64)
    ends_out.append(np.zeros(1, np.int64))
    for part in parts:
        ends_out.append(np.asarray(part.offsets[1:]) + ids_out.n)
        ids_out.append(np.asarray(part.ids))
    ids_out.close()
    ends_out.close()
    return EncodedCorpus.load(out)


def encode_in_memory(sentences: Iterable[list[str]], vocab: Vocab) -> EncodedCorpus:
    """Encode token lists without touching disk (tests, small corpora)."""
    index = vocab.word_index
    ids: list[int] = []
    offsets = [0]
    for sentence in sentences:
        row = [index[w] for w in sentence if w in index]
        if row:
            ids.extend(row)
            offsets.append(len(ids))
    return EncodedCorpus(np.array(ids, np.uint32), np.array(offsets, np.int64), {})
