"""The model directory and atomic writes.

    meta.json       format version, trainer and config, corpus stats, per-epoch loss, version
    vocab.parquet   word (string), count (int64); row i is vector i; by count, descending
    vectors.npy     float32 [V, dim]: U, the input vectors (gensim wv.vectors, C syn0)
    contexts.npy    float32 [V, dim]: V, the output vectors (gensim syn1neg); optional

Nothing is pickled. Every write goes to a temporary sibling, is fsynced, and is renamed into
place (a directory that exists is exchanged with its replacement in one step), so a crash or a
power loss leaves the old output or the new one, whole. w2v replaces or deletes only what it
wrote (see `Owned`). Loading validates each file and names the broken one.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as _dt
import errno
import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from w2v.errors import ModelError, UserError

FORMAT_VERSION = 1
MODEL_META = "meta.json"
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


@dataclass(frozen=True)
class Owned:
    """A kind of directory that w2v writes, and how to tell one it wrote.

    The ownership rule, the one every writer follows: w2v replaces or deletes an existing
    directory only if it is empty, or holds its kind's `mark` file and nothing but the
    `names` of that kind (any names, under a MARK, when `names` is None), hidden entries
    included. It never replaces a symbolic link, the current directory or one holding it.
    A file is replaced only when the user asks (`--force`), as `cp -f` does."""

    what: str  # "model", "classifier", ... as an error message names it
    mark: str  # the file whose presence says w2v wrote the directory
    names: frozenset[str] | None = None  # everything the directory may hold; None: any

    def foreign(self, directory: Path) -> str | None:
        """The first entry of the existing `directory` that says w2v did not write it as
        this kind (its missing mark, or a name of another kind), or None if w2v did."""
        entries = sorted(p.name for p in directory.iterdir())
        if not entries:
            return None
        if self.names is not None:
            temporaries = tuple(_temp_prefix(Path(n)) for n in self.names)  # of killed writers
            others = [n for n in entries if n not in self.names and not n.startswith(temporaries)]
            if others:
                return f"it holds {others[0]!r}"
        if self.mark not in entries:
            return f"it has no {self.mark!r}"
        return None


MARK = ".w2v"  # the mark of the directories w2v writes that have no meta file of their own
MODEL_DIR = Owned(
    "model", MODEL_META, frozenset({MODEL_META, "vectors.npy", "contexts.npy", "vocab.parquet"})
)
STEP_DIR = Owned("pipeline output", MARK)  # the folders of a pipeline's run directory


def refuse_existing(target: str | os.PathLike, force: bool, owned: Owned | None = None) -> None:
    """UserError unless `target` may be written: a file, or with `owned` a directory that,
    if it exists, w2v wrote as the kind `owned` (see Owned).

    An existing target is replaced only with `force`. Commands call this before their work
    too, so an hour of training is not spent on an output they may not write."""
    target = Path(target)
    try:
        _check_target(target, force, owned)
    except OSError as e:  # a directory on the way that cannot be searched, say
        raise UserError(f"cannot write {str(target)!r}: {e.strerror or e}") from e


def _check_target(target: Path, force: bool, owned: Owned | None):
    _check_parent(target)
    directory = owned is not None
    if target.is_dir() and not directory:
        raise UserError(f"{str(target)!r} is a directory; give a file name")
    if directory and target.is_symlink():
        raise UserError(f"{str(target)!r} is a symbolic link; give the directory it points to")
    if not (target.exists() or target.is_symlink()):
        return
    if not force:
        raise UserError(f"{str(target)!r} already exists; use --force to replace it")
    if not directory:
        return
    if not target.is_dir():
        raise UserError(f"{str(target)!r} is a file, not a directory; refusing to replace it")
    here = Path.cwd()
    if target.resolve() in (here, *here.parents):
        raise UserError(f"{str(target)!r} holds the current directory; refusing to replace it")
    why = owned.foreign(target)
    if why:
        raise UserError(
            f"{str(target)!r} is not a {owned.what} directory w2v wrote ({why}); refusing to "
            "replace it: remove it yourself or choose another name"
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


# --- durable, atomic writes ---------------------------------------------------------------
#
# A temporary sibling of `target` is named `.{target.name}.tmp-{HOST}-{PID}-{random}` (HOST a
# short hash of the host name): the next write to the same place removes the temporaries of
# writers that died (same host, process gone), and never a live writer's.

_HOST = hashlib.blake2b(socket.gethostname().encode(), digest_size=4).hexdigest()


def _temp_prefix(target: Path) -> str:
    """The start of every temporary sibling's name of `target`, any writer's."""
    return f".{target.name}.tmp-"


def own_temp_prefix(target: Path) -> str:
    """The start of the names of this process's temporary siblings of `target`."""
    return f"{_temp_prefix(target)}{_HOST}-{os.getpid()}-"


