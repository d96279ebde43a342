"""`w2v pipeline run --dask / --local-cluster`: connecting, and the errors a user can cause."""

import lzma
import sys

import pytest

pytest.importorskip("distributed", reason="the optional extra w2v[dask] is not installed")

import w2v
from pipelines.dask import cluster
from w2v.cli import main
from w2v.errors import UserError

CONFIG = """
[corpus]
paths = ["part*.txt"]
[vocab]
min_count = 3
[train]
dim = 8
epochs = 1
[export]
formats = []
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    with lzma.open(w2v.default_corpus(), "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(3_000)]
    (d / "part0.txt").write_text("".join(lines[:1500]))
    (d / "part1.txt").write_text("".join(lines[1500:]))
    (d / "w2v.toml").write_text(CONFIG)
    return d / "w2v.toml"


def test_without_the_extra_the_options_exit_2_naming_it(config, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(UserError, match=r"w2v\[dask\]"):
        with cluster.connect(local_workers=2):
            pass
    assert main(["pipeline", "run", str(config), "--local-cluster", "2"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'w2v[dask]'" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dask", "tcp://127.0.0.1:1", "--local-cluster", "2"], "not both"),
        (["--local-cluster", "0"], "0"),
    ],
)
def test_bad_options_exit_2(config, args, message, capsys):
    assert main(["pipeline", "run", str(config), *args]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_line(config, monkeypatch, capsys):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1)
    assert main(["pipeline", "run", str(config), "--dask", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in err
    assert len(err.splitlines()) == 1


def test_run_on_an_existing_scheduler(config, tmp_path, capsys):
    """The whole pipeline through the command line, on a scheduler given by address (an
    in-process cluster, quick to start; the process clusters are in test_dask_executor)."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None
    ) as lc:
        args = ["pipeline", "run", str(config), "--run-dir", str(tmp_path)]
        assert main([*args, "--dask", lc.scheduler_address]) == 0
    out = capsys.readouterr().out
    assert "dask: 1 worker(s), 1 thread(s)" in out
    assert "train: done" in out
    assert w2v.load(tmp_path / "model").meta["dask"]["shards"] == 1
