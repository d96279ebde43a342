"""The fault suite (scripts/faults.py), short: w2v's writing commands SIGKILLed at random
moments lose nothing. The script runs 20 kills per command; here 3 each for import and the
pipeline (slow: each kill is a fresh interpreter), seeded."""

import importlib.util
import random
import sys

import pytest

from tests.helpers import REPO

spec = importlib.util.spec_from_file_location("faults", REPO / "scripts" / "faults.py")
faults = sys.modules["faults"] = importlib.util.module_from_spec(spec)  # dataclasses look it up
spec.loader.exec_module(faults)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    return root, faults.make_workspace(root, lines=3000)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["import", "pipeline"])
def test_a_killed_command_leaves_old_or_new_and_the_users_files(workspace, name):
    root, corpus = workspace
    case = next(c for c in faults.cases(corpus) if c.name == name)
    assert faults.run_case(root, case, kills=3, rng=random.Random(7)) == []
    assert case.counts["rerun ok"] == 3


def test_the_checks_see_a_changed_user_file_and_a_half_output(tmp_path):
    """The suite can fail: a touched user file and an output that is neither old nor new."""
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("mine")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "vectors.npy").write_bytes(b"old")
    before = faults.hashes(tmp_path)
    old = faults.output_state(before, "model")
    (tmp_path / "model" / "vectors.npy").write_bytes(b"new")
    new = faults.output_state(faults.hashes(tmp_path), "model")
    (tmp_path / "notes" / "a.txt").write_text("changed")
    (tmp_path / "model" / "vectors.npy").write_bytes(b"half")
    (tmp_path / ".model.tmp-x").write_bytes(b"")  # w2v's temporary: allowed
    (tmp_path / "stray").write_bytes(b"")
    case = faults.Case("train", [], [], "model")
    found = faults.problems_after_kill(tmp_path, case, before, old, new)
    assert found == [
        "user file notes/a.txt changed or vanished",
        "new file stray outside what w2v owns",
        "output model is neither the old nor the new one",
    ]
