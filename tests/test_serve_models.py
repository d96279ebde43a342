"""The served models follow what is on disk: a model directory truncated, deleted or
replaced while the server runs gives a clean JSON error, a 404 and a free name, or the new
model everywhere (the description and every query process), and never kills the server."""

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")
from fastapi.testclient import TestClient

import w2v
from tests.conftest import REPO
from tests.test_serve import toy_vectors
from w2v.serve.app import create_app
from w2v.serve.models import ModelRegistry, identity


def replace_dir(new, target) -> None:
    """Swap `new` in for `target` as `w2v train --force` does: rename, old one deleted."""
    old = target.with_name(target.name + ".old")
    os.rename(target, old)
    os.rename(new, target)
    shutil.rmtree(old)


TRUNCATED_IN_THREADS = """
import os, sys
import w2v
from fastapi.testclient import TestClient
from w2v.serve.app import create_app

models = sys.argv[1]
npy = os.path.join(models, "corr", "vectors.npy")
# the library: once queries have read U into memory, rows come from that copy
vec = w2v.load(os.path.join(models, "corr"))
vec.most_similar("frog")
row = vec["w2989"].copy()
app = create_app({}, models, query_processes=0)
with TestClient(app) as c:
    assert c.get("/v1/models/corr/vector?word=toad").status_code == 200
    os.truncate(npy, 200)
    print((vec["w2989"] == row).all())
    for q in ("vector?word=w2989", "similar?word=w2989"):
        r = c.get("/v1/models/corr/" + q)
        print(r.status_code, r.json()["error"])
    print(c.get("/v1/models/ok/vector?word=w0400").status_code, c.get("/health").json())
"""


