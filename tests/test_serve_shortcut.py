"""The query shortcut: it takes only requests it can check completely, and what it answers
is byte for byte what the FastAPI routes answer (status, content type, body)."""

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")

from tests.helpers import local_client, toy_vectors
from w2v.serve.app import create_app
from w2v.serve.shortcut import parse


def scope(target: str, method: str = "GET") -> dict:
    path, _, query = target.partition("?")
    return {"method": method, "path": path, "query_string": query.encode(), "root_path": ""}


def test_parse_takes_well_formed_queries():
    assert parse(scope("/v1/models/toy/similar?word=frog")) == (
        "toy",
        "similar",
        {"positive": ["frog"], "negative": [], "n": 10},
    )
    assert parse(scope("/v1/models/toy/similar?n=1000&word=new+york")) == (
        "toy",
        "similar",
        {"positive": ["new york"], "negative": [], "n": 1000},
    )
    assert parse(scope("/v1/models/m-1/analogy?a=king&b=man&c=woman&n=3&method=mul")) == (
        "m-1",
        "analogy",
        {"a": "king", "b": "man", "c": "woman", "n": 3, "method": "mul"},
    )
    assert parse(scope("/v1/models/toy/vector?word=%C3%A9t%C3%A9")) == (
        "toy",
        "vector",
        {"word": "été"},
    )


@pytest.mark.parametrize(
    "target",
    [
        "/v1/models/toy/similar",  # no word
        "/v1/models/toy/similar?word=",  # empty word
        "/v1/models/toy/similar?word=" + "x" * 201,  # too long
        "/v1/models/toy/similar?word=frog&word=toad",  # twice
        "/v1/models/toy/similar?word=frog&extra=1",  # unknown parameter
        "/v1/models/toy/similar?word=frog&n=0",
        "/v1/models/toy/similar?word=frog&n=1001",
        "/v1/models/toy/similar?word=frog&n=010",
        "/v1/models/toy/similar?word=frog&n=1e3",
        "/v1/models/toy/similar?word=frog&n=%2B3",
        "/v1/models/toy/similar?word=frog&n=",
        "/v1/models/toy/similar/?word=frog",  # trailing slash
        "/v1/models//similar?word=frog",
        "/v1/models/a/b/similar?word=frog",
        "/v1/models/toy/analogy?a=king&b=man",  # no c
        "/v1/models/toy/analogy?a=king&b=man&c=woman&method=sub",
        "/v1/models/toy/vector?word=frog&n=3",  # vector takes no n
        "/v1/models/toy/similarity?word=frog",
        "/v1/models/toy",
        "/v1/jobs",
    ],
)
def test_parse_leaves_everything_else_to_the_routes(target):
    assert parse(scope(target)) is None


def test_parse_takes_only_get():
    assert parse(scope("/v1/models/toy/similar?word=frog", "HEAD")) is None
    assert parse(scope("/v1/models/toy/similar?word=frog", "POST")) is None
    with_root = dict(scope("/v1/models/toy/similar?word=frog"), root_path="/api")
    assert parse(with_root) is None


TARGETS = [
    "/v1/models/toy/similar?word=frog",
    "/v1/models/toy/similar?word=frog&n=1000",
    "/v1/models/toy/similar?word=frog&n=1",
    "/v1/models/toy/similar?word=frogg",  # unknown word: 404 with suggestions
    "/v1/models/toi/similar?word=frog",  # unknown model
    "/v1/models/toy/similar?word=%C3%A9t%C3%A9",
    "/v1/models/toy/analogy?a=king&b=man&c=woman",
    "/v1/models/toy/analogy?a=king&b=man&c=woman&n=5&method=mul",
    "/v1/models/toy/analogy?a=king&b=king&c=king&n=2",
    "/v1/models/toy/analogy?a=king&b=mann&c=woman",
    "/v1/models/toy/vector?word=queen",
    "/v1/models/toy/vector?word=quen",
    "/v1/models/toy/similar?word=frog&n=0",  # the routes' 422
    "/v1/models/toy/similar?word=frog&n=010",  # left to the route, which takes it
    "/v1/models/toy/analogy?a=king&b=man&c=woman&method=sub",
]


@pytest.mark.parametrize(
    "processes", [0, pytest.param(1, marks=pytest.mark.slow)], ids=["threads", "processes"]
)
def test_the_shortcut_answers_as_the_routes(tmp_path, processes):
    toy_vectors().save(tmp_path / "toy")
    answers = {}
    for shortcut in (True, False):
        app = create_app(
            {"toy": tmp_path / "toy"},
            tmp_path / f"models-{shortcut}",
            query_processes=processes,
            shortcut=shortcut,
        )
        with local_client(app) as client:
            answers[shortcut] = [
                (r.status_code, r.headers["content-type"], r.content)
                for r in map(client.get, TARGETS)
            ]
            metrics = client.get("/metrics").text
        assert 'route="/v1/models/{name}/similar",status="200"} 4' in metrics
    assert answers[True] == answers[False]
    assert sum(parse(scope(t)) is not None for t in TARGETS) == 12  # the shortcut took them
    statuses = [status for status, _, _ in answers[True]]
    assert statuses == [200] * 3 + [404] * 3 + [200] * 3 + [404, 200, 404, 422, 200, 422]
