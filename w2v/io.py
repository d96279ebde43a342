"""The model directory and atomic writes.

    meta.json       format version, trainer and config, corpus stats, per-epoch loss, version
    vocab.parquet   word (string), count (int64); row i is vector i; by count, descending
    vectors.npy     float32 [V, dim]: U, the input vectors (gensim wv.vectors, C syn0)
    contexts.npy    float32 [V, dim]: V, the output vectors (gensim syn1neg); optional

Nothing is pickled, and every write goes to a temporary sibling that is renamed into place,
so a crash never leaves half a model. Loading validates each file and names the broken one.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from w2v.errors import ModelError, UserError

FORMAT_VERSION = 1
MODEL_META = "meta.json"
# what a model directory holds: --force replaces a directory only if it holds nothing else
MODEL_FILES = frozenset({MODEL_META, "vectors.npy", "contexts.npy", "vocab.parquet"})
# Keys save_model itself writes: a loaded model saved again gets them anew, not its old ones.
_WRITTEN_BY_SAVE = ("format_version", "w2v_version", "created", "vocab_size", "dim")


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once, at import: os.umask can only be read by setting it, and setting it to 0 while
# other threads create files (the server's, the reader thread's) would give them mode 0666.
UMASK = _read_umask()


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


def refuse_existing(
    target: str | os.PathLike,
    force: bool,
    owned: frozenset[str] | None = None,
    directory: bool = False,
) -> None:
    """UserError unless `target` may be written: a file, or a `directory` (implied by
    `owned`) that, if it exists, holds only the files `owned` names (those w2v writes
    there; hidden ones aside), so that it is one w2v wrote. Without `owned`, any existing
    directory may be replaced: the caller's own.

    An existing target is replaced only with `force`, and `force` never replaces a
    directory that is not ours, a symbolic link, the current directory or one holding it.
    Commands call this before their work too, so an hour of training is not spent on an
    output they may not write."""
    target = Path(target)
    try:
        _check_target(target, force, owned, directory or owned is not None)
    except OSError as e:  # a directory on the way that cannot be searched, say
        raise UserError(f"cannot write {str(target)!r}: {e.strerror or e}") from e


def _check_target(target: Path, force: bool, owned: frozenset[str] | None, directory: bool):
    _check_parent(target)
    if target.is_dir() and not directory:
        raise UserError(f"{str(target)!r} is a directory; give a file name")
    if owned is not None and target.is_symlink():
        raise UserError(f"{str(target)!r} is a symbolic link; give the directory it points to")
    if not (target.exists() or target.is_symlink()):
        return
    if not force:
        raise UserError(f"{str(target)!r} already exists; use --force to replace it")
    if owned is None:
        return
    if not target.is_dir():
        raise UserError(f"{str(target)!r} is a file, not a directory; refusing to replace it")
    here = Path.cwd()
    if target.resolve() in (here, *here.parents):
        raise UserError(f"{str(target)!r} holds the current directory; refusing to replace it")
    names = (p.name for p in target.iterdir())
    foreign = sorted(n for n in names if n not in owned and not n.startswith("."))
    if foreign:
        raise UserError(
            f"{str(target)!r} is not a directory w2v wrote (it holds {foreign[0]!r}); refusing "
            "to replace it with --force: remove it yourself or choose another name"
        )


def _check_parent(target: Path) -> None:
    """UserError unless the nearest existing ancestor of `target` is a directory we may
    create files in (the directories between are made on writing)."""
    parent = target.parent  # as the user spelled it: ends at "." or "/"
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise UserError(f"cannot write {str(target)!r}: {str(parent)!r} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"cannot write {str(target)!r}: no permission to write in {str(parent)!r}")


def make_dir(path: Path) -> Path:
    """Create the directory `path` (and its parents) unless it exists; UserError if it is a
    file or the OS refuses (a file where a parent should be, permissions)."""
    if path.exists() and not path.is_dir():
        raise UserError(f"{str(path)!r} is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot create the directory {str(path)!r}: {e.strerror or e}") from e
    return path


@contextlib.contextmanager
def atomic_dir(
    target: str | os.PathLike, force: bool = False, owned: frozenset[str] | None = None
) -> Iterator[Path]:
    """Yield a fresh temporary sibling of `target`; on success rename it to `target`.

    An existing `target` is replaced only with `force`, and then only if it holds nothing
    but the `owned` files when they are given (see refuse_existing; else UserError before
    any work); on any exception the temporary directory is removed and `target` is left
    untouched.
    """
    target = Path(target)
    refuse_existing(target, force, owned, directory=True)
    tmp = _made(
        target, lambda: Path(tempfile.mkdtemp(prefix=_temp_prefix(target), dir=target.parent))
    )
    os.chmod(tmp, 0o777 & ~UMASK)  # mkdtemp makes it 0700; the result is a normal directory
    try:
        yield tmp
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.rename(target, old / "x")
            os.rename(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _made(target: Path, make):
    """make() a temporary sibling of `target`, its parent directories first; an OS refusal
    (permissions, a full disk, a file where a directory should be) is a UserError."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return make()
    except OSError as e:
        raise UserError(f"cannot write {str(target)!r}: {e.strerror or e}") from e


