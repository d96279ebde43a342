"""The batch pipeline on a small real corpus split into several files."""

import json
import lzma
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import w2v
from pipelines import config as config_mod
from pipelines import runner
from tests.helpers import REPO
from w2v.errors import ConfigError, UserError

CONFIG = """
[corpus]
paths = ["shards/*.txt"]

[vocab]
min_count = 3

[train]
trainer = "{trainer}"
dim = {dim}
epochs = 2
workers = 1
seed = 7

[evaluate]
restrict = 10000

[export]
formats = {formats}
"""


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """The first 12,000 lines of the embedded corpus as four files."""
    d = tmp_path_factory.mktemp("corpus")
    with lzma.open(w2v.default_corpus(), "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(12_000)]
    (d / "shards").mkdir()
    for i in range(4):
        (d / "shards" / f"part{i}.txt").write_text("".join(lines[i * 3000 : (i + 1) * 3000]))
    return d


def write_config(base, name="w2v.toml", trainer="sgns", dim=16, formats='["word2vec"]'):
    path = base / name
    path.write_text(CONFIG.format(trainer=trainer, dim=dim, formats=formats))
    return config_mod.load(path)


def states(report):
    return {r.name: r.state for r in report}


@pytest.mark.slow
def test_full_run_then_nothing_to_do(shards, tmp_path):
    cfg = write_config(shards, formats='["word2vec", "parquet"]')
    run_dir = tmp_path / "run"
    lines = []
    report = runner.run(cfg, run_dir, echo=lines.append)
    assert states(report) == {
        s: "ran" for s in ("tokenize", "vocab", "encode", "train", "evaluate", "export")
    }
    for name in (
        "manifest.json",
        "vocab.parquet",
        "model/meta.json",
        "eval.json",
        "exports/vectors.txt",
        "exports/vectors.parquet",
        "counts/shard-00003.parquet",
    ):
        assert (run_dir / name).exists(), name
    vec = w2v.load(run_dir / "model")
    assert vec.meta["trainer"] == "sgns" and vec.dim == 16
    evaluation = json.loads((run_dir / "eval.json").read_text())
    assert 0 <= evaluation["analogies"]["accuracy"] <= 1
    assert set(evaluation["pairs"]) == {"wordsim353.tsv", "simlex999.txt"}
    assert any("train: done" in line for line in lines)

    lines.clear()
    again = runner.run(cfg, run_dir, echo=lines.append)
    assert set(states(again).values()) == {"skipped"}
    assert lines[-1] == "nothing to do: every step is up to date"
    assert {r.state for r in runner.status(cfg, run_dir) if r.state != "off"} == {"done"}


@pytest.mark.slow
def test_vocabulary_equals_build_vocab(shards, tmp_path):
    cfg = write_config(shards)
    runner.run(cfg, tmp_path / "run", echo=lambda s: None, from_step=None)
    ours = w2v.Vocab.load(tmp_path / "run" / "vocab.parquet")
    sentences = [s for f in cfg.corpus_files for s in w2v.iter_sentences(f)]
    reference = w2v.build_vocab(sentences, min_count=3)
    assert ours.words == reference.words
    np.testing.assert_array_equal(ours.counts, reference.counts)
    corpus = w2v.EncodedCorpus.load(tmp_path / "run" / "corpus")
    assert corpus.n_tokens == reference.total


@pytest.mark.slow
def test_changing_one_step_reruns_it_and_what_depends_on_it(shards, tmp_path):
    run_dir = tmp_path / "run"
    runner.run(write_config(shards, name="a.toml"), run_dir, echo=lambda s: None)
    report = runner.run(write_config(shards, name="a.toml", dim=12), run_dir, echo=lambda s: None)
    assert states(report) == {
        "tokenize": "skipped",
        "vocab": "skipped",
        "encode": "skipped",
        "train": "ran",
        "evaluate": "ran",
        "export": "ran",
    }
    assert w2v.load(run_dir / "model").dim == 12
    cfg = write_config(shards, name="a.toml", dim=12, formats='["word2vec-binary"]')
    status = {r.name: r.state for r in runner.status(cfg, run_dir)}
    assert status["export"] == "stale" and status["train"] == "done"
    report = runner.run(cfg, run_dir, echo=lambda s: None)
    assert [r.name for r in report if r.state == "ran"] == ["export"]
    assert (run_dir / "exports" / "vectors.bin").exists()
    assert not (run_dir / "exports" / "vectors.txt").exists()


@pytest.mark.slow
def test_a_run_killed_in_train_resumes_with_the_same_result(shards, tmp_path, monkeypatch):
    cfg = write_config(shards)
    runner.run(cfg, tmp_path / "whole", echo=lambda s: None)

    import pipelines.steps.train as train_step

    real = train_step.run

    def killed(inputs, outputs, config, progress=None):
        def stop(p):
            if p.epoch >= 1:  # in the second epoch
                raise KeyboardInterrupt

        return real(inputs, outputs, config, progress=stop)

    monkeypatch.setattr(train_step, "run", killed)
    with pytest.raises(KeyboardInterrupt):
        runner.run(cfg, tmp_path / "killed", echo=lambda s: None)
    assert not (tmp_path / "killed" / "model").exists()
    monkeypatch.setattr(train_step, "run", real)
    report = runner.run(cfg, tmp_path / "killed", echo=lambda s: None)
    assert [r.name for r in report if r.state == "ran"] == ["train", "evaluate", "export"]
    a = w2v.load(tmp_path / "whole" / "model")
    b = w2v.load(tmp_path / "killed" / "model")
    np.testing.assert_array_equal(a.vectors, b.vectors)


@pytest.mark.parametrize(
    "text,message",
    [
        ('[corpus]\npaths = ["shards/*.txt"]\n[trian]\ndim = 3\n', "unknown section [trian]"),
        ('[corpus]\npaths = ["shards/*.txt"]\n[train]\ndims = 3\n', "unknown key 'dims'"),
        ('[corpus]\npaths = ["shards/*.txt"]\n[train]\ndim = "big"\n', "[train] dim"),
        ('[corpus]\npaths = ["nothing/*.txt"]\n', "matches no corpus file"),
        ('[corpus]\npaths = ["shards/*.txt"]\n[train]\ntrainer = "glove"\n', "trainer"),
        ("[corpus\n", "not valid TOML"),
        ("[corpus]\npaths = [1]\n", "expected a list of strings"),
        ('[corpus]\npaths = ["shards/*.txt"]\n[evaluate]\npairs = [3]\n', "[evaluate] pairs"),
        ('[corpus]\npaths = ["shards/*.txt"]\n[vocab]\nmax_size = -3\n', "[vocab] max_size"),
        ('[corpus]\npaths = ["shards/*.txt"]\n[vocab]\nmin_count = 0\n', "[vocab] min_count"),
        ('[corpus]\npaths = ["shards/*.txt"]\n[train]\nepochs = 0\n', "epochs"),
        ('[corpus]\npaths = ["shards/*.txt"]\n[train]\ntrainer = "svd"\ndim = 0\n', "dim"),
    ],
)
def test_bad_configs_name_the_key(shards, text, message):
    path = shards / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as e:
        config_mod.load(path)
    assert message in str(e.value)


@pytest.mark.slow
def test_cli_init_run_status_and_errors(shards, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "w2v", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=300,
        )

    r = cli("pipeline", "init", *map(str, sorted((shards / "shards").iterdir())), "-o", "p.toml")
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "p.toml").read_text()
    assert "part3.txt" in text and "# " in text
    text = text.replace("epochs = 5", "epochs = 1").replace("dim = 100", "dim = 8")
    (tmp_path / "p.toml").write_text(text)
    r = cli("pipeline", "run", "p.toml", "--run-dir", "run")
    assert r.returncode == 0, r.stderr
    assert "[7/7]" not in r.stdout and "[6/6] export: done" in r.stdout
    r = cli("pipeline", "status", "run", "--json")
    assert r.returncode == 0, r.stderr
    rows = {row["name"]: row["state"] for row in json.loads(r.stdout)}
    assert rows == {
        "phrases": "off",
        "tokenize": "done",
        "vocab": "done",
        "encode": "done",
        "cooccur": "off",
        "train": "done",
        "evaluate": "done",
        "export": "done",
    }
    r = cli("pipeline", "run", "p.toml", "--run-dir", "run")
    assert "nothing to do" in r.stdout
    r = cli("pipeline", "run", "p.toml", "--run-dir", "run", "--from", "bogus")
    assert r.returncode == 2 and "unknown step 'bogus'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = cli("pipeline", "run", "missing.toml")
    assert r.returncode == 2 and "does not exist" in r.stderr
    for run_dir, message in (("p.toml", "is a file, not a directory"), ("p.toml/run", "p.toml")):
        r = cli("pipeline", "run", "p.toml", "--run-dir", run_dir)
        assert r.returncode == 2 and message in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


