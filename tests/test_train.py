"""Training: configuration, the loop (progress, determinism, weights), the model, neighbours
on the embedded corpus, and the `w2v train` command."""

import dataclasses
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import w2v
from tests.helpers import one_error_line
from w2v.chunks import chunk_bounds, chunk_plan
from w2v.cli import main
from w2v.config import TrainConfig
from w2v.corpus import encode_in_memory
from w2v.errors import ConfigError, SmallDataWarning
from w2v.schedule import learning_rate, rate_factor
from w2v.training import Progress, initial_weights, train_encoded
from w2v.vocab import build_vocab


@pytest.fixture(scope="module")
def small_sentences():
    """The first 4,000 lines of the embedded corpus (about 50,000 tokens)."""
    out = []
    for sentence in w2v.iter_sentences(w2v.default_corpus()):
        out.append(sentence)
        if len(out) == 4000:
            return out


@pytest.fixture(scope="module")
def small(small_sentences):
    vocab = build_vocab(small_sentences, min_count=3)
    return encode_in_memory(small_sentences, vocab), vocab


# -- configuration ----------------------------------------------------------------------


def test_config_defaults_are_word2vec_c():
    c = TrainConfig()
    assert (c.arch, c.dim, c.window, c.negative, c.min_count, c.sample, c.epochs, c.seed) == (
        "sgns", 100, 5, 5, 5, 1e-3, 5, 1,
    )  # fmt: skip
    assert c.start_alpha == 0.025 and TrainConfig(arch="cbow").start_alpha == 0.05
    assert TrainConfig(alpha=0.1).resolved().alpha == 0.1
    with pytest.raises(AttributeError):
        c.dim = 3  # frozen


@pytest.mark.parametrize(
    "bad",
    [{"arch": "glove"}, {"dim": 0}, {"window": 0}, {"negative": 0}, {"min_count": 0},
     {"sample": 1.5}, {"sample": -0.1}, {"epochs": 0}, {"alpha": 0.0}, {"alpha": float("nan")},
     {"workers": 0}, {"seed": -1}, {"dim": 2.5}, {"window": True}, {"max_vocab_size": 0},
     {"schedule": "cosine"}],
)  # fmt: skip
def test_config_rejects_values_out_of_range(bad):
    with pytest.raises(ConfigError, match=next(iter(bad))):
        TrainConfig.from_kwargs(**bad)


def test_unknown_option_is_a_config_error(small_sentences):
    with pytest.raises(ConfigError, match="unknown training option size"):
        w2v.train(small_sentences, size=100)


# -- the loop -----------------------------------------------------------------------------


def test_w2v_train_is_the_function_of_the_training_module():
    assert w2v.train is w2v.training.train
    assert w2v.training.train_encoded is train_encoded and w2v.training.Progress is Progress


def test_ids_beyond_the_vocabulary_are_refused_before_any_update(small, monkeypatch):
    corpus, vocab = small
    monkeypatch.setattr(w2v.training, "_CHUNK_WORK", 1)  # a chunk per sentence: rare ids late
    fewer = w2v.Vocab(vocab.words[:-5], vocab.counts[:-5])  # the corpus still has ids of all
    cfg = TrainConfig(dim=8, epochs=1, workers=1, min_count=3)
    U = np.ones((len(fewer), 8), np.float32)
    V = np.zeros((len(fewer), 8), np.float32)
    with pytest.raises(ValueError, match="beyond the vocabulary"):
        train_encoded(corpus, fewer, cfg, U=U, V=V)
    assert (U == 1).all() and (V == 0).all()


def test_workers_1_is_reproducible_bit_for_bit(small):
    corpus, vocab = small
    cfg = TrainConfig(dim=16, epochs=2, workers=1, seed=3, min_count=3)
    a = train_encoded(corpus, vocab, cfg)
    b = train_encoded(corpus, vocab, cfg)
    assert np.array_equal(a.vectors.vectors, b.vectors.vectors)
    assert np.array_equal(a.vectors.contexts, b.vectors.contexts)
    assert a.loss_history == b.loss_history
    c = train_encoded(corpus, vocab, TrainConfig(dim=16, epochs=2, workers=1, seed=4))
    assert not np.array_equal(a.vectors.vectors, c.vectors.vectors)


