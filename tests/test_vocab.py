import numpy as np
import pytest

import w2v
from w2v.errors import CorpusError, UnknownWordError
from w2v.vocab import Vocab, alias_table, build_vocab, count_words


def gensim_raw_counts(sentences):
    from gensim.models import Word2Vec

    model = Word2Vec(vector_size=10, min_count=1, workers=1)
    model.build_vocab(sentences)
    return model


@pytest.mark.slow
@pytest.mark.parametrize("min_count", [1, 5])
def test_counts_equal_gensim_on_the_embedded_corpus(embedded_corpus, embedded_sentences, min_count):
    from gensim.models import Word2Vec

    ours = build_vocab(embedded_corpus, min_count=min_count)
    model = Word2Vec(vector_size=10, min_count=min_count, workers=1)
    model.build_vocab(embedded_sentences)
    theirs = {w: model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key}
    assert dict(zip(ours.words, ours.counts.tolist(), strict=True)) == theirs
    assert ours.total == sum(theirs.values())


def test_order_is_count_descending_ties_by_first_appearance():
    v = build_vocab([["b", "a", "c", "a"], ["c", "d", "b"]], min_count=1)
    assert v.words == ["b", "a", "c", "d"]
    assert v.counts.tolist() == [2, 2, 2, 1]
    assert v.index("c") == 2 and "d" in v and "z" not in v and len(v) == 4 and v.total == 7


def test_max_size_and_min_count():
    v = build_vocab([["a"] * 5 + ["b"] * 3 + ["c"] * 2 + ["d"]], min_count=2, max_size=2)
    assert v.words == ["a", "b"]


def test_unknown_word_suggests_close_words():
    v = Vocab(["frog", "frogs", "dog"], np.array([3, 2, 1]))
    with pytest.raises(UnknownWordError) as e:
        v.index("frgo")
    assert isinstance(e.value, KeyError)
    assert "frgo" in str(e.value) and "frog" in str(e.value)


def test_empty_corpus_and_nothing_frequent_enough(tmp_path):
    p = tmp_path / "e.txt"
    p.write_text("\n\n  \n")
    with pytest.raises(CorpusError, match="empty"):
        build_vocab(p)
    p.write_text("rare words only\n")
    with pytest.raises(CorpusError, match="min-count"):
        build_vocab(p, min_count=2)


def test_pruning_keeps_the_table_bounded():
    # 20,000 distinct hapaxes and one frequent word; the table may hold only 1,000.
    rng = np.random.default_rng(0)
    sentences = [[f"h{i}" for i in range(j, j + 100)] + ["the"] * 50 for j in range(0, 20_000, 100)]
    rng.shuffle(sentences)
    counter, info = count_words(sentences, max_table=1_000)
    assert len(counter) <= 1_000 + 150  # never more than the limit plus one sentence
    assert counter["the"] == 50 * 200  # a frequent word survives every pruning exactly
    assert info["pruned_words"] > 0


def test_keep_probs_follow_word2vec_c():
    v = Vocab(["a", "b", "c"], np.array([1_000_000, 1_000, 1]))
    sample = 1e-3
    p = v.keep_probs(sample)
    total = v.total
    for i, c in enumerate(v.counts):
        expected = (np.sqrt(c / (sample * total)) + 1) * (sample * total) / c
        assert p[i] == pytest.approx(min(1.0, expected))
    assert p[0] < 0.1 and p[2] == 1.0
    assert np.all(v.keep_probs(0) == 1.0)


def test_alias_table_is_exact():
    p = np.array([0.5, 0.25, 0.125, 0.125])
    prob, alias = alias_table(p)
    n = len(p)
    # Probability that the draw returns k: (prob[k] + Σ_{i: alias[i]=k} (1 - prob[i])) / n.
    implied = prob.astype(np.float64).copy()
    for i in range(n):
        implied[alias[i]] += 1.0 - prob[i]
    np.testing.assert_allclose(implied / n, p, atol=1e-7)


