"""encode: corpus files + vocab.parquet → corpus/ids.npy, corpus/offsets.npy."""

from __future__ import annotations

from pathlib import Path

from pipelines.steps import phrases as phrases_step
from w2v.corpus import encode_files
from w2v.vocab import Vocab

NAME = "encode"


def enabled(cfg) -> bool:
    return True


def settings(cfg) -> dict:
    c = cfg["corpus"]
    return {"lower": c["lower"], "punct": c["punct"], "phrases": phrases_step.enabled(cfg)}


def inputs(cfg, run_dir: Path) -> dict[str, Path]:
    files = {f"corpus:{i}": p for i, p in enumerate(cfg.corpus_files)}
    return {**files, "vocab": run_dir / "vocab.parquet", **phrases_step.joining(cfg, run_dir)}


def outputs(cfg, run_dir: Path) -> dict[str, Path]:
    return {"corpus": run_dir / "corpus"}


def run(inputs: dict[str, Path], outputs: dict[str, Path], config: dict) -> dict:
    vocab = Vocab.load(inputs["vocab"])
    files = [p for k, p in inputs.items() if k.startswith("corpus:")]
    phrases = phrases_step.model_of(inputs)
    corpus = encode_files(
        files, vocab, outputs["corpus"], config["lower"], config["punct"], phrases=phrases
    )
    return {"tokens": corpus.n_tokens, "sentences": corpus.n_sentences}