@pytest.mark.parametrize("arch", ["sgns", "cbow"])
def test_loss_falls_and_progress_is_reported(small, arch):
    corpus, vocab = small
    seen: list[Progress] = []
    model = train_encoded(corpus, vocab, TrainConfig(arch=arch, dim=20, epochs=3), seen.append)
    assert len(model.loss_history) == 3
    assert model.loss_history[2] < model.loss_history[0] < np.log(2) * 1.5
    assert [p.epoch for p in seen] == sorted(p.epoch for p in seen)
    assert all(b.words_done > a.words_done for a, b in zip(seen, seen[1:], strict=False))
    last = seen[-1]
    assert last.words_done == last.words_total == 3 * corpus.n_tokens and last.fraction == 1.0
    assert last.alpha == pytest.approx(model.config.start_alpha * 1e-4)
    assert {p.epoch for p in seen} == {1, 2, 3} and last.eta_seconds == 0
    ends = [p for p in seen if p.words_done == p.epoch * corpus.n_tokens]
    assert [p.loss for p in ends] == pytest.approx(model.loss_history)


def test_a_raising_progress_callback_stops_training(small):
    corpus, vocab = small
    calls = []

    def stop(p):
        calls.append(p)
        raise RuntimeError("enough")

    with pytest.raises(RuntimeError, match="enough"):
        train_encoded(corpus, vocab, TrainConfig(dim=8, epochs=3), stop)
    assert len(calls) == 1


def test_starting_weights_are_trained_in_place(small):
    corpus, vocab = small
    n = len(vocab)
    U = np.full((n, 8), 0.01, np.float32)
    V = np.zeros((n, 8), np.float32)
    model = train_encoded(corpus, vocab, TrainConfig(dim=8, epochs=1), U=U, V=V)
    assert model.vectors.vectors is U and model.vectors.contexts is V
    assert not np.all(U == np.float32(0.01)) and V.any()
    with pytest.raises(ValueError, match="shape"):
        train_encoded(corpus, vocab, TrainConfig(dim=8), U=np.zeros((n, 9), np.float32))


def test_model_saves_a_model_directory(small_sentences, tmp_path):
    model = w2v.train(iter(small_sentences), dim=12, epochs=2, min_count=3, arch="cbow")
    model.save(tmp_path / "m")
    vec = w2v.load(tmp_path / "m")
    assert vec.words == model.vocab.words and vec.contexts is not None
    np.testing.assert_array_equal(vec.vectors, model.vectors.vectors)
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    assert meta["trainer"] == "cbow" and meta["config"]["alpha"] == 0.05
    assert meta["loss"] == model.loss_history and meta["corpus"]["words"] > 40_000


# -- too little data -------------------------------------------------------------------------


def test_too_little_data_warns_and_names_the_options(small_sentences):
    with pytest.warns(SmallDataWarning) as caught:
        w2v.train(small_sentences[:30], dim=8, epochs=1)
    said = [str(w.message) for w in caught]
    assert len(said) == 2
    assert said[0].startswith("only ") and "occur at least 5 times" in said[0]
    assert "lower --min-count (now 5)" in said[0]
    assert (
        "subsampling keeps" in said[1] and "lower --sample (now 0.001; 0 turns it off)" in said[1]
    )


def test_enough_data_trains_without_a_warning(small):
    corpus, vocab = small  # 4,000 lines, about 50,000 tokens
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallDataWarning)
        train_encoded(corpus, vocab, TrainConfig(dim=8, epochs=1, min_count=3))


def test_an_epoch_that_trains_nothing_has_no_loss(tmp_path):
    with pytest.warns(SmallDataWarning) as caught:
        model = w2v.train([["frog"], ["toad"]] * 5, dim=4, epochs=2, min_count=1)  # no pairs
    assert "the corpus has only 2 distinct words" in str(caught[0].message)
    assert model.loss_history == [None, None]
    model.save(tmp_path / "m")
    assert json.loads((tmp_path / "m" / "meta.json").read_text())["loss"] == [None, None]


