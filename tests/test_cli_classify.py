"""`w2v classify train|predict` end to end on a small file and a small model."""

import json

import pytest

from tests.helpers import one_error_line, toy_rows, toy_vectors, write_tsv
from w2v.cli import main

pytestmark = pytest.mark.model("labelled")  # the `model` fixture's vectors (conftest.py)


@pytest.fixture()
def data(tmp_path):
    return write_tsv(tmp_path / "data.tsv", toy_rows())


def train(model, data, out, *extra):
    return main(
        [
            "classify",
            "train",
            str(data),
            "-m",
            str(model),
            "-o",
            str(out),
            "--hidden",
            "16",
            "--batch-size",
            "8",
            "--lr",
            "0.01",
            "--test-size",
            "0.25",
            *extra,
        ]
    )


def test_train_then_predict(tmp_path, model, data, capsys):
    out = tmp_path / "clf"
    assert train(model, data, out) == 0
    captured = capsys.readouterr()
    assert "held-out accuracy: 1.0000" in captured.out
    assert "macro-F1" in captured.out and "majority baseline" in captured.out
    assert "skipped (no in-vocabulary word): 1" in captured.out
    assert "epoch   1  loss" in captured.err and "val acc" not in captured.err
    assert "w2v: warning: a validation part of 3 rows" in captured.err  # too few: off
    assert sorted(p.name for p in out.iterdir()) == ["classifier.json", "mlp.npz"]

    assert main(["classify", "predict", str(out), "wolf", "apple pie", "qwzx"]) == 0
    captured = capsys.readouterr()
    lines = [line.split("\t") for line in captured.out.splitlines()]
    assert [row[0] for row in lines] == ["animal", "food", "-"]
    assert 0.5 < float(lines[0][1]) <= 1 and lines[1][2] == "apple pie"
    assert "no in-vocabulary word in 'qwzx'" in captured.err

    assert main(["classify", "predict", str(out), "axe", "--json", "-m", str(model)]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["text"] == "axe" and row["label"] == "tool" and row["probability"] > 0.5


def test_train_json_report_and_quiet(tmp_path, model, data, capsys):
    assert train(model, data, tmp_path / "clf", "--json", "--quiet", "--seed", "3") == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    for key in ("accuracy", "macro_f1", "majority", "n_train", "n_test", "skipped"):
        assert key in report
    assert report["skipped"] == 1 and report["n_test"] == 12
    assert captured.err.startswith("w2v: warning: a validation part")  # no epoch lines
    assert len(captured.err.splitlines()) == 1


def test_a_small_data_set_trains_every_epoch_and_learns(tmp_path, model, data, capsys):
    """The issue's case: a handful of validation rows reached accuracy 1 in the first epoch,
    and early stopping kept that epoch's almost uniform predictions."""
    out = tmp_path / "clf"
    assert main(["classify", "train", str(data), "-m", str(model), "-o", str(out), "-q"]) == 0
    assert "early stopping is off, all 200 epochs train" in capsys.readouterr().err
    assert main(["classify", "predict", str(out), "wolf", "apple pie", "axe", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["label"] for r in rows] == ["animal", "food", "tool"]
    assert min(r["probability"] for r in rows) > 0.8


def test_patience_and_no_early_stopping(tmp_path, model, data, capsys):
    assert train(model, data, tmp_path / "a", "--no-early-stopping", "--epochs", "7") == 0
    captured = capsys.readouterr()
    assert "warning" not in captured.err and "val acc" not in captured.err
    assert len([line for line in captured.err.splitlines() if line.startswith("epoch")]) == 7
    meta = json.loads((tmp_path / "a" / "classifier.json").read_text())
    assert meta["params"]["early_stopping"] is False and meta["evaluation"]["epochs"] == 7
    assert train(model, data, tmp_path / "b", "--patience", "2", "-q") == 0
    meta = json.loads((tmp_path / "b" / "classifier.json").read_text())
    assert meta["params"]["patience"] == 2
    capsys.readouterr()
    assert train(model, data, tmp_path / "c", "--patience", "2", "--no-early-stopping") == 2
    assert "--patience applies to early stopping" in one_error_line(capsys)


def test_existing_output_needs_force(tmp_path, model, data, capsys):
    out = tmp_path / "clf"
    out.mkdir()
    assert train(model, data, out, "--quiet") == 2
    assert "--force" in capsys.readouterr().err
    assert train(model, data, out, "--quiet", "--force") == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "is empty"), ("text\nfrog\n", "no 'label' column"), ("text\tlabel\n", "no rows")],
)
def test_bad_tsv_exits_2_with_one_line(tmp_path, model, capsys, content, message):
    p = tmp_path / "bad.tsv"
    p.write_text(content, encoding="utf-8")
    assert train(model, p, tmp_path / "clf") == 2
    assert message in one_error_line(capsys)
    assert not (tmp_path / "clf").exists()


def test_unknown_model_or_data_exits_2(tmp_path, data, capsys):
    assert train(tmp_path / "no-model", data, tmp_path / "clf") == 2
    assert "does not exist" in one_error_line(capsys)
    assert train(tmp_path / "no-model", tmp_path / "none.tsv", tmp_path / "clf") == 2
    assert "none.tsv" in one_error_line(capsys)
    assert main(["classify", "predict", str(tmp_path / "nope"), "frog"]) == 2
    assert "classifier directory" in one_error_line(capsys)
    assert main(["classify", "train", str(data), "--hidden", "a,b"]) == 2
    assert "--hidden" in one_error_line(capsys)


def test_predict_refuses_a_different_model(tmp_path, model, data, capsys):
    assert train(model, data, tmp_path / "clf", "--quiet") == 0
    other = tmp_path / "other"
    toy_vectors(seed=5, kind="labelled").save(other)
    capsys.readouterr()
    assert main(["classify", "predict", str(tmp_path / "clf"), "frog", "-m", str(other)]) == 2
    assert "not the embedding model" in one_error_line(capsys)


def test_predict_with_a_broken_classifier_exits_2(tmp_path, model, data, capsys):
    out = tmp_path / "clf"
    assert train(model, data, out, "--quiet") == 0
    weights = (out / "mlp.npz").read_bytes()
    (out / "mlp.npz").write_bytes(weights[:300])
    capsys.readouterr()
    assert main(["classify", "predict", str(out), "good movie"]) == 2
    assert "is broken: mlp.npz is not a readable .npz" in one_error_line(capsys)
    (out / "mlp.npz").write_bytes(weights)
    meta = json.loads((out / "classifier.json").read_text())
    (out / "classifier.json").write_text(json.dumps({**meta, "classes": ["pos", "neg"]}))
    assert main(["classify", "predict", str(out), "good movie"]) == 2
    assert "is broken: W1 has shape" in one_error_line(capsys)
