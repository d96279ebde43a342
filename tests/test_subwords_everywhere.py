"""A subword model from every door: `w2v train --subwords` then `w2v similar` on an unseen
word, the service answering for it, a pipeline and a service job training one."""

import numpy as np
import pytest

import w2v
from tests.helpers import TINY, local_client, run_cli, wait_for, write_small_corpus
from w2v.errors import ConfigError

UNSEEN = "frogginess"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("subwords")
    (root / "data").mkdir()
    write_small_corpus(root / "data" / "small.txt")
    return root


@pytest.fixture(scope="module")
def trained(site):
    """`w2v train --subwords 3-6` on the small corpus: the model directory."""
    from w2v.cli import main

    out = site / "models" / "sub"
    args = ["train", site / "data" / "small.txt", "-o", out, "--subwords", "3-6",
            "--buckets", "20000", "--dim", "16", "--epochs", "1", "--min-count", "2",
            "--workers", "1"]  # fmt: skip
    assert main([str(a) for a in args]) == 0
    return out


def test_cli_train_subwords_then_similar_for_an_unseen_word(trained, capsys):
    vec = w2v.load(trained)
    assert UNSEEN not in vec and vec.subwords == {"minn": 3, "maxn": 6, "buckets": 20000}
    code, out, err = run_cli(capsys, "similar", UNSEEN, "-n", "5", "-m", trained)
    assert code == 0, err
    lines = [line.split("\t") for line in out.strip().splitlines()]
    assert [(w, round(float(s), 5)) for w, s in lines] == [
        (w, round(s, 5)) for w, s in vec.most_similar(UNSEEN, topn=5)
    ]


def test_batch_queries_and_plots_take_unseen_words(trained):
    from w2v.plot.figures import neighbour_groups

    vec = w2v.load(trained)
    seen = vec.words[3]
    batch = vec.most_similar_batch([seen, UNSEEN, seen], topn=4)
    for got, word in zip(batch, [seen, UNSEEN, seen], strict=True):
        want = vec.most_similar(word, topn=4)
        assert [w for w, _ in got] == [w for w, _ in want]
        np.testing.assert_allclose([c for _, c in got], [c for _, c in want], atol=1e-5)
    groups = neighbour_groups(vec, [UNSEEN], 3)
    assert groups == [[UNSEEN] + [w for w, _ in vec.most_similar(UNSEEN, topn=3)]]


def test_cli_a_broken_ngrams_file_is_one_line_and_exit_2(trained, tmp_path, capsys):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(trained, broken)
    np.save(broken / "ngrams.npy", np.zeros((3, 16), np.float32))
    code, out, err = run_cli(capsys, "similar", UNSEEN, "-m", broken)
    assert code == 2 and out == "" and err.count("\n") == 1 and "ngrams.npy" in err


@pytest.mark.parametrize("processes", [0, 1])
def test_the_service_answers_an_unseen_word(trained, site, processes):
    pytest.importorskip("fastapi", reason="the serve extra is not installed")
    from w2v.serve.app import create_app

    vec = w2v.load(trained)
    app = create_app({"sub": trained}, site / "served", site / "data", query_processes=processes)
    with local_client(app) as c:
        r = c.get("/v1/models/sub/similar", params={"word": UNSEEN, "n": 5})
        assert r.status_code == 200, r.text
        got = [(x["word"], x["score"]) for x in r.json()["results"]]
        assert [w for w, _ in got] == [w for w, _ in vec.most_similar(UNSEEN, topn=5)]
        r = c.get("/v1/models/sub/vector", params={"word": UNSEEN})
        assert r.status_code == 200, r.text
        np.testing.assert_allclose(r.json()["vector"], vec[UNSEEN], rtol=1e-6)


@pytest.mark.slow  # a worker process compiles and trains: ~20 s on a loaded machine
def test_a_service_job_trains_a_subword_model(site):
    pytest.importorskip("fastapi", reason="the serve extra is not installed")
    from w2v.serve.app import create_app

    app = create_app({}, site / "jobs", site / "data")
    with local_client(app) as c:
        bad = {**TINY, "subwords": "6-3"}
        r = c.post("/v1/jobs", json={"corpus": "small.txt", "config": bad})
        assert r.status_code == 422 and "subwords" in r.text
        config = {**TINY, "subwords": "3-5", "buckets": 5000}
        r = c.post("/v1/jobs", json={"corpus": "small.txt", "name": "sj", "config": config})
        assert r.status_code == 202, r.text
        done = wait_for(c, r.json()["id"], {"done", "failed"})
        assert done["state"] == "done", done["error"]
        vec = w2v.load(site / "jobs" / "sj")
        assert vec.subwords == {"minn": 3, "maxn": 5, "buckets": 5000}
        r = c.get("/v1/models/sj/similar", params={"word": UNSEEN, "n": 3})
        assert r.status_code == 200 and len(r.json()["results"]) == 3


PIPELINE = """
[corpus]
paths = ["{corpus}"]

[vocab]
min_count = 2

[train]
trainer = "cbow"
dim = 16
epochs = 1
workers = 1
subwords = "3-5"
buckets = 5000

[evaluate]
restrict = 10000

[export]
formats = ["word2vec"]
"""


def test_a_pipeline_trains_a_subword_model(site, tmp_path):
    from pipelines import config as config_mod
    from pipelines import runner

    path = tmp_path / "w2v.toml"
    path.write_text(PIPELINE.format(corpus=site / "data" / "small.txt"))
    runner.run(config_mod.load(path), tmp_path / "run", echo=lambda s: None)
    vec = w2v.load(tmp_path / "run" / "model")
    assert vec.meta["trainer"] == "cbow" and vec.subwords["buckets"] == 5000
    assert vec.meta["config"]["subwords"] == "3-5"
    assert vec.has_vector(UNSEEN) and vec.most_similar(UNSEEN, topn=3)
    path.write_text(PIPELINE.format(corpus=site / "data" / "small.txt").replace("cbow", "svd"))
    with pytest.raises(ConfigError, match="subwords"):
        runner.run(config_mod.load(path), tmp_path / "run2", echo=lambda s: None)
