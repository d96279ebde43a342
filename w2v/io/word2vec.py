"""word2vec's vector files, as word2vec.c and gensim write and read them:

    text     "V dim\\n" then "word v1 ... vdim\\n" per word (word2vec.c -binary 0)
    binary   "V dim\\n" then "word " + dim little-endian float32 [+ "\\n"] per word

plain or compressed by suffix (.gz, .bz2, .xz); headerless text (GloVe) is read too.

Readers validate as they go and raise ModelError naming the file and the record at fault:
they never trust the header's counts for an allocation, and every loop consumes input, so a
truncated or garbage file fails fast instead of hanging or exhausting memory. Every read is
bounded: a header may declare at most MAX_DIM dimensions, a word is at most 64 KB, and a
text line at most 64 KB plus 64 bytes a value, so a small compressed file that expands to
gigabytes of one line or one record is refused after reading a few MB of it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from pathlib import Path

import numpy as np

from w2v.errors import ModelError, UserError
from w2v.io.atomic import atomic_file
from w2v.io.compressed import COMPRESSED, READ_ERRORS, open_bytes
from w2v.io.model_dir import check_finite
from w2v.vectors import Vectors

MAX_DIM = 1 << 16  # 256 KB a binary row, 4 MB a text line; 4x the widest real embeddings
_CHUNK = 1 << 20  # bytes read at a time from a binary file
_MAX_WORD = 1 << 16  # a longer "word" means this is not a word2vec file
_MAX_VALUE = 64  # bytes a text value and its separator may take ("-1.2345678e-05 " is 15)
_MAX_LINE = 1 << 20  # a header or headerless first line longer than this is not one
_BLOCK_BYTES = 64 << 20  # rows are collected in blocks of at most this size


def _open(path: Path):
    if not path.is_file():
        raise UserError(f"{str(path)!r} does not exist or is not a file")
    return open_bytes(path)


@contextlib.contextmanager
def create_file(path: Path):
    """Write `path` atomically, compressed by its suffix (.gz, .bz2, .xz) as gensim's
    save_word2vec_format (smart_open) does, so that _open reads it back."""
    module = COMPRESSED.get(path.suffix.lower())
    with atomic_file(path) as raw:
        if module is None:
            yield raw
        else:
            with module.open(raw, "wb") as f:
                yield f


class _Rows:
    """float32 rows gathered in blocks allocated only as data arrives (never from a header)."""

    def __init__(self, dim: int):
        self.dim, self.blocks, self.fill = dim, [], 0
        self.block_rows = max(1, _BLOCK_BYTES // (4 * dim))

    def next(self) -> np.ndarray:
        """The row to fill next."""
        if not self.blocks or self.fill == len(self.blocks[-1]):
            self.blocks.append(np.empty((self.block_rows, self.dim), np.float32))
            self.fill = 0
        row = self.blocks[-1][self.fill]
        self.fill += 1
        return row

    def array(self) -> np.ndarray:
        if not self.blocks:
            return np.empty((0, self.dim), np.float32)
        self.blocks[-1] = self.blocks[-1][: self.fill]
        return self.blocks[0] if len(self.blocks) == 1 else np.concatenate(self.blocks)


def _parse_header(line: bytes, path) -> tuple[int, int] | None:
    """(V, dim) from a 'V dim' first line, or None when the first line is already a vector
    (a headerless, GloVe-style text file)."""
    if not line:
        raise ModelError(f"{str(path)!r} is empty")
    parts = line.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        V, dim = int(parts[0]), int(parts[1])
        if V < 1 or dim < 1:
            raise ModelError(f"{str(path)!r}: the header announces {V} vectors of dimension {dim}")
        if dim > MAX_DIM:
            raise ModelError(
                f"{str(path)!r}: the header announces vectors of dimension {dim:,}; w2v reads "
                f"at most {MAX_DIM:,}"
            )
        return V, dim
    if len(parts) >= 3 and _looks_like_text(line, len(parts) - 1):
        return None
    raise ModelError(
        f"{str(path)!r} is not a word2vec file: the first line should be '<words> <dim>', "
        f"found {line[:60]!r}"
    )


def _line_limit(dim: int) -> int:
    """The longest a text line of a word and `dim` values may be."""
    return _MAX_WORD + _MAX_VALUE * dim


def _too_long(path, line_no: int, limit: int) -> str:
    return (
        f"{str(path)!r}: line {line_no} is longer than {limit:,} bytes without a line end; "
        "is it a word2vec file?"
    )


def read_word2vec(
    path: str | os.PathLike,
    binary: bool | None = None,
    limit: int | None = None,
    unicode_errors: str = "strict",
) -> Vectors:
    """Read a word2vec text or binary file (gensim's and word2vec.c's format; also .gz, .bz2,
    .xz). `binary=None` sniffs the format; `limit` reads only the first N vectors. A repeated
    word keeps its first vector, as in gensim. Headerless text (GloVe) is read too."""
    path = Path(path)
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be positive, not {limit}")
    with _open(path) as f:
        try:
            first = f.readline(_MAX_LINE)
            head = _parse_header(first, path)
            if head is None:  # the first line is the first vector
                if len(first) == _MAX_LINE and not first.endswith(b"\n"):
                    raise ModelError(_too_long(path, 1, _MAX_LINE))
                binary = False
                dim = len(first.split()) - 1
                if dim > MAX_DIM:
                    raise ModelError(
                        f"{str(path)!r}: line 1 holds a vector of dimension {dim:,}; w2v reads "
                        f"at most {MAX_DIM:,}"
                    )
                words, U = _read_text(f, path, first, limit, dim, unicode_errors, line_no=1)
            else:
                V, dim = head
                V = V if limit is None else min(V, limit)
                body = f.tell()
                first = f.readline(_line_limit(dim))
                ambiguous = False
                if binary is None:
                    fits = _fits(path, V, dim, binary=True)
                    numbers = _looks_like_text(first, dim)
                    text_row = _is_text_row(first, dim, fits)
                    binary = not (numbers or text_row)
                    # a binary first record can, rarely, read as a text row with a bad value
                    ambiguous = text_row and fits and not numbers
                _check_size(path, V, dim, binary)
                try:
                    reader = _read_binary if binary else _read_text
                    words, U = reader(f, path, first, V, dim, unicode_errors)
                except ModelError as text_error:
                    if not ambiguous:
                        raise
                    # read as binary from the first record; if that fails too, the text
                    # reader's error, which names the line at fault, is the one raised
                    try:
                        f.seek(body)
                        first = f.readline(_line_limit(dim))
                        words, U = _read_binary(f, path, first, V, dim, unicode_errors)
                    except (ModelError, *READ_ERRORS):
                        raise text_error from None
                    binary = True
        except READ_ERRORS as e:
            raise ModelError(f"cannot read {str(path)!r}: {e}") from e
    if head is None:
        check_finite(path, words, U, lambda i: f"line {i + 1}")
    else:
        check_finite(path, words, U, lambda i: f"vector {i + 1}" if binary else f"line {i + 2}")
    words, U, dropped = _dedupe(words, U)
    meta = {"source": str(path), "source_format": "word2vec-binary" if binary else "word2vec"}
    if dropped:
        meta["duplicates_dropped"] = dropped
    return Vectors(words, U, meta=meta)


def _least(V: int, dim: int, binary: bool) -> int:
    """The fewest bytes V vectors of dimension dim take in the format."""
    return V * ((4 * dim if binary else 2 * dim) + 2)


def _fits(path: Path, V: int, dim: int, binary: bool) -> bool:
    """Whether V vectors can fit in the file (always true of a compressed one)."""
    compressed = path.suffix.lower() in COMPRESSED
    return compressed or _least(V, dim, binary) <= path.stat().st_size


def _check_size(path: Path, V: int, dim: int, binary: bool) -> None:
    """Refuse a header whose V vectors cannot fit in the file (uncompressed files only)."""
    if not _fits(path, V, dim, binary):
        least, size = _least(V, dim, binary), path.stat().st_size
        kind = "binary" if binary else "text"
        raise ModelError(
            f"{str(path)!r}: its header announces {V} vectors of dimension {dim}, which take at "
            f"least {least:,} bytes as word2vec {kind}, but the file has {size:,}"
        )


_NUMBER_BYTES = frozenset(b"0123456789+-.eEinfatyINFATY")


def _looks_like_text(line: bytes, dim: int) -> bool:
    """Whether the first record is a text line: a word, then `dim` (or, in a file whose
    header is wrong, at least two) space-separated fields made of the characters of
    numbers. Binary floats practically never are."""
    parts = line.rstrip().split(b" ")
    fields = len(parts) - 1
    return (fields == dim or fields >= 2) and all(
        p and _NUMBER_BYTES.issuperset(p) for p in parts[1:]
    )


_CONTROL = frozenset(range(32)) - frozenset(b"\t\n\r") | {127}


def _is_text_row(line: bytes, dim: int, binary_fits: bool) -> bool:
    """Whether the first record, though not a clean row of numbers, is a line of text: a
    word and values separated by whitespace ("a 1 x", tab-separated fields), so that the
    text reader names the line at fault. Printable UTF-8 with `dim` values, one of them a
    number, or any such line when the file is too small to be binary. Binary floats are
    not text: their exponent bytes are control characters or, below zero, bare UTF-8
    continuation bytes."""
    if not line.endswith(b"\n") or not _CONTROL.isdisjoint(line):
        return False
    try:
        fields = line.decode("utf-8").split()
    except UnicodeDecodeError:
        return False
    if len(fields) < 2:
        return False
    return not binary_fits or (
        dim >= 2 and len(fields) == dim + 1 and any(_is_number(v) for v in fields[1:])
    )


def _is_number(token) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _decode(raw: bytes, n: int, path, unicode_errors: str) -> str:
    try:
        word = raw.decode("utf-8", errors=unicode_errors)
    except UnicodeDecodeError:
        raise ModelError(
            f"{str(path)!r}: word {n + 1} ({raw[:40]!r}) is not valid UTF-8; read it with "
            f"unicode_errors='replace'"
        ) from None
    if not word:
        raise ModelError(f"{str(path)!r}: word {n + 1} is empty")
    return word


def _truncated(path, n: int, V: int, binary: bool = False) -> str:
    how = " (read as word2vec binary: its first record is not a line of numbers)" if binary else ""
    return f"{str(path)!r} is truncated: it ends in vector {n + 1} of the {V} announced{how}"


def _read_binary(f, path, first: bytes, V: int, dim: int, unicode_errors: str):
    """Records "word " + dim float32, each optionally followed by newlines; `first` holds
    bytes already read."""
    rows, words = _Rows(dim), []
    width = 4 * dim
    buf, pos = first, 0

    def fill(need: int) -> bool:
        """Make buf[pos : pos + need] available; False at the end of the file."""
        nonlocal buf, pos
        have = len(buf) - pos
        if have >= need:
            return True
        pieces = [buf[pos:]]  # joined once: growing buf piece by piece would be quadratic
        while have < need and (more := f.read(max(_CHUNK, need - have))):
            pieces.append(more)
            have += len(more)
        buf, pos = b"".join(pieces), 0
        return have >= need

    for n in range(V):
        while (space := buf.find(b" ", pos)) < 0:
            if len(buf) - pos > _MAX_WORD:
                raise ModelError(f"{str(path)!r}: record {n + 1} has no word (no space found)")
            if not fill(len(buf) - pos + 1):
                raise ModelError(_truncated(path, n, V, binary=True))
        words.append(_decode(buf[pos:space].lstrip(b"\n"), n, path, unicode_errors))
        offset = space + 1 - pos
        if not fill(offset + width):
            raise ModelError(_truncated(path, n, V, binary=True))
        start = pos + offset
        rows.next()[:] = np.frombuffer(buf, dtype="<f4", count=dim, offset=start)
        pos = start + width
    return words, rows.array()


def _read_text(f, path, first: bytes, V: int | None, dim: int, unicode_errors: str, line_no=2):
    """Lines "word v1 ... vdim" (trailing spaces allowed), `first` already read; V None
    reads to the end of the file. A line is read up to _line_limit(dim) bytes, no further."""
    rows, words = _Rows(dim), []
    limit = _line_limit(dim)
    lines = itertools.chain([first] if first else [], iter(lambda: f.readline(limit), b""))
    for n, line in enumerate(lines):
        if n == V:
            break
        if not line.endswith(b"\n"):
            if len(line) >= limit:
                raise ModelError(_too_long(path, n + line_no, limit))
            raise ModelError(f"{str(path)!r} is truncated: line {n + line_no} has no line end")
        line = line.rstrip()
        if line.count(b" ") != dim:  # counted before splitting a line of a million fields
            if b"\t" in line:
                raise ModelError(
                    f"{str(path)!r}: line {n + line_no} is separated by tabs; word2vec text "
                    f"separates the word and its {dim} values by single spaces"
                )
            raise ModelError(
                f"{str(path)!r}: line {n + line_no} has {line.count(b' ')} values, expected {dim}"
            )
        parts = line.split(b" ")
        words.append(_decode(parts[0], n, path, unicode_errors))
        try:
            with np.errstate(over="ignore"):  # 1e39 reads as inf, refused by _check_finite
                rows.next()[:] = [float(v) for v in parts[1:]]
        except ValueError:
            bad = next(v for v in parts[1:] if not _is_number(v))
            raise ModelError(
                f"{str(path)!r}: line {n + line_no}: "
                f"{bad[:40].decode('utf-8', 'replace')!r} is not a number"
            ) from None
    if V is not None and len(words) < V:
        raise ModelError(_truncated(path, len(words), V))
    if not words:
        raise ModelError(f"{str(path)!r} holds no vectors")
    return words, rows.array()


def _dedupe(words: list[str], U: np.ndarray):
    if len(set(words)) == len(words):
        return words, U, 0
    seen, keep = set(), []
    for i, w in enumerate(words):
        if w not in seen:
            seen.add(w)
            keep.append(i)
    return [words[i] for i in keep], U[keep], len(words) - len(keep)


def check_words(words: list[str], forbidden: str, fmt: str) -> None:
    for w in words:
        if not w or any(ch in w for ch in forbidden):
            raise UserError(f"word {w!r} cannot be written in the {fmt} format")


def write_word2vec(
    vec: Vectors, path: str | os.PathLike, binary: bool = False, limit: int | None = None
) -> Path:
    """Write the first `limit` (default all) vectors in word2vec text or binary format.

    Text values are printed with 9 significant digits, which read back to the same float32;
    binary records end with a newline, as word2vec.c writes them (gensim reads both). A path
    ending in .gz, .bz2 or .xz is compressed, as gensim compresses it."""
    V = len(vec) if limit is None else min(limit, len(vec))
    words, U = vec.words[:V], np.asarray(vec.vectors[:V], dtype="<f4")
    check_words(words, " \t\n\r\v\f", "word2vec")
    path = Path(path)
    fmt = " ".join(["%.9g"] * vec.dim)
    with create_file(path) as f:
        f.write(f"{V} {vec.dim}\n".encode())
        for start in range(0, V, 4096):
            chunk = []
            for w, u in zip(words[start : start + 4096], U[start : start + 4096], strict=True):
                if binary:
                    chunk.append(w.encode() + b" " + u.tobytes() + b"\n")
                else:
                    chunk.append(f"{w} {fmt % tuple(u.tolist())}\n".encode())
            f.write(b"".join(chunk))
    return path
