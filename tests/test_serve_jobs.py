"""Training jobs through the API (in-process app, real worker processes, real trainer):
the life cycle on a small real corpus, cancelling, failures, and the SQLite records."""

import os
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")

import w2v
from tests.helpers import (
    TINY,
    alive,
    job_left_running,
    local_client,
    toy_vectors,
    wait_for,
    write_small_corpus,
)
from w2v.serve.app import create_app
from w2v.serve.jobs import INTERRUPTED, SCRATCH, JobRunner
from w2v.serve.schemas import JobRequest
from w2v.serve.store import JobStore

# On the embedded corpus (1.46 M tokens, no corpus path): a minute or so of training, so
# it is surely still running when a test cancels it or kills its server.
LONG = {"dim": 16, "epochs": 50, "workers": 1}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("jobs")
    (root / "data").mkdir()
    write_small_corpus(root / "data" / "small.txt")
    (root / "data" / "tiny.txt").write_text("a b\n")
    return root


@pytest.fixture(scope="module")
def client(site):
    app = create_app({}, site / "models", site / "data")
    with local_client(app) as c:
        yield c


@pytest.mark.slow
def test_job_life_cycle(client, site):
    r = client.post("/v1/jobs", json={"corpus": "small.txt", "name": "small", "config": TINY})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["state"] in ("queued", "running") and job["name"] == "small"
    assert r.headers["location"] == f"/v1/jobs/{job['id']}"
    assert job["config"]["dim"] == 16 and job["corpus"] == "small.txt"
    done = wait_for(client, job["id"], {"done", "failed"})
    assert done["state"] == "done", done["error"]
    assert done["progress"] == 1 and done["started"] and done["finished"] and not done["error"]
    # the model is served at once, and answers as the library does on its directory
    names = [m["name"] for m in client.get("/v1/models").json()["models"]]
    assert "small" in names
    vec = w2v.load(site / "models" / "small")
    assert vec.dim == 16 and len(vec) > 1000
    # the corpus by its absolute path, not relative to the worker's working directory
    assert vec.meta["source"] == str((site / "data" / "small.txt").resolve())
    r = client.get("/v1/models/small/similar", params={"word": "animal", "n": 5})
    assert [(x["word"], x["score"]) for x in r.json()["results"]] == vec.most_similar(
        "animal", topn=5
    )
    assert not (site / "models" / SCRATCH / str(job["id"])).exists()
    assert client.get("/v1/jobs?state=done").json()["jobs"][0]["id"] == job["id"]
    assert 'w2v_jobs{state="done"} 1' in client.get("/metrics").text
    # the name is now taken
    r = client.post("/v1/jobs", json={"corpus": "small.txt", "name": "small"})
    assert r.status_code == 409


@pytest.mark.slow
def test_svd_job(client, site):
    config = {"dim": 8, "window": 2, "min_count": 3, "cds": 0.75, "eig": 0.5, "seed": 3}
    r = client.post("/v1/jobs", json={"corpus": "small.txt", "trainer": "svd", "config": config})
    job = wait_for(client, r.json()["id"], {"done", "failed"})
    assert job["state"] == "done", job["error"]
    assert job["name"].startswith("svd-") and job["progress"] == 1
    vec = w2v.load(site / "models" / job["name"])
    assert vec.dim == 8 and vec.meta["trainer"] == "svd" and vec.meta["config"]["seed"] == 3
    assert vec.meta["source"] == str((site / "data" / "small.txt").resolve())
    r = client.get(f"/v1/models/{job['name']}/analogy?a=water&b=liquid&c=gas&n=3")
    got = [(x["word"], x["score"]) for x in r.json()["results"]]
    assert got == vec.analogy("water", "liquid", "gas", topn=3)


