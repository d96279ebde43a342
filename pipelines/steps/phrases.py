"""phrases ([phrases] enabled): corpus files → phrases.parquet, the phrases found in them
(w2v.phrases, gensim's Phrases). tokenize and encode then read the corpus with them joined
as it streams by (`joining`, `model_of`): no joined copy of the corpus is written."""

from __future__ import annotations

from pathlib import Path

NAME = "phrases"
OUTPUT = "phrases.parquet"


def enabled(cfg) -> bool:
    return cfg["phrases"]["enabled"]


def settings(cfg) -> dict:
    found = {k: v for k, v in cfg["phrases"].items() if k != "enabled"}
    return {**found, "lower": cfg["corpus"]["lower"], "punct": cfg["corpus"]["punct"]}


def inputs(cfg, run_dir: Path) -> dict[str, Path]:
    return {f"corpus:{i}": p for i, p in enumerate(cfg.corpus_files)}


def outputs(cfg, run_dir: Path) -> dict[str, Path]:
    return {"phrases": run_dir / OUTPUT}


def run(inputs: dict[str, Path], outputs: dict[str, Path], config: dict) -> dict:
    from w2v.collocations import phrases

    files = [p for k, p in inputs.items() if k.startswith("corpus:")]
    found = {k: v for k, v in config.items() if k not in ("lower", "punct")}
    model = phrases(files, lower=config["lower"], punct=config["punct"], **found)
    model.save(outputs["phrases"], force=True)
    return {
        "phrases": len(model),
        "tokens": model.stats[0]["words"],
        "per_pass": [s["phrases"] for s in model.stats],
    }


def joining(cfg, run_dir: Path) -> dict[str, Path]:
    """The input that a step reading the corpus adds when phrases are on."""
    return {"phrases": run_dir / OUTPUT} if enabled(cfg) else {}


def model_of(inputs: dict[str, Path]):
    """The PhraseModel a step reading the corpus joins (None when phrases are off)."""
    if "phrases" not in inputs:
        return None
    from w2v.collocations import PhraseModel

    return PhraseModel.load(inputs["phrases"])