def test_init_expands_a_quoted_glob_as_run_does(tmp_path, monkeypatch, capsys):
    from tests.helpers import run_cli

    (tmp_path / "corpus").mkdir()
    for name in ("a.txt", "b.txt"):
        (tmp_path / "corpus" / name).write_text("a frog and a toad\n")
    (tmp_path / "conf").mkdir()
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsys, "pipeline", "init", "corpus/*.txt", "-o", "conf/w2v.toml")
    assert code == 0 and "for 2 corpus file(s)" in out
    assert 'paths = ["../corpus/*.txt"]' in (tmp_path / "conf" / "w2v.toml").read_text()
    cfg = config_mod.load(tmp_path / "conf" / "w2v.toml")
    assert [f.name for f in cfg.corpus_files] == ["a.txt", "b.txt"]
    for arg, message in (
        ("corpus/*.gz", "corpus glob 'corpus/*.gz' matches no corpus file"),
        ("missing.txt", "corpus file 'missing.txt' does not exist"),
    ):
        code, _, err = run_cli(capsys, "pipeline", "init", arg, "-o", "x.toml")
        assert code == 2 and err == f"w2v: error: {message}\n"
    assert not (tmp_path / "x.toml").exists()


@pytest.mark.slow
def test_svd_pipeline_counts_cooccurrences_and_writes_a_model(shards, tmp_path):
    cfg = write_config(shards, name="svd.toml", trainer="svd")
    report = runner.run(cfg, tmp_path / "run", echo=lambda s: None)
    assert states(report) == {
        s: "ran" for s in ("tokenize", "vocab", "encode", "cooccur", "train", "evaluate", "export")
    }
    vocab = w2v.Vocab.load(tmp_path / "run" / "vocab.parquet")
    from pipelines.steps.cooccur import read_matrix

    X = read_matrix(tmp_path / "run" / "cooccur.parquet", len(vocab))
    sentences = [s for f in cfg.corpus_files for s in w2v.iter_sentences(f)]
    _, reference = w2v.cooccurrence(sentences, window=5, min_count=3)
    assert (X != reference).nnz == 0
    vec = w2v.load(tmp_path / "run" / "model")
    assert vec.meta["trainer"] == "svd" and vec.dim == 16
    # fixed windows do not depend on the seed: a new seed does not recount
    path = shards / "svd.toml"
    path.write_text(path.read_text().replace("seed = 7", "seed = 8"))
    report = runner.run(config_mod.load(path), tmp_path / "run", echo=lambda s: None)
    assert states(report)["cooccur"] == "skipped" and states(report)["train"] == "ran"
    # a damaged manifest costs a rerun of every step, said once, and is written anew
    (tmp_path / "run" / "manifest.json").write_text('{"steps":5,"config":3}')
    said = []
    report = runner.run(config_mod.load(path), tmp_path / "run", echo=said.append)
    assert set(states(report).values()) == {"ran"}
    assert sum("is damaged (version None" in x and "every step reruns" in x for x in said) == 1
    report = runner.run(config_mod.load(path), tmp_path / "run", echo=said.append)
    assert set(states(report).values()) == {"skipped"}  # the new manifest records them all


