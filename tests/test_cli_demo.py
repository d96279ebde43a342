"""`w2v demo`: train (or open the model already there), print neighbours and an analogy, draw."""

import sys

import pytest

from tests.test_plot import check_png, toy_vectors
from w2v.cli import main


@pytest.fixture()
def model(tmp_path):
    d = tmp_path / "w2v-model"
    toy_vectors().save(d)
    return d


def test_demo_opens_an_existing_model(model, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default -m is ./w2v-model
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "using the model in w2v-model" in out
    assert "training" not in out
    lines = out.splitlines()
    for w in ["frog", "king", "violin", "bread"]:
        assert any(line.strip().startswith(f"{w}:") for line in lines), out
    frog = next(line for line in lines if line.strip().startswith("frog:"))
    assert "toad" in frog or "newt" in frog  # its cluster in the toy model
    assert "analogy: king - man + woman = queen" in out
    check_png(tmp_path / "w2v-demo.png")


def test_demo_without_matplotlib_still_prints(model, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out_png = tmp_path / "d.png"
    assert main(["demo", "-m", str(model), "-o", str(out_png)]) == 0
    out = capsys.readouterr().out
    assert "analogy: king - man + woman = queen" in out
    assert "no picture: matplotlib is not installed (pip install 'w2v[plot]')" in out
    assert not out_png.exists()


def test_demo_refuses_a_directory_that_is_not_a_model(tmp_path, capsys):
    d = tmp_path / "stuff"
    d.mkdir()
    (d / "notes.txt").write_text("mine")
    assert main(["demo", "-m", str(d)]) == 2
    err = capsys.readouterr().err
    assert "exists but is not a w2v model" in err and "Traceback" not in err
    assert [p.name for p in d.iterdir()] == ["notes.txt"]