def test_a_job_with_phrases(client, site):
    """The corpus's phrases are joined before its vocabulary, as w2v.train(phrases=...)
    joins them; their options are checked as the library checks them (422)."""
    config = {**TINY, "phrases": {"threshold": 5, "passes": 2}}
    r = client.post("/v1/jobs", json={"corpus": "small.txt", "name": "joined", "config": config})
    assert r.status_code == 202, r.text
    job = wait_for(client, r.json()["id"], {"done", "failed"})
    assert job["state"] == "done", job["error"]
    vec = w2v.load(site / "models" / "joined")
    assert any("_" in w for w in vec.words[:200])
    assert vec.meta["phrases"]["config"]["passes"] == 2
    assert vec.meta["phrases"]["phrases"] == [len(t) for t in w2v.phrases(
        site / "data" / "small.txt", threshold=5, passes=2).tables]  # fmt: skip
    for phrases in ({"threshold": 0}, {"scoring": "npmi", "threshold": 5}, {"passes": 3},
                    {"delimiter": "a b"}, {"connector_words": ["of"]}, "yes", 1):  # fmt: skip
        r = client.post("/v1/jobs", json={"corpus": "small.txt", "config": {"phrases": phrases}})
        assert r.status_code == 422, phrases
    svd = {"trainer": "svd", "config": {"phrases": True}}  # w2v.lsa joins them as train does
    assert JobRequest.model_validate(svd).config.phrases is True


def test_cancel_running_and_queued_jobs(client, site, caplog):
    a = client.post("/v1/jobs", json={"name": "long", "config": LONG})
    b = client.post("/v1/jobs", json={"corpus": "small.txt", "name": "next", "config": TINY})
    a, b = a.json(), b.json()
    running = wait_for(client, a["id"], {"running", "done", "failed"})
    assert running["state"] == "running"
    assert client.get(f"/v1/jobs/{b['id']}").json()["state"] == "queued"  # one at a time
    while (pid := client.app.state.runner.store.get(a["id"])["pid"]) is None:
        time.sleep(0.01)  # recorded just after the worker starts
    assert alive(pid)
    # its own process group (killed whole, no terminal Ctrl-C) in the server's session, so
    # in the server's scheduler autogroup, where its nice value yields to queries
    assert os.getpgid(pid) == pid != os.getpgid(0)
    assert os.getsid(pid) == os.getsid(0)
    autogroup = Path(f"/proc/{pid}/autogroup")
    if autogroup.exists():  # some kernels (and sandboxes) show an empty file: equal then too
        assert autogroup.read_text() == Path("/proc/self/autogroup").read_text()
    deadline = time.monotonic() + 30
    while os.getpriority(os.PRIO_PROCESS, pid) <= os.getpriority(os.PRIO_PROCESS, 0):
        assert time.monotonic() < deadline, "the worker never lowered its priority"
        time.sleep(0.01)  # set as the worker starts

    r = client.delete(f"/v1/jobs/{b['id']}")
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    with caplog.at_level("INFO", logger="w2v.serve"):
        r = client.delete(f"/v1/jobs/{a['id']}")
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    assert not alive(pid)
    killed = f"job {a['id']} cancelled while running, worker pid {pid} killed"
    assert killed in [r.getMessage() for r in caplog.records]
    for name in ("long", "next"):
        assert not (site / "models" / name).exists()
    assert not (site / "models" / SCRATCH / str(a["id"])).exists()
    assert client.delete(f"/v1/jobs/{a['id']}").status_code == 409
    assert client.delete("/v1/jobs/424242").status_code == 404
    time.sleep(0.5)  # the dispatcher does not resurrect them
    assert client.get(f"/v1/jobs/{a['id']}").json()["state"] == "cancelled"
    assert client.get(f"/v1/jobs/{b['id']}").json()["state"] == "cancelled"
    assert client.app.state.runner.running() == []


@pytest.mark.slow
def test_a_job_that_cannot_train_fails_with_the_reason(client, site):
    r = client.post("/v1/jobs", json={"corpus": "tiny.txt", "name": "empty", "config": TINY})
    job = wait_for(client, r.json()["id"], {"done", "failed"})
    assert job["state"] == "failed"
    assert job["error"] and "internal error" not in job["error"]
    assert not (site / "models" / "empty").exists()
    assert not (site / "models" / SCRATCH / str(job["id"])).exists()


@pytest.mark.slow
def test_a_job_error_names_the_corpus_as_the_client_gave_it(client, site):
    (site / "data" / "sub").mkdir(exist_ok=True)
    (site / "data" / "sub" / "binary.bin").write_bytes(b"\x00\x01" * 5000)
    r = client.post("/v1/jobs", json={"corpus": "sub/binary.bin", "config": TINY})
    job = wait_for(client, r.json()["id"], {"done", "failed"})
    assert job["state"] == "failed" and "'sub/binary.bin' looks binary" in job["error"], job
    assert str(site) not in job["error"] and "/data" not in job["error"]


