"""Shared fixtures: the embedded corpus, and a saved model of known vectors. Plain helpers
(functions and constants) are in helpers.py."""

from pathlib import Path

import pytest

from tests.helpers import toy_vectors
from w2v.vectors import Vectors


@pytest.fixture(scope="session")
def embedded_corpus() -> Path:
    import w2v

    return w2v.default_corpus()


@pytest.fixture(scope="session")
def embedded_sentences(embedded_corpus) -> list[list[str]]:
    """The embedded corpus tokenized once for the whole session (1.4 M tokens)."""
    import w2v

    return list(w2v.iter_sentences(embedded_corpus))


def _model_marker(request) -> pytest.Mark:
    marker = request.node.get_closest_marker("model")
    if marker is None:
        pytest.fail("the model fixtures need @pytest.mark.model(kind, ...) on the test or module")
    return marker


@pytest.fixture
def model_vectors(request) -> Vectors:
    """The vectors named by the closest `model` marker: @pytest.mark.model(kind, name=...,
    **kwargs) gives toy_vectors(kind=kind, **kwargs) (see tests/helpers.py). A module marks
    itself (pytestmark) and a test may mark itself otherwise."""
    marker = _model_marker(request)
    kwargs = {k: v for k, v in marker.kwargs.items() if k != "name"}
    return toy_vectors(*marker.args[1:], kind=marker.args[0], **kwargs)


@pytest.fixture
def model(request, model_vectors, tmp_path) -> Path:
    """model_vectors saved in the test's own directory, as tmp_path / name (the marker's
    name=, "model" unless given): the test may change or replace it."""
    path = tmp_path / _model_marker(request).kwargs.get("name", "model")
    model_vectors.save(path)
    return path
