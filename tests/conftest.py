"""Shared fixtures: where the real data lives, and the embedded corpus."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path | None:
    """../shared/data beside the checkout (or $W2V_SHARED_DATA); None when absent."""
    for candidate in (
        os.environ.get("W2V_SHARED_DATA"),
        REPO.parent / "shared" / "data",
        Path("/work/shared/data"),
    ):
        if candidate and Path(candidate, "README.md").is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    d = shared_data_dir()
    if d is None:
        pytest.skip("../shared/data is absent (a user's clone has no shared data)")
    return d


@pytest.fixture(scope="session")
def embedded_corpus() -> Path:
    import w2v

    return w2v.default_corpus()


@pytest.fixture(scope="session")
def embedded_sentences(embedded_corpus) -> list[list[str]]:
    """The embedded corpus tokenized once for the whole session (1.4 M tokens)."""
    import w2v

    return list(w2v.iter_sentences(embedded_corpus))
