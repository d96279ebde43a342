"""Schemathesis against the service's own OpenAPI description: generated requests (valid
and invalid, bounded and derandomised) never get a 500, and every answer matches the
documented schema and content type."""

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")
schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from tests.helpers import WORDS, toy_vectors
from w2v.serve.app import create_app


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("openapi")
    toy_vectors(400, 8).save(root / "toy")
    (root / "data").mkdir()  # empty: generated corpus paths name nothing, no job runs
    # Schemathesis's ASGI client calls the server 'testserver'
    hosts = {"testserver"}
    app = create_app({"toy": root / "toy"}, root / "models", root / "data", allowed_hosts=hosts)
    yield app
    # Schemathesis's ASGI client does not run the lifespan, so the job dispatcher never
    # started: the jobs it submitted (on the embedded corpus) stayed queued.
    assert app.state.runner.running() == []
    app.state.runner.close()


CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def aimed(case, real_model: bool, word: str):
    """Point some generated requests at the served model and a word it knows, so they get
    past the 404s into the query code (random names and words almost never exist)."""
    if real_model and case.path_parameters and "name" in case.path_parameters:
        case.path_parameters["name"] = "toy"
        for key in ("word", "a", "b", "c"):
            if case.query and key in case.query:
                case.query[key] = word
        if isinstance(case.body, dict) and isinstance(case.body.get("positive"), list):
            case.body["positive"] = [word]
            case.body["negative"] = []
    return case


@pytest.mark.slow
def test_no_server_errors(app):
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:

        @given(
            case=st.builds(
                aimed, operation.as_strategy(), st.booleans(), st.sampled_from(WORDS[:6])
            )
        )
        @settings(
            max_examples=25,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(checks=CHECKS)

        check()
