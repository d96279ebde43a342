"""Arrow and Parquet without pandas: columns from numpy buffers, and vocabulary tables.

vocab.parquet   word (string), count (int64); row i is word i
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from w2v.errors import ModelError
from w2v.io.atomic import atomic_file


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
