"""Compressed files by suffix (.gz, .bz2, .xz), read and written as gensim (smart_open) and
the shell tools do."""

import bz2
import gzip
import io
import lzma
import zlib
from pathlib import Path

# suffix -> module; each module's open(file, mode) reads and writes its format
COMPRESSED = {".gz": gzip, ".bz2": bz2, ".xz": lzma}
# what reading a file (a corrupt compressed one included) can raise
READ_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error)


def open_bytes(path: Path, buffer_bytes: int = io.DEFAULT_BUFFER_SIZE):
    """`path` opened for reading bytes, decompressed by its suffix; a plain file with a
    buffer of at least `buffer_bytes`, so that peek() can show that many."""
    module = COMPRESSED.get(path.suffix.lower())
    if module is not None:
        return module.open(path, "rb")
    return open(path, "rb", buffering=max(buffer_bytes, io.DEFAULT_BUFFER_SIZE))
