"""The model directory.

    meta.json       format version, trainer and config, corpus stats, per-epoch loss, version
    vocab.parquet   word (string), count (int64); row i is vector i; by count, descending
    vectors.npy     float32 [V, dim]: U, the input vectors (gensim wv.vectors, C syn0)
    contexts.npy    float32 [V, dim]: V, the output vectors (gensim syn1neg); optional
    ngrams.npy      float32 [buckets, dim]: a subword model's n-gram rows, with "subwords"
                    {minn, maxn, buckets} in meta.json; vectors.npy then holds the words'
                    final vectors (own row and n-gram rows averaged, as fastText's .vec)

Nothing is pickled; the directory is written through w2v.io.atomic (whole or not at all, and
only over a model w2v wrote). Loading validates each file and names the broken one.
"""

from __future__ import annotations

import datetime as _dt
import errno
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from w2v.errors import ModelError
from w2v.io.arrow import parquet_rows, read_vocab_parquet, write_vocab_parquet
from w2v.io.atomic import Owned, atomic_dir, write_json

FORMAT_VERSION = 1
MODEL_META = "meta.json"
MODEL_DIR = Owned(
    "model",
    MODEL_META,
    frozenset({MODEL_META, "vectors.npy", "contexts.npy", "vocab.parquet", "ngrams.npy"}),
)
# Keys save_model itself writes: a loaded model saved again gets them anew, not its old ones.
_WRITTEN_BY_SAVE = ("format_version", "w2v_version", "created", "vocab_size", "dim")


def finite_rows(U: np.ndarray) -> np.ndarray:
    """bool [V]: the rows of U (float [V, dim]) whose values are all finite. Row sums in
    float64 cannot overflow, so a row sums to a finite number exactly when it is finite."""
    with np.errstate(invalid="ignore"):  # inf - inf is NaN: not finite, as wanted
        return np.isfinite(U.sum(axis=1, dtype=np.float64))


def check_finite(path, words: list[str], U: np.ndarray, where) -> None:
    """ModelError naming the first row of U (float32 [V, dim]) holding NaN or infinity (a
    text value beyond float32's range, like 1e39, reads as infinity): such a vector has no
    direction, and every cosine against it is NaN. Row sums in float64 cannot overflow,
    so a row sums to a finite number exactly when all its values are finite."""
    finite = finite_rows(U)
    if not finite.all():
        i = int(np.argmin(finite))
        raise ModelError(
            f"{str(path)!r}: {where(i)} (word {words[i]!r}) has a value that is NaN, infinite "
            f"or too large for float32 ({int((~finite).sum())} such vectors)"
        )


def repeats(words: list[str], n: int) -> str:
    """What is wrong with `words`, in which `n` repeat an earlier word."""
    seen = set()
    first = next(w for w in words if w in seen or seen.add(w))
    return f"the words repeat ({n} duplicates, first: {first!r}); each word needs one vector"


def check_npy(path: Path, dtype, ndim: int, mmap_mode: str | None = "r") -> np.ndarray:
    """np.load without pickles, checking dtype and rank; ModelError naming the file otherwise.

    The header is checked first, against the file's size too: np.load allocates (or maps)
    what the header declares before it reads, so a header that lies about the shape would
    cost its claim in memory, not the file's size."""
    if not path.is_file():
        raise ModelError(f"{str(path)!r} is missing")
    try:
        with open(path, "rb") as f:
            shape, _, file_dtype = read_npy_header(f)
            data_bytes = path.stat().st_size - f.tell()
    except (ValueError, OSError, EOFError) as e:
        raise ModelError(f"{str(path)!r} is not a readable .npy array: {e}") from e
    if file_dtype.hasobject:
        raise ModelError(f"{str(path)!r} is not a readable .npy array: it holds Python objects")
    if file_dtype != np.dtype(dtype):
        raise ModelError(f"{str(path)!r} has dtype {file_dtype}, expected {np.dtype(dtype)}")
    if len(shape) != ndim:
        raise ModelError(f"{str(path)!r} has {len(shape)} dimensions, expected {ndim}")
    need = math.prod(shape) * file_dtype.itemsize  # a Python int: no overflow
    if need > data_bytes:
        raise ModelError(
            f"{str(path)!r} is truncated or its header is wrong: shape {shape} needs "
            f"{need:,} bytes of data, the file holds {data_bytes:,}"
        )
    try:
        return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise ModelError(f"{str(path)!r} is not a readable .npy array: {e}") from e