class _Elsewhere:
    """An executor with another name whose steps all run here: what the runner sees of a
    Dask run, without a cluster."""

    identity = "elsewhere"


@pytest.mark.slow
def test_a_model_trained_by_another_executor_is_retrained(shards, tmp_path):
    cfg = write_config(shards)
    run_dir = tmp_path / "run"
    runner.run(cfg, run_dir, echo=lambda s: None)
    report = runner.run(cfg, run_dir, echo=lambda s: None, executor=_Elsewhere())
    # the counts, vocabulary and corpus are the same wherever they are made; the model is not
    # (evaluate and export then follow the model's content hash)
    first = {k: states(report)[k] for k in ("tokenize", "vocab", "encode", "train")}
    assert first == {"tokenize": "skipped", "vocab": "skipped", "encode": "skipped", "train": "ran"}
    record = json.loads((run_dir / "manifest.json").read_text())["steps"]["train"]
    assert record["executor"] == "elsewhere"
    again = runner.run(cfg, run_dir, echo=lambda s: None, executor=_Elsewhere())
    assert set(states(again).values()) == {"skipped"}
    back = runner.run(cfg, run_dir, echo=lambda s: None)
    assert states(back)["train"] == "ran" and states(back)["vocab"] == "skipped"


@pytest.mark.slow
def test_dask_settings_do_not_retrain_a_local_model(shards, tmp_path):
    cfg = write_config(shards, name="d.toml")
    run_dir = tmp_path / "run"
    runner.run(cfg, run_dir, echo=lambda s: None)
    path = shards / "d.toml"
    path.write_text(path.read_text() + "\n[dask]\nrounds_per_epoch = 8\nscale_alpha = false\n")
    again = runner.run(config_mod.load(path), run_dir, echo=lambda s: None)
    assert set(states(again).values()) == {"skipped"}
    # on a cluster they matter: a different identity retrains
    elsewhere = type("Dask", (), {"identity": "dask shards=2 rounds_per_epoch=8"})()
    report = runner.run(config_mod.load(path), run_dir, echo=lambda s: None, executor=elsewhere)
    assert states(report)["train"] == "ran"


