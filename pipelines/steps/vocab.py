"""vocab: per-file counts → vocab.parquet (merged in file order, min count, max size)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from w2v.errors import CorpusError
from w2v.io import read_vocab_parquet, write_vocab_parquet

NAME = "vocab"


def enabled(cfg) -> bool:
    return True


def settings(cfg) -> dict:
    return dict(cfg["vocab"])


def inputs(cfg, run_dir: Path) -> dict[str, Path]:
    return {"counts": run_dir / "counts"}


def outputs(cfg, run_dir: Path) -> dict[str, Path]:
    return {"vocab": run_dir / "vocab.parquet"}


def merge_counts(parts: list[tuple[list[str], np.ndarray]]) -> tuple[list[str], np.ndarray]:
    """Sum counts of several shards (each a list of distinct words and their counts); a
    word keeps its first appearance (shards in order)."""
    if not parts:
        return [], np.zeros(0, np.int64)
    words0, counts0 = parts[0]
    total: dict[str, int] = dict(zip(words0, counts0.tolist(), strict=True))  # at C speed
    for words, counts in parts[1:]:
        for w, c in zip(words, counts.tolist(), strict=True):
            total[w] = total.get(w, 0) + c
    return list(total), np.fromiter(total.values(), np.int64, len(total))


def select(words: list[str], counts: np.ndarray, min_count: int, max_size: int):
    """Words with count >= min_count, most frequent first (ties: first appearance)."""
    keep = np.flatnonzero(counts >= min_count)
    order = keep[np.argsort(-counts[keep], kind="stable")]
    if max_size:
        order = order[:max_size]
    return [words[i] for i in order], counts[order]


def run(inputs: dict[str, Path], outputs: dict[str, Path], config: dict) -> dict:
    shards = sorted(inputs["counts"].glob("shard-*.parquet"))
    words, counts = merge_counts([read_vocab_parquet(p) for p in shards])
    return write(words, counts, outputs, config)


def write(words: list[str], counts: np.ndarray, outputs: dict[str, Path], config: dict) -> dict:
    """Select the vocabulary from the merged counts and write vocab.parquet."""
    if not words:
        raise CorpusError("the corpus has no tokens")
    kept, kept_counts = select(words, counts, config["min_count"], config["max_size"])
    if not kept:
        raise CorpusError(f"no word occurs at least {config['min_count']} times; lower min_count")
    write_vocab_parquet(
        outputs["vocab"], kept, kept_counts, metadata={"step": NAME, "config": config}
    )
    return {"words": len(kept), "distinct": len(words), "tokens_kept": int(kept_counts.sum())}
