"""Shared fixtures: the embedded corpus. Plain helpers (functions and constants) are in
helpers.py."""

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def embedded_corpus() -> Path:
    import w2v

    return w2v.default_corpus()


@pytest.fixture(scope="session")
def embedded_sentences(embedded_corpus) -> list[list[str]]:
    """The embedded corpus tokenized once for the whole session (1.4 M tokens)."""
    import w2v

    return list(w2v.iter_sentences(embedded_corpus))