def test_status_after_a_corpus_change_calls_every_later_step_stale(shards, tmp_path):
    import shutil

    shutil.copytree(shards / "shards", tmp_path / "shards")
    cfg = write_config(tmp_path)
    run_dir = tmp_path / "run"
    runner.run(cfg, run_dir, echo=lambda s: None)
    with open(tmp_path / "shards" / "part0.txt", "a") as f:
        f.write("a new line of the corpus\n")
    status = {r.name: r.state for r in runner.status(cfg, run_dir) if r.state != "off"}
    assert set(status.values()) == {"stale"}, status


MALFORMED_MANIFESTS = [
    ("[1]", "a JSON list"),
    ("{not json", "not JSON"),
    ("\xff\xfe", "not JSON"),
    ('{"steps":5,"config":3}', "version None"),
    ('{"version":1,"config":3,"hash_cache":{},"steps":{}}', "'config' is 3"),
    ('{"version":1,"config":null,"hash_cache":[],"steps":{}}', "'hash_cache'"),
    ('{"version":1,"config":null,"hash_cache":{},"steps":5}', "'steps' is 5"),
    ('{"version":1,"config":null,"hash_cache":{},"steps":{"vocab":{"fingerprint":1}}}', "'vocab'"),
    (
        '{"version":1,"config":"c.toml","hash_cache":{},'
        '"steps":{"vocab":{"fingerprint":"f","outputs":{"v":{"hash":"h"}}}}}',
        "'vocab' is malformed",
    ),
]