def read_npy_header(f) -> tuple[tuple[int, ...], bool, np.dtype]:
    """(shape, fortran_order, dtype) from the header of the .npy stream `f`, leaving `f` at
    its data, so that a reader can check the claim before allocating it; ValueError if it
    is not a header numpy writes for arrays of numbers (versions 1.0 and 2.0)."""
    fmt = np.lib.format
    version = fmt.read_magic(f)
    if version not in ((1, 0), (2, 0)):
        raise ValueError(f".npy format version {version} is not one w2v reads")
    read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
    return read_header(f)


@dataclass
class ModelFiles:
    """The contents of a model directory, arrays memory-mapped."""

    words: list[str]
    counts: np.ndarray  # int64 [V]
    vectors: np.ndarray  # float32 [V, dim]
    contexts: np.ndarray | None = None  # float32 [V, dim]
    meta: dict = field(default_factory=dict)
    ngrams: np.ndarray | None = None  # float32 [buckets, dim], a subword model's (or NgramRows)
    subwords: dict | None = None  # {minn, maxn, buckets}, meta.json's "subwords"


def save_model(directory: str | os.PathLike, model: ModelFiles, force: bool = False) -> Path:
    """Write a model directory atomically; returns its path."""
    from w2v import __version__

    V, _ = model.vectors.shape
    if len(model.words) != V or len(model.counts) != V:
        raise ValueError("words, counts and vectors differ in length")
    if len(distinct := set(model.words)) != V:
        raise ValueError(repeats(model.words, V - len(distinct)))
    finite = finite_rows(model.vectors)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise ModelError(
            f"refusing to write {str(directory)!r}: {len(bad)} vectors hold NaN or infinity "
            f"(first: {model.words[bad[0]]!r}); did the training diverge (learning rate too large)?"
        )
    meta = {
        "format_version": FORMAT_VERSION,
        "w2v_version": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "vocab_size": V,
        "dim": int(model.vectors.shape[1]),
        **{k: v for k, v in model.meta.items() if k not in (*_WRITTEN_BY_SAVE, "subwords")},
    }
    if model.subwords is not None:
        meta["subwords"] = dict(model.subwords)
    directory = Path(directory)
    with atomic_dir(directory, MODEL_DIR, force=force) as tmp:
        write_vocab_parquet(tmp / "vocab.parquet", model.words, model.counts)
        _save_rows(tmp / "vectors.npy", model.vectors)
        if model.contexts is not None:
            _save_rows(tmp / "contexts.npy", model.contexts)
        if model.ngrams is not None:
            _save_rows(tmp / "ngrams.npy", model.ngrams)
        write_json(tmp / MODEL_META, meta)
    return directory


def _check_rows(d: Path, vectors: np.ndarray, n_words: int) -> None:
    if vectors.shape[0] != n_words:
        raise ModelError(
            f"{str(d / 'vectors.npy')!r} has {vectors.shape[0]} rows but vocab.parquet has "
            f"{n_words} words"
        )


def load_model(directory: str | os.PathLike, mmap: bool = True) -> ModelFiles:
    """Read and validate a model directory; ModelError naming the broken file otherwise."""
    d = Path(directory)
    if not d.exists():
        raise ModelError(f"model directory {str(d)!r} does not exist; train one with `w2v train`")
    if not d.is_dir():
        raise ModelError(f"{str(d)!r} is not a model directory")
    meta_path = d / MODEL_META
    if not meta_path.is_file():
        raise ModelError(f"{str(meta_path)!r} is missing; is {str(d)!r} a w2v model?")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ModelError(f"{str(meta_path)!r} is not valid JSON: {e}") from e
    if not isinstance(meta, dict):
        raise ModelError(f"{str(meta_path)!r} does not hold a JSON object")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelError(
            f"{str(meta_path)!r} has format version {version!r}; this w2v reads {FORMAT_VERSION}"
        )
    mode = "r" if mmap else None
    vectors = check_npy(d / "vectors.npy", np.float32, ndim=2, mmap_mode=mode)
    # compared from the Parquet footer before the words are decoded: a small file of one
    # dictionary-encoded word repeated could decode to gigabytes
    _check_rows(d, vectors, parquet_rows(d / "vocab.parquet"))
    words, counts = read_vocab_parquet(d / "vocab.parquet")
    _check_rows(d, vectors, len(words))  # as decoded, should the footer have lied
    contexts = None
    if (d / "contexts.npy").exists():
        contexts = check_npy(d / "contexts.npy", np.float32, ndim=2, mmap_mode=mode)
        if contexts.shape != vectors.shape:
            raise ModelError(
                f"{str(d / 'contexts.npy')!r} has shape {contexts.shape}, "
                f"vectors.npy has {vectors.shape}"
            )
    ngrams, subwords = _load_ngrams(d, meta, vectors.shape[1], mode)
    return ModelFiles(words, counts, vectors, contexts, meta, ngrams, subwords)


