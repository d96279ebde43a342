"""What a client may name: corpus paths inside the data root, and model names.

A corpus is given relative to the server's data root. It is refused when it is absolute,
has a `..` component, or leads (through symlinks) outside the root; only regular files
are accepted. It is opened once, by walking the path from the root one component at a
time, each opened relative to the directory before it without following symlinks: a
symlink is read and its target walked the same way (refused if it leaves the root), so
no component is ever resolved by the kernel behind the check, and a folder swapped for a
symlink during the walk is seen as one. The last component is opened as a path only
(O_PATH) and reopened for reading once fstat shows a regular file, so a FIFO or device
is never opened, let alone waited on. Whoever reads the corpus reads that open file.

Model names are short and cannot address anything but a child of the models directory.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path, PurePosixPath

from w2v.errors import CorpusError, UserError

MAX_PATH = 1024
MAX_SYMLINKS = 40  # followed in one corpus path, as Linux's limit
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_PATH_ONLY = os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC


class PathRefused(UserError):
    """A corpus path that points outside the data root (the request is refused)."""


def resolve_corpus(data_root: str | os.PathLike, relative: str) -> Path:
    """The real path of `relative` under `data_root` (see open_corpus, which it opens and
    closes)."""
    fd, real = open_corpus(data_root, relative)
    os.close(fd)
    return real


def open_corpus(data_root: str | os.PathLike, relative: str) -> tuple[int, Path]:
    """A read-only descriptor of the regular file `relative` names under `data_root`, and
    its real path.

    PathRefused when `relative` is empty, absolute, contains `..`, or leads outside the
    root; CorpusError when it names nothing or not a regular file (a FIFO, a device, a
    directory).
    """
    pure = _checked(relative)
    root = Path(data_root).resolve(strict=True)
    dirs = [os.open(root, _PATH_ONLY | os.O_DIRECTORY)]  # the directories walked, root first
    names: list[str] = []  # their names, from the root down
    todo = list(pure.parts)  # the components still to walk
    links = 0
    try:
        while todo:
            part = todo.pop(0)
            if part == "..":  # from a symlink's target
                if not names:
                    raise PathRefused(f"corpus {relative!r} leads outside the server's data root")
                os.close(dirs.pop())
                names.pop()
                continue
            try:
                fd = os.open(part, _PATH_ONLY, dir_fd=dirs[-1])
            except OSError as e:
                raise _walk_error(relative, e) from None
            mode = os.fstat(fd).st_mode
            if stat.S_ISLNK(mode):
                os.close(fd)
                links += 1
                if links > MAX_SYMLINKS:
                    raise PathRefused(f"corpus {relative!r} cannot be resolved: too many symlinks")
                target = PurePosixPath(_read_link(part, dirs[-1], relative))
                if target.is_absolute():
                    if not target.is_relative_to(root):
                        raise PathRefused(
                            f"corpus {relative!r} leads outside the server's data root"
                        )
                    target = target.relative_to(root)
                    while names:
                        os.close(dirs.pop())
                        names.pop()
                todo[:0] = target.parts
            elif todo and stat.S_ISDIR(mode):
                dirs.append(fd)
                names.append(part)
            else:
                try:
                    return _reopen(fd, mode, relative, last=not todo), root.joinpath(*names, part)
                finally:
                    os.close(fd)
        raise CorpusError(f"corpus {relative!r} is not a regular file")  # the root itself
    finally:
        for fd in dirs:
            os.close(fd)


def _reopen(fd: int, mode: int, relative: str, last: bool) -> int:
    """The file of path descriptor `fd` (fstat mode `mode`) opened for reading, if it is
    the last component and a regular file."""
    if not last:  # a file where a directory should be
        raise CorpusError(f"corpus {relative!r} does not exist under the data root")
    if not stat.S_ISREG(mode):
        raise CorpusError(f"corpus {relative!r} is not a regular file")
    try:
        return os.open(f"/proc/self/fd/{fd}", os.O_RDONLY | os.O_CLOEXEC)
    except OSError as e:
        raise _walk_error(relative, e) from None


def _checked(relative: str) -> PurePosixPath:
    """`relative` as a path, if it may name a corpus at all (else PathRefused)."""
    if not relative or len(relative) > MAX_PATH or "\x00" in relative:
        raise PathRefused("the corpus path must be 1 to 1024 characters, without NUL")
    if "\\" in relative:
        raise PathRefused("the corpus path must use '/' separators")
    pure = PurePosixPath(relative)
    if pure.is_absolute() or relative.startswith("~"):
        raise PathRefused("the corpus path must be relative to the server's data root")
    if ".." in pure.parts:
        raise PathRefused("the corpus path must not contain '..'")
    return pure


def _read_link(name: str, dir_fd: int, relative: str) -> str:
    try:
        return os.readlink(name, dir_fd=dir_fd)
    except OSError as e:  # replaced since it was opened: no longer a symlink
        raise _walk_error(relative, e) from None


def _walk_error(relative: str, e: OSError) -> UserError:
    if e.errno in (errno.ENOENT, errno.ENOTDIR, errno.EINVAL):
        return CorpusError(f"corpus {relative!r} does not exist under the data root")
    return PathRefused(f"corpus {relative!r} cannot be resolved: {e.strerror or e}")


def check_name(name: str) -> str:
    """`name` if it is a valid model name (letters, digits, `._-`, at most 64, no leading
    dot), else UserError."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise UserError(
            f"model name {name!r} must be 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name