def test_store_transitions_are_conditional(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    job = store.add("m", "sgns", None, {"dim": 3})
    assert job["state"] == "queued" and job["config"] == {"dim": 3}
    assert store.finish(job["id"], "done") is False  # not running
    assert store.start(job["id"]) and not store.start(job["id"])
    store.progress(job["id"], 0.5, epoch=1, loss=2.5, eta_seconds=32.6, words_per_sec=1e5)
    assert store.get(job["id"])["progress"] == 0.5 and store.get(job["id"])["loss"] == 2.5
    assert store.cancel(job["id"]) == "running"
    # not running: no ETA; the words/s stay the last rate measured
    assert store.get(job["id"])["eta_seconds"] is None
    assert store.get(job["id"])["words_per_sec"] == 1e5
    store.progress(job["id"], 0.9)  # a late worker write changes nothing
    assert store.finish(job["id"], "failed", "late") is False
    got = store.get(job["id"])
    assert got["state"] == "cancelled" and got["progress"] == 0.5
    assert store.cancel(job["id"]) is None
    assert store.counts() == {"queued": 0, "running": 0, "done": 0, "failed": 0, "cancelled": 1}
    for state in ("done", "failed"):
        job = store.add(state, "sgns", None, {})
        assert store.start(job["id"])
        store.progress(job["id"], 0.9, eta_seconds=3.0, words_per_sec=2e5)
        assert store.finish(job["id"], state)
        got = store.get(job["id"])
        assert got["eta_seconds"] is None and got["words_per_sec"] == 2e5
    store.close()


def test_a_cancelled_job_is_logged(tmp_path, caplog):
    runner = JobRunner(tmp_path / "models", None, on_model=lambda name, path: None).open()
    try:  # no dispatcher: the job stays queued
        job = runner.submit("sgns", None, {}, "never")
        with caplog.at_level("INFO", logger="w2v.serve"):
            assert runner.cancel(job["id"]) == "queued"
            assert runner.cancel(job["id"]) is None  # not active: nothing to log
    finally:
        runner.close()
    assert [r.getMessage() for r in caplog.records] == [f"job {job['id']} cancelled while queued"]


def test_recovery_fails_jobs_left_running(tmp_path):
    models = tmp_path / "models"
    store, left = job_left_running(models, "half")
    queued = store.add("later", "sgns", None, {})
    store.close()
    partial = models / SCRATCH / str(left["id"]) / "model"
    partial.mkdir(parents=True)
    (partial / "vectors.npy").write_bytes(b"half-written")

    runner = JobRunner(models, None, on_model=lambda name, path: None).open()
    try:
        job = runner.store.get(left["id"])
        assert job["state"] == "failed" and job["error"] == INTERRUPTED and job["finished"]
        assert runner.store.get(queued["id"])["state"] == "queued"  # still to run
        assert not (models / SCRATCH).exists() and not (models / "half").exists()
    finally:
        runner.close()


def test_a_database_error_after_the_rename_is_recorded_once_the_database_answers(
    tmp_path, monkeypatch
):
    import sqlite3
    import subprocess
    import sys

    from w2v.serve.worker import MODEL

    models = tmp_path / "models"
    runner = JobRunner(models, None, on_model=lambda name, path: None).open()

    def spawn(job, scratch):  # a worker that has left its model and exited
        toy_vectors(50, 4).save(scratch / MODEL)
        return subprocess.Popen([sys.executable, "-c", ""])

    monkeypatch.setattr(runner, "_spawn", spawn)
    job = runner.submit("sgns", None, {}, "kept")
    runner._launch()
    runner._running[job["id"]].proc.wait()
    finish, failures = runner.store.finish, []

    def finish_once_locked(job_id, state, error=None):
        if not failures:
            failures.append(state)
            raise sqlite3.OperationalError("database is locked")
        return finish(job_id, state, error)

    monkeypatch.setattr(runner.store, "finish", finish_once_locked)

    def dispatcher_round():  # as the dispatcher's loop: an error is logged, it goes on
        try:
            return runner._reap()
        except Exception:
            return []

    try:
        assert dispatcher_round() == []  # the model is in place, its record not yet
        assert failures == ["done"] and (models / "kept" / "meta.json").is_file()
        assert dispatcher_round() == [("kept", models / "kept")]
        assert runner.store.get(job["id"])["state"] == "done"
        assert dispatcher_round() == []  # reported once
    finally:
        runner.close()
