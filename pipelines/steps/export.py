"""export: model/ → exports/ in the formats of the [export] section."""

from __future__ import annotations

from pathlib import Path

from w2v.io.atomic import STEP_DIR, atomic_dir

NAME = "export"
FILENAMES = {
    "word2vec": "vectors.txt",
    "word2vec-binary": "vectors.bin",
    "fasttext-vec": "vectors.vec",
    "parquet": "vectors.parquet",
    "projector": "projector",
}


def enabled(cfg) -> bool:
    return bool(cfg["export"]["formats"])


def settings(cfg) -> dict:
    return {"formats": sorted(set(cfg["export"]["formats"]))}


def inputs(cfg, run_dir: Path) -> dict[str, Path]:
    return {"model": run_dir / "model"}


def outputs(cfg, run_dir: Path) -> dict[str, Path]:
    return {"exports": run_dir / "exports"}


def run(inputs: dict[str, Path], outputs: dict[str, Path], config: dict) -> dict:
    from w2v.io.formats import export
    from w2v.vectors import load

    vec = load(inputs["model"])
    with atomic_dir(outputs["exports"], STEP_DIR, force=True) as tmp:
        for fmt in config["formats"]:
            export(vec, fmt, tmp / FILENAMES[fmt])
    return {"vectors": len(vec), "formats": len(config["formats"])}
