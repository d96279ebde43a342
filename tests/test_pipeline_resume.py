"""The pipeline's train step checkpoints into the run directory; a run killed in that step
continues from the checkpoint when run again, to the model an unbroken run trains."""

import lzma

import pytest

import pipelines.steps.train as train_step
import w2v
from pipelines import config as config_mod
from pipelines import runner
from w2v.checkpoint import checkpoint_path, has_checkpoint

CONFIG = """
[corpus]
paths = ["corpus.txt"]

[vocab]
min_count = 3

[train]
trainer = "sgns"
dim = 16
epochs = 3
workers = 1
seed = 7

[evaluate]
restrict = 10000

[export]
formats = []
"""


@pytest.mark.slow
def test_a_run_killed_in_train_resumes_from_its_checkpoint(tmp_path, monkeypatch):
    with lzma.open(w2v.default_corpus(), "rt", encoding="utf-8") as f:
        (tmp_path / "corpus.txt").write_text("".join(next(f) for _ in range(6000)))
    (tmp_path / "w2v.toml").write_text(CONFIG)
    cfg = config_mod.load(tmp_path / "w2v.toml")
    runner.run(cfg, tmp_path / "whole", echo=lambda s: None)

    monkeypatch.setattr(train_step, "CHECKPOINT_EVERY", "1")  # at every chunk boundary
    real = train_step.run

    def killed(inputs, outputs, config, progress=None):
        def stop(p):
            if p.epoch >= 3:  # in the last epoch: the end of the second is checkpointed
                raise KeyboardInterrupt

        return real(inputs, outputs, config, progress=stop)

    monkeypatch.setattr(train_step, "run", killed)
    run_dir = tmp_path / "killed"
    with pytest.raises(KeyboardInterrupt):
        runner.run(cfg, run_dir, echo=lambda s: None)
    assert not (run_dir / "model").exists() and has_checkpoint(checkpoint_path(run_dir / "model"))
    monkeypatch.setattr(train_step, "run", real)
    report = runner.run(cfg, run_dir, echo=lambda s: None)  # the run directory is still w2v's
    assert [r.name for r in report if r.state == "ran"] == ["train", "evaluate"]
    a, b = w2v.load(tmp_path / "whole" / "model"), w2v.load(run_dir / "model")
    assert b.meta["checkpoints"]["resumed_at"]["epoch"] == 2
    assert a.vectors.tobytes() == b.vectors.tobytes()
    assert a.contexts.tobytes() == b.contexts.tobytes()
    assert not checkpoint_path(run_dir / "model").exists()
