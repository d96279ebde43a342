"""The HTTP API in-process (ASGI test client): every query route answers as the library
does, errors are JSON with the right status, the token and the bounds hold, corpus paths
stay inside the data root, and /metrics counts what happened."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")

import w2v
from tests.helpers import REPO, local_client, toy_vectors
from w2v.serve.app import create_app
from w2v.serve.paths import PathRefused, resolve_corpus


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A toy model pinned as `toy`, another in the models directory, a data root with a
    corpus, a file outside it and a symlink pointing out."""
    root = tmp_path_factory.mktemp("site")
    toy_vectors().save(root / "toy")
    models = root / "models"
    toy_vectors(500, 8, seed=1).save(models / "other")
    data = root / "data"
    (data / "sub").mkdir(parents=True)
    (data / "small.txt").write_text("the frog and the toad\n" * 50)
    (root / "secret.txt").write_text("outside the data root\n")
    os.symlink(root / "secret.txt", data / "link.txt")
    os.symlink(data / "small.txt", data / "inside-link.txt")
    os.mkfifo(data / "pipe")
    return root


@pytest.fixture(scope="module", params=["threads", "processes"])
def client(site, request):
    """The app with queries in threads of this process, and in a query process."""
    processes = 1 if request.param == "processes" else 0
    app = create_app(
        {"toy": site / "toy"}, site / "models", site / "data", query_processes=processes
    )
    with local_client(app) as c:
        yield c


@pytest.fixture(scope="module")
def toy(site):
    return w2v.load(site / "toy")


def pairs(response) -> list[tuple[str, float]]:
    assert response.status_code == 200, response.text
    return [(r["word"], r["score"]) for r in response.json()["results"]]


def test_query_processes_use_one_blas_thread():
    # threadpoolctl can only limit a BLAS that is loaded: numpy must come first
    code = (
        "from w2v.serve.compute import one_blas_thread; one_blas_thread(); "
        "from threadpoolctl import threadpool_info; "
        "print(max(i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'))"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "1", out.stderr


def test_query_processes_read_the_mapped_matrix_and_answer_as_the_library(site, toy):
    from w2v.serve.query_process import load_shared

    shared = load_shared(str(site / "toy"))
    assert not shared.vectors.flags.writeable  # the read-only file map, not a copy
    for w in toy.words[::97]:
        assert shared.most_similar(w, topn=20) == toy.most_similar(w, topn=20)
        assert shared.most_similar_cosmul([w, "king"], ["man"]) == toy.most_similar_cosmul(
            [w, "king"], ["man"]
        )
    assert np.shares_memory(shared._U, shared.vectors)  # scanned in place, never copied


def test_health_and_model_list(client):
    assert client.get("/health").json() == {"status": "ok", "models": 2, "jobs_running": 0}
    models = {m["name"]: m for m in client.get("/v1/models").json()["models"]}
    assert set(models) == {"toy", "other"}
    assert models["toy"]["vocab_size"] == 3000 and models["toy"]["dim"] == 24
    assert models["other"]["vocab_size"] == 500 and models["other"]["trainer"] == "toy"
    assert models["toy"]["created"]
    assert client.get("/v1/models/other").json() == models["other"]


@pytest.mark.parametrize("word", ["frog", "queen", "w0042", "w2989"])
@pytest.mark.parametrize("n", [1, 10, 1000])
def test_similar_equals_the_library(client, toy, word, n):
    got = pairs(client.get("/v1/models/toy/similar", params={"word": word, "n": n}))
    assert got == toy.most_similar(word, topn=n)
    assert len(got) == n and got[0][0] != word


def test_similar_default_n_and_frog(client, toy):
    got = pairs(client.get("/v1/models/toy/similar?word=frog"))
    assert len(got) == 10 and got[0][0] == "toad"


def test_similar_post_equals_the_library(client, toy):
    for positive, negative, n in [
        (["king", "woman"], ["man"], 5),
        (["frog"], [], 20),
        ([], ["paris"], 3),
        (["paris", "france", "w0001"], ["queen", "w0002"], 50),
    ]:
        body = {"positive": positive, "negative": negative, "n": n}
        got = pairs(client.post("/v1/models/toy/similar", json=body))
        assert got == toy.most_similar(positive, negative, topn=n)


@pytest.mark.parametrize("method", ["add", "mul"])
def test_analogy_equals_the_library(client, toy, method):
    q = {"a": "king", "b": "man", "c": "woman", "n": 7, "method": method}
    got = pairs(client.get("/v1/models/toy/analogy", params=q))
    assert got == toy.analogy("king", "man", "woman", topn=7, method=method)


def test_vector_equals_the_library(client, toy):
    r = client.get("/v1/models/toy/vector?word=newt").json()
    assert r["model"] == "toy" and r["word"] == "newt"
    assert np.array_equal(np.array(r["vector"], np.float32), toy["newt"])


def test_model_in_the_models_dir_is_served(client, site):
    other = w2v.load(site / "models" / "other")
    word = other.words[7]
    got = pairs(client.get(f"/v1/models/other/similar?word={word}&n=4"))
    assert got == other.most_similar(word, topn=4)


def test_model_appearing_later_is_served_without_restart(client, site):
    toy_vectors(300, 6, seed=2).save(site / "models" / "late")
    late = w2v.load(site / "models" / "late")
    assert pairs(client.get("/v1/models/late/similar?word=king&n=3")) == late.most_similar(
        "king", topn=3
    )
    assert "late" in {m["name"] for m in client.get("/v1/models").json()["models"]}
    shutil.rmtree(site / "models" / "late")


def test_concurrent_queries_get_their_own_answers(client, toy):
    # more requests at once than the query process takes (two in flight, the rest wait)
    words = toy.words[:40]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda w: client.get(f"/v1/models/toy/similar?word={w}&n=4"), words))
    for w, r in zip(words, got, strict=True):
        assert pairs(r) == toy.most_similar(w, topn=4)


