"""Facebook fastText's `.bin` model file, read without trusting it (fastText's
FastText::saveModel writes it; gensim's save_facebook_model writes the same). In native
little-endian order:

    magic int32 = 793712314, version int32 (11 or 12)        absent before fastText's 2017
                                                              "version 11": the pre-versioned
                                                              format starts with the args
    args     int32 dim ws epoch minCount neg wordNgrams loss model bucket minn maxn
             lrUpdateRate, float64 t                             (Args::save)
    dict     int32 size nwords nlabels, int64 ntokens,
             int64 pruneidx_size (versioned only),
             size × (word bytes, NUL, int64 count, int8 type),
             pruneidx_size × (int32, int32)                      (Dictionary::save)
    bool quant_input (versioned only), input  int64 m n, float32 [m, n]   m = nwords + bucket
    bool qout        (versioned only), output int64 m n, float32 [m, n]   m = nwords

The reader checks the sizes the header and dictionary announce against the bytes the file
holds before reading them, bounds a word at 64 KB and the dimension at MAX_DIM, checks that
the matrices are nwords + bucket and nwords rows of dim values, and refuses quantized (.ftz)
and supervised models with one line. An uncompressed file's matrices are memory-mapped, not
read; a .gz, .bz2 or .xz file is decompressed as it is read, a matrix growing only as its
bytes arrive.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import NamedTuple

import numpy as np

from w2v.errors import ModelError, UserError
from w2v.io.compressed import COMPRESSED, READ_ERRORS, open_bytes
from w2v.io.word2vec import MAX_DIM

MAGIC = 793712314
VERSIONS = (11, 12)  # fastText's file format versions; 0 here stands for the pre-versioned one
MODEL_NAMES = {1: "cbow", 2: "sg", 3: "sup"}
LOSS_NAMES = {1: "hs", 2: "ns", 3: "softmax", 4: "ova"}

_ARGS = struct.Struct("<12id")  # Args::save
_ARG_NAMES = (
    "dim ws epoch minCount neg wordNgrams loss model bucket minn maxn lrUpdateRate t".split()
)
MAX_NGRAM = 256  # characters; fastText's default is 6
_MAX_WORD = 1 << 16  # bytes; a longer "word" means a corrupt dictionary
_ENTRY_TAIL = 9  # int64 count + int8 type after a word's NUL
_CHUNK = 1 << 20  # bytes read at a time from the dictionary
_MATRIX_CHUNK = 64 << 20  # bytes read at a time from a compressed matrix


class BinContents(NamedTuple):
    """What a .bin holds: `args` under fastText's names (model and loss by name), the words
    and their int64 counts, input float32 [nwords + bucket, dim], output float32
    [nwords, dim]."""

    version: int  # 11 or 12; 0: the pre-versioned format
    args: dict
    words: list[str]
    counts: np.ndarray
    ntokens: int
    input: np.ndarray
    output: np.ndarray


def is_facebook(path: str | os.PathLike) -> bool:
    """Whether `path` starts as a fastText .bin does: with fastText's magic number (bytes
    ba 16 4f 2f), or, for the pre-versioned format, with plausible Args (a word2vec file
    starts with ASCII digits, which read as a dimension above MAX_DIM)."""
    try:
        with open_bytes(Path(path)) as f:
            head = f.read(8 + _ARGS.size)
    except READ_ERRORS:
        return False
    if len(head) >= 4 and struct.unpack_from("<i", head)[0] == MAGIC:
        return True
    return len(head) >= _ARGS.size and _plausible(_named(_ARGS.unpack_from(head)))


def _named(raw: tuple) -> dict:
    return dict(zip(_ARG_NAMES, raw, strict=True))


def _plausible(args: dict) -> bool:
    """Whether Args read from the start of a file look like a pre-versioned fastText model."""
    return (
        1 <= args["dim"] <= MAX_DIM
        and args["ws"] >= 1
        and args["epoch"] >= 1
        and args["loss"] in LOSS_NAMES
        and args["model"] in MODEL_NAMES
        and args["bucket"] >= 0
        and 0 <= args["minn"] <= args["maxn"] <= MAX_NGRAM
    )


def read_bin(path: str | os.PathLike, unicode_errors: str = "strict") -> BinContents:
    """Read a non-quantized, unsupervised fastText .bin (versions 11, 12 and the pre-versioned
    format; also .gz, .bz2, .xz). Words that are not UTF-8 raise ModelError unless
    `unicode_errors` ("replace", "backslashreplace" as gensim) says how to decode them."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{str(path)!r} does not exist or is not a file")
    try:
        with open_bytes(path) as f:
            src = _Source(f, path)
            return _read(src, unicode_errors)
    except READ_ERRORS as e:
        raise ModelError(f"cannot read {str(path)!r}: {e}") from e


