"""`w2v plot` as a user meets it: pictures written, and one-line errors with exit status 2."""

import sys

import numpy as np
import pytest

from tests.helpers import check_png
from w2v.cli import main
from w2v.plot import figures as P

HISTORY = [3.2, 2.6, 2.4, 2.3]
# The `model` fixture (conftest.py): a saved toy model with a per-epoch loss in its meta.json
pytestmark = pytest.mark.model("analogies", meta={"trainer": "toy", P.LOSS_KEY: HISTORY})


def test_plot_words(model, tmp_path, capsys):
    out = tmp_path / "words.png"
    assert main(["plot", "frog", "violin", "-n", "4", "-m", str(model), "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    check_png(out)


def test_plot_analogy(model, tmp_path):
    out = tmp_path / "a.png"
    assert (
        main(["plot", "--analogy", "king", "man", "woman", "-m", str(model), "-o", str(out)]) == 0
    )
    check_png(out)


def test_plot_loss(model, tmp_path, monkeypatch):
    drawn = {}
    real = P.loss_figure

    def spy(history, **kw):
        drawn["history"] = history
        return real(history, **kw)

    monkeypatch.setattr(P, "loss_figure", spy)
    out = tmp_path / "loss.png"
    assert main(["plot", "--loss", "-m", str(model), "-o", str(out)]) == 0
    assert drawn["history"] == HISTORY
    check_png(out, min_bytes=3000)


def test_plot_model_from_the_environment(model, tmp_path, monkeypatch):
    monkeypatch.setenv("W2V_MODEL", str(model))
    monkeypatch.chdir(tmp_path)
    assert main(["plot", "frog", "-n", "2"]) == 0
    check_png(tmp_path / "w2v-plot.png")


def fails(args, capsys, *messages):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for m in messages:
        assert m in err, err
    return err


@pytest.mark.model("analogies")
def test_a_model_without_loss_history(model, tmp_path, capsys):
    out = tmp_path / "loss.png"
    fails(["plot", "--loss", "-m", str(model), "-o", str(out)], capsys, "no per-epoch loss")
    assert not out.exists()


def test_unknown_word_suggests_close_ones(model, tmp_path, capsys):
    out = tmp_path / "x.png"
    args = ["plot", "frog", "vilin", "-m", str(model), "-o", str(out)]
    fails(args, capsys, "'vilin' is not in the vocabulary", "did you mean violin")
    assert not out.exists()


def test_without_matplotlib_the_extra_is_named(model, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out = tmp_path / "x.png"
    fails(["plot", "frog", "-m", str(model), "-o", str(out)], capsys, "pip install 'w2v[plot]'")
    assert not out.exists()


def test_tsne_without_scikit_learn(model, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    args = ["plot", "frog", "--method", "tsne", "-m", str(model), "-o", str(tmp_path / "t.png")]
    fails(args, capsys, "pip install 'w2v[sklearn]'")


@pytest.mark.parametrize(
    "args,message",
    [
        (["plot"], "give WORDS"),
        (["plot", "--analogy", "king", "man"], "three words"),
        (["plot", "--loss", "frog"], "--loss takes no WORDS"),
        (["plot", "--loss", "--analogy"], "choose one"),
        (["plot", "frog", "-o", "x.jpeg"], ".png, .svg or .pdf"),
        (["plot", "frog", "--method", "umap"], "'umap' is not one of"),
        (["plot", "frog", "-n", "-1"], "-1 is not in the range"),
        (["plot", "--analogy", "king", "man", "woman", "--method", "tsne"], "--method applies"),
        (["plot", "--loss", "-n", "3"], "--neighbours applies to word pictures"),
    ],
)
def test_usage_errors(args, message, model, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main([*args, "-m", str(model)]) == 2
    assert message in capsys.readouterr().err


def test_missing_model(tmp_path, capsys):
    fails(["plot", "frog", "-m", str(tmp_path / "nope")], capsys, "nope")


def test_pixels_differ_between_pictures(model, tmp_path):
    """Two different requests draw two different pictures (not a fixed image)."""
    from PIL import Image

    a, b = tmp_path / "a.png", tmp_path / "b.png"
    assert main(["plot", "frog", "-m", str(model), "-o", str(a)]) == 0
    assert main(["plot", "bread", "-m", str(model), "-o", str(b)]) == 0
    with Image.open(a) as ia, Image.open(b) as ib:
        assert not np.array_equal(np.asarray(ia), np.asarray(ib))