@pytest.mark.parametrize("client", ["processes"], indirect=True)
def test_a_query_process_that_dies_is_replaced(client, toy):
    queries = client.app.state.queries
    (pid,) = queries.pids()
    os.kill(pid, signal.SIGSTOP)  # so that it dies with a query in flight
    with ThreadPoolExecutor(1) as pool:
        asked = pool.submit(client.get, "/v1/models/toy/similar?word=frog")
        time.sleep(0.3)
        os.kill(pid, signal.SIGKILL)
        r = asked.result(timeout=60)
    assert r.status_code == 503 and "try again" in r.json()["error"]
    for _ in range(100):  # the replacement starts in the background
        r = client.get("/v1/models/toy/similar?word=frog")
        if r.status_code != 503:
            break
        time.sleep(0.1)
    assert pairs(r) == toy.most_similar("frog")
    assert queries.pids() != [pid]


def test_queries_fail_fast_while_no_query_process_can_start(site, toy, tmp_path, monkeypatch):
    import w2v.serve.compute as compute

    app = create_app({"toy": site / "toy"}, tmp_path / "models", query_processes=1)
    with local_client(app) as c:
        queries = c.app.state.queries
        (pid,) = queries.pids()

        def refuse(*args, **kwargs):
            raise OSError("no more processes")

        monkeypatch.setattr(compute.subprocess, "Popen", refuse)
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):  # until the server has noticed
            if not queries.pids():
                break
            time.sleep(0.05)
        r = c.get("/v1/models/toy/similar?word=frog")
        assert r.status_code == 503 and "try again" in r.json()["error"]  # not a hang
        monkeypatch.undo()
        assert pairs(c.get("/v1/models/toy/similar?word=frog")) == toy.most_similar("frog")
        assert len(queries.pids()) == 1


def test_unknown_word_and_model_are_404_with_suggestions(client):
    r = client.get("/v1/models/toy/similar?word=frogg")
    assert r.status_code == 404
    assert "frogg" in r.json()["error"] and r.json()["suggestions"] == ["frog"]
    r = client.post("/v1/models/toy/similar", json={"positive": ["king", "quen"]})
    assert r.status_code == 404 and "queen" in r.json()["suggestions"]
    r = client.get("/v1/models/toi/analogy?a=king&b=man&c=woman")
    assert r.status_code == 404 and r.json()["suggestions"] == ["toy"]
    for path in ("/v1/models/toy/vector?word=zzzz", "/v1/models/nope", "/v1/jobs/99999", "/x"):
        r = client.get(path)
        assert r.status_code == 404 and r.headers["content-type"] == "application/json"
        assert r.json()["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/models/toy/similar?word=frog&n=0",
        "/v1/models/toy/similar?word=frog&n=1001",
        "/v1/models/toy/similar?word=frog&n=ten",
        "/v1/models/toy/similar?word=",
        "/v1/models/toy/similar",
        "/v1/models/toy/similar?word=" + "a" * 201,
        "/v1/models/toy/analogy?a=king&b=man",
        "/v1/models/toy/analogy?a=king&b=man&c=woman&method=cos",
        "/v1/jobs/abc",
        "/v1/jobs?limit=0",
        "/v1/jobs?state=sleeping",
    ],
)
def test_bad_query_is_422(client, path):
    r = client.get(path)
    assert r.status_code == 422, r.text
    assert r.json()["error"].startswith("invalid request") and r.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"positive": [], "negative": []},
        {"positive": "frog"},
        {"positive": ["frog"], "n": 1001},
        {"positive": ["frog"] * 101},
        {"positive": [""]},
        {"positive": ["frog"], "topn": 3},
        [],
        # JSON of the wrong type is refused, not coerced
        {"positive": ["frog"], "n": "5"},
        {"positive": ["frog"], "n": True},
        {"positive": ["frog"], "n": 5.0},
        {"positive": "frog,toad"},
    ],
)
def test_bad_similar_body_is_422(client, body):
    r = client.post("/v1/models/toy/similar", json=body)
    assert r.status_code == 422 and r.json()["error"]