DIRECT_ALIGN = 4096  # O_DIRECT: file offsets, lengths and buffers on this boundary
DIRECT_BLOCK = 8 << 20  # bytes a write takes, through one reused aligned buffer


def npy_header(shape: tuple[int, ...], size: int = DIRECT_ALIGN) -> bytes:
    """A .npy (version 1.0) header of a C-ordered little-endian float32 array, padded with
    spaces to `size` bytes, so that the data begins on a DIRECT_ALIGN boundary (numpy reads
    any header length)."""
    text = repr({"descr": "<f4", "fortran_order": False, "shape": tuple(shape)})
    pad = size - 10 - len(text) - 1
    if pad < 0:
        raise ValueError(f"shape {shape} does not fit a {size}-byte header")
    body = (text + " " * pad + "\n").encode("latin1")
    return b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body


def _save_rows(path: Path, M) -> None:
    """np.save of a float32 matrix M [n, dim] (each matrix of a model directory; a subword
    model's n-gram rows are 800 MB at 2M × 100): an ndarray (a memory-mapped one is not read
    into memory whole) or rows computed as read (anything with `shape` and read_into(out,
    start), w2v.subword_training.NgramRows), a block of rows at a time into one aligned
    buffer, written with O_DIRECT: straight to the disk, not first copied into page-cache
    pages that the directory's fsync then writes out. On gcide_wn's 2M × 100 n-gram rows:
    0.55 s for both, against 2.2 s + 0.4 s by the page cache (scripts/results/subwords.txt);
    its 48,578 × 100 vectors: 0.023 s against 0.05 s. Where the filesystem refuses O_DIRECT
    (tmpfs), the same bytes go through the page cache."""
    header = npy_header(M.shape)
    try:
        _write_aligned(path, header, M, getattr(os, "O_DIRECT", 0))
    except OSError as e:
        if e.errno != errno.EINVAL:
            raise
        _write_aligned(path, header, M, 0)


def _write_aligned(path: Path, header: bytes, M, direct: int) -> None:
    """Write header (DIRECT_ALIGN bytes) then the rows of M (float32 [n, dim]) to path, in
    writes of whole rows through one aligned buffer of about DIRECT_BLOCK bytes (a multiple
    of DIRECT_ALIGN); the last one padded, then cut back to size."""
    import math
    import mmap

    n, dim = M.shape
    row_bytes = 4 * dim
    unit = DIRECT_ALIGN // math.gcd(row_bytes, DIRECT_ALIGN)  # rows filling whole pages
    block_rows = unit * max(1, DIRECT_BLOCK // (unit * row_bytes))
    buf = mmap.mmap(-1, block_rows * row_bytes)  # anonymous: page-aligned, freed with buf
    staging = np.frombuffer(buf, np.uint8)
    rows = staging.view("<f4").reshape(block_rows, dim)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | direct, 0o644)
    try:
        staging[: len(header)] = np.frombuffer(header, np.uint8)
        _write_all(fd, memoryview(buf)[: len(header)])
        for a in range(0, n, block_rows):
            b = min(n, a + block_rows)
            if isinstance(M, np.ndarray):
                rows[: b - a] = M[a:b]
            else:
                M.read_into(rows[: b - a], a)
            nbytes = (b - a) * row_bytes
            _write_all(fd, memoryview(buf)[: -(-nbytes // DIRECT_ALIGN) * DIRECT_ALIGN])
        os.ftruncate(fd, len(header) + n * row_bytes)
    finally:
        os.close(fd)


def _write_all(fd: int, view: memoryview) -> None:
    if os.write(fd, view) != len(view):  # a regular file takes all or fails
        raise OSError(errno.EIO, "short write")


def _load_ngrams(d: Path, meta: dict, dim: int, mode) -> tuple[np.ndarray | None, dict | None]:
    """ngrams.npy and meta.json's "subwords" of a subword model, checked: (None, None) for
    a plain one."""
    from w2v.subwords import check_subword_settings

    path = d / "ngrams.npy"
    if "subwords" not in meta:
        if path.exists():
            raise ModelError(f'{str(path)!r} is there but meta.json has no "subwords" settings')
        return None, None
    try:
        subwords = check_subword_settings(meta["subwords"])
    except ValueError as e:
        raise ModelError(f"{str(d / MODEL_META)!r}: {e}") from None
    ngrams = check_npy(path, np.float32, ndim=2, mmap_mode=mode)
    if ngrams.shape != (subwords["buckets"], dim):
        raise ModelError(
            f"{str(path)!r} has shape {ngrams.shape}; meta.json's subwords and vectors.npy "
            f"need ({subwords['buckets']}, {dim})"
        )
    return ngrams, subwords
