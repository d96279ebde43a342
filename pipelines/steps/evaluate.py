"""evaluate: model/ → eval.json (analogy accuracy and word-pair correlations)."""

from __future__ import annotations

from pathlib import Path

from w2v.io.atomic import write_json

NAME = "evaluate"


def enabled(cfg) -> bool:
    return True


def settings(cfg) -> dict:
    from w2v.evaluate import PAIRS, data_path

    base = cfg.path.parent
    e = cfg["evaluate"]
    analogies = None if e["analogies"] == "default" else str(_abs(e["analogies"], base))
    pairs = []
    for name in e["pairs"]:
        if name == "default":
            pairs.extend(str(data_path(n)) for n in PAIRS)
        else:
            pairs.append(str(_abs(name, base)))
    return {"analogies": analogies, "pairs": pairs, "restrict": e["restrict"]}


def _abs(name: str, base: Path) -> Path:
    p = Path(name).expanduser()
    return p if p.is_absolute() else (base / p).resolve()


def inputs(cfg, run_dir: Path) -> dict[str, Path]:
    s = settings(cfg)
    files = {f"pairs:{i}": Path(p) for i, p in enumerate(s["pairs"])}
    if s["analogies"]:
        files["analogies"] = Path(s["analogies"])
    return {"model": run_dir / "model", **files}


def outputs(cfg, run_dir: Path) -> dict[str, Path]:
    return {"eval": run_dir / "eval.json"}


def run(inputs: dict[str, Path], outputs: dict[str, Path], config: dict) -> dict:
    from w2v.evaluate import evaluate_analogies, evaluate_pairs
    from w2v.vectors import load

    vec = load(inputs["model"])
    analogies = evaluate_analogies(vec, config["analogies"], restrict=config["restrict"])
    pairs = {Path(p).name: evaluate_pairs(vec, p) for p in config["pairs"]}
    write_json(outputs["eval"], {"analogies": analogies, "pairs": pairs})
    facts = {"analogy_accuracy": round(analogies["accuracy"], 4)}
    facts.update({f"{name}_spearman": round(r["spearman"], 4) for name, r in pairs.items()})
    return facts
