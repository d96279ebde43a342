"""Vector file formats other tools read: word2vec text and binary (w2v.io.word2vec),
fastText's .vec (w2v.io.fasttext), Parquet and the Embedding Projector's files, and the
choice among them.

    Parquet      columns word (string), count (int64), vector (fixed_size_list<float32>[dim]);
                 the model's meta.json as JSON under the schema metadata key "w2v"
    projector    a directory with vectors.tsv, metadata.tsv and projector_config.json, the
                 TensorFlow Embedding Projector's input (projector.tensorflow.org: "Load")
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from w2v.errors import ModelError, UserError
from w2v.io.arrow import arrow_numbers, arrow_strings, numbers_of, read_parquet_table
from w2v.io.atomic import Owned, atomic_dir, atomic_file
from w2v.io.fasttext import facebook_to_vectors, is_facebook, read_facebook, write_vec
from w2v.io.model_dir import check_finite
from w2v.io.word2vec import MAX_DIM, check_words, read_word2vec, write_word2vec
from w2v.vectors import Vectors

PROJECTOR_CONFIG = "projector_config.json"
PROJECTOR_DIR = Owned(
    "projector export",
    PROJECTOR_CONFIG,
    frozenset({"vectors.tsv", "metadata.tsv", PROJECTOR_CONFIG}),
)

__all__ = [
    "EXPORT_FORMATS",
    "export",
    "read_parquet",
    "read_vectors",
    "read_word2vec",
    "write_parquet",
    "write_projector",
    "write_word2vec",
]


def write_parquet(vec: Vectors, path: str | os.PathLike, limit: int | None = None) -> Path:
    """Columns word, count, vector (fixed_size_list<float32>[dim]); meta under b"w2v"."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    V = len(vec) if limit is None else min(limit, len(vec))
    U = np.ascontiguousarray(vec.vectors[:V], dtype=np.float32)
    vectors = pa.FixedSizeListArray.from_arrays(arrow_numbers(U.reshape(-1), np.float32), vec.dim)
    columns = [arrow_strings(vec.words[:V]), arrow_numbers(vec.counts[:V], np.int64), vectors]
    table = pa.Table.from_arrays(columns, names=["word", "count", "vector"])
    table = table.replace_schema_metadata({"w2v": json.dumps(vec.meta, default=str)})
    path = Path(path)
    with atomic_file(path) as f:
        pq.write_table(table, f)
    return path


def read_parquet(path: str | os.PathLike, limit: int | None = None) -> Vectors:
    """Read a Parquet file with a string column `word` and a list-of-float column `vector`
    (fixed-size or not, all of one length); `count` and the b"w2v" metadata if present."""
    import pyarrow as pa

    path = Path(path)
    if not path.is_file():
        raise UserError(f"{str(path)!r} does not exist or is not a file")
    _check_widths(path)
    table = read_parquet_table(path)
    if limit is not None:
        table = table.slice(0, limit)
    names = table.schema.names
    if "word" not in names or "vector" not in names:
        raise ModelError(f"{str(path)!r} lacks the columns word and vector (has {names})")
    words = table.column("word").to_pylist()
    if any(not isinstance(w, str) or not w for w in words):
        raise ModelError(f"{str(path)!r} has empty or non-string words")
    column = table.column("vector").combine_chunks()
    if not pa.types.is_list(column.type) and not pa.types.is_fixed_size_list(column.type):
        raise ModelError(f"{str(path)!r}: column vector is {column.type}, not a list of floats")
    if column.null_count:
        raise ModelError(f"{str(path)!r}: column vector has missing values")
    try:
        flat = numbers_of(column.flatten(), np.float32)
    except (ValueError, pa.ArrowException) as e:
        raise ModelError(f"{str(path)!r}: column vector is not all numbers ({e})") from e
    if pa.types.is_fixed_size_list(column.type):
        dim = column.type.list_size
    else:
        lengths = numbers_of(column.value_lengths(), np.int64)  # np.asarray imports pandas
        dim = int(lengths[0]) if len(lengths) else 0
        if (lengths != dim).any():
            raise ModelError(f"{str(path)!r}: vectors differ in length")
    if dim < 1 or flat.size != len(words) * dim:
        raise ModelError(f"{str(path)!r}: {flat.size} values do not make {len(words)} vectors")
    counts = None
    if "count" in names:
        try:
            counts = numbers_of(table.column("count"), np.int64).copy()
        except (ValueError, pa.ArrowException) as e:
            raise ModelError(f"{str(path)!r}: column count: {e}") from e
    meta = {}
    raw = (table.schema.metadata or {}).get(b"w2v")
    if raw:
        try:
            meta = json.loads(raw)
        except ValueError as e:
            raise ModelError(f"{str(path)!r}: schema metadata w2v is not JSON: {e}") from e
    U = flat.reshape(len(words), dim)
    check_finite(path, words, U, lambda i: f"row {i + 1}")
    meta = meta if isinstance(meta, dict) else {}
    try:
        return Vectors(words, U, counts=counts, meta={**meta, "source_format": "parquet"})
    except ValueError as e:  # the shapes were checked above: the words repeat
        raise ModelError(f"{str(path)!r}: {e}") from None


