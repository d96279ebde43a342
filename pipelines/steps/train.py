"""train: encoded corpus (sgns, cbow) or co-occurrence counts (svd) → model/ (a model directory).

sgns and cbow checkpoint into the run directory (.model.checkpoint, w2v.checkpoint): a run
killed during this step continues from there when it is run again."""

from __future__ import annotations

from pathlib import Path

from w2v.checkpoint import DEFAULT_EVERY
from w2v.corpus import EncodedCorpus
from w2v.vocab import Vocab

NAME = "train"
CHECKPOINT_EVERY = DEFAULT_EVERY  # sgns/cbow write run_dir/.model.checkpoint this often
_SGNS_KEYS = (
    "dim", "window", "negative", "sample", "epochs", "alpha", "schedule", "workers", "seed",
    "subwords", "buckets",
)  # fmt: skip
_SVD_KEYS = ("dim", "cds", "eig", "neg")


def enabled(cfg) -> bool:
    return True


def depends_on_executor(cfg) -> bool:
    """A sgns/cbow model trained on a Dask cluster (data-parallel rounds) is not the one the
    local runner (Hogwild threads) trains from the same settings; an svd model is. The
    executor's identity (for Dask: shards, rounds per epoch, scale_alpha) is recorded and
    compared by the runner, so the [dask] keys do not retrain a local model."""
    return cfg["train"]["trainer"] != "svd"


def settings(cfg) -> dict:
    t = cfg["train"]
    keys = _SVD_KEYS if t["trainer"] == "svd" else _SGNS_KEYS
    out = {"trainer": t["trainer"], **{k: t[k] for k in keys}}
    if not out.get("subwords"):  # off: the settings (and fingerprints) of before subwords
        out.pop("subwords", None)
        out.pop("buckets", None)
    if t["trainer"] == "svd":  # the counting options are recorded in the model's meta
        out.update({k: cfg["cooccur"][k] for k in ("window", "weighting", "dynamic")})
        out["seed"] = t["seed"]
    out["min_count"] = cfg["vocab"]["min_count"]
    return out


def inputs(cfg, run_dir: Path) -> dict[str, Path]:
    if cfg.trainer == "svd":
        return {"cooccur": run_dir / "cooccur.parquet", "vocab": run_dir / "vocab.parquet"}
    return {"corpus": run_dir / "corpus", "vocab": run_dir / "vocab.parquet"}


def outputs(cfg, run_dir: Path) -> dict[str, Path]:
    return {"model": run_dir / "model"}


def train_config(config: dict):
    """The library's TrainConfig for these settings (0 means the library's default)."""
    from w2v.config import TrainConfig

    kw = {k: config[k] for k in _SGNS_KEYS if k in config}
    if not kw.get("alpha"):
        kw.pop("alpha", None)
    if not kw.get("workers"):
        kw.pop("workers", None)
    if not kw.get("subwords"):  # "" is off
        kw.pop("subwords", None)
    return TrainConfig(arch=config["trainer"], min_count=config["min_count"], **kw)


def lsa_config(config: dict):
    """The library's LsaConfig for these (svd) settings."""
    from w2v.ppmi_svd import LsaConfig

    return LsaConfig(
        dim=config["dim"],
        window=config["window"],
        min_count=config["min_count"],
        cds=config["cds"],
        eig=config["eig"],
        neg=float(config["neg"]),
        weighting=config["weighting"],
        dynamic=config["dynamic"],
        seed=config["seed"],
    )


def check(cfg) -> None:
    """ConfigError now, naming the key, for a [train] value the trainer would refuse later."""
    config = settings(cfg)
    if config["trainer"] == "svd" and cfg["train"]["subwords"]:
        from w2v.errors import ConfigError

        raise ConfigError("[train] subwords needs trainer sgns or cbow, not svd")
    lsa_config(config) if config["trainer"] == "svd" else train_config(config)


def run(inputs: dict[str, Path], outputs: dict[str, Path], config: dict, progress=None) -> dict:
    vocab = Vocab.load(inputs["vocab"])
    if config["trainer"] == "svd":
        from pipelines.steps.cooccur import read_matrix
        from w2v.ppmi_svd import LSA

        X = read_matrix(inputs["cooccur"], len(vocab))
        vectors = LSA(lsa_config(config)).fit_counts(vocab, X).vectors_
        vectors.save(outputs["model"], force=True)
        return {"words": len(vocab), "dim": config["dim"]}
    from w2v.checkpoint import checkpoint_path, parse_every, train_resumable

    corpus = EncodedCorpus.load(inputs["corpus"])
    # A run killed in this step left a checkpoint beside the model: continue from it, unless
    # it belongs to other settings or another corpus (the step is rerun: start afresh).
    model = train_resumable(
        corpus, vocab, train_config(config), checkpoint_path(outputs["model"]),
        parse_every(CHECKPOINT_EVERY), resume=True, restart_on_mismatch=True, progress=progress,
    )  # fmt: skip
    model.save(outputs["model"], force=True)  # and removes the checkpoint
    return {
        "words": len(vocab),
        "tokens": corpus.n_tokens,
        "loss": [None if x is None else round(x, 5) for x in model.loss_history],
    }