def _writer_alive(name: str, prefix: str) -> bool:
    """Whether the writer of the temporary `name` may still be running: another host's,
    or a live process of this host (a name w2v did not make counts as alive: kept)."""
    host, _, rest = name[len(prefix) :].partition("-")
    pid = rest.partition("-")[0]
    if host != _HOST or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_stale_temps(target: Path, every_writer: bool = False) -> None:
    """Delete the temporary siblings of `target` that writers killed before they could
    rename or remove them left behind: those of dead processes of this host, or with
    `every_writer` all of them (a Dask step, once none of its tasks can still be writing)."""
    target = Path(target)
    prefix = _temp_prefix(target)
    with contextlib.suppress(OSError):  # a parent that is not there yet holds none
        for p in target.parent.glob(glob_escape(prefix) + "*"):
            if not every_writer and _writer_alive(p.name, prefix):
                continue
            if p.is_symlink() or not p.is_dir():
                p.unlink()
            elif not target.exists() and [c.name for c in p.iterdir()] == ["old"]:
                os.rename(p / "old", target)  # killed between the fallback's two renames
                p.rmdir()
            else:
                shutil.rmtree(p)


def glob_escape(name: str) -> str:
    """`name` with the characters glob reads as patterns taken literally."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def fsync_path(path: str | os.PathLike) -> None:
    """Flush a file's or a directory's contents (a directory's: its entries) to the disk."""
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if os.path.isdir(path) else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """fsync every file and directory under `root`, `root` last."""
    for here, _, files in os.walk(root, topdown=False):
        for name in files:
            fsync_path(os.path.join(here, name))
        fsync_path(here)


RENAME_EXCHANGE = 2  # linux/fs.h
AT_FDCWD = -100


def exchange(a: Path, b: Path) -> bool:
    """Swap the directory entries `a` and `b` in one step (Linux renameat2 with
    RENAME_EXCHANGE): at every moment each name holds one of the two, whole. False where
    the system or the filesystem cannot (not Linux, glibc < 2.28, some network and FUSE
    filesystems); atomic_dir then falls back to two renames."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike, owned: Owned, force: bool = False) -> Iterator[Path]:
    """Yield a fresh temporary sibling of `target`; on success make it `target`.

    An existing `target` is replaced only with `force`, and then only if w2v wrote it as
    the kind `owned` (see Owned; else UserError before any work). A directory whose kind
    has a MARK gets one. On success every file is fsynced, then the temporary directory is
    exchanged with `target` in one step (see `exchange`; where the filesystem cannot, two
    renames leave a moment with no `target`), the parent is fsynced, and only then is the
    old directory deleted. On any exception the temporary directory is removed and
    `target` is left untouched. Temporaries of killed writers are removed first.
    """
    target = Path(target)
    remove_stale_temps(target)  # first: it may put back a model a killed writer moved aside
    refuse_existing(target, force, owned)
    tmp = _made(
        target, lambda: Path(tempfile.mkdtemp(prefix=own_temp_prefix(target), dir=target.parent))
    )
    os.chmod(tmp, 0o777 & ~UMASK)  # mkdtemp makes it 0700; the result is a normal directory
    try:
        if owned.mark == MARK:
            (tmp / MARK).write_text(f"written by w2v ({owned.what})\n", encoding="utf-8")
        yield tmp
        fsync_tree(tmp)
        if not target.exists():
            os.rename(tmp, target)
        elif not exchange(tmp, target):
            old = Path(tempfile.mkdtemp(prefix=own_temp_prefix(target), dir=target.parent))
            os.rename(target, old / "old")
            os.rename(tmp, target)
            os.rename(old, tmp)  # deleted below, as after an exchange
        fsync_path(target.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(tmp, ignore_errors=True)  # the old `target`, after the exchange


def _made(target: Path, make):
    """make() a temporary sibling of `target`, its parent directories first; an OS refusal
    (permissions, a full disk, a file where a directory should be) is a UserError."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return make()
    except OSError as e:
        raise UserError(f"cannot write {str(target)!r}: {e.strerror or e}") from e


@contextlib.contextmanager
def atomic_file(target: str | os.PathLike, mode: str = "wb") -> Iterator:
    """Open a temporary sibling of `target` for writing; on success fsync it, rename it into
    place and fsync the directory, so that a power loss keeps the old file or the new one.
    Temporaries of killed writers are removed first."""
    target = Path(target)
    if target.is_dir():
        raise UserError(f"{str(target)!r} is a directory; give a file name")
    remove_stale_temps(target)
    fd, tmp = _made(
        target, lambda: tempfile.mkstemp(prefix=own_temp_prefix(target), dir=target.parent)
    )
    os.fchmod(fd, 0o666 & ~UMASK)  # mkstemp makes it 0600; the result is a normal file
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
        fsync_path(target.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def scratch_dir(name: str) -> Iterator[Path]:
    """A new directory in $TMPDIR for this process's scratch files about `name` (an
    encoded corpus, say), removed on leaving; those that killed w2v processes of this host
    left there are removed first (they may hold gigabytes)."""
    root = Path(tempfile.gettempdir())
    place = root / f"w2v-{name}"  # never made itself: the scratch directories are its temporaries
    remove_stale_temps(place)
    tmp = _made(place, lambda: Path(tempfile.mkdtemp(prefix=own_temp_prefix(place), dir=root)))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_json(path: str | os.PathLike, obj) -> None:
    with atomic_file(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=False)
        f.write("\n")


def check_npy(path: Path, dtype, ndim: int, mmap_mode: str | None = "r") -> np.ndarray:
    """np.load without pickles, checking dtype and rank; ModelError naming the file otherwise."""
    if not path.is_file():
        raise ModelError(f"{str(path)!r} is missing")
    try:
        a = np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise ModelError(f"{str(path)!r} is not a readable .npy array: {e}") from e
    if a.dtype != np.dtype(dtype):
        raise ModelError(f"{str(path)!r} has dtype {a.dtype}, expected {np.dtype(dtype)}")
    if a.ndim != ndim:
        raise ModelError(f"{str(path)!r} has {a.ndim} dimensions, expected {ndim}")
    return a


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
    with atomic_dir(directory, MODEL_DIR, force=force) as tmp:
        write_vocab_parquet(tmp / "vocab.parquet", model.words, model.counts)
        np.save(tmp / "vectors.npy", np.ascontiguousarray(model.vectors, dtype=np.float32))
        if model.contexts is not None:
            np.save(tmp / "contexts.npy", np.ascontiguousarray(model.contexts, dtype=np.float32))
        write_json(tmp / MODEL_META, meta)
    return directory


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
    words, counts = read_vocab_parquet(d / "vocab.parquet")
    mode = "r" if mmap else None
    vectors = check_npy(d / "vectors.npy", np.float32, ndim=2, mmap_mode=mode)
    if vectors.shape[0] != len(words):
        raise ModelError(
            f"{str(d / 'vectors.npy')!r} has {vectors.shape[0]} rows but vocab.parquet has "
            f"{len(words)} words"
        )
    contexts = None
    if (d / "contexts.npy").exists():
        contexts = check_npy(d / "contexts.npy", np.float32, ndim=2, mmap_mode=mode)
        if contexts.shape != vectors.shape:
            raise ModelError(
                f"{str(d / 'contexts.npy')!r} has shape {contexts.shape}, "
                f"vectors.npy has {vectors.shape}"
            )
    return ModelFiles(words, counts, vectors, contexts, meta)
