"""The middleware before the routes (guards.py): HEAD answered as GET without a body, the
bearer scheme in any case, a client leaving mid-body counted as 499 (not a server error),
a stalled body bounded in time."""

import asyncio

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")
from fastapi.testclient import TestClient

import w2v
from tests.helpers import local_client, toy_vectors
from w2v.serve.app import create_app
from w2v.serve.guards import Front
from w2v.serve.metrics import Metrics


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("guards")
    toy_vectors(300, 8).save(root / "toy")
    app = create_app({"toy": root / "toy"}, root / "models", token="s3cret")
    with local_client(app, headers={"Authorization": "Bearer s3cret"}) as c:
        yield c


@pytest.mark.parametrize(
    "path",
    [
        "/health",
        "/v1/models",
        "/v1/models/toy",
        "/v1/models/toy/similar?word=frog",  # the shortcut's
        "/v1/models/toy/similar?word=frog&n=0",  # the route's 422
        "/v1/models/nope/vector?word=frog",
        "/v1/jobs",
        "/metrics",
    ],
)
def test_head_is_get_without_the_body(client, path):
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == got.status_code != 405
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    if path != "/metrics":  # the metrics text grows with each request
        assert head.headers["content-length"] == str(len(got.content))


def test_head_is_counted_as_head_and_not_in_openapi(client):
    client.head("/health")
    assert 'method="HEAD",route="/health",status="200"' in client.get("/metrics").text
    spec = client.get("/openapi.json").json()
    assert not any("head" in ops for ops in spec["paths"].values())


@pytest.mark.parametrize(
    "value, status",
    [
        ("Bearer s3cret", 200),
        ("bearer s3cret", 200),
        ("BEARER s3cret", 200),
        ("Bearer  s3cret", 200),
        ("Bearer S3CRET", 401),  # the token is case-sensitive
        ("Bearers3cret", 401),
        ("Basic s3cret", 401),
        ("s3cret", 401),
        ("", 401),
    ],
)
def test_the_bearer_scheme_is_case_insensitive(client, value, status):
    r = client.get("/v1/models", headers={"Authorization": value})
    assert r.status_code == status


async def _call(front, scope, messages, sent):
    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)  # a client that sends nothing more

    async def send(message):
        sent.append(message)

    await front(scope, receive, send)


def _post(path="/v1/models/toy/similar", length=100):
    headers = [
        (b"host", b"localhost"),
        (b"content-type", b"application/json"),
        (b"content-length", str(length).encode()),
    ]
    return {"type": "http", "method": "POST", "path": path, "headers": headers}


def test_a_client_leaving_mid_body_is_499_not_500():
    metrics = Metrics()

    async def app(scope, receive, send):
        raise AssertionError("never reached")

    front = Front(app, metrics)
    sent = []
    messages = [
        {"type": "http.request", "body": b'{"po', "more_body": True},
        {"type": "http.disconnect"},
    ]
    asyncio.run(_call(front, _post(), messages, sent))
    assert sent == []
    text = metrics.render({})
    assert 'method="POST",route="unmatched",status="499"' in text and 'status="500"' not in text


def test_a_stalled_body_is_408_after_the_timeout():
    metrics = Metrics()

    async def app(scope, receive, send):
        raise AssertionError("never reached")

    front = Front(app, metrics, body_seconds=0.2)
    sent = []
    messages = [{"type": "http.request", "body": b'{"po', "more_body": True}]
    asyncio.run(asyncio.wait_for(_call(front, _post(), messages, sent), 10))
    assert sent[0]["status"] == 408 and (b"connection", b"close") in sent[0]["headers"]
    assert b"not received within 0.2 s" in sent[1]["body"]
    assert 'status="408"' in metrics.render({})


@pytest.fixture(scope="module")
def tokenless(tmp_path_factory):
    """The app as `w2v serve` starts it on 127.0.0.1 by default: no token."""
    root = tmp_path_factory.mktemp("hosts")
    toy_vectors(300, 8).save(root / "toy")
    app = create_app({"toy": root / "toy"}, root / "models")
    yield TestClient(app)  # no lifespan: a job it accepts stays queued
    app.state.runner.close()


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:8000",
        "LocalHost",
        "127.0.0.1",
        "127.0.0.1:80",
        "[::1]",
        "[::1]:8000",
    ],
)
def test_loopback_host_names_are_answered(tokenless, host):
    assert tokenless.get("/v1/models/toy", headers={"host": host}).status_code == 200


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",  # a page's own name, rebound to 127.0.0.1 by its DNS
        "evil.example:8000",
        "localhost.evil.example",
        "127.0.0.1.nip.io",
        "testserver",
        "::1",  # an IPv6 address without its brackets is not a Host
        "[::1]x",
        "localhost:80x",
        "",
    ],
)
def test_other_host_names_are_refused_before_anything_is_done(tokenless, host):
    runner = tokenless.app.state.runner
    for method, path in [
        ("GET", "/v1/models/toy/similar?word=frog"),  # the shortcut's
        ("GET", "/health"),
        ("POST", "/v1/jobs"),
        ("DELETE", "/v1/jobs/1"),
    ]:
        r = tokenless.request(
            method, path, json={} if method == "POST" else None, headers={"host": host}
        )
        assert r.status_code == 421, (method, path, r.text)
        assert r.headers["content-type"] == "application/json"
        assert "Host" in r.json()["error"] and "\n" not in r.json()["error"]
    assert runner.store.list() == []  # no job was queued


def test_a_request_without_a_host_header_is_refused():
    metrics = Metrics()

    async def app(scope, receive, send):
        raise AssertionError("never reached")

    sent = []
    scope = {"type": "http", "method": "GET", "path": "/health", "headers": []}
    asyncio.run(_call(Front(app, metrics), scope, [], sent))
    assert sent[0]["status"] == 421


def test_allowed_host_names_are_loopback_the_bound_address_and_those_given():
    from w2v.serve.guards import LOOPBACK_HOSTS, allowed_hosts

    loopback = set(LOOPBACK_HOSTS)
    assert loopback == {"localhost", "127.0.0.1", "[::1]"}
    assert allowed_hosts("127.0.0.1") == loopback
    assert allowed_hosts("0.0.0.0") == allowed_hosts("::") == loopback  # wildcards name nothing
    assert allowed_hosts("192.168.1.5") == loopback | {"192.168.1.5"}
    assert allowed_hosts("fe80::2") == loopback | {"[fe80::2]"}
    assert allowed_hosts("0.0.0.0", ["W2V.example", "[fd00::7]", "::2"]) == loopback | {
        "w2v.example",
        "[fd00::7]",
        "[::2]",
    }
    with pytest.raises(w2v.UserError, match="--allowed-host"):
        allowed_hosts("0.0.0.0", ["w2v.example:8000"])


def test_given_host_names_are_answered_and_others_still_refused(tmp_path):
    toy_vectors(300, 8).save(tmp_path / "toy")
    app = create_app({"toy": tmp_path / "toy"}, tmp_path / "models", allowed_hosts={"w2v.example"})
    c = TestClient(app)
    assert c.get("/v1/models/toy", headers={"host": "w2v.example:8000"}).status_code == 200
    assert c.get("/v1/models/toy", headers={"host": "W2V.EXAMPLE"}).status_code == 200
    assert c.get("/v1/models/toy", headers={"host": "localhost"}).status_code == 421
    app.state.runner.close()
