import json
import sys

import pytest
from PIL import Image

from w2v.cli import main


def test_playground_prints_epochs_with_v_and_writes_the_picture(tmp_path, capsys):
    out = tmp_path / "xor.png"
    args = ["playground", "--data", "xor", "--hidden", "", "--epochs", "15", "-o", str(out)]
    assert main([*args, "-v"]) == 0
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 15
    assert lines[0].startswith("epoch    1/15  train loss") and "test loss" in lines[0]
    (summary,) = captured.out.splitlines()
    assert "xor, a single neuron: test accuracy" in summary and str(out) in summary
    with Image.open(out) as im:
        assert im.size == (1000, 460)


def test_playground_progress_is_throttled_without_v(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("w2v.cli.playground.LOG_EVERY", 1e9)  # as if training took no time
    assert main(["playground", "--epochs", "200", "-o", str(tmp_path / "x.png")]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert [line.split()[1] for line in lines] == ["1/200", "200/200"]


def test_playground_gif_and_json(tmp_path, capsys):
    out = tmp_path / "c.gif"
    args = ["playground", "--data", "circles", "--hidden", "4", "--epochs", "10", "--every", "5"]
    assert main([*args, "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["hidden"] == [4] and report["epochs"] == 10 and 0 <= report["test_acc"] <= 1
    with Image.open(out) as im:
        assert im.n_frames == 3  # epochs 1, 5, 10


def test_playground_errors_exit_2(tmp_path, capsys, monkeypatch):
    assert main(["playground", "-o", str(tmp_path / "x.txt")]) == 2
    assert "-o takes a file ending in" in capsys.readouterr().err
    assert main(["playground", "--hidden", "8,x"]) == 2
    assert "--hidden" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["playground", "--epochs", "1", "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "w2v[plot]" in err[0]
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--noise", "1e308"], "'--noise': 1e+308 is not in the range 0<=x<=5"),
        (["--points", "100000000000"], "'--points'"),
        (["--lr", "1e308"], "'--lr'"),
        (["--hidden", "100000,100000"], "at most 8 hidden layers of at most 1024 units"),
    ],
)
def test_out_of_range_options_exit_2_without_a_traceback(tmp_path, capsys, args, message):
    assert main(["playground", "--epochs", "2", "-o", str(tmp_path / "x.png"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()
