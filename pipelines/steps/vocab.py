"""vocab: per-file counts → vocab.parquet (merged in file order, min count, max size).

The merge and the selection are vectorised over Arrow tables (pipelines.counts)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from pipelines import counts
from w2v.errors import CorpusError
from w2v.io.arrow import numbers_of, read_vocab_table, write_vocab_table

NAME = "vocab"


def enabled(cfg) -> bool:
    return True


def settings(cfg) -> dict:
    return dict(cfg["vocab"])


def inputs(cfg, run_dir: Path) -> dict[str, Path]:
    return {"counts": run_dir / "counts"}


def outputs(cfg, run_dir: Path) -> dict[str, Path]:
    return {"vocab": run_dir / "vocab.parquet"}


def run(inputs: dict[str, Path], outputs: dict[str, Path], config: dict) -> dict:
    shards = sorted(inputs["counts"].glob("shard-*.parquet"))
    return write(counts.merge([read_vocab_table(p) for p in shards]), outputs, config)


def write(table: pa.Table, outputs: dict[str, Path], config: dict) -> dict:
    """Select the vocabulary from the merged counts table and write vocab.parquet."""
    if not table.num_rows:
        raise CorpusError("the corpus has no tokens")
    kept = counts.select(table, config["min_count"], config["max_size"])
    if not kept.num_rows:
        raise CorpusError(f"no word occurs at least {config['min_count']} times; lower min_count")
    write_vocab_table(outputs["vocab"], kept, metadata={"step": NAME, "config": config})
    return {
        "words": kept.num_rows,
        "distinct": table.num_rows,
        "tokens_kept": int(numbers_of(kept.column("count"), np.int64).sum()),
    }