def test_only_fastapis_body_parsing_400_becomes_a_422(tmp_path):
    from starlette.exceptions import HTTPException

    app = create_app({}, tmp_path / "models")

    @app.get("/raises")
    def raises():
        try:
            int("x")
        except ValueError as e:
            raise HTTPException(400, "a 400 of its own") from e

    r = local_client(app).get("/raises")
    assert r.status_code == 400 and r.json() == {"error": "a 400 of its own"}
    app.state.runner.close()


def test_malformed_and_oversized_bodies(client):
    r = client.post(
        "/v1/models/toy/similar", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    for body in (b'{"positive":["\xff\xfe"]}', b"\xff"):  # not UTF-8: malformed too
        r = client.post(
            "/v1/models/toy/similar", content=body, headers={"content-type": "application/json"}
        )
        assert r.status_code == 422 and r.json()["error"].startswith("invalid request: body")
        assert r.json()["detail"]
    big = {"positive": ["frog"], "negative": ["x" * 100] * 700}  # > 64 KiB
    r = client.post("/v1/models/toy/similar", json=big)
    assert r.status_code == 413 and "65536 bytes" in r.json()["error"]

    def chunks():  # no Content-Length: the bound still holds
        for _ in range(100):
            yield b" " * 1024

    r = client.post(
        "/v1/models/toy/similar", content=chunks(), headers={"content-type": "application/json"}
    )
    assert r.status_code == 413


def test_resolve_corpus_confines_paths(site):
    data = site / "data"
    assert resolve_corpus(data, "small.txt") == (data / "small.txt").resolve()
    assert resolve_corpus(data, "inside-link.txt") == (data / "small.txt").resolve()
    assert resolve_corpus(data, "./small.txt") == (data / "small.txt").resolve()
    outside = str(site / "secret.txt")
    refused = ["../secret.txt", "sub/../../secret.txt", "sub/../small.txt", "/etc/passwd", outside]
    for path in refused + ["link.txt", "~/x", "", "a\x00b", "..\\secret.txt"]:
        with pytest.raises(PathRefused):
            resolve_corpus(data, path)
    for missing in ["missing.txt", "sub", "sub/nothing.txt"]:
        with pytest.raises(w2v.CorpusError):
            resolve_corpus(data, missing)


@pytest.mark.parametrize(
    "corpus, status",
    [
        ("../secret.txt", 403),
        ("sub/../../secret.txt", 403),
        ("/etc/passwd", 403),
        ("link.txt", 403),
        ("missing.txt", 422),
        ("sub", 422),
        ("pipe", 422),  # refused at once, never opened
    ],
)
def test_job_corpus_outside_the_root_is_refused(client, corpus, status):
    r = client.post("/v1/jobs", json={"corpus": corpus, "config": {"dim": 8}})
    assert r.status_code == status, r.text
    assert r.json()["error"]
    assert client.get("/v1/jobs").json()["jobs"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"trainer": "glove"},
        {"trainer": "svd", "config": {"epochs": 2}},
        {"trainer": "sgns", "config": {"cds": 0.75}},
        {"config": {"dim": 0}},
        {"config": {"dim": 100000}},
        {"config": {"learning_rate": 0.1}},
        {"name": "../escape"},
        {"name": ".hidden"},
        {"corpus": "small.txt", "extra": 1},
        # JSON of the wrong type is refused, not coerced
        {"trainer": "svd", "config": {"dim": True}},
        {"trainer": "svd", "config": {"dynamic": "yes"}},
        {"trainer": "svd", "config": {"add_contexts": "off"}},
        {"config": {"dim": "16"}},
        {"config": {"epochs": "1"}},
        {"config": {"alpha": "0.1"}},
        {"corpus": 7},
        # out of the library's bounds: refused at submission, not failed later
        {"corpus": "small.txt", "config": {"sample": 1.0}},
        {"trainer": "svd", "config": {"cds": 0}},
    ],
)
def test_bad_job_is_422(client, body):
    r = client.post("/v1/jobs", json=body)
    assert r.status_code == 422, r.text
    assert client.get("/v1/jobs").json()["jobs"] == []


