"""What a client may name: corpus paths inside the data root, and model names.

A corpus is given relative to the server's data root. It is refused when it is absolute,
has a `..` component, or resolves (through symlinks) outside the root; only regular files
are accepted. Model names are short and cannot address anything but a child of the
models directory.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

from w2v.errors import CorpusError, UserError

MAX_PATH = 1024
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class PathRefused(UserError):
    """A corpus path that points outside the data root (the request is refused)."""


def resolve_corpus(data_root: str | os.PathLike, relative: str) -> Path:
    """The real path of `relative` under `data_root`.

    PathRefused when it is empty, absolute, contains `..`, or resolves outside the root;
    CorpusError when it is not an existing regular file.
    """
    if not relative or len(relative) > MAX_PATH or "\x00" in relative:
        raise PathRefused("the corpus path must be 1 to 1024 characters, without NUL")
    if "\\" in relative:
        raise PathRefused("the corpus path must use '/' separators")
    pure = PurePosixPath(relative)
    if pure.is_absolute() or relative.startswith("~"):
        raise PathRefused("the corpus path must be relative to the server's data root")
    if ".." in pure.parts:
        raise PathRefused("the corpus path must not contain '..'")
    root = Path(data_root).resolve(strict=True)
    try:
        real = (root / pure).resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError):
        raise CorpusError(f"corpus {relative!r} does not exist under the data root") from None
    except (OSError, RuntimeError) as e:  # symlink loops, permission
        raise PathRefused(f"corpus {relative!r} cannot be resolved: {e}") from None
    if not real.is_relative_to(root):
        raise PathRefused(f"corpus {relative!r} resolves outside the server's data root")
    if not real.is_file():
        raise CorpusError(f"corpus {relative!r} is not a regular file")
    return real


def check_name(name: str) -> str:
    """`name` if it is a valid model name (letters, digits, `._-`, at most 64, no leading
    dot), else UserError."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise UserError(
            f"model name {name!r} must be 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name
