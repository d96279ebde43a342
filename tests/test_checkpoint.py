"""Checkpoints and resume: a run stopped at any chunk boundary and resumed gives, with one
worker, the model of the run that was never stopped, byte for byte; a checkpoint of another
config or corpus is refused in one line; and a real SIGKILL of `w2v train` is survived."""

import os
import signal
import subprocess
import sys
import time

import pytest

import w2v
import w2v.checkpoint as ckpt
from tests.helpers import REPO, one_error_line, run_cli, write_small_corpus
from w2v import training
from w2v.checkpoint import (
    Every,
    checkpoint_path,
    has_checkpoint,
    parse_every,
    read_checkpoint,
)
from w2v.cli import main
from w2v.errors import CheckpointError, UserError

# dim 16, window 5, negative 5: 576 units of work a word; 5e6 of them cut an epoch of the
# 3000-line corpus (~36 k words) into a few chunks, so that a run has boundaries inside epochs
CHUNK_WORK = 5e6
SETTINGS = dict(dim=16, epochs=3, workers=1, min_count=2, seed=3)


class Killed(Exception):
    """Stands for the SIGKILL: raised right after the checkpoint at a chosen position."""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "small.txt"
    write_small_corpus(path)
    return path


@pytest.fixture(scope="module")
def uninterrupted(corpus):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(training, "_CHUNK_WORK", CHUNK_WORK)
        return w2v.train(corpus, **SETTINGS)


def kill_after(monkeypatch, epoch: int, chunk: int) -> list:
    """Make the run raise Killed right after writing the checkpoint at (epoch, chunk);
    returns the list of positions written."""
    written, write = [], ckpt.write_checkpoint

    def write_then_maybe_die(path, at, *args):
        write(path, at, *args)
        written.append((at.epoch, at.chunk))
        if (at.epoch, at.chunk) == (epoch, chunk) and written.count((epoch, chunk)) == 1:
            raise Killed  # once: the resumed run writes on

    monkeypatch.setattr(ckpt, "write_checkpoint", write_then_maybe_die)
    return written


def same_model(a, b) -> None:
    assert a.vectors.vectors.tobytes() == b.vectors.vectors.tobytes()
    assert a.vectors.contexts.tobytes() == b.vectors.contexts.tobytes()
    assert a.loss_history == b.loss_history
    assert a.vectors.words == b.vectors.words


def test_the_corpus_has_several_chunks_an_epoch(corpus, monkeypatch):
    monkeypatch.setattr(training, "_CHUNK_WORK", CHUNK_WORK)
    written = kill_after(monkeypatch, -1, -1)
    w2v.train(corpus, checkpoint=corpus.parent / "all", checkpoint_every="1", **SETTINGS)
    n = max(c for _, c in written) + 1  # chunks an epoch; the last one ends the epoch
    assert n >= 4  # several boundaries inside an epoch
    # one checkpoint per chunk, the epoch's last as the next epoch's chunk 0; none at the end
    assert written == [(e, c) for e in range(3) for c in range(n) if (e, c) != (0, 0)]
    assert (3, 0) not in written


@pytest.mark.parametrize(
    "epoch, chunk", [(0, 2), (1, 0), (2, 2)], ids=["inside-first", "epoch-boundary", "inside-last"]
)
def test_resume_after_a_kill_gives_the_same_bytes(
    corpus, uninterrupted, tmp_path, monkeypatch, epoch, chunk
):
    monkeypatch.setattr(training, "_CHUNK_WORK", CHUNK_WORK)
    where = tmp_path / ".model.checkpoint"
    kill_after(monkeypatch, epoch, chunk)
    with pytest.raises(Killed):
        w2v.train(corpus, checkpoint=where, checkpoint_every="1", **SETTINGS)
    assert has_checkpoint(where)
    resumed = w2v.train(corpus, checkpoint=where, checkpoint_every="1", resume=True, **SETTINGS)
    assert resumed.vectors.meta["checkpoints"]["resumed_at"]["epoch"] == epoch
    assert resumed.vectors.meta["checkpoints"]["resumed_at"]["chunk"] == chunk
    same_model(resumed, uninterrupted)
    resumed.save(tmp_path / "model")
    assert not where.exists()  # the saved model supersedes it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_a_checkpoint_left_by_a_run_is_not_overwritten_without_resume(corpus, tmp_path):
    where = tmp_path / "ck"
    w2v.train(corpus, checkpoint=where, checkpoint_every="1", **SETTINGS)  # never saved
    with pytest.raises(CheckpointError, match="resume"):
        w2v.train(corpus, checkpoint=where, checkpoint_every="1", **SETTINGS)


def test_a_checkpoint_of_other_settings_or_text_is_refused(corpus, tmp_path):
    where = tmp_path / "ck"
    w2v.train(corpus, checkpoint=where, checkpoint_every="1", **SETTINGS)
    with pytest.raises(CheckpointError, match=r"other settings \(dim 16 there, 17 now\)"):
        w2v.train(corpus, checkpoint=where, resume=True, **(SETTINGS | {"dim": 17}))
    other = tmp_path / "other.txt"
    other.write_text(corpus.read_text(encoding="utf-8")[:-2000], encoding="utf-8")
    with pytest.raises(CheckpointError, match="another corpus"):
        w2v.train(other, checkpoint=where, resume=True, **SETTINGS)
    # workers are not fingerprinted: threads change the interleaving, not what is learned
    model = w2v.train(corpus, checkpoint=where, resume=True, **(SETTINGS | {"workers": 2}))
    assert len(model.loss_history) == SETTINGS["epochs"]


