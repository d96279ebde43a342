"""Evaluation: the same numbers as gensim's evaluate_word_analogies / evaluate_word_pairs."""

import hashlib

import numpy as np
import pytest

import w2v.evaluate
from tests.gensim_vectors import analogy_shaped, trained
from w2v.errors import UserError
from w2v.evaluate import ANALOGIES, PAIRS, data_path, evaluate_analogies, evaluate_pairs
from w2v.vectors import Vectors

gensim_datapath = pytest.importorskip("gensim.test.utils").datapath


def _gensim_analogies(kv, restrict, case_insensitive=True, path=None):
    path = str(path or gensim_datapath(ANALOGIES))
    score, sections = kv.evaluate_word_analogies(
        path, restrict_vocab=restrict, case_insensitive=case_insensitive
    )
    return score, [(s["section"], len(s["correct"]), len(s["incorrect"])) for s in sections]


def _check_analogies(vec, kv, restrict, case_insensitive=True):
    ours = evaluate_analogies(vec, restrict=restrict, case_insensitive=case_insensitive)
    score, sections = _gensim_analogies(kv, restrict, case_insensitive)
    assert ours["accuracy"] == pytest.approx(score, abs=1e-12)
    got = [(s["section"], s["correct"], s["total"] - s["correct"]) for s in ours["sections"]]
    assert got == sections[:-1]
    assert (ours["correct"], ours["total"] - ours["correct"]) == sections[-1][1:]
    return ours


@pytest.mark.parametrize("restrict", [pytest.param(30000, marks=pytest.mark.slow), 800])
def test_analogies_match_gensim_on_analogy_shaped_vectors(restrict):
    vec, kv = analogy_shaped()
    ours = _check_analogies(vec, kv, restrict)
    assert 0.2 < ours["accuracy"] < 0.8  # a test with room to be wrong either way
    assert ours["questions"] == 19544
    assert ours["oov"] == 19544 - ours["total"]


@pytest.mark.slow
def test_analogies_match_gensim_case_sensitive():
    vec, kv = analogy_shaped()
    ours = _check_analogies(vec, kv, 30000, case_insensitive=False)
    assert ours["total"] < 19544  # the set's "Athens" is not the vocabulary's "athens"


@pytest.mark.slow
def test_analogies_match_gensim_on_trained_vectors():
    vec, kv = trained()
    ours = _check_analogies(vec, kv, 30000)
    assert ours["total"] > 1000


@pytest.mark.slow
def test_close_calls_are_recomputed_as_gensim_does(monkeypatch):
    """With every call counted as close, each question takes gensim's exact path."""
    vec, kv = analogy_shaped()
    monkeypatch.setattr(w2v.evaluate, "_TIE", 10.0)
    _check_analogies(vec, kv, 1500)


@pytest.mark.parametrize("name", PAIRS)
@pytest.mark.parametrize("model", [analogy_shaped, trained])
def test_pairs_match_gensim(name, model):
    vec, kv = model()
    pearson, spearman, oov_ratio = kv.evaluate_word_pairs(gensim_datapath(name))
    ours = evaluate_pairs(vec, data_path(name))
    assert ours["pearson"] == pytest.approx(pearson[0], abs=1e-6)
    assert ours["spearman"] == pytest.approx(spearman[0], abs=1e-6)
    assert ours["pearson_pvalue"] == pytest.approx(pearson[1], rel=1e-4, abs=1e-12)
    assert ours["oov_ratio"] == pytest.approx(oov_ratio, abs=1e-9)


def test_pairs_case_folding_uses_the_most_frequent_variant(tmp_path):
    rng = np.random.default_rng(0)
    U = rng.standard_normal((5, 5)).astype(np.float32)
    vec = Vectors(["Tiger", "tiger", "cat", "CAT", "dog"], U)
    kv = vec.to_gensim()
    gold = "# comment\ntiger\tcat\t7\nDOG\tCat\t3\ndog\ttiger\t1\nlion\tcat\t5\nbad line\n"
    path = tmp_path / "pairs.tsv"
    path.write_text(gold)
    ours = evaluate_pairs(vec, path)
    pearson, spearman, oov_ratio = kv.evaluate_word_pairs(str(path))
    assert ours["pairs"] == 3 and ours["oov"] == 1
    assert ours["pearson"] == pytest.approx(pearson[0], abs=1e-6)
    assert ours["oov_ratio"] == pytest.approx(oov_ratio)


def test_shipped_sets_are_gensims_with_licence_notes():
    for name in (ANALOGIES, *PAIRS):
        ours = hashlib.sha256(data_path(name).read_bytes()).hexdigest()
        theirs = hashlib.sha256(open(gensim_datapath(name), "rb").read()).hexdigest()
        assert ours == theirs, name
    notes = (data_path(ANALOGIES).parent / "EVALUATION-SETS.md").read_text()
    for name in (ANALOGIES, *PAIRS):
        assert name in notes


