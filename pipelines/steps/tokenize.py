"""tokenize: corpus files → per-file token counts (counts/shard-NNNNN.parquet)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from pipelines import counts as counts_mod
from pipelines.steps import phrases as phrases_step
from w2v.io.arrow import write_vocab_table
from w2v.io.atomic import STEP_DIR, atomic_dir

NAME = "tokenize"


def enabled(cfg) -> bool:
    return True


def settings(cfg) -> dict:
    c = cfg["corpus"]
    return {"lower": c["lower"], "punct": c["punct"], "phrases": phrases_step.enabled(cfg)}


def inputs(cfg, run_dir: Path) -> dict[str, Path]:
    files = {f"corpus:{i}": p for i, p in enumerate(cfg.corpus_files)}
    return {**files, **phrases_step.joining(cfg, run_dir)}


def outputs(cfg, run_dir: Path) -> dict[str, Path]:
    return {"counts": run_dir / "counts"}


def shard_name(i: int) -> str:
    return f"shard-{i:05d}.parquet"


def write_shard(path: Path, source: Path, table: pa.Table, info, config) -> None:
    meta = {"step": NAME, "config": config, "source": str(source), "stats": info}
    write_vocab_table(path, table, metadata=meta)


def run(inputs: dict[str, Path], outputs: dict[str, Path], config: dict) -> dict:
    infos = []
    files = [p for k, p in inputs.items() if k.startswith("corpus:")]
    phrases = phrases_step.model_of(inputs)
    with atomic_dir(outputs["counts"], STEP_DIR, force=True) as tmp:
        for i, source in enumerate(files):
            table, info = counts_mod.count_file(
                source, config["lower"], config["punct"], phrases=phrases
            )
            write_shard(tmp / shard_name(i), source, table, info, config)
            infos.append(info)
    return {"files": len(files), **totals(infos)}


def totals(infos: list[dict]) -> dict:
    """The step's report from its shards' counting facts: tokens, lines, invalid_utf8."""
    return {k: sum(i[k] for i in infos) for k in ("tokens", "lines", "invalid_utf8")}


def read_shard_stats(path: Path) -> dict:
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    return json.loads(meta.get(b"stats", b"{}"))
