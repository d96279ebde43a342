"""The pipeline's steps on a LocalCluster of two worker processes: the same artifacts as the
single-machine runner, and the same again when a worker is killed in the middle of a step."""

import json
import lzma

import numpy as np
import pytest

pytest.importorskip("distributed", reason="the optional extra w2v[dask] is not installed")

import w2v  # noqa: E402
from pipelines import config as config_mod  # noqa: E402
from pipelines import runner  # noqa: E402
from pipelines.dask.executor import DaskExecutor  # noqa: E402
from pipelines.manifest import Manifest  # noqa: E402
from tests.dask_faults import KillOnce, local_cluster  # noqa: E402
from w2v.corpus import EncodedCorpus  # noqa: E402
from w2v.io import read_vocab_parquet  # noqa: E402

CONFIG = """
[corpus]
paths = ["shards/*.txt"]
[vocab]
min_count = 3
[train]
trainer = "sgns"
dim = 16
epochs = 2
seed = 3
[export]
formats = []
[dask]
rounds_per_epoch = 2
shards = 2        # not 0 (one per worker): a worker may still be restarting
split_mb = 1
"""


@pytest.fixture(scope="module")
def client():
    from distributed import Client

    with local_cluster() as cluster, Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def cfg(tmp_path_factory):
    """The first 40,000 lines of the embedded corpus as four files, the last one split in
    two byte ranges by split_mb = 1."""
    d = tmp_path_factory.mktemp("corpus")
    with lzma.open(w2v.default_corpus(), "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(40_000)]
    (d / "shards").mkdir()
    cuts = [0, 8_000, 16_000, 24_000, 40_000]
    for i in range(4):
        (d / "shards" / f"part{i}.txt").write_text("".join(lines[cuts[i] : cuts[i + 1]]))
    (d / "w2v.toml").write_text(CONFIG)
    return config_mod.load(d / "w2v.toml")


def run_dask(client, cfg, run_dir):
    executor = DaskExecutor(client, cfg["dask"], echo=lambda s: None)
    return runner.run(cfg, run_dir, echo=lambda s: None, executor=executor)


@pytest.fixture(scope="module")
def dask_run(client, cfg, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("dask-run")
    report = run_dask(client, cfg, run_dir)
    assert [r.state for r in report] == ["ran"] * 5  # tokenize vocab encode train evaluate
    return run_dir


# model/meta.json records the training time: the weights are what must not change
ARTIFACTS = ("counts", "vocab.parquet", "corpus", "model/vectors.npy", "model/contexts.npy")


def hashes(run_dir, names=ARTIFACTS):
    m = Manifest(run_dir)
    return {name: m.content_hash(run_dir / name) for name in names}


def test_vocabulary_and_corpus_identical_to_the_single_machine_run(cfg, dask_run, tmp_path):
    runner.run(cfg, tmp_path, echo=lambda s: None)  # the local runner, same config
    words, counts = read_vocab_parquet(dask_run / "vocab.parquet")
    local_words, local_counts = read_vocab_parquet(tmp_path / "vocab.parquet")
    assert words == local_words
    np.testing.assert_array_equal(counts, local_counts)
    assert hashes(dask_run, ["vocab.parquet"]) == hashes(tmp_path, ["vocab.parquet"])
    corpus, local = EncodedCorpus.load(dask_run / "corpus"), EncodedCorpus.load(tmp_path / "corpus")
    np.testing.assert_array_equal(corpus.ids, local.ids)
    np.testing.assert_array_equal(corpus.offsets, local.offsets)
    steps = json.loads((dask_run / "manifest.json").read_text())["steps"]
    assert steps["tokenize"]["stats"]["shards"] == 5  # part3 is split in two byte ranges
    local_steps = json.loads((tmp_path / "manifest.json").read_text())["steps"]
    for key in ("tokens", "lines"):
        assert steps["tokenize"]["stats"][key] == local_steps["tokenize"]["stats"][key]
    assert len(steps["train"]["stats"]["worker_peak_mb"]) == 2
    vec = w2v.load(dask_run / "model")
    assert vec.meta["dask"]["shards"] == 2 and vec.meta["dask"]["rounds"] == 4


@pytest.mark.parametrize("function", ["count_task", "encode_task", "train_part"])
def test_a_worker_killed_mid_step_changes_nothing(client, cfg, dask_run, tmp_path, function):
    marker = tmp_path / "killed"
    client.register_plugin(KillOnce(function, str(marker)), name="kill-once")
    try:
        run_dask(client, cfg, tmp_path / "run")
    finally:
        client.unregister_worker_plugin("kill-once")
    assert marker.exists()  # a worker did die in the middle of the step
    assert hashes(tmp_path / "run") == hashes(dask_run)
    client.wait_for_workers(2, timeout=60)


@pytest.mark.parametrize("weighting, dynamic", [("uniform", False), ("harmonic", True)])
def test_cooccurrence_counts_identical_to_the_single_machine_step(
    client, dask_run, tmp_path, weighting, dynamic
):
    from pipelines.steps import cooccur

    settings = {"window": 4, "weighting": weighting, "dynamic": dynamic, "seed": 5}
    inputs = {"corpus": dask_run / "corpus", "vocab": dask_run / "vocab.parquet"}
    local = {"cooccur": tmp_path / "local.parquet"}
    cooccur.run(inputs, local, settings)
    executor = DaskExecutor(client, {"shards": 3}, echo=lambda s: None)
    stats = executor.cooccur(inputs, {"cooccur": tmp_path / "dask.parquet"}, settings)
    assert stats["shards"] == 3
    n = len(read_vocab_parquet(inputs["vocab"])[0])
    X, X_local = (cooccur.read_matrix(tmp_path / f, n) for f in ("dask.parquet", "local.parquet"))
    assert (X != X_local).nnz == 0 and X.nnz == X_local.nnz
    assert Manifest(tmp_path).content_hash(tmp_path / "dask.parquet") == Manifest(
        tmp_path
    ).content_hash(tmp_path / "local.parquet")