def test_bad_files_are_user_errors(tmp_path):
    vec, _ = analogy_shaped()
    with pytest.raises(UserError, match="does not exist"):
        evaluate_analogies(vec, tmp_path / "missing.txt")
    (tmp_path / "q.txt").write_text("athens greece baghdad iraq\n")
    with pytest.raises(UserError, match="section"):
        evaluate_analogies(vec, tmp_path / "q.txt")
    for text in ("", ": capitals\n", ": capitals\nnot four words\n\n"):
        (tmp_path / "q.txt").write_text(text)
        with pytest.raises(UserError, match="no analogy questions in"):
            evaluate_analogies(vec, tmp_path / "q.txt")
    (tmp_path / "q.txt").write_text(": capitals\nzzzz yyyy xxxx wwww\nnot four words\n")
    with pytest.raises(UserError, match="none of the 1 analogy questions .* 30000 most freq"):
        evaluate_analogies(vec, tmp_path / "q.txt")
    (tmp_path / "p.tsv").write_text("zzzz\tyyyy\t1.0\nnot a pair\n")
    with pytest.raises(UserError, match="no valid"):
        evaluate_pairs(vec, tmp_path / "p.tsv")


def test_a_constant_model_gives_nan_correlations_as_gensim_without_warnings(tmp_path):
    import warnings

    vec = Vectors(["tiger", "cat", "dog", "car"], np.zeros((4, 3), np.float32))
    path = tmp_path / "pairs.tsv"
    path.write_text("tiger\tcat\t7\ndog\tcat\t6\ncar\tdog\t1\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = evaluate_pairs(vec, path)
    assert ours["pairs"] == 3
    for key in ("pearson", "pearson_pvalue", "spearman", "spearman_pvalue"):
        assert np.isnan(ours[key]), key
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gensim lets scipy's ConstantInputWarning through
        pearson, spearman, _ = vec.to_gensim().evaluate_word_pairs(str(path))
    assert np.isnan(pearson[0]) and np.isnan(pearson[1]) and np.isnan(spearman[0])


def test_one_usable_pair_gives_nan_correlations_not_a_traceback(tmp_path):
    import warnings

    rng = np.random.default_rng(0)
    vec = Vectors(["tiger", "cat"], rng.standard_normal((2, 3)).astype(np.float32))
    path = tmp_path / "pairs.tsv"
    path.write_text("tiger\tcat\t7\nlion\tcat\t5\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = evaluate_pairs(vec, path)
    assert ours["pairs"] == 1 and np.isnan(ours["pearson"]) and np.isnan(ours["spearman"])


def test_nearly_constant_scores_keep_spearman_and_no_warning(tmp_path):
    import warnings

    rng = np.random.default_rng(0)
    vec = Vectors(["a", "b", "c", "d"], rng.standard_normal((4, 3)).astype(np.float32))
    path = tmp_path / "pairs.tsv"
    path.write_text("a\tb\t5.000000000000001\na\tc\t5\na\td\t5.000000000000002\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = evaluate_pairs(vec, path)
    assert np.isnan(ours["pearson"]) and np.isfinite(ours["spearman"])


def test_analogies_on_a_zero_model_match_gensim_without_warnings(tmp_path):
    """b + c − a = 0: gensim keeps the zero query, every cosine is 0, the first word that
    is not an input is the answer."""
    import warnings

    vec = Vectors(["a", "b", "c", "d", "e"], np.zeros((5, 3), np.float32))
    path = tmp_path / "q.txt"
    path.write_text(": section\na b c d\nb a d c\nc d e a\na c b e\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = evaluate_analogies(vec, path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gensim's own 0/0 in get_vector(norm=True)
        accuracy, _ = vec.to_gensim().evaluate_word_analogies(str(path))
    assert result["accuracy"] == accuracy == 0.75


def test_a_line_of_megabytes_is_refused_before_it_is_split(tmp_path):
    """A 500 MB line of two-letter words split into 170 M strings (some 9 GB) before the
    line was found not to be an analogy or a pair; lines are read up to 1 MB."""
    vec, _ = analogy_shaped()
    long_line = "ab " * (2 << 20) + "\n"
    (tmp_path / "q.txt").write_text(": capitals\n" + long_line)
    with pytest.raises(UserError, match=r"q.txt': line 2 is longer than 1,048,576 bytes"):
        evaluate_analogies(vec, tmp_path / "q.txt")
    (tmp_path / "p.tsv").write_text(long_line)
    with pytest.raises(UserError, match=r"p.tsv': line 1 is longer than 1,048,576 characters"):
        evaluate_pairs(vec, tmp_path / "p.tsv")
