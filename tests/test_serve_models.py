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

import w2v
from tests.helpers import REPO, local_client, toy_vectors
from w2v.serve.app import create_app
from w2v.serve.models import ModelRegistry, VectorsBroken, identity


@pytest.fixture(autouse=True)
def every_query_stats(monkeypatch):
    """These tests change files between two queries: no 100 ms grace for the stat."""
    from w2v.serve import models as M

    monkeypatch.setattr(M, "IDENTITY_SECONDS", 0.0)


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
from w2v.serve import models as M
from w2v.serve.app import create_app

M.IDENTITY_SECONDS = 0.0  # the files change between two queries
models = sys.argv[1]
npy = os.path.join(models, "corr", "vectors.npy")
# the library: once queries have read U into memory, rows come from that copy
vec = w2v.load(os.path.join(models, "corr"))
vec.most_similar("frog")
row = vec["w2989"].copy()
app = create_app({}, models, query_processes=0)
with TestClient(app, base_url="http://localhost") as c:
    assert c.get("/v1/models/corr/vector?word=toad").status_code == 200
    os.truncate(npy, 200)
    print((vec["w2989"] == row).all())
    for q in ("vector?word=w2989", "similar?word=w2989"):
        r = c.get("/v1/models/corr/" + q)
        print(r.status_code, r.json()["error"])
    print(c.get("/v1/models/ok/vector?word=w0400").status_code, c.get("/health").json())
