"""A training job whose server died resumes from its checkpoint on the next start (real
worker process, real trainer), and its model is the one an uninterrupted job trains."""

import time

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")

import w2v
from tests.helpers import job_left_running, write_small_corpus
from w2v.checkpoint import checkpoint_path, has_checkpoint
from w2v.serve.jobs import SCRATCH, JobRunner
from w2v.serve.worker import MODEL

CONFIG = {"dim": 16, "epochs": 3, "workers": 1, "min_count": 2}


def run_to_the_end(runner: JobRunner, job_id: int, timeout: float = 120) -> dict:
    """Start the runner's dispatcher and wait until the job is neither queued nor running."""
    runner.start()
    deadline = time.monotonic() + timeout
    while (job := runner.store.get(job_id))["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


@pytest.mark.slow
def test_a_job_left_running_with_a_checkpoint_resumes_from_it(tmp_path):
    data, models = tmp_path / "data", tmp_path / "models"
    data.mkdir()
    write_small_corpus(data / "small.txt")
    store, job = job_left_running(models, "resumed", "small.txt", CONFIG)
    store.close()
    # what that worker left: a checkpoint after its second epoch, and other scratch files
    scratch = models / SCRATCH / str(job["id"])
    where = checkpoint_path(scratch / MODEL)
    whole = w2v.train(data / "small.txt", checkpoint=where, checkpoint_every="1", **CONFIG)
    (scratch / "tmp").mkdir()
    (scratch / "worker.log").write_text("killed\n")
    assert has_checkpoint(where)

    runner = JobRunner(models, data, on_model=lambda name, path: None, poll=0.05).open()
    try:
        assert runner.store.get(job["id"])["state"] == "queued"  # not failed
        assert sorted(p.name for p in scratch.iterdir()) == [where.name]
        done = run_to_the_end(runner, job["id"])
        assert done["state"] == "done", done
    finally:
        runner.close()
    model = w2v.load(models / "resumed")
    assert model.meta["checkpoints"]["resumed_at"]["epoch"] == 2  # one epoch left to train
    assert model.vectors.tobytes() == whole.vectors.vectors.tobytes()
    assert model.contexts.tobytes() == whole.vectors.contexts.tobytes()
    assert not any((models / SCRATCH).iterdir())  # the job's scratch went with it


def test_a_job_left_running_without_a_checkpoint_still_fails(tmp_path):
    models = tmp_path / "models"
    store, job = job_left_running(models, "half")
    store.close()
    (models / SCRATCH / str(job["id"]) / "tmp").mkdir(parents=True)
    runner = JobRunner(models, None, on_model=lambda name, path: None).open()
    try:
        assert runner.store.get(job["id"])["state"] == "failed"
        assert not (models / SCRATCH).exists()
    finally:
        runner.close()


@pytest.mark.slow
def test_a_job_running_when_the_server_shuts_down_resumes_at_the_next_start(tmp_path):
    data, models = tmp_path / "data", tmp_path / "models"
    data.mkdir()
    write_small_corpus(data / "small.txt")
    config = {"dim": 16, "epochs": 100, "workers": 1, "min_count": 2}

    def runner():  # a checkpoint after every chunk: an epoch of this corpus
        return JobRunner(models, data, on_model=lambda name, path: None, poll=0.05,
                         checkpoint_every="1000").open()  # fmt: skip

    first = runner()
    try:
        first.start()
        job = first.submit("sgns", "small.txt", config, "restarted")
        where = checkpoint_path(models / SCRATCH / str(job["id"]) / MODEL)
        deadline = time.monotonic() + 120
        while not has_checkpoint(where):
            assert first.store.get(job["id"])["state"] in ("queued", "running")
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        first.close()  # the worker is killed mid-run
    assert has_checkpoint(where)

    second = runner()
    try:
        assert second.store.get(job["id"])["state"] == "queued"  # not failed
        assert [p.name for p in where.parent.iterdir()] == [where.name]
        done = run_to_the_end(second, job["id"])
        assert done["state"] == "done", done
    finally:
        second.close()
    model = w2v.load(models / "restarted")
    assert 1 <= model.meta["checkpoints"]["resumed_at"]["epoch"] < 100
    assert model.meta["config"]["epochs"] == 100
    assert not any((models / SCRATCH).iterdir())  # the job's scratch went with it
