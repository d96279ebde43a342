"""`w2v demo`: train (or open the model already there), print neighbours and an analogy, draw."""

import contextlib
import io
import json
import sys

import pytest

from tests.helpers import check_png, one_error_line
from w2v.cli import main
from w2v.plot import figures as P

# The `model` fixture (conftest.py): these vectors in tmp_path / "w2v-model", demo's default -m
pytestmark = pytest.mark.model("analogies", name="w2v-model")


@pytest.mark.slow
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
    assert "analogy: boy - man + woman = girl" in out
    check_png(tmp_path / "w2v-demo.png")


def test_demo_refuses_training_options_the_model_there_was_not_trained_with(model, capsys):
    before = sorted((p.name, p.stat().st_mtime_ns) for p in model.iterdir())
    assert main(["demo", "-m", str(model), "--dim", "50", "--epochs", "1"]) == 2
    err = one_error_line(capsys)
    assert "already holds a model (dim 24, epochs unknown, seed unknown)" in err
    assert "not the --dim 50 --epochs 1 asked for" in err and "-m DIR" in err
    assert sorted((p.name, p.stat().st_mtime_ns) for p in model.iterdir()) == before


def test_demo_reuses_a_model_that_has_the_options_given(model, tmp_path, capsys):
    assert main(["demo", "-m", str(model), "--dim", "24", "-o", str(tmp_path / "d.png")]) == 0
    assert "using the model in" in capsys.readouterr().out


def test_demo_without_matplotlib_still_prints(model, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out_png = tmp_path / "d.png"
    assert main(["demo", "-m", str(model), "-o", str(out_png)]) == 0
    out = capsys.readouterr().out
    assert "analogy: boy - man + woman = girl" in out
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


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """`w2v demo` from nothing: trains on the embedded corpus (1 epoch, dim 20, to stay cheap)."""
    d = tmp_path_factory.mktemp("demo")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(
            ["demo", "--epochs", "1", "--dim", "20", "-m", str(d / "m"), "-o", str(d / "d.png")]
        )
    return d, status, out.getvalue(), err.getvalue()


@pytest.mark.slow
def test_demo_trains_on_the_embedded_corpus(trained):
    d, status, out, err = trained
    assert status == 0, err
    assert "training skip-gram on the embedded corpus" in out
    assert "saved the model in" in out and "(18,404 words)" in out
    assert "epoch 1/1" in err  # the trainer's progress, on stderr
    assert "nearest neighbours (cosine):" in out and "frog:" in out
    assert "analogy: boy - man + woman = " in out
    meta = json.loads((d / "m" / "meta.json").read_text())
    assert meta["config"]["dim"] == 20 and meta["config"]["epochs"] == 1
    check_png(d / "d.png")


@pytest.mark.slow
def test_the_second_demo_opens_the_model_it_saved(trained, capsys):
    d = trained[0]
    assert main(["demo", "-m", str(d / "m"), "-o", str(d / "again.png")]) == 0
    out = capsys.readouterr().out
    assert f"using the model in {d / 'm'} (18,404 words, dim 20)" in out
    check_png(d / "again.png")
    assert main(["demo", "-m", str(d / "m"), "--epochs", "1", "--dim", "20", "--seed", "1",
                 "-o", str(d / "again.png")]) == 0  # fmt: skip
    assert "using the model in" in capsys.readouterr().out


@pytest.mark.slow
def test_the_loss_of_a_trained_model_can_be_plotted(trained, monkeypatch):
    """The key w2v.plot reads is the one the trainer writes."""
    d = trained[0]
    meta = json.loads((d / "m" / "meta.json").read_text())
    drawn = {}
    real = P.loss_figure

    def spy(history, **kw):
        drawn["history"], drawn["title"] = history, kw.get("title")
        return real(history, **kw)

    monkeypatch.setattr(P, "loss_figure", spy)
    assert main(["plot", "--loss", "-m", str(d / "m"), "-o", str(d / "loss.png")]) == 0
    assert drawn["history"] == meta[P.LOSS_KEY] and len(drawn["history"]) == 1
    assert drawn["title"].startswith(
        "mean loss per epoch\nsgns, dim 20, window 5, negative 5 on wordnet_glosses"
    )
    check_png(d / "loss.png", min_bytes=3000)
