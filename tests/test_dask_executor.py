"""The pipeline's steps on a LocalCluster of two worker processes: the same artifacts as the
single-machine runner, and the same again when a worker is killed in the middle of a step."""

import json
import lzma

import numpy as np
import pytest

import w2v
from pipelines import config as config_mod
from pipelines import runner
from pipelines.dask.cluster import check_workers
from pipelines.dask.executor import DaskExecutor
from pipelines.manifest import Manifest
from pipelines.steps import encode, tokenize, vocab
from tests.dask_faults import KillOnce, local_cluster
from w2v.corpus import EncodedCorpus
from w2v.errors import UserError
from w2v.io.arrow import read_vocab_parquet

CONFIG = """
[corpus]
paths = ["shards/*.txt"]
[vocab]
min_count = 3
[train]
trainer = "sgns"
dim = 16
epochs = 1
seed = 3
[export]
formats = []
[dask]
rounds_per_epoch = 2
shards = 2        # not 0 (one per worker): a worker may still be restarting
split_mb = 0.4
"""


@pytest.fixture(scope="module")
def client():
    from distributed import Client

    with local_cluster() as cluster, Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def cfg(tmp_path_factory):
    """The first 20,000 lines of the embedded corpus as four files, the last one (0.6 MB)
    split in two byte ranges by split_mb."""
    d = tmp_path_factory.mktemp("corpus")
    with lzma.open(w2v.default_corpus(), "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(20_000)]
    (d / "shards").mkdir()
    cuts = [0, 4_000, 8_000, 12_000, 20_000]
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


@pytest.mark.slow
def test_vocabulary_and_corpus_identical_to_the_single_machine_run(cfg, dask_run, tmp_path):
    for step in (tokenize, vocab, encode):  # the single-machine steps, same config
        step.run(step.inputs(cfg, tmp_path), step.outputs(cfg, tmp_path), step.settings(cfg))
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
    assert steps["tokenize"]["stats"]["tokens"] == sum(
        tokenize.read_shard_stats(p)["tokens"]
        for p in (tmp_path / "counts").glob("shard-*.parquet")
    )
    assert len(steps["train"]["stats"]["worker_peak_mb"]) == 2
    vec = w2v.load(dask_run / "model")
    assert vec.meta["dask"]["shards"] == 2 and vec.meta["dask"]["rounds"] == 2


def test_phrases_joined_by_the_tasks_as_by_the_single_machine_steps(client, cfg, tmp_path):
    """The tokenize and encode tasks load phrases.parquet and join each shard, byte ranges
    included, as the local steps join whole files."""
    from pipelines.steps import phrases

    text = cfg.path.read_text().replace("[vocab]", "[phrases]\nenabled = true\npasses = 2\n[vocab]")
    (cfg.path.parent / "phrases.toml").write_text(text)
    with_phrases = config_mod.load(cfg.path.parent / "phrases.toml")
    run_dask(client, with_phrases, tmp_path / "dask")
    for step in (phrases, tokenize, vocab, encode):
        ins, outs = step.inputs(with_phrases, tmp_path), step.outputs(with_phrases, tmp_path)
        step.run(ins, outs, step.settings(with_phrases))
    names = ["phrases.parquet", "vocab.parquet", "corpus"]
    assert hashes(tmp_path / "dask", names) == hashes(tmp_path, names)
    words = read_vocab_parquet(tmp_path / "vocab.parquet")[0]
    assert any("_" in w for w in words[:300])


KILLED = ("count_task", "encode_task", "train_part")


@pytest.mark.slow
def test_workers_killed_mid_step_change_nothing(client, cfg, dask_run, tmp_path):
    """One worker dies in the middle of a tokenize task, one in encode, one in a training
    round; Dask retries each task on a live worker and the artifacts are the same."""
    for function in KILLED:
        client.register_plugin(KillOnce(function, str(tmp_path / function)), name=function)
    try:
        run_dask(client, cfg, tmp_path / "run")
    finally:
        for function in KILLED:
            client.unregister_worker_plugin(function)
    assert all((tmp_path / f).exists() for f in KILLED)  # each killed a worker mid-task
    assert hashes(tmp_path / "run") == hashes(dask_run)
    client.wait_for_workers(2, timeout=60)


@pytest.mark.slow
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
    assert (tmp_path / "dask.parquet").read_bytes() == (tmp_path / "local.parquet").read_bytes()


@pytest.mark.slow
def test_workers_that_cannot_see_the_files_or_run_another_w2v_are_user_errors(
    client, tmp_path, monkeypatch
):
    executor = DaskExecutor(client, {"split_mb": 64.0}, echo=lambda s: None)
    settings = {"lower": True, "punct": False}
    with pytest.raises(UserError, match="storage every worker shares"):
        executor.tokenize(
            {"corpus:0": tmp_path / "absent.txt"}, {"counts": tmp_path / "c"}, settings
        )
    monkeypatch.setattr(w2v, "__version__", "0.0.0-client")  # the workers keep theirs
    with pytest.raises(UserError, match=r"runs w2v .*, this process w2v 0\.0\.0-client"):
        check_workers(client)


class _TwoWorkers:
    """As much of a distributed.Client as DaskExecutor.identity needs."""

    def run(self, fn, on_error=None):
        return {}

    def nthreads(self):
        return {"tcp://a": 1, "tcp://b": 1}


def test_the_identity_follows_every_setting_a_model_depends_on():
    base = {"rounds_per_epoch": 4, "shards": 0, "scale_alpha": True}
    identity = DaskExecutor(_TwoWorkers(), base, echo=print).identity
    assert identity == "dask shards=2 rounds_per_epoch=4 scale_alpha=true"
    for change in ({"rounds_per_epoch": 8}, {"shards": 3}, {"scale_alpha": False}):
        other = DaskExecutor(_TwoWorkers(), {**base, **change}, echo=print).identity
        assert other != identity, change
    explicit = DaskExecutor(_TwoWorkers(), {**base, "shards": 2}, echo=print).identity
    assert explicit == identity  # 0 shards means one per worker: the same training