def test_float_options_take_json_integers(site, tmp_path):
    app = create_app({}, tmp_path / "models", site / "data")
    c = local_client(app)  # no lifespan: the job is queued, not run
    config = {"alpha": 1, "sample": 0}
    r = c.post("/v1/jobs", json={"corpus": "small.txt", "config": config})
    assert r.status_code == 202, r.text
    assert r.json()["config"]["alpha"] == 1.0 and r.json()["config"]["sample"] == 0.0
    app.state.runner.close()


def _edges(spec: dict) -> list[float]:
    """The extreme values a JSON-schema number accepts (an exclusive bound nudged in);
    none for a field that is not a number."""
    edges = []
    for s in spec.get("anyOf", [spec]):
        step = {"integer": 1, "number": 1e-9}.get(s.get("type"))
        if step is None:
            continue
        edges += [s[k] for k in ("minimum", "maximum") if k in s]
        if "exclusiveMinimum" in s:
            edges.append(s["exclusiveMinimum"] + step)
        if "exclusiveMaximum" in s:
            edges.append(s["exclusiveMaximum"] - step)
    return edges


@pytest.mark.parametrize("trainer", ["sgns", "cbow", "svd"])
def test_every_option_the_schema_accepts_the_library_accepts(trainer):
    from w2v.config import TrainConfig
    from w2v.ppmi_svd import LsaConfig
    from w2v.serve.schemas import SGNS_ONLY, SVD_ONLY, TrainOptions

    props = TrainOptions.model_json_schema()["properties"]
    foreign = SGNS_ONLY if trainer == "svd" else SVD_ONLY
    checked = 0
    for field, spec in props.items():
        for value in [] if field in foreign else _edges(spec):
            if trainer == "svd":
                LsaConfig(**{field: value})
            else:
                TrainConfig.from_kwargs(arch=trainer, **{field: value})
            checked += 1
    assert checked >= 12


def test_taken_model_name_is_409(client):
    r = client.post("/v1/jobs", json={"corpus": "small.txt", "name": "toy"})
    assert r.status_code == 409 and "toy" in r.json()["error"]


def test_openapi_and_docs(client):
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "w2v"
    for path in ("/v1/models/{name}/similar", "/v1/jobs", "/v1/jobs/{job_id}", "/metrics"):
        assert path in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_metrics_count_requests_and_jobs(client):
    def series():
        text = client.get("/metrics").text
        out = {}
        for line in text.splitlines():
            if not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
        return out

    before = series()
    for _ in range(3):
        client.get("/v1/models/toy/similar?word=frog")
    client.get("/v1/models/toy/similar?word=nonesuch")
    after = series()
    ok = 'w2v_http_requests_total{method="GET",route="/v1/models/{name}/similar",status="200"}'
    missing = ok.replace('"200"', '"404"')
    assert after[ok] - before.get(ok, 0) == 3
    assert after[missing] - before.get(missing, 0) == 1
    count = (
        'w2v_http_request_duration_seconds_count{method="GET",route="/v1/models/{name}/similar"}'
    )
    inf = count.replace("_count{", "_bucket{").replace('similar"}', 'similar",le="+Inf"}')
    assert after[count] - before.get(count, 0) == 4 and after[inf] == after[count]
    assert 'w2v_jobs{state="running"}' in after and after["w2v_models"] >= 2
    text = client.get("/metrics").text
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")
    # every sample line is `name{labels} value`, label values quoted
    sample = re.compile(r'^[a-z_][a-z0-9_]*(\{([a-z_]+="[^"]*",?)+\})? [0-9.e+-]+$')
    assert all(sample.match(x) for x in text.splitlines() if not x.startswith("#"))


def test_token_is_enforced(site, tmp_path):
    app = create_app({"toy": site / "toy"}, tmp_path / "models", token="s3cret")
    with local_client(app) as c:
        assert c.get("/health").status_code == 200
        for path in ("/v1/models", "/v1/models/toy/similar?word=frog", "/metrics", "/docs"):
            r = c.get(path)
            assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
            assert "Bearer" in r.json()["error"]
            assert c.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert c.get(path, headers={"Authorization": "s3cret"}).status_code == 401
            assert c.get(path, headers={"Authorization": "Bearer s3cret"}).status_code == 200
        r = c.post("/v1/jobs", json={})
        assert r.status_code == 401
        spec = c.get("/openapi.json", headers={"Authorization": "Bearer s3cret"}).json()
        assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_second_server_on_the_same_models_dir_is_refused(client, site):
    with pytest.raises(w2v.UserError, match="another w2v serve"):
        create_app({}, site / "models")