def _vose_reference(p):
    """Vose's method as the lists of its description (w2v's table before the kernel)."""
    n = len(p)
    prob, alias, scaled = np.zeros(n), np.arange(n, dtype=np.int32), p * n
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s], alias[s] = scaled[s], g
        scaled[g] = scaled[g] + scaled[s] - 1.0
        (small if scaled[g] < 1.0 else large).append(g)
    for i in small + large:
        prob[i] = 1.0
    return prob.astype(np.float32), alias


@pytest.mark.parametrize("n", [1, 2, 7, 5000])
def test_alias_table_is_vose_step_for_step(n):
    counts = np.random.default_rng(n).zipf(1.3, n).astype(np.float64) ** 0.75
    p = counts / counts.sum()
    prob, alias = alias_table(p)
    want_prob, want_alias = _vose_reference(p)
    assert np.array_equal(prob, want_prob) and np.array_equal(alias, want_alias)


def test_noise_sampling_frequencies_match_count_power(embedded_corpus):
    v = build_vocab(embedded_corpus, min_count=5)
    prob, alias = v.noise_alias()
    rng = np.random.default_rng(1)
    n = 2_000_000
    i = rng.integers(0, len(v), n)
    draws = np.where(rng.random(n) < prob[i], i, alias[i])
    freq = np.bincount(draws, minlength=len(v)) / n
    expected = v.noise_probs()
    # The 50 most likely words: each within 5 standard errors of its count^0.75 share.
    top = np.argsort(-expected)[:50]
    se = np.sqrt(expected[top] * (1 - expected[top]) / n)
    assert np.all(np.abs(freq[top] - expected[top]) < 5 * se)
    # Over all words: Pearson's chi-square against count^0.75 (every expected count is > 5)
    # stays within 5 standard deviations of its mean, the degrees of freedom.
    observed = freq * n
    chi2 = ((observed - n * expected) ** 2 / (n * expected)).sum()
    df = len(v) - 1
    assert n * expected.min() > 5
    assert chi2 < df + 5 * np.sqrt(2 * df)


def test_save_and_load_round_trip(tmp_path):
    v = Vocab(["ünï", "b"], np.array([5, 3]))
    v.save(tmp_path / "vocab.parquet")
    w = w2v.Vocab.load(tmp_path / "vocab.parquet")
    assert w.words == v.words and w.counts.tolist() == [5, 3]


@pytest.mark.slow
def test_suggestions_are_difflibs_and_sensible():
    import difflib
    import random

    from w2v.vocab import Suggestions, suggest

    rng = random.Random(0)
    letters = "etaoinshrdlucmfwypvbgkqjxz"
    weights = [26 - i for i in range(26)]  # skewed, so that many words share letters
    words = ["frog", "frogs", "dog", "king", "queen", "été", "Paris", "self-made", "x" * 300]
    words += ["".join(rng.choices(letters, weights, k=rng.randint(1, 12))) for _ in range(20_000)]

    def typo(w):
        i = rng.randrange(len(w))
        return w[:i] + rng.choice(letters) + w[i + 1 :]

    queries = [typo(rng.choice(words[:5000])) for _ in range(60)]
    queries += ["frgo", "quen", "ete", "paris", "selfmade", "x" * 299, "", "\ud800", "zzzzzz"]
    near = Suggestions(words)
    for q in queries:
        assert near(q) == difflib.get_close_matches(q, words[:50_000], 3, 0.75), q
    assert suggest("frgo", words)[0] == "frog"
    assert Vocab(["king", "queen"], np.ones(2)).suggest("quen") == ["queen"]
    assert suggest("frog", ["cat", "mouse"]) == [] and suggest("frog", []) == []


def test_count_words_min_count_keeps_order_and_distinct(tmp_path):
    """Words below min_count are dropped before they are decoded; the kept ones keep their
    first-appearance order and counts, and info["distinct"] still counts every word seen."""
    text = "c a b a\nd c a e\nb c\n"
    p = tmp_path / "c.txt"
    p.write_text(text, encoding="utf-8")
    for source in (p, [line.split() for line in text.splitlines()]):
        everything, info_all = count_words(source)
        kept, info = count_words(source, min_count=2)
        assert list(kept.items()) == [(w, c) for w, c in everything.items() if c >= 2]
        assert list(kept) == ["c", "a", "b"]
        assert info["distinct"] == info_all["distinct"] == 5
