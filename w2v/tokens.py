"""Text → tokens, streamed: a file is read in bounded blocks, never whole.

A *sentence* is one line of the file, cut into pieces of at most `max_sentence_len`
tokens (10,000, as gensim's LineSentence and word2vec.c's MAX_SENTENCE_LENGTH). Lines
longer than a block are read in pieces cut at whitespace, so a file with no newline at
all streams in constant memory. A run of more than MAX_TOKEN_BYTES without whitespace (a
file of one letter, a blob) is not text: it is refused with a CorpusError.

Tokens are Unicode words (letters, digits, underscore, with inner apostrophes kept:
"don't", "o'clock"), lowercased unless `lower=False`; with `punct=True` every other
non-space character is a token of its own ("learning." → "learning", ".").
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from w2v.errors import CorpusError
from w2v.io.compressed import READ_ERRORS, open_bytes

MAX_SENTENCE_LEN = 10_000
BLOCK_BYTES = 1 << 20  # longest piece of a line held at once
MAX_TOKEN_BYTES = 8 << 20  # the longest run without whitespace a corpus may hold
_SNIFF_BYTES = 8192
_READ_TWICE = "it is read twice (counted, then encoded); write it to a file first"

_WORD = r"\w+(?:['’]\w+)*"
_WORD_RE = re.compile(_WORD)
_WORD_OR_PUNCT_RE = re.compile(_WORD + r"|[^\w\s]")
# Text that needs no regex (lowercase ASCII letters, digits, blanks): str.split() is exact.
_PLAIN_RE = re.compile(r"[a-z0-9 \t\r\n\f\v]*")
_WS = b" \t\r\n\f\v"


@dataclass
class ReadStats:
    """What a pass over a corpus saw: lines, tokens, and invalid UTF-8 sequences replaced."""

    lines: int = 0
    tokens: int = 0
    invalid_utf8: int = 0

    def counting_info(self, pruned_words: int) -> dict:
        """The facts a counting pass reports (Vocab.stats, the pipeline's shard counts)."""
        return {
            "lines": self.lines,
            "tokens": self.tokens,
            "invalid_utf8": self.invalid_utf8,
            "pruned_words": pruned_words,
        }


def open_binary(path: str | os.PathLike):
    """Open a corpus file for reading bytes, decompressing by suffix (.gz, .bz2, .xz).

    Refuses a missing path, a directory, a pipe, a file whose first block holds a NUL byte
    (binary) and one whose first block is not UTF-8 (another encoding). Invalid sequences
    further on are replaced by U+FFFD and counted (ReadStats.invalid_utf8): a large corpus
    with a few stray bytes is still read.
    """
    p = Path(path)
    if str(p) == "-" and not p.exists():
        raise CorpusError(f"the corpus cannot be standard input ('-'): {_READ_TWICE}")
    if not p.exists():
        raise CorpusError(f"corpus file {str(p)!r} does not exist")
    if p.is_dir():
        raise CorpusError(f"corpus {str(p)!r} is a directory; give a text file")
    if not p.is_file():
        raise CorpusError(
            f"corpus {str(p)!r} is not a regular file (a pipe or device): {_READ_TWICE}"
        )
    try:
        f = open_bytes(p, _SNIFF_BYTES)
        head = f.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
    except READ_ERRORS as e:
        raise CorpusError(f"cannot read corpus {str(p)!r}: {e}") from e
    if b"\x00" in head:
        f.close()
        raise CorpusError(f"corpus {str(p)!r} looks binary (NUL bytes in its first block)")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.reason != "unexpected end of data":  # not a sequence the sniff cut in two
            f.close()
            raise CorpusError(
                f"corpus {str(p)!r} is not UTF-8 (byte 0x{head[e.start]:02x} at offset "
                f"{e.start}); convert it first, e.g. iconv -f latin1 -t utf-8"
            ) from None
    return f


def token_too_long(path, offset: int) -> CorpusError:
    """The error for a run of more than MAX_TOKEN_BYTES without whitespace from `offset`
    (of the decompressed text)."""
    return CorpusError(
        f"corpus {str(path)!r} has more than {MAX_TOKEN_BYTES >> 20} MB without a space or "
        f"line break (from byte {offset:,}); a corpus is text of words separated by whitespace"
    )


def decode(raw: bytes, stats: ReadStats) -> str:
    """UTF-8 `raw` as text, invalid sequences replaced by U+FFFD and counted in `stats`."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        stats.invalid_utf8 += text.count("\ufffd") - raw.count("\ufffd".encode())
        return text


def iter_line_pieces(
    f, stats: ReadStats, block: int = BLOCK_BYTES, path="the corpus"
) -> Iterator[tuple[str, bool]]:
    """Yield (text, ends_line) pieces of a binary stream, each at most about `block` bytes.

    A line longer than `block` comes in several pieces cut at whitespace (never inside a
    token or a UTF-8 sequence); `ends_line` is True on a line's last piece. A token longer
    than MAX_TOKEN_BYTES raises CorpusError (naming `path`).
    """
    carry = b""
    line_open = False  # a piece of the current line was yielded without its end
    consumed = 0  # bytes read so far
    while True:
        try:
            raw = f.readline(block)
        except READ_ERRORS as e:
            raise CorpusError(f"cannot read corpus: {e}") from e
        consumed += len(raw)
        if not raw:
            if carry or line_open:
                stats.lines += 1
                yield decode(carry, stats), True
            return
        raw = carry + raw
        carry = b""
        if raw.endswith(b"\n"):
            stats.lines += 1
            line_open = False
            yield decode(raw, stats), True
            continue
        cut = max(raw.rfind(c) for c in _WS)
        if cut < 0:  # one token longer than a block: keep reading it, up to a limit
            if len(raw) > MAX_TOKEN_BYTES:
                raise token_too_long(path, consumed - len(raw))
            carry = raw
            continue
        carry = raw[cut + 1 :]
        line_open = True
        yield decode(raw[: cut + 1], stats), False


def tokenize(text: str, lower: bool = True, punct: bool = False) -> list[str]:
    """Split one piece of text into tokens (see the module docstring for the rules)."""
    if lower:
        text = text.lower()
    if not punct and _PLAIN_RE.fullmatch(text):
        return text.split()
    return (_WORD_OR_PUNCT_RE if punct else _WORD_RE).findall(text)


def iter_sentences(
    source: str | os.PathLike | Iterable[list[str]],
    lower: bool = True,
    punct: bool = False,
    max_sentence_len: int = MAX_SENTENCE_LEN,
    stats: ReadStats | None = None,
) -> Iterator[list[str]]:
    """Yield the sentences of a corpus file (or pass through an iterable of token lists).

    Empty lines yield nothing. `stats`, when given, is filled in as the pass goes.
    """
    stats = stats if stats is not None else ReadStats()
    if not isinstance(source, str | os.PathLike):
        for sentence in source:
            for start in range(0, len(sentence), max_sentence_len):
                piece = list(sentence[start : start + max_sentence_len])
                stats.tokens += len(piece)
                yield piece
        return
    with open_binary(source) as f:
        pending: list[str] = []
        for text, ends_line in iter_line_pieces(f, stats, path=source):
            pending.extend(tokenize(text, lower, punct))
            while len(pending) >= max_sentence_len and (
                len(pending) > max_sentence_len or ends_line
            ):
                stats.tokens += max_sentence_len
                yield pending[:max_sentence_len]
                pending = pending[max_sentence_len:]
            if ends_line and pending:
                stats.tokens += len(pending)
                yield pending
                pending = []