"""


@pytest.mark.slow
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
    with local_client(app) as c:
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
    c = local_client(app)  # no lifespan: the job queue is not dispatched
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
    inode = os.stat(models / "cbow1" / "vectors.npy").st_ino
    for pid in getattr(c.app.state.queries, "pids", list)():
        with open(f"/proc/{pid}/maps") as f:  # it has opened the new files: it answered
            assert any(f" {inode} " in line and "cbow1" in line for line in f), pid
    # and a same-shape model copied in its place, times kept (cp -p), is noticed too
    toy_vectors(500, 16, seed=8).save(tmp)
    shutil.rmtree(models / "cbow1")
    shutil.copytree(tmp, models / "cbow1", copy_function=shutil.copy2)
    copied = w2v.load(models / "cbow1")
    r = c.get("/v1/models/cbow1/similar?word=king&n=3")
    assert [(x["word"], x["score"]) for x in r.json()["results"]] == copied.most_similar(
        "king", topn=3
    )


def test_identity_changes_with_every_kind_of_replacement(tmp_path):
    import time

    npy = tmp_path / "m" / "vectors.npy"
    toy_vectors(50, 4).save(tmp_path / "m")
    toy_vectors(50, 4, seed=1).save(tmp_path / "same-shape")
    seen = [identity(tmp_path / "m")]
    assert seen[0] is not None and identity(tmp_path / "nothing") is None
    # copied over in place, same size, its mtime set back: only the ctime tells
    st = os.stat(npy)
    time.sleep(0.02)  # past the file system's timestamp tick
    shutil.copyfile(tmp_path / "same-shape" / "vectors.npy", npy)
    os.utime(npy, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(npy).st_size == st.st_size and os.stat(npy).st_mtime_ns == st.st_mtime_ns
    seen.append(identity(tmp_path / "m"))
    # renamed in (w2v train --force, a finished job): a new inode
    replace_dir_with(tmp_path / "m", toy_vectors(50, 4, seed=2))
    seen.append(identity(tmp_path / "m"))
    # copied in, times kept (cp -p)
    shutil.rmtree(tmp_path / "m")
    shutil.copytree(tmp_path / "same-shape", tmp_path / "m", copy_function=shutil.copy2)
    seen.append(identity(tmp_path / "m"))
    os.truncate(npy, 100)
    seen.append(identity(tmp_path / "m"))
    assert len(set(seen)) == len(seen), seen


def test_files_vanishing_or_unreadable_while_read_are_model_errors_not_500(tmp_path, monkeypatch):
    from w2v.serve import models as M

    def renamed(path):
        raise FileNotFoundError(2, "No such file or directory", str(path))

    toy_vectors(50, 4).save(tmp_path / "m")
    with pytest.raises(w2v.ModelError, match="No such file"):
        M.open_model(tmp_path / "m", warm=False, load=renamed)
    real = M.Path.read_text

    def read_text(self, *args, **kw):  # meta.json is there for is_file(), gone when read
        return renamed(self) if self.name == "meta.json" else real(self, *args, **kw)

    monkeypatch.setattr(M.Path, "read_text", read_text)
    registry = M.ModelRegistry({}, tmp_path)  # served as unreadable, not raised
    with pytest.raises(M.ModelUnreadable, match="No such file"):
        registry.get("m")


def test_a_broken_pinned_model_keeps_its_name_from_jobs(tmp_path):
    toy_vectors(50, 4).save(tmp_path / "pinned")
    data = tmp_path / "data"
    data.mkdir()
    (data / "small.txt").write_text("the frog and the toad\n" * 50)
    app = create_app({"kept": tmp_path / "pinned"}, tmp_path / "models", data)
    c = local_client(app)  # no lifespan: the job queue is not dispatched
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
        if os.fspath(path) != os.fspath(models):  # the model's own writing lists directories too
            return real(path)
        entries = list(real(path))
        toy_vectors(50, 4).save(models / "job")
        registry.add("job", models / "job")  # as the dispatcher does, between two steps
        return iter(entries)

    monkeypatch.setattr(M.os, "scandir", listing_then_a_job_finishes)
    registry.rescan(force=True)
    assert "job" in registry._served


def save_nonfinite(path) -> None:
    """A model that loads but cannot be queried: a row of U holds NaN."""
    toy_vectors(200, 4).save(path)
    U = np.load(path / "vectors.npy")
    U[7] = np.nan
    np.save(path / "vectors.npy", U)


@pytest.mark.parametrize("processes", [0, 1], ids=["threads", "processes"])
def test_a_model_with_nonfinite_vectors_is_a_503_in_both_modes_and_never_stops_a_start(
    tmp_path, processes
):
    models = tmp_path / "models"
    save_nonfinite(models / "nan")
    toy_vectors(200, 4, seed=1).save(models / "ok")
    app = create_app({}, models, query_processes=processes)
    with local_client(app) as c:
        for _ in range(2):
            r = c.get("/v1/models/nan/similar?word=frog")
            assert r.status_code == 503, r.text
            assert r.json()["error"].startswith("model 'nan' cannot be read:")
            assert "non-finite" in r.json()["error"]
        assert c.get("/v1/models/ok/similar?word=frog").status_code == 200
        assert [m["name"] for m in c.get("/v1/models").json()["models"]] == ["ok"]


def test_a_broken_model_is_loaded_again_only_when_it_changes_or_after_a_while(
    tmp_path, monkeypatch
):
    """Non-finite vectors are the files' own: read again only when they change. A model
    that does not load (half-copied, say) is also tried again after RECHECK_SECONDS."""
    from w2v.serve import models as M

    save_nonfinite(tmp_path / "nan")
    toy_vectors(200, 4).save(tmp_path / "half")
    (tmp_path / "half" / "vocab.parquet").write_bytes(b"PAR1")  # still being copied in
    now = [0.0]
    registry = M.ModelRegistry({}, tmp_path, clock=lambda: now[0])
    loads = []
    real = M.open_model
    monkeypatch.setattr(M, "open_model", lambda *a, **k: loads.append(a[0]) or real(*a, **k))
    for _ in range(3):
        for name in ("nan", "half"):
            with pytest.raises(M.ModelUnreadable):
                registry.get(name)
    assert loads == []  # their failures at the scan are remembered for these files
    now[0] += M.RECHECK_SECONDS
    for name in ("nan", "half"):
        with pytest.raises(M.ModelUnreadable):
            registry.get(name)
    assert loads == [tmp_path / "half"]
    shutil.rmtree(tmp_path / "nan")
    toy_vectors(200, 4).save(tmp_path / "nan")  # repaired: new files, loaded at once
    assert len(registry.get("nan")) == 200


def test_a_served_model_is_stated_at_most_every_identity_seconds(tmp_path, monkeypatch):
    from w2v.serve import models as M

    monkeypatch.setattr(M, "IDENTITY_SECONDS", 0.1)
    toy_vectors(50, 4).save(tmp_path / "m")
    now = [0.0]
    registry = M.ModelRegistry({}, tmp_path, clock=lambda: now[0])
    stats = []
    real = M.identity
    monkeypatch.setattr(M, "identity", lambda p: stats.append(p) or real(p))
    first = registry.get("m")
    n = len(stats)
    for _ in range(5):
        assert registry.get("m") is first
    assert len(stats) == n  # within 100 ms: no stat
    replace_dir_with(tmp_path / "m", toy_vectors(60, 4))
    assert registry.get("m") is first  # not seen yet
    now[0] += 0.1
    assert len(registry.get("m")) == 60


def replace_dir_with(target, vec) -> None:
    new = target.with_name(target.name + ".new")
    vec.save(new)
    replace_dir(new, target)


def test_health_counts_models_without_loading_and_queries_load_off_the_loop(tmp_path, monkeypatch):
    import asyncio

    models = tmp_path / "models"
    toy_vectors(50, 4).save(models / "a")
    app = create_app({}, models, query_processes=1)
    registry = app.state.registry
    on_loop = []
    real = registry.lookup

    def lookup(name):
        try:
            asyncio.get_running_loop()
            on_loop.append(name)
        except RuntimeError:
            pass
        return real(name)

    monkeypatch.setattr(registry, "lookup", lookup)
    with local_client(app) as c:
        toy_vectors(50, 4, seed=2).save(models / "b")
        assert c.get("/health").json()["models"] == 1  # b is not loaded by /health
        assert "b" not in registry._served
        assert c.get("/v1/models/b/similar?word=frog").status_code == 200  # loaded now
        replace_dir_with(models / "a", toy_vectors(40, 4))
        assert c.get("/v1/models/a/vector?word=frog").status_code == 200
    assert on_loop == []


def test_query_processes_let_go_of_deleted_models_though_asked_only_for_others(
    tmp_path, monkeypatch
):
    import time

    from w2v.serve.compute import ProcessQueries

    monkeypatch.setattr(ProcessQueries, "SWEEP_SECONDS", 0.1)
    models = tmp_path / "models"
    toy_vectors(300, 4).save(models / "a")
    toy_vectors(300, 4, seed=1).save(models / "b")
    app = create_app({}, models, query_processes=1)
    with local_client(app) as c:
        (pid,) = app.state.queries.pids()

        def mapped() -> bool:
            with open(f"/proc/{pid}/maps") as f:
                return str(models / "a" / "vectors.npy") in f.read()

        assert c.get("/v1/models/a/similar?word=frog").status_code == 200
        assert mapped()
        shutil.rmtree(models / "a")
        for _ in range(100):  # a sweep every 0.1 s, idle or busy
            assert c.get("/v1/models/b/similar?word=frog").status_code == 200
            if not mapped():
                break
            time.sleep(0.05)
        assert not mapped()  # its disk space is free


def test_a_model_a_query_process_found_broken_stays_broken_until_its_files_change(
    tmp_path, monkeypatch
):
    """The server opens models without reading their vectors (warm=False): retrying on a
    timer would find nothing wrong and list the model again, while the process knows it is
    broken. So it stays a 503, out of the list, until its files change."""
    from w2v.serve import models as M

    monkeypatch.setattr(M, "RECHECK_SECONDS", 0.0)  # a timer would retry at once
    models = tmp_path / "models"
    toy_vectors(200, 4, seed=1).save(models / "ok")
    with local_client(create_app({}, models, query_processes=1)) as c:
        save_nonfinite(models / "nan")  # after the start: only a query finds it broken
        for _ in range(3):
            assert c.get("/v1/models/nan/similar?word=frog").status_code == 503
            assert [m["name"] for m in c.get("/v1/models").json()["models"]] == ["ok"]
            assert c.get("/v1/models/nan").status_code == 503
        shutil.rmtree(models / "nan")
        toy_vectors(200, 4).save(models / "nan")  # repaired
        assert c.get("/v1/models/nan/similar?word=frog").status_code == 200


def test_concurrent_lookups_of_a_new_model_all_find_it(tmp_path, monkeypatch):
    """A scan that finds the directory changed loads the new model; another lookup at the
    same time waits for that scan instead of seeing 'unchanged' and answering 404."""
    import threading
    import time

    from w2v.serve import models as M

    registry = ModelRegistry({}, tmp_path)
    toy_vectors(50, 4).save(tmp_path / "new")
    real = M.open_model

    def slow(*args, **kwargs):
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(M, "open_model", slow)
    start = threading.Barrier(3)

    def lookup():
        start.wait()
        return len(registry.lookup("new").vec)

    with ThreadPoolExecutor(3) as pool:
        assert list(pool.map(lambda _: lookup(), range(3))) == [50, 50, 50]


def test_a_query_process_tells_changed_files_from_broken_ones(tmp_path):
    from w2v.serve.compute import FilesChanged
    from w2v.serve.query_process import model_for

    toy_vectors(50, 4).save(tmp_path / "m")
    path = str(tmp_path / "m")
    seen = list(identity(path))
    models = {}
    assert len(model_for(models, path, seen)) == 50
    stale = [seen[0] + 1, *seen[1:]]  # what the server saw before a replacement
    models.clear()
    with pytest.raises(FilesChanged):
        model_for(models, path, stale)
    assert models == {}  # nothing remembered: the server looks again
    save_nonfinite(tmp_path / "nan")
    broken = list(identity(tmp_path / "nan"))
    with pytest.raises(VectorsBroken, match="non-finite"):  # the vectors' own: final
        model_for(models, str(tmp_path / "nan"), broken)
    assert list(models) == []  # nothing remembered: the server stops asking instead
