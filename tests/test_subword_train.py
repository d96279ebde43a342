"""Subword (fastText) training: the compiled steps against a direct numpy step, the words'
final vectors, reproducibility, and a trained model's vectors for unseen words."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import w2v
from tests.helpers import write_small_corpus
from w2v.config import TrainConfig
from w2v.errors import ConfigError
from w2v.kernels.sampling import draw_outputs, step, stream_seed
from w2v.kernels.subword import cbow_sentence, sg_centre, word_vectors
from w2v.subwords import ngram_buckets, subword_table
from w2v.vectors import Vectors

W, B, DIM, K = 6, 11, 8, 3
WORDS = ["frog", "frogs", "toad", "pond", "lily", "leap"]
ALPHA = np.float32(0.1)
NO_COPY = np.empty((0, DIM), np.float32)  # no private output rows (one thread)


def setup(seed=0, buckets=B):
    rng = np.random.default_rng(seed)
    U = rng.uniform(-0.5, 0.5, (W + buckets, DIM)).astype(np.float32)
    V = rng.uniform(-0.5, 0.5, (W, DIM)).astype(np.float32)
    table = subword_table(WORDS, 3, 4, buckets)
    prob = np.ones(W, np.float32)  # the alias table of the uniform distribution
    alias = np.arange(W, dtype=np.int32)
    return U, V, table, prob, alias


def rows(table, w):
    """R_w: the word's own row, then W + each of its buckets (repeats kept: with B = 11,
    words have n-grams in the same bucket)."""
    return [w, *(W + table.rows(w)).tolist()]


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def output_step(V, h, outs):
    """One output step in float64 as the module docstring writes it: the scores h·V[o]
    from V as on entry (outs[0] the true output, label 1), then per output in order
    e += g·V[o] and V[o] += g·h, g = α(label − σ(score)). Returns e; updates V."""
    s = np.array([h @ V[o] for o in outs])
    g = ALPHA * (np.r_[1.0, np.zeros(len(outs) - 1)] - sigmoid(s))
    e = np.zeros(DIM)
    for k, o in enumerate(outs):
        e += g[k] * V[o]
        V[o] += g[k] * h
    return e


def scratch():
    f32 = np.float32
    return [np.empty(K + 1, f32) for _ in range(3)] + [np.empty(DIM, f32), np.empty(DIM, f32)]


def test_skipgram_step_is_the_centres_subword_mean_predicting_each_context():
    """As fastText and gensim step: pair by pair, each pair's e added to every row of R_c
    before the next pair reads their mean again. (Exactly so when no two n-grams of the
    centre share a bucket, as here: a bucket repeated within one word would take e twice
    while the kernel's u_c moves by e; with millions of buckets that is rare and small.)"""
    U, V, table, prob, alias = setup(buckets=1009)
    c, ctx = 1, np.array([0, 2, 3], np.int64)
    state0 = stream_seed(np.uint64(5), np.uint64(0), np.uint64(0))
    U64, V64 = U.astype(np.float64), V.astype(np.float64)
    state = state0
    outs = np.empty(K + 1, np.int64)
    R = rows(table, c)
    assert len(set(R)) == len(R)
    for x in ctx:  # the same draws the kernel makes: K per context, the context excluded
        state, n_out = draw_outputs(state, x, K, prob, alias, outs)
        assert outs[0] == x and x not in outs[1:n_out]
        e = output_step(V64, U64[R].mean(axis=0), outs[:n_out])
        for r in R:
            U64[r] += e
    S, G, F, h, e32 = scratch()
    _, nll, terms = sg_centre(
        U, V, NO_COPY, W, table.offsets, table.buckets, c, ctx, len(ctx), state0, K, prob, alias,
        np.empty(len(ctx) * (K + 1), np.int64), np.empty(len(ctx), np.int64), ALPHA, S, G, F,
        h, e32, np.empty(DIM, np.float32),
    )  # fmt: skip
    np.testing.assert_allclose(U, U64, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(V, V64, rtol=1e-5, atol=1e-6)
    assert terms >= len(ctx) and nll > 0
    untouched = sorted(set(range(W + 1009)) - set(R))
    np.testing.assert_array_equal(U[untouched], setup(buckets=1009)[0][untouched])


def cbow_reference(U64, V64, table, sentence, state, window, prob, alias):
    """CBOW in float64 as fastText and gensim step: for each centre i, a radius b drawn as
    the kernel draws it, h the mean of every row of every context word, one output step,
    and e added to each of those rows before the next centre reads them."""
    from w2v.kernels.sampling import below, step

    outs = np.empty(K + 1, np.int64)
    n = len(sentence)
    for i in range(n):
        state, r = step(state)  # Numba hands uint64 back as Python ints
        state, b = np.uint64(state), 1 + below(np.uint64(r), window)
        context = [sentence[p] for p in range(max(0, i - b), min(n, i + b + 1)) if p != i]
        if not context:
            continue
        state, n_out = draw_outputs(state, sentence[i], K, prob, alias, outs)
        state = np.uint64(state)
        R = [r for x in context for r in rows(table, x)]
        e = output_step(V64, U64[R].mean(axis=0), outs[:n_out])
        for r in R:  # every row of every context word takes the whole of e
            U64[r] += e


def run_cbow_sentence(U, V, table, sentence, state, window, prob, alias):
    kept = np.array(sentence, np.int64)
    ring = 2 * window + 1
    S, G, F, h, e32 = scratch()
    state, nll, terms, _ = cbow_sentence(  # uint64 state: Numba unifies int and uint64 as float
        U, V, NO_COPY, NO_COPY, 0, W, table.offsets, table.buckets, kept, len(kept),
        np.uint64(state), window, K, prob, alias,
        np.empty(K + 1, np.int64), ALPHA, S, G, F, h, e32, np.empty((ring, DIM), np.float32),
        np.empty((ring, DIM), np.float32), np.empty(ring, np.int64),
    )  # fmt: skip
    return state, nll, terms


@pytest.mark.parametrize("window", [1, 2, 4])
def test_cbow_is_fasttexts_step_when_a_window_shares_no_row(window):
    """Every word of the sentence distinct and no two n-grams in one bucket: the kernel's
    sums per position (rows read once, steps written once, when a position leaves every
    window) take exactly the steps of the per-centre reference."""
    U, V, table, prob, alias = setup(1, buckets=100_003)
    sentence = [2, 3, 4, 5, 0]  # toad pond lily leap frog: no n-gram in common
    every = [r for w in sentence for r in rows(table, w)]
    assert len(set(every)) == len(every)
    U64, V64 = U.astype(np.float64), V.astype(np.float64)
    state = stream_seed(np.uint64(3), np.uint64(0), np.uint64(0))
    cbow_reference(U64, V64, table, sentence, state, window, prob, alias)
    _, nll, terms = run_cbow_sentence(U, V, table, sentence, state, window, prob, alias)
    np.testing.assert_allclose(U, U64, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(V, V64, rtol=1e-5, atol=1e-6)
    assert nll > 0 and terms > 0


def deferred_reference(U64, V64, table, sentence, state, window, prob, alias):
    """The kernel's rule in float64, by position: Q_p (the sum of the rows R_p, read when
    p comes within `window` of the centre) and E_p (its steps); a step e on p adds e to
    E_p and |R_p|·e to Q_p; E_p goes to the rows when no later centre reaches p."""
    from w2v.kernels.sampling import below, step

    outs = np.empty(K + 1, np.int64)
    n = len(sentence)
    Q, E = {}, {}
    for i in range(n):
        for p in range(n):
            if p <= i + window and p not in Q:
                Q[p], E[p] = U64[rows(table, sentence[p])].sum(axis=0), np.zeros(DIM)
        state, r = step(state)
        state, b = np.uint64(state), 1 + below(np.uint64(r), window)
        around = [p for p in range(max(0, i - b), min(n, i + b + 1)) if p != i]
        if around:
            state, n_out = draw_outputs(state, sentence[i], K, prob, alias, outs)
            state = np.uint64(state)
            size = sum(len(rows(table, sentence[p])) for p in around)
            e = output_step(V64, sum(Q[p] for p in around) / size, outs[:n_out])
            for p in around:
                E[p] += e
                Q[p] += len(rows(table, sentence[p])) * e
        if i >= window:
            U64[rows(table, sentence[i - window])] += E[i - window]
    for p in range(max(0, n - window), n):
        U64[rows(table, sentence[p])] += E[p]


@pytest.mark.parametrize("window", [1, 3, 9])
def test_cbow_with_repeated_words_and_shared_ngrams_follows_its_rule(window):
    """frog three times and frogs (which shares n-grams with it) within reach of each
    other: a position's steps reach the shared rows when it leaves the window (the ring of
    2·window + 1 positions reused, a window wider than the sentence)."""
    U, V, table, prob, alias = setup(1, buckets=100_003)
    sentence = [0, 2, 0, 1, 0, 3, 5, 0]
    U64, V64 = U.astype(np.float64), V.astype(np.float64)
    state = stream_seed(np.uint64(3), np.uint64(0), np.uint64(0))
    deferred_reference(U64, V64, table, sentence, state, window, prob, alias)
    run_cbow_sentence(U, V, table, sentence, state, window, prob, alias)
    np.testing.assert_allclose(U, U64, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(V, V64, rtol=1e-5, atol=1e-6)


def test_word_vectors_are_the_mean_of_own_and_ngram_rows():
    U, _, table, _, _ = setup(2)
    out = np.empty((W, DIM), np.float32)
    word_vectors(U, W, table.offsets, table.buckets, out)
    for w in range(W):
        np.testing.assert_allclose(out[w], U[rows(table, w)].mean(axis=0), rtol=1e-6, atol=1e-7)


def test_subwords_setting_is_checked():
    assert TrainConfig(subwords="3-6").ngram_lengths == (3, 6)
    assert TrainConfig().ngram_lengths is None
    for bad in ("6-3", "0-4", "3", "a-b", "3-200"):
        with pytest.raises(ConfigError, match="subwords must be MINN-MAXN"):
            TrainConfig(subwords=bad)
    with pytest.raises(ConfigError, match="buckets"):
        TrainConfig(subwords="3-6", buckets=0)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("subwords") / "small.txt"
    write_small_corpus(path, lines=3000)
    return path


SETTINGS = {"dim": 16, "epochs": 1, "min_count": 2, "workers": 1, "seed": 3}


@pytest.fixture(scope="module")
def model(corpus):
    return w2v.train(corpus, subwords="3-5", buckets=5000, **SETTINGS)


def test_workers_1_is_reproducible_bit_for_bit(corpus, model):
    again = w2v.train(corpus, subwords="3-5", buckets=5000, **SETTINGS)
    np.testing.assert_array_equal(again.vectors.vectors, model.vectors.vectors)
    np.testing.assert_array_equal(again.vectors.ngrams, model.vectors.ngrams)
    np.testing.assert_array_equal(again.vectors.contexts, model.vectors.contexts)


def test_a_trained_model_answers_unseen_words_from_their_ngrams(model):
    vec = model.vectors
    assert vec.subwords == {"minn": 3, "maxn": 5, "buckets": 5000}
    assert vec.ngrams.shape == (5000, 16)
    unseen = "frogginess"
    assert unseen not in vec and vec.has_vector(unseen)
    rows = ngram_buckets(unseen, 3, 5, 5000)
    expect = vec.ngrams[rows].astype(np.float64).mean(axis=0)
    np.testing.assert_allclose(vec[unseen], expect, rtol=1e-5, atol=1e-7)
    ranked = vec.most_similar(unseen, topn=5)
    u = expect / np.linalg.norm(expect)
    cos = vec.vectors @ u / np.linalg.norm(vec.vectors, axis=1)
    assert [w for w, _ in ranked] == [vec.words[i] for i in np.argsort(-cos)[:5]]
    assert vec.similarity(unseen, ranked[0][0]) == pytest.approx(ranked[0][1], abs=1e-5)
    assert vec.analogy(unseen, "animal", "plant", topn=3)  # an unseen word in an analogy
    # a vocabulary word's vector is the mean of its own row and its n-grams' rows; so the
    # model differs from the mean of its n-grams alone
    assert "animal" in vec and not np.allclose(vec["animal"], vec._unseen("animal"))


def test_a_plain_model_still_refuses_unknown_words(corpus):
    vec = w2v.train(corpus, **SETTINGS).vectors
    assert vec.subwords is None and vec.ngrams is None and not vec.has_vector("frogginess")
    with pytest.raises(w2v.UnknownWordError):
        vec["frogginess"]
    with pytest.raises(w2v.UnknownWordError):
        vec.most_similar("frogginess")


def test_model_directory_round_trip_maps_ngrams(model, tmp_path):
    model.save(tmp_path / "m")
    vec = w2v.load(tmp_path / "m")
    assert isinstance(vec.ngrams, np.memmap)
    assert vec.subwords == model.vectors.subwords
    np.testing.assert_array_equal(np.asarray(vec.ngrams), model.vectors.ngrams)
    np.testing.assert_array_equal(vec["frogginess"], model.vectors["frogginess"])
    vec.save(tmp_path / "again")  # a loaded model saved again keeps its n-grams
    np.testing.assert_array_equal(np.load(tmp_path / "again" / "ngrams.npy"), vec.ngrams)


@pytest.mark.parametrize("damage", ["missing", "shape", "meta"])
def test_a_broken_ngrams_file_is_a_broken_model(model, tmp_path, damage):
    d = tmp_path / "m"
    model.save(d)
    if damage == "missing":
        (d / "ngrams.npy").unlink()
    elif damage == "shape":
        np.save(d / "ngrams.npy", np.zeros((4999, 16), np.float32))
    else:
        import json

        meta = json.loads((d / "meta.json").read_text())
        meta["subwords"]["maxn"] = "six"
        (d / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(w2v.ModelError, match="ngrams.npy|meta.json"):
        w2v.load(d)


def test_the_input_matrix_starts_as_fasttexts():
    """Every row uniform in (−1/dim, 1/dim): the word rows are initial_weights' (gensim's scale)."""
    from w2v.subword_training import SubwordInputs
    from w2v.training import initial_weights

    inputs = SubwordInputs.of(WORDS, TrainConfig(subwords="3-4", buckets=70_000, dim=DIM))
    U0, _ = initial_weights(W, DIM, 1)
    U = inputs.initial_input(U0, 1)
    used = inputs.used  # the buckets the words' n-grams fall in, ascending
    assert len(used) == len(set(inputs.table.buckets.tolist())) and np.all(np.diff(used) > 0)
    assert U.shape == (W + len(used), DIM) and U.dtype == np.float32
    np.testing.assert_array_equal(U[:W], U0)
    # every bucket's row, the untrained ones from the seed: the trained ones start as theirs
    rows = np.asarray(inputs.ngram_rows(U, 1))
    assert rows.shape == (70_000, DIM) and rows.dtype == np.float32
    np.testing.assert_array_equal(rows[used], U[W:])
    assert np.abs(rows).max() < 1 / DIM and np.abs(rows).max() > 0.99 / DIM
    assert abs(float(rows.mean())) < 1e-3 / DIM  # centred
    for w in range(W):  # R_w through the dense numbering is R_w
        np.testing.assert_array_equal(used[inputs.dense.rows(w)], inputs.table.rows(w))


def test_unseen_words_get_gensims_vectors_from_gensims_ngrams():
    """Vectors holding a gensim FastText model's matrices answer as gensim does."""
    gensim = pytest.importorskip("gensim")
    from gensim.test.utils import common_texts

    ft = gensim.models.FastText(
        common_texts, vector_size=8, min_count=1, bucket=997, min_n=2, max_n=4, epochs=2, seed=1
    )
    wv = ft.wv
    vec = w2v.Vectors(
        list(wv.index_to_key), wv.vectors, ngrams=wv.vectors_ngrams,
        subwords={"minn": 2, "maxn": 4, "buckets": 997},
    )  # fmt: skip
    for word in ("computers", "graphing", "héllo", "xy", "survey"):
        assert vec.has_vector(word)
        np.testing.assert_allclose(vec[word], wv[word], rtol=1e-6, atol=1e-7)
    assert "computers" not in vec and "computer" in vec


def test_querying_a_subword_model_loads_no_numba(tmp_path):
    """The server and `w2v similar` read models without Numba's runtime (its import and its
    ~65 MB): an unseen word's vector is built in numpy, the kernels load only to train."""
    rng = np.random.default_rng(0)
    words = ["frog", "frogs", "toad", "newt"]
    vec = Vectors(
        words, rng.random((4, 8), dtype=np.float32), np.array([4, 3, 2, 1]),
        ngrams=rng.random((50, 8), dtype=np.float32),
        subwords={"minn": 3, "maxn": 4, "buckets": 50},
    )  # fmt: skip
    vec.save(tmp_path / "m")
    code = (
        "import sys, w2v, w2v.io.formats\n"
        f"vec = w2v.load({str(tmp_path / 'm')!r})\n"
        "assert vec.most_similar('froggy', topn=2)\n"
        "assert 'numba' not in sys.modules, 'numba was imported'\n"
    )
    root = str(Path(__file__).resolve().parents[1])
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert r.returncode == 0, r.stderr


def start_rows(buckets: int, dim: int, seed: int) -> np.ndarray:
    """Every bucket's start: the rows of an NgramRows with nothing trained."""
    from w2v.subword_training import NgramRows

    nothing = NgramRows(np.empty((0, dim), np.float32), np.empty(0, np.int64), buckets, seed)
    return np.asarray(nothing)


def test_ngram_rows_start_uniform_from_one_stream_per_block_whatever_the_threads():
    # bucket k of block b holds draws (k - b·UNIFORM_BLOCK)·dim + 1 ... of the stream
    # (seed, 1, b), computed from their index: the same values as stepping the stream
    from w2v.kernels.subword import UNIFORM_BLOCK

    dim, seed = 5, 11
    scale = np.float32(1 / dim)
    U = start_rows(UNIFORM_BLOCK + 7, dim, seed)
    for b, k in [(0, 0), (0, 1), (0, UNIFORM_BLOCK - 1), (1, UNIFORM_BLOCK + 6)]:
        state = stream_seed(np.uint64(seed), np.uint64(1), np.uint64(b))
        for _ in range((k - b * UNIFORM_BLOCK) * dim):
            state, _ = step(np.uint64(state))
        row = []
        for _ in range(dim):
            state, bits = step(np.uint64(state))
            unit = np.float32(np.uint64(bits) >> np.uint64(40)) / np.float32(16777216.0)
            half = np.float32(0.5 / 16777216.0)
            row.append(((unit + half) * np.float32(2.0) - np.float32(1.0)) * scale)
        np.testing.assert_array_equal(U[k], np.array(row, np.float32))
    assert np.abs(U).max() < scale and U.std() > scale / 2


def test_ngram_rows_are_read_as_the_whole_matrix_they_stand_for(tmp_path, monkeypatch):
    # NgramRows computes rows as read; every way of reading gives the matrix it replaces
    # (every bucket's start, the trained rows at the buckets in use), and save writes it
    from w2v.io import model_dir
    from w2v.subword_training import NgramRows

    B, dim, seed = 9_000, 7, 5
    used = np.array([0, 3, 4, 4_095, 4_096, 8_999], np.int64)
    trained = np.random.default_rng(0).random((len(used), dim), dtype=np.float32) + 1
    whole = start_rows(B, dim, seed)
    assert np.abs(whole).max() < 1 / dim  # none of the trained rows (all above 1)
    whole[used] = trained
    M = NgramRows(trained, used, B, seed)
    assert M.shape == (B, dim) and len(M) == B and M.dtype == np.float32 and M.ndim == 2
    np.testing.assert_array_equal(np.asarray(M), whole)
    indices = [4, -1, slice(None), slice(4_090, 4_100), slice(None, None, -7), [3, 2, 3]]
    indices += [np.array([[8_999, 1], [4_096, 0]]), (slice(2, 6), 3), (used, slice(1, 3))]
    indices += [(np.array([[3, 3], [8_998, 0]]), 2), ([5, 4, 5], [0, 6, 1]), (-2,), (7, [1, 2])]
    for index in indices:
        np.testing.assert_array_equal(M[index], whole[index])
    out = np.empty((50, dim), np.float32)
    M.read_into(out, 4_070)
    np.testing.assert_array_equal(out, whole[4_070:4_120])
    for bad in (B, -B - 1, [0, B], np.array([True] * B), 1.5):
        with pytest.raises(IndexError):
            M[bad]
    # written a block of whole pages at a time, the rows not aligned with the pages
    monkeypatch.setattr(model_dir, "DIRECT_BLOCK", 3 * 4096)
    model_dir._save_rows(tmp_path / "ngrams.npy", M)
    np.testing.assert_array_equal(np.load(tmp_path / "ngrams.npy"), whole)


@pytest.mark.parametrize("arch", ["sgns", "cbow"])
def test_training_only_the_buckets_in_use_is_training_them_all(corpus, monkeypatch, arch):
    # the same model, bit for bit (one worker), as an input matrix of all B bucket rows: the
    # unused rows never change, and ngram_rows gives them their start
    from w2v.subword_training import SubwordInputs

    settings = dict(subwords="3-5", buckets=50_000, epochs=1, workers=1, seed=4, arch=arch)
    dense = w2v.train(corpus, **settings).vectors
    of = SubwordInputs.of.__func__

    def every_row(cls, words, config):
        inputs = of(cls, words, config)
        all_rows = np.arange(inputs.buckets, dtype=np.int64)
        return dataclasses.replace(inputs, used=all_rows, dense=inputs.table)

    monkeypatch.setattr(SubwordInputs, "of", classmethod(every_row))
    full = w2v.train(corpus, **settings).vectors
    assert len(SubwordInputs.of(dense.words, TrainConfig(**settings)).used) == 50_000  # patched
    np.testing.assert_array_equal(dense.vectors, full.vectors)
    np.testing.assert_array_equal(dense.ngrams, full.ngrams)