def _read(src: _Source, unicode_errors: str) -> BinContents:
    name = repr(str(src.path))
    magic, version = struct.unpack("<2i", src.take(8, "the header"))
    if magic == MAGIC:
        if version not in VERSIONS:
            raise ModelError(
                f"{name} is a fastText model of format version {version}; w2v reads versions "
                f"{VERSIONS[0]} and {VERSIONS[1]} (and the pre-versioned format)"
            )
        raw = _ARGS.unpack(src.take(_ARGS.size, "the header"))
    else:  # the pre-versioned format: these were dim and ws
        rest = src.take(_ARGS.size - 8, "the header") if src.has(_ARGS.size - 8) else b""
        raw = _ARGS.unpack(struct.pack("<2i", magic, version) + rest) if rest else None
        if raw is None or not _plausible(_named(raw)):
            raise ModelError(
                f"{name} is not a fastText .bin model: it does not start with fastText's "
                f"magic number {MAGIC} (found {magic})"
            )
        version = 0
    args = _named(raw)
    _check_args(name, args)
    dim, bucket = args["dim"], args["bucket"]

    header = "<3iqq" if version else "<3iq"
    size, nwords, nlabels, ntokens, *prune = struct.unpack(
        header, src.take(struct.calcsize(header), "the dictionary's header")
    )
    if nlabels > 0:
        raise ModelError(
            f"{name} is a supervised fastText model (classifier labels); w2v reads word "
            "vector models (cbow, skipgram)"
        )
    if prune and prune[0] > 0:
        raise ModelError(
            f"{name} is a quantized fastText model (its dictionary is pruned); w2v reads "
            "models saved unquantized (.bin, not .ftz)"
        )
    if not 0 <= nwords == size or nlabels < 0 or ntokens < 0:
        raise ModelError(
            f"{name}: the dictionary announces {size:,} entries, {nwords:,} words and "
            f"{nlabels:,} labels"
        )
    # the fewest bytes the rest can take: entries of an empty word (fastText writes those
    # too), both matrices and their headers
    least = (1 + _ENTRY_TAIL) * size + 4 * dim * (2 * nwords + bucket) + 2 * 16
    if src.left is not None and least > src.left:
        raise ModelError(
            f"{name} is truncated: it announces {nwords:,} words and {bucket:,} n-gram buckets "
            f"of dimension {dim}, which take at least {least:,} more bytes, but only "
            f"{src.left:,} are left"
        )
    words, counts = src.entries(nwords, unicode_errors)
    if len(set(words)) != len(words):
        raise ModelError(f"{name}: the dictionary repeats words")

    if version and src.take(1, "the input matrix's header") != b"\0":
        raise ModelError(
            f"{name} is a quantized fastText model (.ftz); w2v reads models saved "
            "unquantized (.bin)"
        )
    input = src.matrix(nwords + bucket, dim, "input")
    if version:
        src.take(1, "the output matrix's header")  # qout: output quantized only if input is
    output = src.matrix(nwords, dim, "output")
    if not src.at_end():
        raise ModelError(f"{name}: bytes follow the output matrix; is it a fastText .bin?")
    args["model"], args["loss"] = MODEL_NAMES[args["model"]], LOSS_NAMES[args["loss"]]
    return BinContents(version, args, words, counts, int(ntokens), input, output)


def _check_args(name: str, args: dict) -> None:
    if not 1 <= args["dim"] <= MAX_DIM:
        raise ModelError(
            f"{name}: the header announces vectors of dimension {args['dim']:,}; w2v reads "
            f"1 to {MAX_DIM:,}"
        )
    if args["model"] not in MODEL_NAMES or args["loss"] not in LOSS_NAMES:
        raise ModelError(
            f"{name}: unknown model {args['model']} or loss {args['loss']} in the header; "
            "is it a fastText .bin?"
        )
    if args["model"] == 3:
        raise ModelError(
            f"{name} is a supervised fastText model (a classifier); w2v reads word vector "
            "models (cbow, skipgram)"
        )
    if args["bucket"] < 0 or args["minn"] < 0 or not 0 <= args["maxn"] <= MAX_NGRAM:
        raise ModelError(
            f"{name}: the header announces {args['bucket']} buckets and n-grams of "
            f"{args['minn']}-{args['maxn']} characters; w2v reads n-grams of at most "
            f"{MAX_NGRAM} characters"
        )