def test_a_model_truncated_under_a_threads_server_is_a_503_not_sigbus(tmp_path):
    # in a subprocess: reading the truncated file map is SIGBUS, which would kill pytest
    models = tmp_path / "models"
    toy_vectors().save(models / "corr")
    toy_vectors(500, 8, seed=1).save(models / "ok")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run(
        [sys.executable, "-c", TRUNCATED_IN_THREADS, str(models)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, (out.returncode, out.stderr[-2000:])
    lines = out.stdout.splitlines()
    assert lines[0] == "True"
    for line in lines[1:3]:
        status, error = line.split(" ", 1)
        assert status == "503" and error.startswith("model 'corr' cannot be read"), line
        assert "vectors.npy" in error
    assert lines[3] == "200 {'status': 'ok', 'models': 1, 'jobs_running': 0}"


@pytest.fixture(params=[0, 2], ids=["threads", "processes"])
def served(tmp_path, request):
    """A server on a models directory with two models, queries in threads or in two query
    processes (each of which has opened both models at start)."""
    models = tmp_path / "models"
    toy_vectors().save(models / "long1")
    toy_vectors(500, 8, seed=1).save(models / "cbow1")
    app = create_app({}, models, query_processes=request.param)
    with TestClient(app) as c:
        yield c, models


def test_a_model_truncated_on_disk_is_a_503_for_that_model_only(served):
    c, models = served
    assert c.get("/v1/models/long1/similar?word=frog").status_code == 200
    os.truncate(models / "long1" / "vectors.npy", 4096)
    for _ in range(2):  # no query process is sent to read it: the same clean error again
        r = c.get("/v1/models/long1/similar?word=frog")
        assert r.status_code == 503, r.text
        assert r.json()["error"].startswith("model 'long1' cannot be read:")
        assert "Traceback" not in r.text
    assert c.post("/v1/models/long1/similar", json={"positive": ["frog"]}).status_code == 503
    assert c.get("/v1/models/long1").status_code == 503
    cbow1 = w2v.load(models / "cbow1")
    r = c.get("/v1/models/cbow1/similar?word=king&n=3")
    assert [(x["word"], x["score"]) for x in r.json()["results"]] == cbow1.most_similar(
        "king", topn=3
    )
    assert c.get("/health").json()["models"] == 1
    assert [m["name"] for m in c.get("/v1/models").json()["models"]] == ["cbow1"]
    # repaired: served again
    shutil.rmtree(models / "long1")
    toy_vectors(300, 6, seed=3).save(models / "long1")
    assert c.get("/v1/models/long1").json()["dim"] == 6
    assert c.get("/v1/models/long1/similar?word=frog").status_code == 200


def test_a_deleted_model_is_unknown_and_its_name_free(tmp_path):
    models = tmp_path / "models"
    toy_vectors(500, 8, seed=1).save(models / "long2")
    toy_vectors(300, 6, seed=2).save(models / "cbow1")
    data = tmp_path / "data"
    data.mkdir()
    (data / "small.txt").write_text("the frog and the toad\n" * 50)
    app = create_app({}, models, data)
    c = TestClient(app)  # no lifespan: the job queue is not dispatched
    assert c.get("/v1/models/long2/similar?word=king").status_code == 200
    shutil.rmtree(models / "long2")
    for path in ("/v1/models/long2", "/v1/models/long2/similar?word=king"):
        r = c.get(path)
        assert r.status_code == 404 and "no model named 'long2'" in r.json()["error"], r.text
    assert c.get("/health").json()["models"] == 1
    assert [m["name"] for m in c.get("/v1/models").json()["models"]] == ["cbow1"]
    r = c.post("/v1/jobs", json={"corpus": "small.txt", "name": "long2"})
    assert r.status_code == 202, r.text
    app.state.runner.close()


def test_a_model_deleted_between_scans_is_unknown_at_the_next_query(tmp_path, monkeypatch):
    models = tmp_path / "models"
    toy_vectors(50, 4).save(models / "gone")
    registry = ModelRegistry({}, models)
    assert len(registry.get("gone")) == 50
    monkeypatch.setattr(registry, "rescan", lambda force=False: None)  # no scan: the stat
    shutil.rmtree(models / "gone")
    with pytest.raises(w2v.UserError, match="no model named 'gone'"):
        registry.get("gone")


def test_a_replaced_model_is_the_new_one_everywhere(served):
    c, models = served
    old = w2v.load(models / "cbow1")
    words = old.words[:40]
    assert c.get("/v1/models/cbow1").json()["dim"] == 8
    tmp = models.parent / "built"
    toy_vectors(500, 16, seed=7).save(tmp)
    replace_dir(tmp, models / "cbow1")
    new = w2v.load(models / "cbow1")
    assert c.get("/v1/models/cbow1").json()["dim"] == 16
    assert {m["name"]: m["dim"] for m in c.get("/v1/models").json()["models"]}["cbow1"] == 16

    def ask(w):
        return c.get(f"/v1/models/cbow1/similar?word={w}&n=4"), c.get(
            f"/v1/models/cbow1/vector?word={w}"
        )

    with ThreadPoolExecutor(8) as pool:  # concurrent: every query process answers some
        got = list(pool.map(ask, words))
    for w, (similar, vector) in zip(words, got, strict=True):
        pairs = [(x["word"], x["score"]) for x in similar.json()["results"]]
        assert pairs == new.most_similar(w, topn=4)
        assert np.array_equal(np.array(vector.json()["vector"], np.float32), new[w])
    # and a copy into the same place (same mtime kept: cp -p) is noticed too
    shutil.copytree(models / "long1", tmp)
    shutil.rmtree(models / "cbow1")
    shutil.copytree(tmp, models / "cbow1", copy_function=shutil.copy2)
    assert c.get("/v1/models/cbow1").json()["dim"] == 24


def test_identity_changes_with_every_kind_of_replacement(tmp_path):
    toy_vectors(50, 4).save(tmp_path / "m")
    first = identity(tmp_path / "m")
    assert first is not None and identity(tmp_path / "nothing") is None
    os.truncate(tmp_path / "m" / "vectors.npy", 100)
    assert identity(tmp_path / "m") != first


def test_files_vanishing_or_unreadable_while_read_are_model_errors_not_500(tmp_path, monkeypatch):
    from w2v.serve import models as M

    def renamed(path):
        raise FileNotFoundError(2, "No such file or directory", str(path))

    toy_vectors(50, 4).save(tmp_path / "m")
    with pytest.raises(w2v.ModelError, match="No such file"):
        M.open_model(tmp_path / "m", warm=False, load=renamed)
    real, seen = M.Path.stat, []

    def stat(self, **kw):  # meta.json is there for is_file(), gone for the stat after it
        if self.name == "meta.json":
            seen.append(self)
            if len(seen) > 1:
                renamed(self)
        return real(self, **kw)

    monkeypatch.setattr(M.Path, "stat", stat)
    registry = M.ModelRegistry({}, tmp_path)  # skipped, not raised
    assert len(seen) == 2
    with pytest.raises(M.UnknownModelError):
        registry.get("m")


def test_a_broken_pinned_model_keeps_its_name_from_jobs(tmp_path):
    toy_vectors(50, 4).save(tmp_path / "pinned")
    data = tmp_path / "data"
    data.mkdir()
    (data / "small.txt").write_text("the frog and the toad\n" * 50)
    app = create_app({"kept": tmp_path / "pinned"}, tmp_path / "models", data)
    c = TestClient(app)  # no lifespan: the job queue is not dispatched
    os.truncate(tmp_path / "pinned" / "vectors.npy", 100)
    assert c.get("/v1/models/kept").status_code == 503
    r = c.post("/v1/jobs", json={"corpus": "small.txt", "name": "kept"})
    assert r.status_code == 409, r.text
    app.state.runner.close()


def test_a_model_added_while_the_directory_is_listed_is_kept(tmp_path, monkeypatch):
    from w2v.serve import models as M

    models = tmp_path / "models"
    models.mkdir()
    registry = M.ModelRegistry({}, models)
    real = os.scandir

    def listing_then_a_job_finishes(path):
        entries = list(real(path))
        toy_vectors(50, 4).save(models / "job")
        registry.add("job", models / "job")  # as the dispatcher does, between two steps
        return iter(entries)

    monkeypatch.setattr(M.os, "scandir", listing_then_a_job_finishes)
    registry.rescan(force=True)
    assert "job" in registry._served
