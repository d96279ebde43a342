"""`w2v similar`, `w2v analogy`, `w2v eval` on a model directory."""

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import REPO, run_cli
from w2v.evaluate import data_path, evaluate_analogies, evaluate_pairs

pytestmark = pytest.mark.model("evaluation")  # the `model` fixture's vectors (conftest.py)


def test_similar_prints_word_tab_cosine(model, model_vectors, capsys):
    vec, path = model_vectors, model
    code, out, _ = run_cli(capsys, "similar", "france", "-n", "4", "-m", str(path))
    assert code == 0
    expected = [f"{w}\t{s:.6f}" for w, s in vec.most_similar("france", topn=4)]
    assert out.splitlines() == expected


def test_similar_several_words_is_one_query_and_json(model, model_vectors, capsys):
    vec, path = model_vectors, model
    code, out, _ = run_cli(capsys, "similar", "france", "paris", "--json", "-m", str(path))
    assert code == 0
    got = json.loads(out)
    assert got["positive"] == ["france", "paris"]
    ours = vec.most_similar(["france", "paris"])
    assert [(r["word"], r["score"]) for r in got["results"]] == ours


def test_similar_and_analogy_json_name_the_score_as_the_http_api_does(model, capsys):
    path = model
    for args in (["similar", "france"], ["analogy", "athens", "greece", "iraq"],
                 ["analogy", "athens", "greece", "iraq", "--method", "mul"]):  # fmt: skip
        code, out, _ = run_cli(capsys, *args, "-n", "2", "--json", "-m", str(path))
        assert code == 0
        assert [sorted(r) for r in json.loads(out)["results"]] == [["score", "word"]] * 2


def test_analogy_add_and_mul(model, model_vectors, capsys):
    vec, path = model_vectors, model
    for method in ("add", "mul"):
        code, out, _ = run_cli(
            capsys, "analogy", "athens", "greece", "iraq", "--method", method, "-m", str(path)
        )
        assert code == 0
        ours = vec.analogy("athens", "greece", "iraq", method=method)
        assert out.splitlines() == [f"{w}\t{s:.6f}" for w, s in ours]


def test_unknown_word_one_line_with_suggestions_exit_2(model, capsys):
    path = model
    code, out, err = run_cli(capsys, "similar", "frnace", "-m", str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert "'frnace'" in err and "france" in err


def test_unknown_word_from_a_fresh_process(model):
    path = model
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    r = subprocess.run(
        [sys.executable, "-m", "w2v", "analogy", "athens", "greece", "zzqx", "-m", str(path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode == 2
    assert r.stderr.startswith("w2v: error:") and "Traceback" not in r.stderr
    assert "'zzqx'" in r.stderr and r.stderr.count("\n") == 1


def test_missing_model_is_a_one_line_error(tmp_path, capsys):
    code, _, err = run_cli(capsys, "similar", "frog", "-m", str(tmp_path / "nope"))
    assert code == 2 and "does not exist" in err


@pytest.mark.slow
def test_eval_defaults_to_the_shipped_sets(model, model_vectors, capsys):
    vec, path = model_vectors, model
    code, out, _ = run_cli(capsys, "eval", "--json", "--restrict", "1000", "-m", str(path))
    assert code == 0
    got = json.loads(out)
    assert got["analogies"] == json.loads(json.dumps(evaluate_analogies(vec, restrict=1000)))
    assert set(got["pairs"]) == {str(data_path("wordsim353.tsv")), str(data_path("simlex999.txt"))}
    code, out, _ = run_cli(capsys, "eval", "-m", str(path))
    assert code == 0 and "total" in out and "spearman" in out


def test_eval_with_given_files(model, model_vectors, capsys, tmp_path):
    vec, path = model_vectors, model
    questions = tmp_path / "q.txt"
    questions.write_text(": capitals\nathens greece baghdad iraq\nathens greece paris france\n")
    pairs = tmp_path / "p.tsv"
    pairs.write_text("tiger\tcat\t7.35\nking\tqueen\t8.58\nfrance\tparis\t5\n")
    args = ["eval", "--analogies", str(questions), "--pairs", str(pairs), "--json"]
    code, out, _ = run_cli(capsys, *args, "-m", str(path))
    assert code == 0
    got = json.loads(out)
    assert got["analogies"]["total"] == 2
    assert got["pairs"][str(pairs)]["spearman"] == pytest.approx(
        evaluate_pairs(vec, pairs)["spearman"]
    )
    code, _, err = run_cli(
        capsys, "eval", "--analogies", str(tmp_path / "none.txt"), "-m", str(path)
    )
    assert code == 2 and "does not exist" in err


def test_eval_with_no_askable_question_is_a_user_error_like_pairs(model, capsys, tmp_path):
    path = model
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    oov = tmp_path / "oov.txt"
    oov.write_text(": capitals\nzzzz yyyy xxxx wwww\n")
    for option, file, message in [
        ("--pairs", empty, "no valid similarity judgements"),
        ("--analogies", empty, "no analogy questions"),
        ("--analogies", oov, "none of the 1 analogy questions"),
    ]:
        code, out, err = run_cli(capsys, "eval", option, str(file), "-m", str(path))
        assert code == 2 and out == "" and message in err and len(err.splitlines()) == 1
