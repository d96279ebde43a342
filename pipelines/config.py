"""The pipeline's TOML file: sections, their keys and defaults, validated with errors that
name the offending key."""

from __future__ import annotations

import glob
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from w2v.config import PhrasesConfig, TrainConfig, settings
from w2v.errors import ConfigError
from w2v.io.compressed import COMPRESSED
from w2v.io.formats import EXPORT_FORMATS

TRAINERS = ("sgns", "cbow", "svd")
CORPUS_SUFFIXES = (".txt", *COMPRESSED)

_TRAIN = {name: default for name, (_, default, _) in settings(TrainConfig).items()}
_PHRASES = {name: default for name, (_, default, _) in settings(PhrasesConfig).items()}

# section → key → default. A key not listed here is an error. The sgns/cbow keys take their
# defaults from TrainConfig (alpha and workers 0: the library's default), [phrases] from
# PhrasesConfig.
DEFAULTS: dict[str, dict] = {
    "corpus": {"paths": [], "lower": _TRAIN["lower"], "punct": _TRAIN["punct"]},
    "phrases": {"enabled": False, **_PHRASES},
    "vocab": {"min_count": _TRAIN["min_count"], "max_size": 0},
    "cooccur": {"window": 5, "weighting": "uniform", "dynamic": False},
    "train": {
        "trainer": _TRAIN["arch"],
        **{k: _TRAIN[k] for k in ("dim", "window", "negative", "sample", "epochs")},
        "alpha": 0.0,
        "schedule": _TRAIN["schedule"],
        "workers": 0,
        "seed": _TRAIN["seed"],
        "subwords": "",  # MINN-MAXN, e.g. "3-6"; "" is off (TOML has no null)
        "buckets": _TRAIN["buckets"],
        "cds": 0.75,
        "eig": 0.5,
        "neg": 1,
    },
    "evaluate": {"analogies": "default", "pairs": ["default"], "restrict": 30000},
    "export": {"formats": ["word2vec"]},
    "run": {"dir": "runs/w2v"},
    # Used only on a Dask cluster (w2v pipeline run --dask / --local-cluster).
    "dask": {"rounds_per_epoch": 4, "shards": 0, "scale_alpha": True, "split_mb": 64.0},
}


@dataclass(frozen=True)
class PipelineConfig:
    """A validated pipeline description; `sections` hold every key, defaults filled in."""

    path: Path
    sections: dict[str, dict]
    corpus_files: tuple[Path, ...]

    def __getitem__(self, section: str) -> dict:
        return self.sections[section]

    @property
    def trainer(self) -> str:
        return self.sections["train"]["trainer"]


def _check_type(section: str, key: str, value, default) -> None:
    expected = type(default)
    ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    if not ok:
        raise ConfigError(f"[{section}] {key} = {value!r}: expected {expected.__name__}")
    if expected is list and not all(isinstance(v, str) for v in value):
        raise ConfigError(f"[{section}] {key} = {value!r}: expected a list of strings")


def parse(data: dict, path: Path) -> PipelineConfig:
    """Validate a parsed TOML document against DEFAULTS and resolve the corpus files."""
    sections: dict[str, dict] = {}
    for name in data:
        if name not in DEFAULTS:
            raise ConfigError(f"{path}: unknown section [{name}] (known: {', '.join(DEFAULTS)})")
        if not isinstance(data[name], dict):
            raise ConfigError(f"{path}: {name} must be a [section]")
    for name, defaults in DEFAULTS.items():
        given = data.get(name, {})
        for key in given:
            if key not in defaults:
                raise ConfigError(
                    f"{path}: unknown key {key!r} in [{name}] (known: {', '.join(defaults)})"
                )
        section = {**defaults, **given}
        for key, value in given.items():
            _check_type(name, key, value, defaults[key])
        sections[name] = section
    train = sections["train"]
    if train["trainer"] not in TRAINERS:
        raise ConfigError(f"[train] trainer = {train['trainer']!r}: use one of {TRAINERS}")
    for fmt in sections["export"]["formats"]:
        if fmt not in EXPORT_FORMATS:
            raise ConfigError(f"[export] formats: unknown format {fmt!r} (use {EXPORT_FORMATS})")
    if sections["cooccur"]["weighting"] not in ("uniform", "harmonic"):
        raise ConfigError("[cooccur] weighting must be 'uniform' or 'harmonic'")
    d = sections["dask"]
    for key, low in (("rounds_per_epoch", 1), ("shards", 0)):
        if d[key] < low:
            raise ConfigError(f"[dask] {key} = {d[key]}: must be at least {low}")
    if not d["split_mb"] > 0:
        raise ConfigError(f"[dask] split_mb = {d['split_mb']}: must be positive")
    v = sections["vocab"]
    for key, low in (("min_count", 1), ("max_size", 0)):
        if v[key] < low:
            raise ConfigError(f"[vocab] {key} = {v[key]}: must be at least {low}")
    found = {k: v for k, v in sections["phrases"].items() if k != "enabled"}
    try:
        PhrasesConfig(**found)
    except ConfigError as e:
        raise ConfigError(f"{path}: [phrases] {e}") from None
    files = resolve_corpus(sections["corpus"]["paths"], path.parent)
    config = PipelineConfig(path, sections, tuple(files))
    from pipelines.steps import train  # imports the library; the steps import this module

    try:
        train.check(config)
    except ConfigError as e:
        raise ConfigError(f"{path}: [train] {e}") from None
    return config


def resolve_corpus(patterns: list[str], base: Path) -> list[Path]:
    """Files named by the [corpus] paths: files, directories (their corpus files, sorted)
    and globs, relative to the config file's directory."""
    if not patterns:
        raise ConfigError("[corpus] paths is empty: name at least one corpus file")
    files: list[Path] = []
    for pattern in patterns:
        p = Path(os.path.expanduser(pattern))
        p = p if p.is_absolute() else base / p
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.is_file() and q.suffix in CORPUS_SUFFIXES)
        elif p.exists():
            found = [p]
        else:
            found = sorted(Path(q) for q in glob.glob(str(p)) if Path(q).is_file())
        if not found:
            raise ConfigError(f"[corpus] paths: {pattern!r} matches no corpus file")
        files.extend(found)
    return files


def load(path: str | os.PathLike) -> PipelineConfig:
    path = Path(path)
    if not path.is_file():
        what = "is a directory, not a TOML file" if path.is_dir() else "does not exist"
        raise ConfigError(f"pipeline config {str(path)!r} {what}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from e
    return parse(data, path)