def test_cli_train_on_a_tiny_corpus_warns_and_says_nothing_trained(tmp_path, capsys):
    corpus = tmp_path / "tiny.txt"
    corpus.write_text("frog\ntoad\n" * 6 + "and the\n")  # pairs only in the last line
    assert main(["train", str(corpus), "-o", str(tmp_path / "m"), "--dim", "4",
                 "--epochs", "2", "--min-count", "1", "--sample", "0"]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    assert "w2v: warning: the corpus has only 4 distinct words" in err
    assert "w2v: warning: an epoch trains on about 14 tokens" in err
    assert "loss per epoch 0.69" in out and "Traceback" not in err
    assert main(["train", str(corpus), "-o", str(tmp_path / "m6"), "--dim", "4",
                 "--epochs", "2", "--min-count", "6"]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    assert "loss per epoch (nothing trained) (nothing trained)" in out
    assert "w2v: warning: only 2 of 4 distinct words occur at least 6 times" in err
    assert main(["similar", "and", "-m", str(tmp_path / "m6")]) == 2
    assert "seen at least 6 times in the training corpus" in one_error_line(capsys)


# -- the learning-rate schedule -------------------------------------------------------------


def test_rate_factor_is_its_formula():
    p = np.linspace(0, 1, 401)
    for E in (1, 2, 3, 5, 20):
        w2v_c = [rate_factor("word2vec", x, E) for x in p]
        np.testing.assert_array_equal(w2v_c, np.maximum(1e-4, 1 - p))
        hold = np.array([rate_factor("hold", x, E) for x in p])
        if E == 1:
            expected = np.ones_like(p)
        else:
            expected = np.where(p <= 1 / E, 1.0, np.maximum(1e-4, (1 - p) / (1 - 1 / E)))
        np.testing.assert_allclose(hold, expected, rtol=1e-12)
        assert np.all(np.diff(hold) <= 0) and hold[0] == 1.0
    assert rate_factor("hold", 0.2, 5) == 1.0  # the end of the first of 5 epochs
    assert rate_factor("hold", 0.6, 5) == pytest.approx(0.5)  # halfway through the rest
    assert rate_factor("hold", 1.0, 5) == 1e-4 and rate_factor("hold", 1.0, 1) == 1.0
    with pytest.raises(ValueError, match="cosine"):
        rate_factor("cosine", 0.5, 5)


def test_schedule_word2vec_is_the_rate_of_before_to_the_last_bit():
    rng = np.random.default_rng(0)
    for alpha, epochs in ((None, 5), (0.0137, 3), (None, 1)):
        cfg = TrainConfig(alpha=alpha, epochs=epochs, schedule="word2vec")
        total = int(rng.integers(1, 10**9))
        for done in [0, total, total + 5, *rng.integers(0, total, 200).tolist()]:
            before = cfg.start_alpha * max(1e-4, 1.0 - done / max(total, 1))  # 00cc75e's
            assert learning_rate(cfg, done, total) == before


@pytest.mark.parametrize("arch, sample", [("sgns", 1e-3), ("cbow", 1e-4)])
def test_schedule_word2vec_reproduces_the_model_of_before_bit_for_bit(
    small, arch, sample, monkeypatch
):
    """The whole run under schedule word2vec equals a run made of 00cc75e's own rate
    expression, starting weights and chunk order, bit for bit, on any CPU (a stored hash
    held only on the CPU that made it)."""
    corpus, vocab = small
    cfg = TrainConfig(arch=arch, dim=16, epochs=2, workers=1, seed=3, min_count=3,
                      sample=sample, schedule="word2vec")  # fmt: skip
    model = train_encoded(corpus, vocab, cfg)

    def rate_of_before(config, words_done, words_total):  # 00cc75e's learning_rate
        return config.start_alpha * max(1e-4, 1.0 - words_done / max(words_total, 1))

    def weights_of_before(n_words, dim, seed, scale=None):  # 00cc75e's initial_weights
        rng = np.random.default_rng(seed)
        U = rng.random((n_words, dim), dtype=np.float32)
        U -= np.float32(0.5)
        U /= np.float32(dim)
        return U, np.zeros((n_words, dim), np.float32)

    def order_of_before(offsets, chunk_words, regions):  # 00cc75e: chunk_bounds, in order
        b = w2v.chunks.chunk_bounds(offsets, chunk_words)
        return np.stack([b[:-1], b[1:]], axis=1)[:, None, :]

    with monkeypatch.context() as m:
        m.setattr(w2v.training, "learning_rate", rate_of_before)
        m.setattr(w2v.training, "initial_weights", weights_of_before)
        m.setattr(w2v.training, "chunk_plan", order_of_before)
        before = train_encoded(corpus, vocab, cfg)
    assert model.vectors.vectors.tobytes() == before.vectors.vectors.tobytes()
    assert model.vectors.contexts.tobytes() == before.vectors.contexts.tobytes()
    hold = train_encoded(corpus, vocab, dataclasses.replace(cfg, schedule="hold"))
    assert not np.array_equal(hold.vectors.vectors, model.vectors.vectors)


def test_initial_weights_are_gensims_start_and_word2vec_cs_half_of_it():
    from gensim.models.keyedvectors import prep_vectors

    U, V = initial_weights(300, 40, seed=7)
    assert U.dtype == np.float32 and U.flags.c_contiguous and not V.any()
    assert np.array_equal(U, prep_vectors((300, 40), seed=7))  # the same draws, the same maths
    half, _ = initial_weights(300, 40, seed=7, scale=0.5)
    assert np.abs(half).max() < 0.5 / 40 < np.abs(U).max() < 1 / 40
    assert np.allclose(2 * half, U, atol=1e-7)


def test_chunk_plan_walks_regions_in_step_and_covers_every_sentence_once():
    rng = np.random.default_rng(0)
    offsets = np.concatenate([[0], np.cumsum(rng.integers(1, 40, 5000))]).astype(np.int64)
    S, N = len(offsets) - 1, int(offsets[-1])
    one = chunk_plan(offsets, 5000, 1)
    b = chunk_bounds(offsets, 5000)
    assert one.shape == (len(b) - 1, 1, 2) and (one[:, 0, 0] == b[:-1]).all()
    plan = chunk_plan(offsets, 5000, 8)
    assert plan.shape == (round(N / 5000), 8, 2)
    pieces = plan.transpose(1, 0, 2).reshape(-1, 2)  # region by region, chunk by chunk
    assert pieces[0, 0] == 0 and pieces[-1, 1] == S and (pieces[1:, 0] == pieces[:-1, 1]).all()
    words = offsets[plan[..., 1]] - offsets[plan[..., 0]]
    assert abs(words.sum(axis=1) - N / len(plan)).max() < 8 * 40  # chunks of equal words
    starts = offsets[plan[0, :, 0]]  # chunk 0 reads from 8 places an eighth apart
    assert np.allclose(starts, np.arange(8) * N / 8, atol=40)


def test_default_run_interleaves_regions_and_word2vec_walks_front_to_back(small, monkeypatch):
    corpus, vocab = small
    seen = []

    def spy(offsets, chunk_words, regions):
        seen.append(regions)
        return chunk_plan(offsets, chunk_words, regions)

    monkeypatch.setattr(w2v.training, "chunk_plan", spy)
    for schedule in ("hold", "word2vec"):
        train_encoded(corpus, vocab, TrainConfig(dim=8, epochs=1, workers=1, schedule=schedule))
    assert seen == [w2v.chunks.spans_per_chunk(1), 1]


def test_schedule_hold_keeps_alpha_through_the_first_epoch(small, monkeypatch):
    corpus, vocab = small
    monkeypatch.setattr(w2v.training, "_CHUNK_WORK", 8 * 6 * 6 * 5000)  # ~10 chunks an epoch
    seen: list[Progress] = []
    train_encoded(corpus, vocab, TrainConfig(dim=8, epochs=3, workers=1), seen.append)  # hold
    alpha = 0.025
    first = [p.alpha for p in seen if p.epoch == 1]
    rest = [p.alpha for p in seen if p.epoch > 1]
    assert len(first) > 1 and all(a == alpha for a in first)
    assert all(b < a for a, b in zip(rest, rest[1:], strict=False))
    assert rest[-1] == pytest.approx(alpha * 1e-4)
    # halfway through the two later epochs: half the rate
    mid = min(seen, key=lambda p: abs(p.fraction - 2 / 3))
    assert mid.alpha == pytest.approx(alpha * (1 - mid.fraction) / (2 / 3))


# -- quality on the embedded corpus (1.4 M tokens) ------------------------------------------


def neighbours(model, word: str, n: int = 10) -> list[str]:
    """Nearest words by cosine of the input vectors U (plain numpy)."""
    U = np.asarray(model.vectors.vectors, dtype=np.float64)
    U = U / np.maximum(np.linalg.norm(U, axis=1, keepdims=True), 1e-12)
    i = model.vocab.index(word)
    order = np.argsort(-(U @ U[i]))
    return [model.vocab.words[j] for j in order[: n + 1] if j != i][:n]


@pytest.fixture(scope="module")
def embedded_model():
    # One worker: reproducible bit for bit, so the thresholds below cannot flake with the
    # machine's load (Hogwild with two workers missed them in 2 of 6 loaded full-suite runs).
    return w2v.train(w2v.default_corpus(), epochs=3, workers=1, seed=2)


FRUIT = {
    "apple", "apples", "pear", "pears", "peach", "peaches", "plum", "plums", "cherry",
    "cherries", "banana", "bananas", "orange", "oranges", "grape", "grapes", "apricot", "fig",
    "figs", "quince", "lemon", "lime", "citrus", "melon", "berry", "berries", "strawberry",
    "raspberry", "currant", "date", "dates", "pineapple", "mango", "papaya", "avocado", "olive",
    "olives", "fruit", "fruits", "nut", "coconut", "pomegranate", "tangerine", "grapefruit",
    "blackberry", "blueberry", "gooseberry", "cranberry", "persimmon", "guava", "nectarine",
    "watermelon", "cantaloupe",
}  # fmt: skip
ANIMAL = {
    "cat", "cats", "dog", "dogs", "horse", "horses", "cow", "cows", "sheep", "goat", "goats",
    "pig", "pigs", "wolf", "fox", "bear", "deer", "rabbit", "mouse", "rat", "lion", "tiger",
    "ox", "mule", "donkey", "bull", "calf", "lamb", "puppy", "kitten", "hound", "cattle",
    "camel", "elephant", "monkey", "ape", "squirrel", "weasel", "badger", "otter", "mare",
    "stallion", "pony", "hog", "boar", "bird", "birds", "animal", "animals", "mammal",
    "mammals", "sow", "ewe", "ram", "kid", "jackal", "hyena", "leopard", "panther", "cheetah",
    "buffalo", "bison", "zebra", "antelope", "gazelle", "moose", "elk", "reindeer", "llama",
}  # fmt: skip
FRUIT_QUERIES = ["apple", "banana", "lemon", "cherry", "grape", "orange", "pear", "peach",
                 "plum", "strawberry"]  # fmt: skip
ANIMAL_QUERIES = ["cat", "horse", "cow", "sheep", "pig", "goat", "wolf", "lion", "rabbit", "mouse"]


@pytest.mark.slow
def test_embedded_corpus_gives_sensible_neighbours(embedded_model):
    # Calibrated over seeds 1-8 (3 epochs, 1 worker, schedule "hold"): "apple" had 4-6 fruits
    # in its top 10, the ten fruit queries 11-17 fruits in all, the ten animal queries 4-11
    # animals (schedule "word2vec", seeds 1-3: 3-4, 12-13, 5-8). Random vectors would score
    # about 0.02 per query.
    def hits(queries, kind):
        return {w: len(set(neighbours(embedded_model, w)) & kind) for w in queries}

    fruit, animal = hits(FRUIT_QUERIES, FRUIT), hits(ANIMAL_QUERIES, ANIMAL)
    assert fruit["apple"] >= 3, neighbours(embedded_model, "apple")
    assert sum(fruit.values()) >= 8, fruit
    assert sum(animal.values()) >= 3, animal


@pytest.mark.slow
def test_schedule_hold_beats_word2vec_on_the_embedded_corpus(embedded_model):
    # Three epochs on 1.46 M tokens give each row few updates: word2vec.c's decay anneals
    # before they are learned (see w2v.schedule.rate_factor). One worker, seeds 1-3: analogies
    # 0.043-0.045 against 0.030-0.031, WordSim353 0.32-0.34 against 0.28-0.29.
    old = w2v.train(w2v.default_corpus(), epochs=3, workers=1, seed=2, schedule="word2vec")
    hold, before = embedded_model.vectors, old.vectors
    gain = w2v.evaluate_analogies(hold)["accuracy"] - w2v.evaluate_analogies(before)["accuracy"]
    assert gain > 0.005
    assert w2v.evaluate_pairs(hold)["spearman"] > w2v.evaluate_pairs(before)["spearman"] + 0.02


@pytest.mark.slow
def test_embedded_corpus_loss_is_sensible(embedded_model):
    loss = embedded_model.loss_history
    assert len(loss) == 3 and 0.2 < max(loss[1:]) < loss[0] < 0.7


# -- the command ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_file(small_sentences, tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "small.txt"
    path.write_text("\n".join(" ".join(s) for s in small_sentences) + "\n")
    return path


def test_cli_train_writes_a_model(corpus_file, tmp_path, capsys):
    out = tmp_path / "model"
    args = ["train", str(corpus_file), "-o", str(out), "--dim", "16", "--epochs", "2",
            "--min-count", "3", "--workers", "1", "--json"]  # fmt: skip
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["model"] == str(out) and len(summary["loss"]) == 2
    assert sorted(p.name for p in out.iterdir()) == [
        "contexts.npy", "meta.json", "vectors.npy", "vocab.parquet",
    ]  # fmt: skip
    first = np.load(out / "vectors.npy")
    assert main(args) == 2  # exists: refused without --force, left alone
    assert "--force" in capsys.readouterr().err
    assert main([*args, "--force", "--seed", "2"]) == 0
    assert not np.array_equal(first, np.load(out / "vectors.npy"))


def test_cli_train_defaults_to_the_model_option(corpus_file, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", str(corpus_file), "--dim", "8", "--epochs", "1", "--min-count", "3",
                 "--arch", "cbow"]) == 0  # fmt: skip
    assert (tmp_path / "w2v-model" / "vectors.npy").is_file()
    assert "saved w2v-model" in capsys.readouterr().out
    assert main(["train", str(corpus_file), "-m", "other", "--dim", "8", "--epochs", "1",
                 "--min-count", "3", "--schedule", "word2vec"]) == 0  # fmt: skip
    assert w2v.load(tmp_path / "w2v-model").meta["config"]["schedule"] == "hold"
    assert w2v.load(tmp_path / "other").meta["config"]["schedule"] == "word2vec"


@pytest.mark.parametrize(
    "args, message",
    [(["missing.txt"], "does not exist"), (["{corpus}", "--dim", "0"], "--dim"),
     (["{corpus}", "--arch", "glove"], "--arch"), (["{corpus}", "--min-count", "100000"],
     "min-count"), (["{dir}"], "directory"), (["{corpus}", "--schedule", "cosine"], "--schedule")],
)  # fmt: skip
def test_cli_train_errors_exit_2_without_a_model(args, message, corpus_file, tmp_path, capsys):
    args = [a.format(corpus=corpus_file, dir=tmp_path) for a in args]
    out = tmp_path / "model"
    assert main(["train", *args, "-o", str(out), "--epochs", "1"]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists() and not any(p.name.startswith(".model") for p in tmp_path.iterdir())


def test_progress_lines_on_a_pipe(corpus_file, tmp_path, capsys):
    assert main(["train", str(corpus_file), "-o", str(tmp_path / "m"), "--dim", "8",
                 "--epochs", "2", "--min-count", "3"]) == 0  # fmt: skip
    err = capsys.readouterr().err
    assert "epoch 1/2" in err and "epoch 2/2 100.0%" in err and "words/s" in err


def test_a_binary_file_is_not_a_corpus(tmp_path):
    binary = Path(tmp_path, "x.bin")
    binary.write_bytes(b"\x00\x01" * 100)
    assert main(["train", str(binary), "-o", str(tmp_path / "m")]) == 2
    assert not (tmp_path / "m").exists()


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_without_a_model(corpus_file, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    out = tmp_path / "model"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    cmd = [sys.executable, "-m", "w2v", "train", str(corpus_file), "-o", str(out),
           "--epochs", "1000", "--min-count", "3"]  # fmt: skip
    p = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = p.stderr.readline()  # the first progress line: training has started
    assert "epoch 1/1000" in line, line
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_log_lines_are_throttled_whatever_the_epochs(monkeypatch):
    import io

    from w2v.cli.train import ProgressReporter

    monkeypatch.setattr("w2v.cli.train.LOG_EVERY", 1e9)  # as if training took no time
    stream = io.StringIO()
    log = ProgressReporter(stream, tty=False)
    epochs = 1000
    for e in range(1, epochs + 1):  # one chunk per epoch: each call ends an epoch
        log(Progress(e, epochs, 10 * e, 10 * epochs, e / epochs, 0.02, 0.4, 1e3, epochs - e))
    lines = stream.getvalue().splitlines()
    assert [line.split()[2] for line in lines] == ["1/1000", "1000/1000"]


def test_progress_bar_on_a_terminal():
    import io

    from w2v.cli.train import ProgressReporter

    stream = io.StringIO()
    bar = ProgressReporter(stream, tty=True)
    for done in (50, 100):
        bar(Progress(1, 2, done, 200, done / 200, 0.02, 0.41, 1000.0, 0.1))
    bar(Progress(2, 2, 200, 200, 1.0, 0.0001, 0.35, 1000.0, 0.0))
    bar.close()
    text = stream.getvalue()
    assert "100%" in text and "epoch 2/2" in text and "lr=0.00010" in text and "loss=0.3500" in text


@pytest.mark.slow
def test_memory_mapped_corpora_and_their_slices_train_alike(small, tmp_path):
    from w2v.corpus import EncodedCorpus, encode

    corpus, vocab = small
    sentences = [list(np.array(vocab.words)[corpus.sentence(s)]) for s in range(corpus.n_sentences)]
    mapped = encode(sentences, vocab, tmp_path / "enc")
    assert isinstance(mapped.ids, np.memmap)
    cfg = TrainConfig(dim=8, epochs=1, workers=1)
    a = train_encoded(corpus, vocab, cfg).vectors.vectors
    b = train_encoded(mapped, vocab, cfg).vectors.vectors
    assert np.array_equal(a, b)
    # a shard that is a slice of the map: its ids are read through the slice, not the file
    s0 = corpus.n_sentences // 2
    cut = int(mapped.offsets[s0])
    shard = EncodedCorpus(mapped.ids[cut:], mapped.offsets[s0:] - cut, {})
    plain = EncodedCorpus(np.array(corpus.ids[cut:]), corpus.offsets[s0:] - cut, {})
    c = train_encoded(shard, vocab, cfg).vectors.vectors
    d = train_encoded(plain, vocab, cfg).vectors.vectors
    assert np.array_equal(c, d) and not np.array_equal(a, c)


def test_the_kernel_is_compiled_before_the_clock_starts(small, monkeypatch):
    """A cold run's first progress line said 34 k words/s and ETA 196 s for a run of 12.8 s:
    the kernel's compilation was counted as training. The first kernel call now trains no
    sentence and comes before the clock is read."""
    corpus, vocab = small
    events = []
    real_chunk, real_clock = w2v.training.train_chunk, time.perf_counter

    def chunk(*args):
        spans = args[5]  # train_chunk(arch, U, V, ids, offsets, spans, ...)
        events.append(("kernel", int(spans[-1] - spans[0])))
        return real_chunk(*args)

    def clock():
        events.append(("clock", None))
        return real_clock()

    monkeypatch.setattr(w2v.training, "train_chunk", chunk)
    monkeypatch.setattr(w2v.training.time, "perf_counter", clock)
    train_encoded(corpus, vocab, TrainConfig(dim=8, epochs=1, workers=1, min_count=3))
    first_clock = events.index(("clock", None))
    assert events[:first_clock] == [("kernel", 0)]  # compiled on no sentences, then the clock
    assert any(kind == "kernel" and n > 0 for kind, n in events[first_clock:])


def test_too_little_free_space_in_tmpdir_is_refused_before_encoding(tmp_path, monkeypatch):
    import shutil
    import tempfile

    from w2v.errors import UserError

    corpus = tmp_path / "c.txt"
    corpus.write_text("the frog sat on the log\n" * 200)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    full = shutil.disk_usage(tmp_path)._replace(free=1000)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: full)
    with pytest.raises(
        UserError, match=r"need 0.0 MB in .*tmp. \(\$TMPDIR\), which has 0.0 MB free"
    ):
        w2v.train(corpus, dim=4, epochs=1, min_count=1)
    assert list((tmp_path / "tmp").iterdir()) == []  # nothing written


def test_cutting_chunks_does_not_copy_the_offsets():
    """chunk_bounds and chunk_plan search the (memory-mapped) sentence offsets in place:
    float64 targets would make numpy copy all of them first (29 MB on gcide_wn x 10), and
    the cuts are those of the float targets."""
    import tracemalloc

    from w2v.chunks import REGIONS, chunk_bounds, chunk_plan

    lengths = np.random.default_rng(0).integers(0, 40, 2_000_000)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)  # 16 MB
    tracemalloc.start()
    bounds = chunk_bounds(offsets, 300_000)
    plan = chunk_plan(offsets, 300_000, REGIONS)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < offsets.nbytes // 4  # a copy would be the whole 16 MB
    targets = np.linspace(0, offsets[-1], len(bounds))[1:-1]  # the float formulation
    assert np.array_equal(bounds[1:-1], np.searchsorted(offsets, targets))
    assert plan.shape == (len(bounds) - 1, REGIONS, 2)


def test_too_little_room_for_the_record_trains_in_two_passes(tmp_path, monkeypatch):
    """One read of the corpus keeps a record of it in $TMPDIR (w2v.corpus.RecordedText);
    with room for the encoded corpus but not for the record, training reads the file twice
    and gives the same model."""
    import shutil
    import tempfile

    from w2v.corpus import encoded_bytes, one_read, recorded_bytes

    corpus = tmp_path / "c.txt"
    corpus.write_text("the frog sat on the log\n" * 200)
    one = w2v.train(corpus, dim=4, epochs=1, min_count=1, workers=1, seed=3)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    room = encoded_bytes(one.vectors.meta["corpus"]) + 100
    assert room < recorded_bytes(corpus, 1)
    full = shutil.disk_usage(tmp_path)._replace(free=room)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: full)
    assert not one_read(corpus, 1)
    two = w2v.train(corpus, dim=4, epochs=1, min_count=1, workers=1, seed=3)
    assert np.array_equal(one.vectors.vectors, two.vectors.vectors)


