"""encode: corpus files + vocab.parquet → corpus/ids.npy, corpus/offsets.npy."""

from __future__ import annotations

from pathlib import Path

from w2v.corpus import encode_files
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


def run(inputs: dict[str, Path], outputs: dict[str, Path], config: dict) -> dict:
    vocab = Vocab.load(inputs["vocab"])
    files = [p for k, p in inputs.items() if k.startswith("corpus:")]
    corpus = encode_files(files, vocab, outputs["corpus"], config["lower"], config["punct"])
    return {"tokens": corpus.n_tokens, "sentences": corpus.n_sentences}