@pytest.mark.parametrize(("text", "damage"), MALFORMED_MANIFESTS)
def test_a_damaged_manifest_costs_a_rerun_not_a_traceback(tmp_path, capsys, text, damage):
    from pipelines.manifest import Manifest
    from w2v.cli import main

    (tmp_path / "manifest.json").write_bytes(text.encode("latin-1"))
    manifest = Manifest(tmp_path)
    assert manifest.steps == {} and manifest.config_path is None and manifest.hash_cache == {}
    assert damage in manifest.damage
    assert main(["pipeline", "status", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "manifest.json' is damaged: " in err and damage in err


def test_status_with_a_config_still_reports_a_damaged_manifest(tmp_path):
    from w2v.errors import UserError

    (tmp_path / "c.txt").write_text("a b c\n")
    (tmp_path / "c.toml").write_text('[corpus]\npaths = ["c.txt"]\n')
    cfg = config_mod.load(tmp_path / "c.toml")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "manifest.json").write_text('{"steps":5,"config":3}')
    with pytest.raises(UserError, match="is damaged: version None"):
        runner.status(cfg, tmp_path / "run")


def test_a_file_the_config_names_is_checked_before_any_step_runs(tmp_path):
    (tmp_path / "c.txt").write_text("a b c\n")
    (tmp_path / "pairs").mkdir()
    run_dir = tmp_path / "run"
    for evaluate, message in (
        ('analogies = "nope.txt"', "[evaluate] analogies: '" + str(tmp_path / "nope.txt")),
        ('pairs = ["default", "pairs"]', "[evaluate] pairs: '" + str(tmp_path / "pairs")),
    ):
        (tmp_path / "c.toml").write_text(f'[corpus]\npaths = ["c.txt"]\n[evaluate]\n{evaluate}\n')
        cfg = config_mod.load(tmp_path / "c.toml")
        with pytest.raises(ConfigError, match=re.escape(message)):
            runner.run(cfg, run_dir, echo=print)
        assert not run_dir.exists()
    (tmp_path / "c.txt").unlink()  # a corpus file removed after the config was loaded
    with pytest.raises(ConfigError, match=r"\[corpus\] paths: .*c.txt' does not exist"):
        runner.run(cfg, run_dir, echo=print)


def test_a_directory_given_as_the_config_is_named_as_such(tmp_path):
    with pytest.raises(ConfigError, match="is a directory"):
        config_mod.load(tmp_path)


def tree_hashes(root) -> dict[str, str]:
    """Every file under `root` (hidden ones too) and the blake2b of its bytes."""
    import hashlib

    return {
        str(p.relative_to(root)): hashlib.blake2b(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_a_run_never_replaces_a_users_folder(shards, tmp_path):
    """`w2v pipeline init corpus && w2v pipeline run w2v.toml --run-dir .` deleted the
    user's corpus/ (its text files replaced by ids.npy and offsets.npy)."""
    (tmp_path / "corpus").mkdir()
    for i in range(2):
        text = (shards / "shards" / f"part{i}.txt").read_text()
        (tmp_path / "corpus" / f"{'ab'[i]}.txt").write_text(text)
    (tmp_path / "w2v.toml").write_text(CONFIG.format(trainer="sgns", dim=8, formats="[]"))
    text = (tmp_path / "w2v.toml").read_text().replace('"shards/*.txt"', '"corpus"')
    (tmp_path / "w2v.toml").write_text(text)
    cfg = config_mod.load(tmp_path / "w2v.toml")
    before = tree_hashes(tmp_path)
    with pytest.raises(UserError, match="holds files w2v did not write .it holds 'w2v.toml'"):
        runner.run(cfg, tmp_path, echo=lambda s: None)
    assert tree_hashes(tmp_path) == before
    # the same with only the user's folder in the run directory: the folder is not marked
    outside = tmp_path.parent / f"{tmp_path.name}.toml"
    outside.write_text(text.replace('"corpus"', f'"{tmp_path.name}/corpus"'))
    (tmp_path / "w2v.toml").unlink()
    cfg = config_mod.load(outside)
    before = tree_hashes(tmp_path)
    with pytest.raises(UserError, match="holds files w2v did not write .it has no '.w2v'"):
        runner.run(cfg, tmp_path, echo=lambda s: None)
    assert tree_hashes(tmp_path) == before


@pytest.mark.slow
def test_each_folder_a_run_writes_is_marked_and_a_marked_run_dir_is_reused(shards, tmp_path):
    cfg = write_config(shards, formats='["word2vec"]')
    run_dir = tmp_path / "run"
    runner.run(cfg, run_dir, echo=lambda s: None)
    for folder in ("counts", "corpus", "exports"):
        assert (run_dir / folder / ".w2v").is_file(), folder
    assert (run_dir / ".w2v").is_file()
    report = runner.run(cfg, run_dir, force=True, echo=lambda s: None)
    assert {r.state for r in report} == {"ran"}


def test_a_second_run_on_the_same_directory_refuses_naming_the_lock(shards, tmp_path):
    cfg = write_config(shards)
    run_dir = tmp_path / "run"
    with runner.claimed(cfg, run_dir):
        with pytest.raises(UserError, match=r"in use by another `w2v pipeline run` .*\.w2v'"):
            runner.run(cfg, run_dir, echo=lambda s: None)
        holder = subprocess.run(  # another process, as a second `w2v pipeline run` is
            [sys.executable, "-c", LOCK_PROBE, str(run_dir / ".w2v")], capture_output=True
        )
        assert holder.returncode == 1, holder.stderr
    assert not (run_dir / "manifest.json").exists()  # the refused run did nothing
    runner.run(cfg, run_dir, echo=lambda s: None)  # released on leaving


LOCK_PROBE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    sys.exit(1)
"""
