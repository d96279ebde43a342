"""What jobs may take of a server (limits.py): caps on dim, epochs and workers (422), a
bounded queue (429), a time limit and a memory limit that stop a job and say why."""

import os
import subprocess
import sys
import time

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")

from tests.helpers import REPO, TINY, alive, local_client, wait_for, write_small_corpus
from w2v.cli import main
from w2v.serve import limits as L
from w2v.serve.app import create_app
from w2v.serve.jobs import SCRATCH


@pytest.fixture
def queue(tmp_path):
    """An app whose dispatcher does not run (no lifespan): jobs stay queued."""
    apps = []

    def make(limits=None):
        apps.append(create_app({}, tmp_path / f"models{len(apps)}", limits=limits))
        return local_client(apps[-1])

    yield make
    for app in apps:
        app.state.runner.close()


def submit(c, **config):
    return c.post("/v1/jobs", json={"config": config})


def test_the_default_caps(queue):
    c = queue()
    assert submit(c, dim=L.MAX_DIM, epochs=L.MAX_EPOCHS).status_code == 202
    assert submit(c, workers=L.usable_cores()).status_code == 202
    for config, option in [
        ({"dim": L.MAX_DIM + 1}, "--max-dim"),
        ({"epochs": L.MAX_EPOCHS + 1}, "--max-epochs"),
        ({"workers": L.usable_cores() + 1}, "cores"),  # no more threads than cores
    ]:
        r = submit(c, **config)
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert option in error and "\n" not in error and error.startswith("config."), error


def test_the_caps_are_the_servers_to_set(queue):
    c = queue(L.JobLimits(max_dim=2000, max_epochs=3, max_workers=1))
    assert submit(c, dim=2000).status_code == 202  # above the default cap
    r = submit(c, dim=2001)
    assert r.status_code == 422 and r.json()["error"] == (
        "config.dim 2001 is more than 2000, this server's --max-dim"
    )
    assert submit(c, epochs=4).status_code == 422
    assert submit(c, workers=2).status_code == 422
    r = c.post("/v1/jobs", json={"trainer": "svd", "config": {"dim": 2001}})
    assert r.status_code == 422 and "--max-dim" in r.json()["error"]


def test_a_full_queue_refuses_with_429(queue):
    c = queue(L.JobLimits(max_queued=2))
    first, _ = submit(c).json(), submit(c).json()
    r = submit(c)
    assert r.status_code == 429, r.text
    assert "--max-queued" in r.json()["error"] and "try again later" in r.json()["error"]
    assert len(c.get("/v1/jobs").json()["jobs"]) == 2
    assert c.delete(f"/v1/jobs/{first['id']}").status_code == 200
    assert submit(c).status_code == 202  # room again


@pytest.mark.slow
def test_a_job_past_the_time_limit_is_stopped_and_fails_saying_why(tmp_path):
    limits = L.JobLimits(max_seconds=1.0)
    app = create_app({}, tmp_path / "models", limits=limits)
    with local_client(app) as c:
        long = {"dim": 16, "epochs": 50, "workers": 1}  # a minute or so of training
        job = c.post("/v1/jobs", json={"name": "long", "config": long}).json()
        while (pid := app.state.runner.store.get(job["id"])["pid"]) is None:
            assert c.get(f"/v1/jobs/{job['id']}").json()["state"] in ("queued", "running")
            time.sleep(0.01)  # recorded just after the worker starts
        done = wait_for(c, job["id"], {"done", "failed", "cancelled"})
        assert done["state"] == "failed"
        assert done["error"] == L.timed_out(1.0)
        assert "--max-job-seconds" in done["error"]
        assert not alive(pid)
        assert not (tmp_path / "models" / "long").exists()
        assert not (tmp_path / "models" / SCRATCH / str(job["id"])).exists()


@pytest.mark.slow
def test_a_job_over_the_memory_limit_fails_saying_why(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write_small_corpus(data / "small.txt")
    # 300,000 distinct words: U and V of dim 1000 take 2.4 GB, far over the limit; a
    # worker with Numba loaded takes about 600 MB of address space, far under it
    (data / "many.txt").write_text(" ".join(f"w{i}" for i in range(300_000)) + "\n")
    limits = L.JobLimits(memory_mb=1500)
    app = create_app({}, tmp_path / "models", data, limits=limits)
    with local_client(app) as c:
        big = {"dim": 1000, "epochs": 1, "min_count": 1, "workers": 1}
        r = c.post("/v1/jobs", json={"corpus": "many.txt", "config": big})
        failed = wait_for(c, r.json()["id"], {"done", "failed"})
        assert failed["state"] == "failed" and failed["error"] == L.out_of_memory(1500)
        r = c.post("/v1/jobs", json={"corpus": "small.txt", "config": TINY})
        done = wait_for(c, r.json()["id"], {"done", "failed"})
        assert done["state"] == "done", done["error"]  # a job within the limit trains


def test_the_worker_runs_under_the_memory_limit():
    code = (
        "import resource; from w2v.serve.limits import limit_memory; limit_memory(700); "
        "print(resource.getrlimit(resource.RLIMIT_AS)[0] >> 20)"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "700", out.stderr


def test_serve_passes_its_limits_on(tmp_path, monkeypatch):
    import uvicorn

    import w2v.serve.app

    made = {}
    real = w2v.serve.app.create_app

    def create(*args, **kwargs):
        made.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(w2v.serve.app, "create_app", create)
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: app.state.runner.close())
    args = ["serve", "--models-dir", str(tmp_path), "--query-workers", "0", "--max-dim", "50",
            "--max-epochs", "3", "--max-queued", "7", "--max-job-seconds", "90",
            "--job-memory", "900"]  # fmt: skip
    assert main(args) == 0
    assert made["limits"] == L.JobLimits(
        max_dim=50, max_epochs=3, max_queued=7, max_seconds=90.0, memory_mb=900
    )
