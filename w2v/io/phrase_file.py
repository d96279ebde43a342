"""A saved PhraseModel: a Parquet file of rows (phrase string, score float64, count int64,
pass int32), passes in order, each pass's phrases in the order they were found, and in its
schema metadata {"w2v": "w2v-phrases", "version": 1, "config": the PhrasesConfig, "lower",
"punct", "stats"} (JSON)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from w2v.errors import ConfigError, ModelError
from w2v.io.arrow import arrow_numbers, numbers_of, read_parquet_table
from w2v.io.atomic import atomic_file, refuse_existing

VERSION = 1


def write_phrases(path, model, force: bool = False) -> None:
    """Write the w2v.collocations.PhraseModel `model` to `path` (atomically; an existing
    file only with `force`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from w2v.collocations import FORMAT

    refuse_existing(path, force)
    tables = model.tables
    lens = np.concatenate([np.diff(t.starts) for t in tables] + [np.empty(0, np.int64)])
    offsets = np.zeros(len(lens) + 1, np.int64)
    np.cumsum(lens, out=offsets[1:])
    if offsets[-1] >= 1 << 31:
        raise ValueError("more than 2 GiB of phrases")
    data = b"".join(t.data.tobytes() for t in tables)
    buffers = [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)]
    phrase = pa.Array.from_buffers(pa.string(), len(lens), buffers)
    columns = [
        phrase,
        arrow_numbers(np.concatenate([t.scores for t in tables] + [np.empty(0)]), np.float64),
        arrow_numbers(
            np.concatenate([t.counts for t in tables] + [np.empty(0, np.int64)]), np.int64
        ),
        arrow_numbers(np.repeat(np.arange(1, len(tables) + 1), [len(t) for t in tables]), np.int32),
    ]
    meta = {
        "w2v": FORMAT,
        "version": VERSION,
        "config": dataclasses.asdict(model.config),
        "lower": model.lower,
        "punct": model.punct,
        "stats": model.stats,
    }
    table = pa.Table.from_arrays(columns, names=["phrase", "score", "count", "pass"])
    table = table.replace_schema_metadata({"w2v": json.dumps(meta)})
    with atomic_file(path) as f:
        pq.write_table(table, f)


def _unusable(phrase) -> str | None:
    """The first phrase of the Arrow string array that is empty or holds whitespace (none
    could be a token of the text it joins, and the phrase tables end a key at a space)."""
    import pyarrow.compute as pc

    bad = pc.or_(
        pc.equal(pc.binary_length(phrase), 0), pc.match_substring_regex(phrase, "[ \t\n\v\f\r]")
    )
    index = pc.index(bad, True).as_py()
    return None if index < 0 else phrase[index].as_py()


def read_phrases(path):
    """The PhraseModel saved at `path`; ModelError naming the file if it is not one."""
    import pyarrow as pa

    from w2v.collocations import FORMAT, PhraseModel, PhrasesConfig, PhraseTable

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"phrases file {str(path)!r} does not exist")
    table = read_parquet_table(path)
    not_ours = ModelError(
        f"{str(path)!r} is not a phrases file (write one with w2v phrases --save)"
    )
    try:
        meta = json.loads((table.schema.metadata or {}).get(b"w2v", b"{}"))
    except ValueError:
        raise not_ours from None
    if not isinstance(meta, dict) or meta.get("w2v") != FORMAT:
        raise not_ours
    if meta.get("version") != VERSION:
        raise ModelError(
            f"{str(path)!r} is a phrases file of version {meta.get('version')!r}; "
            f"this w2v reads version {VERSION}"
        )
    try:
        config = PhrasesConfig(**meta["config"])
        lower, punct = bool(meta["lower"]), bool(meta["punct"])
        phrase = table.column("phrase").combine_chunks().cast(pa.string())
        score = numbers_of(table.column("score"), np.float64)
        count = numbers_of(table.column("count"), np.int64)
        passes = numbers_of(table.column("pass"), np.int32)
    except (KeyError, TypeError, ValueError, ConfigError, pa.ArrowException) as e:
        raise ModelError(f"{str(path)!r} is a damaged phrases file: {e}") from None
    in_order = np.all(np.diff(passes) >= 0) and np.all((passes >= 1) & (passes <= config.passes))
    if phrase.null_count or not in_order:
        raise ModelError(f"{str(path)!r} is a damaged phrases file: empty phrases or bad passes")
    bad = _unusable(phrase)
    if bad is not None:
        raise ModelError(f"{str(path)!r} holds the phrase {bad!r}: phrases are non-empty tokens")
    words = phrase.to_pylist()
    tables = []
    for p in range(1, config.passes + 1):
        a, b = np.searchsorted(passes, [p, p + 1])
        tables.append(
            PhraseTable.from_phrases(words[a:b], score[a:b], count[a:b], config.delimiter)
        )
    stats = meta.get("stats") if isinstance(meta.get("stats"), list) else []
    return PhraseModel(config, tables, lower=lower, punct=punct, stats=stats)