def _temp_prefix(target: Path) -> str:
    """The names of the temporary siblings atomic_dir and atomic_file write `target` as."""
    return f".{target.name}.tmp-"


def remove_stale_temps(target: Path) -> None:
    """Delete the temporary siblings of the file `target` left by writers that were killed
    (a Dask task's worker, say) before they could rename or remove them."""
    for p in target.parent.glob(_temp_prefix(target) + "*"):
        p.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_file(target: str | os.PathLike, mode: str = "wb") -> Iterator:
    """Open a temporary sibling of `target` for writing; rename it into place on success."""
    target = Path(target)
    if target.is_dir():
        raise UserError(f"{str(target)!r} is a directory; give a file name")
    fd, tmp = _made(
        target, lambda: tempfile.mkstemp(prefix=_temp_prefix(target), dir=target.parent)
    )
    os.fchmod(fd, 0o666 & ~UMASK)  # mkstemp makes it 0600; the result is a normal file
    try:
        with os.fdopen(fd, mode) as f:
            yield f
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_json(path: str | os.PathLike, obj) -> None:
    with atomic_file(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=False)
        f.write("\n")


def check_npy(path: Path, dtype, ndim: int, mmap_mode: str | None = "r") -> np.ndarray:
    """np.load without pickles, checking dtype and rank; ModelError naming the file otherwise.

    The header is checked first, against the file's size too: np.load allocates (or maps)
    what the header declares before it reads, so a header that lies about the shape would
    cost its claim in memory, not the file's size."""
    if not path.is_file():
        raise ModelError(f"{str(path)!r} is missing")
    try:
        with open(path, "rb") as f:
            shape, file_dtype = _npy_header(f)
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


def _npy_header(f) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) from the header of the .npy file `f`, leaving `f` at its data;
    ValueError if it is not one numpy writes for arrays of numbers (versions 1.0 and 2.0)."""
    fmt = np.lib.format
    version = fmt.read_magic(f)
    if version not in ((1, 0), (2, 0)):
        raise ValueError(f".npy format version {version} is not one w2v reads")
    read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
    shape, _, dtype = read_header(f)
    return shape, dtype


def arrow_strings(words: list[str]):
    """`words` as an Arrow string array, built from its buffers: pa.array() would import
    pandas (about 50 MB of resident memory) just to check whether its input is a Series."""
    import pyarrow as pa

    data = [w.encode("utf-8") for w in words]
    offsets = np.zeros(len(data) + 1, np.int64)
    np.cumsum(np.fromiter(map(len, data), np.int64, len(data)), out=offsets[1:])
    if offsets[-1] > np.iinfo(np.int32).max:
        raise ValueError("more than 2 GiB of words")
    buffers = [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(b"".join(data))]
    return pa.Array.from_buffers(pa.string(), len(data), buffers)


def arrow_numbers(a: np.ndarray, dtype):
    """A 1-D numpy array as an Arrow array of `dtype` (a numpy dtype), without pandas."""
    import pyarrow as pa

    a = np.ascontiguousarray(a, dtype=dtype)
    if a.ndim != 1:
        raise ValueError("a 1-D array is needed")
    return pa.Array.from_buffers(pa.from_numpy_dtype(a.dtype), len(a), [None, pa.py_buffer(a)])


def numbers_of(column, dtype) -> np.ndarray:
    """A numeric Arrow column (array or chunked, no nulls) as a numpy array of `dtype`,
    from its data buffer: .to_numpy() and .to_pylist() import pandas or build a Python
    object per value. ValueError if it has nulls or does not cast to `dtype`."""
    import pyarrow as pa

    a = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if a.null_count:
        raise ValueError("the column has empty values")
    dtype = np.dtype(dtype)
    a = a.cast(pa.from_numpy_dtype(dtype))
    return np.frombuffer(a.buffers()[1], dtype, len(a), a.offset * dtype.itemsize)


def write_vocab_parquet(path, words: list[str], counts: np.ndarray, metadata=None) -> None:
    """vocab.parquet: words and their counts, row i being word i."""
    import pyarrow as pa

    columns = [arrow_strings(words), arrow_numbers(counts, np.int64)]
    write_vocab_table(path, pa.Table.from_arrays(columns, names=["word", "count"]), metadata)


def write_vocab_table(path, table, metadata: dict | None = None) -> None:
    """Write a (word, count) Arrow table as Parquet, atomically, with JSON metadata."""
    import pyarrow.parquet as pq

    if metadata:
        table = table.replace_schema_metadata({k: json.dumps(v) for k, v in metadata.items()})
    with atomic_file(path) as f:
        pq.write_table(table, f)


def read_parquet_table(path: Path, columns: list[str] | None = None):
    """The Arrow table of the Parquet file at `path` (only `columns`, if given);
    ModelError naming the file if it is not readable Parquet or lacks a column."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path).read(columns=columns)  # not read_table: imports pandas
    except (pa.ArrowException, OSError) as e:
        raise ModelError(f"{str(path)!r} is not a readable Parquet file: {e}") from e