def _check_widths(path: Path) -> None:
    """ModelError, from the Parquet footer alone, if column vector holds more than MAX_DIM
    values a row: one row of 10^8 zeros is a file of a few KB (dictionary and run-length
    encoding) that reading would decode whole. A row group of n rows may hold at most
    n * MAX_DIM values, so no row is wider, and reading costs what so many rows would."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        schema, footer = parquet.schema_arrow, parquet.metadata
    except (pa.ArrowException, OSError) as e:
        raise ModelError(f"{str(path)!r} is not a readable Parquet file: {e}") from e
    if "vector" not in schema.names:
        return  # read_parquet names what is missing
    vector_type = schema.field("vector").type
    if pa.types.is_fixed_size_list(vector_type):
        rows_and_values = [(1, vector_type.list_size)]
    else:
        leaves = [
            i
            for i in range(footer.num_columns)
            if footer.schema.column(i).path.split(".")[0] == "vector"
        ]
        rows_and_values = [
            (group.num_rows, sum(group.column(i).num_values for i in leaves))
            for group in map(footer.row_group, range(footer.num_row_groups))
        ]
    for rows, values in rows_and_values:
        if values > rows * MAX_DIM:
            raise ModelError(
                f"{str(path)!r}: column vector holds {values:,} values in {rows:,} "
                f"row{'s' * (rows != 1)}; w2v reads at most {MAX_DIM:,} a vector"
            )


def write_projector(
    vec: Vectors, directory: str | os.PathLike, limit: int | None = None, force: bool = False
) -> Path:
    """The Embedding Projector's files: vectors.tsv (one tab-separated vector per line, no
    header), metadata.tsv (the words; with a header `word<TAB>count` when counts are known,
    as the projector wants a header exactly when there is more than one column) and a
    projector_config.json naming both."""
    V = len(vec) if limit is None else min(limit, len(vec))
    words, U = vec.words[:V], np.asarray(vec.vectors[:V], dtype=np.float32)
    check_words(words, "\t\n\r", "projector")
    counts = vec.counts[:V]
    fmt = "\t".join(["%.9g"] * vec.dim)
    directory = Path(directory)
    with atomic_dir(directory, PROJECTOR_DIR, force=force) as tmp:
        with open(tmp / "vectors.tsv", "w", encoding="utf-8") as f:
            for u in U:
                f.write(fmt % tuple(u.tolist()) + "\n")
        with open(tmp / "metadata.tsv", "w", encoding="utf-8") as f:
            if counts.any():
                f.write("word\tcount\n")
                f.writelines(f"{w}\t{c}\n" for w, c in zip(words, counts.tolist(), strict=True))
            else:
                f.writelines(f"{w}\n" for w in words)
        config = {
            "embeddings": [
                {
                    "tensorName": str(vec.meta.get("trainer", "w2v")),
                    "tensorShape": [V, vec.dim],
                    "tensorPath": "vectors.tsv",
                    "metadataPath": "metadata.tsv",
                }
            ]
        }
        (tmp / PROJECTOR_CONFIG).write_text(json.dumps(config, indent=2) + "\n")
    return directory


def read_vectors(path: str | os.PathLike, limit: int | None = None) -> Vectors:
    """Read a Facebook fastText .bin (by its header, w2v.io.fasttext.is_facebook; its
    n-grams included, so unseen words get vectors), Parquet (by its PAR1 magic) or word2vec
    text/binary (sniffed). `limit` cuts a word list; a fastText model is read whole."""
    path = Path(path)
    if path.is_file() and is_facebook(path):
        if limit is not None:
            raise UserError(
                f"{str(path)!r} is a fastText model: its n-grams serve every word, so it is "
                "read whole (drop --limit)"
            )
        return Vectors(**facebook_to_vectors(read_facebook(path)))
    if path.is_file():
        with open(path, "rb") as f:
            if f.read(4) == b"PAR1":
                return read_parquet(path, limit=limit)
    try:
        return read_word2vec(path, limit=limit)
    except ModelError as e:
        if path.suffix.lower() != ".bin" or "is not a word2vec file" not in str(e):
            raise
        raise ModelError(  # a .bin is most often meant as fastText's: say both were tried
            str(e).replace(
                "is not a word2vec file",
                "is neither a fastText model (it does not start with fastText's magic "
                "number) nor a word2vec file",
            )
        ) from None


EXPORT_FORMATS = ("word2vec", "word2vec-binary", "fasttext-vec", "parquet", "projector")


def export(
    vec: Vectors, fmt: str, out: str | os.PathLike, limit: int | None = None, force: bool = False
) -> Path:
    """Write `vec` to `out` in one of EXPORT_FORMATS (projector: a directory)."""
    if fmt == "parquet":
        return write_parquet(vec, out, limit=limit)
    if fmt == "projector":
        return write_projector(vec, out, limit=limit, force=force)
    if fmt in ("word2vec", "word2vec-binary"):
        return write_word2vec(vec, out, binary=fmt == "word2vec-binary", limit=limit)
    if fmt == "fasttext-vec":
        return write_vec(vec, out, limit=limit)
    raise ValueError(f"unknown export format {fmt!r}; use one of {EXPORT_FORMATS}")
