"""encode: corpus files + vocab.parquet → corpus/ids.npy, corpus/offsets.npy."""

from __future__ import annotations

import tempfile
from pathlib import Path

from w2v.corpus import EncodedCorpus, concatenate, encode
from w2v.io import atomic_dir
from w2v.vocab import Vocab

NAME = "encode"


def enabled(cfg) -> bool:
    return True


def settings(cfg) -> dict:
    return {"lower": cfg["corpus"]["lower"], "punct": cfg["corpus"]["punct"]}


def inputs(cfg, run_dir: Path) -> dict[str, Path]:
    files = {f"corpus:{i}": p for i, p in enumerate(cfg.corpus_files)}
    return {**files, "vocab": run_dir / "vocab.parquet"}


def outputs(cfg, run_dir: Path) -> dict[str, Path]:
    return {"corpus": run_dir / "corpus"}


def encode_shard(path: Path, vocab: Vocab, out_dir: Path, config: dict) -> EncodedCorpus:
    return encode(path, vocab, out_dir, lower=config["lower"], punct=config["punct"])


def run(inputs: dict[str, Path], outputs: dict[str, Path], config: dict) -> dict:
    vocab = Vocab.load(inputs["vocab"])
    files = [p for k, p in inputs.items() if k.startswith("corpus:")]
    with tempfile.TemporaryDirectory(dir=outputs["corpus"].parent) as scratch:
        parts = [
            encode_shard(p, vocab, Path(scratch) / str(i), config) for i, p in enumerate(files)
        ]
        with atomic_dir(outputs["corpus"], force=True) as tmp:
            corpus = concatenate(parts, tmp)
    return {"tokens": corpus.n_tokens, "sentences": corpus.n_sentences}