def test_a_damaged_checkpoint_is_refused_before_allocating(corpus, tmp_path):
    where = tmp_path / "ck"
    w2v.train(corpus, checkpoint=where, checkpoint_every="1", **SETTINGS)
    U = where / "U.npy"
    U.write_bytes(U.read_bytes()[:-100])
    with pytest.raises(CheckpointError, match="damaged.*truncated"):
        w2v.train(corpus, checkpoint=where, resume=True, **SETTINGS)
    (where / "state.json").write_text("{", encoding="utf-8")
    fp = ckpt.Fingerprints("a", "b")
    with pytest.raises(CheckpointError, match="damaged"):
        read_checkpoint(where, fp, w2v.TrainConfig(), [str(i) for i in range(10)])


def test_resume_without_a_checkpoint_starts_from_the_beginning(corpus, uninterrupted, tmp_path):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(training, "_CHUNK_WORK", CHUNK_WORK)
        model = w2v.train(corpus, checkpoint=tmp_path / "none", resume=True, **SETTINGS)
    same_model(model, uninterrupted)


def test_intervals_are_times_or_word_counts():
    assert parse_every("30s") == Every(seconds=30)
    assert parse_every("10m") == Every(seconds=600)
    assert parse_every("1.5h") == Every(seconds=5400)
    assert parse_every("50M") == Every(words=50_000_000)
    assert parse_every("500k") == Every(words=500_000)
    assert parse_every("1000") == Every(words=1000)
    for bad in ("", "10 minutes", "-5m", "0", "5x", "m"):
        with pytest.raises(CheckpointError, match="neither a time"):
            parse_every(bad)


def test_the_checkpoint_is_no_temporary_a_later_write_removes(tmp_path):
    from w2v.io.atomic import remove_stale_temps

    out = tmp_path / "model"
    where = checkpoint_path(out)
    assert where == tmp_path / ".model.checkpoint"
    where.mkdir()
    (where / "state.json").write_text("{}", encoding="utf-8")
    remove_stale_temps(out)
    assert where.exists()


# ---- the command line ----------------------------------------------------------------------


def test_cli_refuses_a_mismatched_checkpoint_in_one_line(corpus, tmp_path, capsys):
    out = tmp_path / "m"
    args = ["train", corpus, "-o", out, "--dim", "16", "--epochs", "2", "--min-count", "2"]
    w2v.train(corpus, checkpoint=checkpoint_path(out), checkpoint_every="1", dim=16, epochs=2,
              min_count=2, workers=1, seed=9)  # fmt: skip
    assert main([str(a) for a in [*args, "--workers", "1"]]) == 2
    assert "add --resume to continue it, or --force" in one_error_line(capsys)
    assert main([str(a) for a in [*args, "--workers", "1", "--resume"]]) == 2
    assert "other settings (seed 9 there, 1 now)" in one_error_line(capsys)
    code, _, err = run_cli(capsys, *args, "--checkpoint-every", "ten minutes")
    assert code == 2 and "neither a time" in err
    assert has_checkpoint(checkpoint_path(out)) and not out.exists()  # nothing lost
    code, _, err = run_cli(capsys, *args, "--workers", "1", "--force")  # start over
    assert code == 0 and out.is_dir() and not checkpoint_path(out).exists(), err
    fresh = ["train", corpus, "-o", tmp_path / "fresh", "--dim", "8", "--epochs", "1"]
    code, _, err = run_cli(capsys, *fresh, "--resume")
    assert code == 0 and "no checkpoint in" in err and "training from the start" in err


@pytest.mark.slow
def test_cli_survives_a_sigkill(tmp_path):
    """`w2v train` killed by SIGKILL after its first checkpoint, then run again with
    --resume, saves the model an uninterrupted run saves, byte for byte (workers=1)."""
    corpus = tmp_path / "medium.txt"
    write_small_corpus(corpus, lines=20_000)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    common = ["--dim", "32", "--epochs", "6", "--workers", "1", "--min-count", "3"]

    def cli(out, *more):
        cmd = [sys.executable, "-m", "w2v", "train", str(corpus), "-o", str(out), *common]
        return subprocess.Popen([*cmd, *more], env=env, stderr=subprocess.PIPE)

    assert cli(tmp_path / "whole").wait() == 0
    out = tmp_path / "killed"
    state = checkpoint_path(out) / "state.json"
    proc = cli(out, "--checkpoint-every", "1")
    deadline = time.monotonic() + 120
    while not state.exists():
        assert proc.poll() is None, "the run ended before its first checkpoint"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    time.sleep(0.1)  # somewhere in the middle of an epoch, or of another checkpoint's write
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists() and has_checkpoint(checkpoint_path(out))
    resumed = cli(out, "--checkpoint-every", "1", "--resume")
    _, err = resumed.communicate()
    assert resumed.returncode == 0, err
    for name in ("vectors.npy", "contexts.npy", "vocab.parquet"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
    assert not checkpoint_path(out).exists()
    leftovers = [p.name for p in tmp_path.iterdir()]
    assert sorted(leftovers) == ["killed", "medium.txt", "whole"]


def test_a_directory_that_is_not_a_checkpoint_is_refused_before_training(corpus, tmp_path):
    where = tmp_path / ".m.checkpoint"
    where.mkdir()
    (where / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not a checkpoint directory w2v wrote"):
        w2v.train(corpus, checkpoint=where, checkpoint_every="1", **SETTINGS)
    assert (where / "notes.txt").read_text() == "mine"