def parquet_rows(path: Path) -> int:
    """The number of rows the footer of the Parquet file at `path` declares (no data is
    read): the sum over its row groups, which are what a reader decodes. ModelError naming
    the file if it is missing or not readable Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path.is_file():
        raise ModelError(f"{str(path)!r} is missing")
    try:
        footer = pq.ParquetFile(path).metadata
        return sum(footer.row_group(i).num_rows for i in range(footer.num_row_groups))
    except (pa.ArrowException, OSError) as e:
        raise ModelError(f"{str(path)!r} is not a readable Parquet file: {e}") from e


def read_vocab_table(path: str | os.PathLike):
    """The (word string, count int64) Arrow table of a vocabulary file; ModelError naming
    the file if it is not one."""
    import pyarrow as pa

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{str(path)!r} is missing")
    table = read_parquet_table(path)
    names = table.schema.names
    if "word" not in names or "count" not in names:
        raise ModelError(f"{str(path)!r} lacks the columns word and count (has {names})")
    table = table.select(["word", "count"]).replace_schema_metadata(None)
    if table.column("word").null_count or table.column("count").null_count:
        raise ModelError(f"{str(path)!r} has empty words or counts")
    schema = pa.schema([("word", pa.string()), ("count", pa.int64())])
    try:
        return table.cast(schema)
    except (pa.ArrowException, ValueError) as e:
        raise ModelError(f"{str(path)!r}: words must be strings and counts integers") from e


def read_vocab_parquet(path: str | os.PathLike) -> tuple[list[str], np.ndarray]:
    """The words and counts (int64 [V]) of a vocabulary file."""
    table = read_vocab_table(path)
    return table.column("word").to_pylist(), numbers_of(table.column("count"), np.int64).copy()


@dataclass
class ModelFiles:
    """The contents of a model directory, arrays memory-mapped."""

    words: list[str]
    counts: np.ndarray  # int64 [V]
    vectors: np.ndarray  # float32 [V, dim]
    contexts: np.ndarray | None = None  # float32 [V, dim]
    meta: dict = field(default_factory=dict)


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
        **{k: v for k, v in model.meta.items() if k not in _WRITTEN_BY_SAVE},
    }
    directory = Path(directory)
    with atomic_dir(directory, force=force, owned=MODEL_FILES) as tmp:
        write_vocab_parquet(tmp / "vocab.parquet", model.words, model.counts)
        np.save(tmp / "vectors.npy", np.ascontiguousarray(model.vectors, dtype=np.float32))
        if model.contexts is not None:
            np.save(tmp / "contexts.npy", np.ascontiguousarray(model.contexts, dtype=np.float32))
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
    return ModelFiles(words, counts, vectors, contexts, meta)