def test_schedule_word2vec_draws_cbow_negatives_for_every_centre(small, monkeypatch):
    """CBOW shares a draw of negatives among NEGATIVES_SHARED centres (w2v.kernels.cbow),
    but schedule "word2vec" keeps word2vec.c's draw for every centre, its models those of
    before."""
    from w2v.kernels.cbow import NEGATIVES_SHARED

    corpus, vocab = small
    shared = []
    real_chunk = w2v.training.train_chunk

    def chunk(*args):
        shared.append(args[-1])  # train_chunk(..., hot, shared)
        return real_chunk(*args)

    monkeypatch.setattr(w2v.training, "train_chunk", chunk)
    for schedule, want in (("hold", NEGATIVES_SHARED), ("word2vec", 1)):
        shared.clear()
        cfg = TrainConfig(arch="cbow", dim=8, epochs=1, workers=1, min_count=3, schedule=schedule)
        train_encoded(corpus, vocab, cfg)
        assert set(shared) == {want}
    assert NEGATIVES_SHARED > 1


def test_a_one_read_count_that_prunes_falls_back_to_one_counting_pass(tmp_path, monkeypatch):
    """When the recording count (two ranges of an 18 MB file) has to prune, training counts
    again in the one pass its ranges would end in, then encodes: four reads of the file,
    not six. The vocabulary is the one pruned pass's (gensim's max_vocab_size)."""
    from tests.helpers import count_reads
    from w2v.scan import PARALLEL_MIN_BYTES
    from w2v.vocab import build_vocab

    corpus = tmp_path / "c.txt"
    rare = " ".join(f"r{i}" for i in range(3000))
    corpus.write_text((rare + "\n" + "the frog sat on the log " * 40 + "\n") * 1000)
    assert corpus.stat().st_size > 2 * PARALLEL_MIN_BYTES  # counted in two ranges
    monkeypatch.setattr(w2v.training, "MAX_TABLE", 2000)
    opened = count_reads(monkeypatch, "w2v.scan")
    model = w2v.train(corpus, dim=4, epochs=1, min_count=2, workers=2, sample=0)
    assert len(opened) == 4  # recording count (2 ranges), the one pass, the encoding
    want = build_vocab(corpus, min_count=2, max_table=2000, workers=1)
    assert model.vocab.words == want.words and model.vocab.stats["pruned_words"] > 0
