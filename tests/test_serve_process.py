"""`w2v serve` as a user runs it: a real server process on 127.0.0.1 (a free port), spoken
to over HTTP. Every endpoint, the token, a job from submission to query, and a server
killed in the middle of a job then started again."""

import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

httpx = pytest.importorskip("httpx", reason="the serve extra is not installed")
pytest.importorskip("fastapi", reason="the serve extra is not installed")

import w2v
from tests.helpers import REPO, TINY, alive, one_error_line, toy_vectors, write_small_corpus
from w2v.cli import main
from w2v.serve.jobs import INTERRUPTED, SCRATCH

TOKEN = "t0ken-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python -m w2v serve ...` on a free port of 127.0.0.1, with an httpx client."""

    def __init__(self, root):
        self.root = root
        self.port = free_port()
        cmd = [sys.executable, "-m", "w2v", "serve", "-m", f"toy={root / 'toy'}",
               "--models-dir", str(root / "models"), "--data-root", str(root / "data"),
               "--port", str(self.port), "--token", TOKEN, "--query-workers", "1",
               "--allowed-host", "w2v.example"]  # fmt: skip
        env = dict(os.environ, PYTHONPATH=str(REPO))
        self.log = open(root / f"server-{self.port}.log", "wb")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", headers=AUTH)
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.http.get("/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError((root / f"server-{self.port}.log").read_text())
            time.sleep(0.1)

    def wait(self, job_id: int, states: set[str], timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            job = self.http.get(f"/v1/jobs/{job_id}").json()
            if job["state"] in states:
                return job
            assert time.monotonic() < deadline, job
            time.sleep(0.1)

    def stop(self, sig=signal.SIGTERM) -> None:
        self.http.close()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(30)
        self.log.close()


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("process")
    toy_vectors().save(root / "toy")
    (root / "data").mkdir()
    write_small_corpus(root / "data" / "small.txt")
    write_small_corpus(root / "data" / "medium.txt", lines=20_000)  # 250 k tokens
    return root


@pytest.fixture(scope="module")
def server(root):
    s = Server(root)
    yield s
    s.stop()


def results(r) -> list[tuple[str, float]]:
    assert r.status_code == 200, r.text
    return [(x["word"], x["score"]) for x in r.json()["results"]]


@pytest.mark.slow
def test_every_query_endpoint_answers_as_the_library(server, root):
    toy = w2v.load(root / "toy")
    h = server.http
    assert h.get("/health", headers={}).json()["status"] == "ok"
    assert [m["name"] for m in h.get("/v1/models").json()["models"]] == ["toy"]
    assert h.get("/v1/models/toy").json()["vocab_size"] == len(toy)
    assert results(h.get("/v1/models/toy/similar?word=frog&n=25")) == toy.most_similar(
        "frog", topn=25
    )
    body = {"positive": ["king", "woman"], "negative": ["man"], "n": 10}
    assert results(h.post("/v1/models/toy/similar", json=body)) == toy.most_similar(
        ["king", "woman"], ["man"], topn=10
    )
    for method in ("add", "mul"):
        q = f"a=paris&b=france&c=queen&n=5&method={method}"
        assert results(h.get(f"/v1/models/toy/analogy?{q}")) == toy.analogy(
            "paris", "france", "queen", topn=5, method=method
        )
    v = h.get("/v1/models/toy/vector?word=frog").json()["vector"]
    assert np.array_equal(np.array(v, np.float32), toy["frog"])
    r = h.get("/v1/models/toy/similar?word=frogg")
    assert r.status_code == 404 and r.json()["suggestions"] == ["frog"]
    assert h.get("/v1/models/toy/similar?word=frog&n=5000").status_code == 422
    assert "w2v_http_requests_total" in h.get("/metrics").text
    assert h.get("/openapi.json").json()["info"]["title"] == "w2v"


@pytest.mark.slow
def test_head_and_a_client_leaving_mid_body_over_http(server):
    h = server.http
    for path in ("/health", "/v1/models", "/v1/models/toy/similar?word=frog"):
        got, head = h.get(path), h.head(path)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(got.content))
    assert h.get("/health").json()["status"] == "ok"  # the connection is still in step
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(
            b"POST /v1/models/toy/similar HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: bearer " + TOKEN.encode() + b"\r\n"
            b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"pos'
        )
        time.sleep(0.2)
    deadline = time.monotonic() + 10
    while 'route="unmatched",status="499"' not in (text := h.get("/metrics").text):
        assert time.monotonic() < deadline, text
        time.sleep(0.1)
    assert 'status="500"' not in text


@pytest.mark.slow
def test_token_is_enforced_over_http(server):
    bare = httpx.Client(base_url=str(server.http.base_url))
    assert bare.get("/health").status_code == 200
    for path in ("/v1/models", "/v1/models/toy/similar?word=frog", "/v1/jobs", "/metrics"):
        assert bare.get(path).status_code == 401
        assert bare.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert bare.post("/v1/jobs", json={"corpus": "small.txt"}).status_code == 401
    assert bare.delete("/v1/jobs/1").status_code == 401
    bare.close()


@pytest.mark.slow
def test_only_allowed_host_names_are_answered_over_http(server):
    h = server.http  # 127.0.0.1:PORT, the address it is bound to
    assert h.get("/v1/models", headers={"host": "w2v.example:8000"}).status_code == 200
    r = h.get("/v1/models", headers={"host": "evil.example"})
    assert r.status_code == 421 and "'evil.example'" in r.json()["error"]
    assert h.post("/v1/jobs", json={}, headers={"host": "evil.example"}).status_code == 421


@pytest.mark.slow
def test_job_from_submission_to_query(server, root):
    h = server.http
    assert h.post("/v1/jobs", json={"corpus": "../toy/meta.json"}).status_code == 403
    r = h.post("/v1/jobs", json={"corpus": "small.txt", "name": "fresh", "config": TINY})
    assert r.status_code == 202
    job = server.wait(r.json()["id"], {"done", "failed"})
    assert job["state"] == "done", job["error"]
    fresh = w2v.load(root / "models" / "fresh")
    assert results(h.get("/v1/models/fresh/similar?word=water&n=5")) == fresh.most_similar(
        "water", topn=5
    )
    assert {m["name"] for m in h.get("/v1/models").json()["models"]} == {"toy", "fresh"}


@pytest.mark.slow
def test_server_killed_mid_job_then_restarted(server, root):
    h = server.http
    config = {**TINY, "epochs": 100}  # 25 M words: seconds of training at least
    r = h.post("/v1/jobs", json={"corpus": "medium.txt", "name": "doomed", "config": config})
    job_id = r.json()["id"]
    deadline = time.monotonic() + 60
    while (job := h.get(f"/v1/jobs/{job_id}").json())["progress"] == 0:  # into the epochs
        assert job["state"] in ("queued", "running") and time.monotonic() < deadline, job
        time.sleep(0.1)
    scratch = root / "models" / SCRATCH / str(job_id)
    assert list((scratch / "tmp").glob(".w2v-encoded.tmp-*"))  # the trainer's encoded corpus
    worker = next(
        int(p) for p in os.listdir("/proc") if p.isdigit() and _is_worker_of(int(p), job_id)
    )
    server.stop(signal.SIGKILL)  # no clean-up at all

    deadline = time.monotonic() + 10  # the orphaned worker notices and exits
    while alive(worker):
        assert time.monotonic() < deadline, "the worker outlived its server"
        time.sleep(0.1)
    again = Server(root)
    try:
        job = again.http.get(f"/v1/jobs/{job_id}").json()
        assert job["state"] == "failed" and job["error"] == INTERRUPTED
        assert not scratch.exists() and not (root / "models" / "doomed").exists()
        assert again.http.get("/v1/models/doomed/similar?word=water").status_code == 404
        fresh = again.http.get("/v1/jobs?state=done").json()["jobs"]
        assert [j["name"] for j in fresh] == ["fresh"]  # finished jobs are remembered
        # and the restarted server still trains
        r = again.http.post("/v1/jobs", json={"corpus": "small.txt", "config": TINY})
        assert again.wait(r.json()["id"], {"done", "failed"})["state"] == "done"
    finally:
        again.stop()


def _is_worker_of(pid: int, job_id: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = f.read().split(b"\0")
    except OSError:
        return False
    return b"w2v.serve.worker" in args and args[args.index(b"--job") + 1] == str(job_id).encode()


def test_serve_without_the_extra_exits_2(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if not installed
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "w2v[serve]" in err and "Traceback" not in err


def test_serve_refuses_an_allowed_host_with_a_port(tmp_path, capsys):
    args = ["serve", "--models-dir", str(tmp_path), "--allowed-host", "w2v.example:8000"]
    assert main(args) == 2
    assert "--allowed-host 'w2v.example:8000'" in one_error_line(capsys)


def test_serve_refuses_a_bad_model_directory(tmp_path, capsys):
    assert main(["serve", "-m", f"x={tmp_path / 'nothing'}", "--models-dir", str(tmp_path)]) == 2
    assert "does not exist" in capsys.readouterr().err
