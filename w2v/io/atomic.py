"""Writes that are atomic, durable and owned: the one rule for what w2v may replace.

Every output goes to a temporary sibling, is fsynced, and is renamed into place (a directory
that exists is exchanged with its replacement in one step), so a crash or a power loss leaves
the old output or the new one, whole. w2v replaces or deletes only what it wrote (`Owned`).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from w2v.errors import UserError


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once, at import: os.umask can only be read by setting it, and setting it to 0 while
# other threads create files (the server's, the reader thread's) would give them mode 0666.
UMASK = _read_umask()


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
        names = [n for n in os.listdir(target.parent) if n.startswith(prefix)]
        for p in (target.parent / n for n in names):
            if not every_writer and _writer_alive(p.name, prefix):
                continue
            if p.is_symlink() or not p.is_dir():
                p.unlink()
            elif not target.exists() and [c.name for c in p.iterdir()] == ["old"]:
                os.rename(p / "old", target)  # killed between the fallback's two renames
                p.rmdir()
            else:
                shutil.rmtree(p)


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
def scratch_dir(name: str, need_bytes: int = 0) -> Iterator[Path]:
    """A new directory in $TMPDIR for this process's scratch files about `name` (an
    encoded corpus, say), removed on leaving; those that killed w2v processes of this host
    left there are removed first (they may hold gigabytes). UserError, before anything is
    written, if $TMPDIR has less than `need_bytes` free."""
    root = Path(tempfile.gettempdir())
    place = root / f"w2v-{name}"  # never made itself: the scratch directories are its temporaries
    remove_stale_temps(place)
    free = scratch_free()
    if need_bytes > free:
        raise UserError(
            f"the {name} scratch files need {need_bytes / 1e6:,.1f} MB in {str(root)!r} "
            f"($TMPDIR), which has {free / 1e6:,.1f} MB free: point TMPDIR at a larger disk"
        )
    tmp = _made(place, lambda: Path(tempfile.mkdtemp(prefix=own_temp_prefix(place), dir=root)))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def scratch_free() -> int:
    """The bytes free for scratch_dir's directories, in $TMPDIR."""
    return shutil.disk_usage(tempfile.gettempdir()).free


def write_json(path: str | os.PathLike, obj) -> None:
    with atomic_file(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=False)
        f.write("\n")