def test_json_error_never_leaks_a_traceback(client):
    r = client.get("/v1/models/toy/similar", params={"word": "x" * 200})
    assert r.status_code == 404 and "Traceback" not in r.text
    assert json.loads(r.text)["error"]


def test_unknown_names_cost_a_stat_and_models_copied_in_are_found(tmp_path, monkeypatch):
    from w2v.serve import models as M

    models = tmp_path / "models"
    models.mkdir()
    registry = M.ModelRegistry({}, models)
    scans = []
    real = os.scandir
    monkeypatch.setattr(M.os, "scandir", lambda p: scans.append(p) or real(p))
    for _ in range(3):
        with pytest.raises(M.UnknownModelError):
            registry.get("nope")
    assert scans == []  # the directory did not change since the scan at start-up
    # a copy in progress: the directory exists, its files not yet
    monkeypatch.setattr(M, "RECHECK_SECONDS", 0.0)
    (models / "late").mkdir()
    with pytest.raises(M.UnknownModelError):
        registry.get("late")
    toy_vectors(50, 4).save(tmp_path / "built")
    for f in (tmp_path / "built").iterdir():  # the models directory's mtime stays
        shutil.copy(f, models / "late" / f.name)
    assert len(registry.get("late")) == 50  # incomplete last time: scanned again


def test_metrics_labels_stay_bounded_whatever_method_a_client_sends():
    from w2v.serve.metrics import Metrics

    m = Metrics()
    for i in range(100):
        m.observe(f"X{i}", "unmatched", 405, 0.001)
    m.observe("GET", "/health", 200, 0.001)
    text = m.render({})
    assert 'method="other"' in text and 'method="GET"' in text and "X1" not in text


def test_a_model_broken_under_a_query_process_is_a_503_not_a_500(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    app = create_app({}, models, query_processes=1)
    with local_client(app) as c:
        toy_vectors(100, 4).save(tmp_path / "built")
        U = np.load(tmp_path / "built" / "vectors.npy")
        U[5] = np.inf  # found only when U is scanned: by the query process, not the server
        np.save(tmp_path / "built" / "vectors.npy", U)
        os.rename(tmp_path / "built", models / "late")  # appears while serving
        assert c.get("/v1/models/late").status_code == 200  # the server opens it lazily
        r = c.get("/v1/models/late/similar", params={"word": "frog"})
        # the server's trouble, not the client's input: 503, naming the model and the rows
        assert r.status_code == 503, r.text
        assert r.json()["error"].startswith("model 'late' cannot be read")
        assert "non-finite" in r.json()["error"]
        assert c.get("/v1/models/late").status_code == 503  # the registry knows it now


@pytest.mark.slow
def test_a_query_process_that_cannot_start_is_retried_ever_more_slowly(site, tmp_path, monkeypatch):
    import w2v.serve.compute as compute

    app = create_app({"toy": site / "toy"}, tmp_path / "models", query_processes=1)
    with local_client(app) as c:
        queries = c.app.state.queries
        (pid,) = queries.pids()
        real, spawned = compute.subprocess.Popen, []

        def dies_at_once(cmd, **kwargs):
            spawned.append(cmd)
            return real([sys.executable, "-c", "pass"], **kwargs)

        monkeypatch.setattr(compute.subprocess, "Popen", dies_at_once)
        os.kill(pid, signal.SIGKILL)
        time.sleep(2.0)
        # backoff 0.2, 0.4, 0.8, 1.6 s: a handful, not a busy loop of hundreds
        assert 1 <= len(spawned) <= 6, len(spawned)
        r = c.get("/v1/models/toy/similar?word=frog")
        assert r.status_code == 503  # none can answer: the query is not left hanging


@pytest.mark.parametrize("processes", [0, 1])
def test_an_unknown_word_names_the_models_min_count_in_both_modes(tmp_path, processes):
    """A query process sent back the word and the suggestions only: the HTTP 404 lost the
    min-count hint that threads mode gave."""
    toy_vectors(meta={"config": {"min_count": 5}}).save(tmp_path / "m")
    app = create_app({"m": tmp_path / "m"}, tmp_path / "models", None, query_processes=processes)
    with local_client(app) as c:
        r = c.get("/v1/models/m/similar?word=frogg")
    assert r.status_code == 404
    assert "seen at least 5 times" in r.json()["error"], r.json()
