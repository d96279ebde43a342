"""w2v.train(on_epoch_end=fn): called from the training thread after each epoch with the
epoch, its loss and a read-only view of the vectors; returning False stops training."""

import numpy as np
import pytest

import w2v


def test_the_callback_sees_each_epoch_and_can_stop(embedded_sentences):
    sentences = embedded_sentences[:3000]
    seen = []

    def on_epoch_end(epoch, loss, vectors):
        seen.append((epoch, loss, vectors["the"].copy()))
        with pytest.raises(ValueError, match="read-only"):
            vectors.vectors[0, 0] = 1.0
        return epoch < 2  # stop after the second

    model = w2v.train(sentences, dim=16, epochs=5, workers=1, on_epoch_end=on_epoch_end)
    assert [e for e, _, _ in seen] == [1, 2]
    assert [loss for _, loss, _ in seen] == model.loss_history
    assert len(model.loss_history) == 2
    assert not np.array_equal(seen[0][2], seen[1][2])  # a view of the training weights...
    assert np.array_equal(seen[1][2], model.vectors["the"])  # ...at the end of each epoch


def test_a_callback_that_returns_nothing_lets_training_run(embedded_sentences):
    calls = []
    model = w2v.train(
        embedded_sentences[:1000], dim=8, epochs=3, workers=1,
        on_epoch_end=lambda e, loss, v: calls.append(e),
    )  # fmt: skip
    assert calls == [1, 2, 3] and len(model.loss_history) == 3


def test_a_subword_run_is_seen_as_its_model_and_resumes_bit_for_bit(tmp_path, embedded_sentences):
    """A subword run's U holds the bucket rows too: the view gives the words' vectors and the
    n-grams (so unseen words answer), and a run stopped at an epoch's end resumes from its
    checkpoint to the model of a run never stopped."""
    sentences = embedded_sentences[:2000]
    settings = dict(dim=12, epochs=3, workers=1, seed=2, subwords="3-4", buckets=5000)
    whole = w2v.train(sentences, **settings).vectors

    class Stop(Exception):
        pass

    def stop_after_two(epoch, loss, vectors):
        assert vectors.has_vector("frogzzle") and "frogzzle" not in vectors
        assert vectors.vectors.shape == (len(whole), 12) and vectors.ngrams.shape == (5000, 12)
        if epoch == 2:
            raise Stop

    checkpoint = tmp_path / ".m.checkpoint"
    with pytest.raises(Stop):
        w2v.train(
            sentences, checkpoint=checkpoint, checkpoint_every="1", on_epoch_end=stop_after_two,
            **settings,
        )  # fmt: skip
    resumed = w2v.train(
        sentences, checkpoint=checkpoint, checkpoint_every="1", resume=True, **settings
    ).vectors
    assert resumed.meta["checkpoints"]["resumed_at"]["epoch"] == 2
    for a, b in [(whole.vectors, resumed.vectors), (whole.ngrams, resumed.ngrams)]:
        assert np.array_equal(a, b)
    assert np.array_equal(whole.contexts, resumed.contexts)