class _Source:
    """The bytes of a file read in order. `left` is the number not yet read, None when the
    file is compressed (unknown until read)."""

    def __init__(self, f, path: Path):
        self.f, self.path = f, path
        self.compressed = path.suffix.lower() in COMPRESSED
        self.size = None if self.compressed else path.stat().st_size
        self.buf, self.pos, self.offset = b"", 0, 0  # offset: the file offset of buf[pos]

    @property
    def left(self) -> int | None:
        return None if self.size is None else self.size - self.offset

    def _fill(self, need: int) -> bool:
        """Make buf[pos : pos + need] available; False at the end of the file."""
        have = len(self.buf) - self.pos
        if have >= need:
            return True
        pieces = [self.buf[self.pos :]]
        while have < need and (more := self.f.read(max(_CHUNK, need - have))):
            pieces.append(more)
            have += len(more)
        self.buf, self.pos = b"".join(pieces), 0
        return have >= need

    def _truncated(self, what: str) -> ModelError:
        return ModelError(f"{str(self.path)!r} is truncated: it ends in {what}")

    def has(self, n: int) -> bool:
        """Whether n more bytes can be read."""
        return self._fill(n)

    def take(self, n: int, what: str) -> bytes:
        if not self._fill(n):
            raise self._truncated(what)
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        self.offset += n
        return out

    def entries(self, n: int, unicode_errors: str) -> tuple[list[str], np.ndarray]:
        """n dictionary entries: NUL-terminated word, int64 count, int8 type (0: a word)."""
        words, counts = [], []
        tail = struct.Struct("<qb")
        for i in range(n):
            while (end := self.buf.find(b"\0", self.pos, self.pos + _MAX_WORD + 1)) < 0 or (
                end + 1 + _ENTRY_TAIL > len(self.buf)
            ):
                have = len(self.buf) - self.pos
                if end < 0 and have > _MAX_WORD:
                    raise ModelError(
                        f"{str(self.path)!r}: word {i + 1} of the dictionary is longer than "
                        f"{_MAX_WORD:,} bytes; is it a fastText .bin?"
                    )
                if not self._fill(have + 1):
                    raise self._truncated(f"word {i + 1} of the {n:,} in the dictionary")
            raw = self.buf[self.pos : end]
            count, kind = tail.unpack_from(self.buf, end + 1)
            if kind != 0 or count < 0:  # an empty word is one (from -pretrainedVectors)
                raise ModelError(
                    f"{str(self.path)!r}: dictionary entry {i + 1} ({raw[:40]!r}) is "
                    f"{'a label' if kind == 1 else 'malformed'}; w2v reads word vector models"
                )
            words.append(_decode(raw, i, self.path, unicode_errors))
            counts.append(count)
            step = end + 1 + _ENTRY_TAIL - self.pos
            self.pos += step
            self.offset += step
        return words, np.array(counts, np.int64).reshape(n)

    def matrix(self, rows: int, dim: int, what: str) -> np.ndarray:
        """A DenseMatrix: int64 m, n, then float32 [m, n]; m and n must be `rows`, `dim`."""
        m, n = struct.unpack("<2q", self.take(16, f"the {what} matrix's header"))
        if (m, n) != (rows, dim):
            raise ModelError(
                f"{str(self.path)!r}: the {what} matrix is {m:,} × {n:,}; the header and "
                f"dictionary make it {rows:,} × {dim:,}"
            )
        nbytes = 4 * m * n
        if nbytes == 0:
            return np.zeros((m, n), np.float32)
        if self.size is not None:  # memory-mapped where the bytes are
            if nbytes > self.left:
                raise self._truncated(f"the {what} matrix ({nbytes:,} bytes, {self.left:,} left)")
            U = np.memmap(self.path, "<f4", "r", offset=self.offset, shape=(m, n))
            self.offset += nbytes
            self.f.seek(self.offset)
            self.buf, self.pos = b"", 0
            return U
        # compressed: the bytes buffered, then blocks as they arrive, then one array
        data = bytearray(self.buf[self.pos : self.pos + nbytes])
        self.pos += len(data)
        while len(data) < nbytes:
            more = self.f.read(min(_MATRIX_CHUNK, nbytes - len(data)))
            if not more:
                raise self._truncated(f"the {what} matrix")
            data += more
        self.offset += nbytes
        return np.frombuffer(data, "<f4").reshape(m, n)

    def at_end(self) -> bool:
        return not self._fill(1)


def _decode(raw: bytes, i: int, path: Path, unicode_errors: str) -> str:
    try:
        return raw.decode("utf-8", errors=unicode_errors)
    except UnicodeDecodeError:
        raise ModelError(
            f"{str(path)!r}: word {i + 1} ({raw[:40]!r}) is not valid UTF-8; read it with "
            "unicode_errors='backslashreplace' (gensim's choice)"
        ) from None
