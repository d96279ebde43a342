"""Figures render headless from a small model, are not blank, label every word, and draw the
analogy arrows the right way."""

import sys

import numpy as np
import pytest

from tests.helpers import TOPICS, check_png, toy_vectors
from w2v.plot import figures as P
from w2v.plot.labels import overlap


@pytest.fixture(scope="module")
def vec():
    return toy_vectors(kind="analogies")


def texts(fig) -> list[str]:
    """The words written on the axes (arrows are annotations with no text)."""
    return [t.get_text() for ax in fig.axes for t in ax.texts if t.get_text()]


def label_boxes(fig, words):
    """Window extents [n, 4] of the labels that are exactly these words."""
    renderer = fig.canvas.get_renderer()
    return np.array(
        [t.get_window_extent(renderer).extents for t in fig.axes[0].texts if t.get_text() in words]
    )


@pytest.mark.slow
def test_words_figure_labels_every_word_without_overlaps(vec, tmp_path):
    fig = P.words_figure(vec, ["frog", "violin", "bread"], neighbours=6)
    drawn = texts(fig)
    groups = P.neighbour_groups(vec, ["frog", "violin", "bread"], 6)
    expected = [w for g in groups for w in g]
    assert len(expected) == 21 and sorted(drawn) == sorted(expected)
    # Each neighbour group is its own topic in this model.
    assert set(groups[0][1:]) <= set(TOPICS["animal"])
    # Readable: no two word labels overlap on the canvas.
    boxes = label_boxes(fig, set(expected))
    for i, b in enumerate(boxes):
        assert overlap(b, np.delete(boxes, i, axis=0)).max() < 1.0, drawn[i]
    out = P.save_figure(fig, tmp_path / "words.png")
    check_png(out)


def test_each_query_word_has_its_own_colour(vec):
    fig = P.words_figure(vec, ["frog", "violin"], neighbours=3)
    colour = {t.get_text(): t.get_color() for t in fig.axes[0].texts}
    assert colour["frog"] != colour["violin"]
    groups = P.neighbour_groups(vec, ["frog", "violin"], 3)
    assert all(colour[w] == colour["frog"] for w in groups[0])
    assert all(colour[w] == colour["violin"] for w in groups[1])


def test_words_figure_without_neighbours_and_svg(vec, tmp_path):
    fig = P.words_figure(vec, ["king", "queen", "frog", "king"], neighbours=0)
    assert sorted(texts(fig)) == ["frog", "king", "queen"]
    out = P.save_figure(fig, tmp_path / "w.svg")
    assert out.read_text().lstrip().startswith("<?xml") and "</svg>" in out.read_text()


@pytest.mark.slow
def test_tsne_projection(vec, tmp_path):
    fig = P.words_figure(vec, ["frog", "violin"], neighbours=5, method="tsne")
    assert len(texts(fig)) == 12
    check_png(P.save_figure(fig, tmp_path / "tsne.png"))


def test_tsne_without_scikit_learn_names_the_extra(vec, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(P.MissingExtra, match=r"pip install 'w2v\[sklearn\]'"):
        P.words_figure(vec, ["frog"], neighbours=5, method="tsne")


def test_unknown_word_suggests_close_words(vec):
    from w2v.errors import UnknownWordError

    with pytest.raises(UnknownWordError, match="toad"):
        P.words_figure(vec, ["frog", "toads"])


def test_pca_matches_the_svd_of_the_centred_matrix():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 6)) * [5, 3, 1, 0.5, 0.2, 0.1]
    Y = P.project(X, "pca")
    Xc = X - X.mean(axis=0)
    U, S, _ = np.linalg.svd(Xc, full_matrices=False)
    assert np.allclose(np.abs(Y), np.abs(U[:, :2] * S[:2]))  # up to sign
    assert np.allclose(Y.mean(axis=0), 0)
    assert Y[:, 0].var() >= Y[:, 1].var()


@pytest.mark.slow
def test_analogy_arrows_point_from_b_to_a_and_from_c_to_d(vec, tmp_path):
    fig = P.analogy_figure(vec, "king", "man", "woman")
    ax = fig.axes[0]
    drawn = texts(fig)
    for w in ["king", "man", "woman", "queen"]:
        assert w in drawn
    # The predicted word is queen, and the title says so.
    assert "queen" in ax.get_title()
    # Where each word's point is: the scatter offsets, in draw order b, a, c; then d (star).
    b, a, c = ax.collections[0].get_offsets()
    d = ax.collections[1].get_offsets()[0]
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    (s0, e0), (s1, e1) = [(np.array(t.xyann), np.array(t.xy)) for t in arrows[:2]]
    assert np.allclose(s0, b) and np.allclose(e0, a)  # man -> king
    assert np.allclose(s1, c) and np.allclose(e1, d)  # woman -> queen
    boxes = label_boxes(fig, {"king", "man", "woman", "queen"})
    assert len(boxes) == 4
    for i, box in enumerate(boxes):
        assert overlap(box, np.delete(boxes, i, axis=0)).max() < 1.0
    # The model's analogy is exact, so the two offsets are parallel in any linear projection.
    u, v = a - b, d - c
    assert u @ v / np.linalg.norm(u) / np.linalg.norm(v) > 0.95
    check_png(P.save_figure(fig, tmp_path / "analogy.png"))


def test_loss_figure_draws_one_point_per_epoch(tmp_path):
    history = [2.9, 2.4, 2.2, 2.15, 2.1]
    fig = P.loss_figure(history, title="loss")
    (line,) = fig.axes[0].get_lines()
    assert line.get_xdata().tolist() == [1, 2, 3, 4, 5]
    assert line.get_ydata().tolist() == history
    assert [t.get_text() for t in fig.axes[0].texts] == [
        "2.900",
        "2.400",
        "2.200",
        "2.150",
        "2.100",
    ]
    check_png(P.save_figure(fig, tmp_path / "loss.png"), min_bytes=3000)


def test_loss_history_from_meta():
    assert P.loss_history({P.LOSS_KEY: [3, 2.5]}) == [3.0, 2.5]
    from w2v.errors import ModelError

    with pytest.raises(ModelError, match="no per-epoch loss"):
        P.loss_history({"trainer": "svd"})
    with pytest.raises(ModelError, match="not a list of numbers"):
        P.loss_history({P.LOSS_KEY: ["x"]})


def test_save_figure_refuses_unknown_formats(vec, tmp_path):
    from w2v.errors import ConfigError

    with pytest.raises(ConfigError, match=".png, .svg or .pdf"):
        P.save_figure(P.loss_figure([1.0]), tmp_path / "x.jpgg")
    assert list(tmp_path.iterdir()) == []


def test_without_matplotlib_the_error_names_the_extra(vec, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(P.MissingExtra, match=r"pip install 'w2v\[plot\]'"):
        P.words_figure(vec, ["frog"])


def test_loss_title_from_meta():
    meta = {
        "trainer": "sgns",
        "config": {"dim": 100, "window": 5, "negative": 5, "epochs": 5},
        "source": "/tmp/gcide_wn.txt",
    }
    assert (
        P.loss_title(meta)
        == "mean loss per epoch\nsgns, dim 100, window 5, negative 5 on gcide_wn.txt"
    )
    assert P.loss_title({}) == "mean loss per epoch\nmodel"


def inside(box, fig) -> bool:
    x0, y0, x1, y1 = box.extents
    return x0 >= 0 and y0 >= 0 and x1 <= fig.bbox.width and y1 <= fig.bbox.height


def disjoint(boxes) -> bool:
    boxes = np.array([b.extents for b in boxes])
    return all(overlap(b, np.delete(boxes, i, axis=0)).max() < 1.0 for i, b in enumerate(boxes))


def test_the_loss_title_of_a_model_fits_the_picture():
    meta = {
        "trainer": "sgns",
        "config": {"dim": 100, "window": 5, "negative": 5},
        "source": "/x/wordnet_glosses_and_a_much_longer_corpus_file_name.txt.xz",
    }
    fig = P.loss_figure([0.6, 0.5, 0.45], title=P.loss_title(meta))
    title = fig.axes[0].title
    assert inside(title.get_window_extent(fig.canvas.get_renderer()), fig)
    assert "longer_corpus_file_name.txt.xz" in title.get_text()  # wrapped, not cut


def test_fifty_epochs_of_loss_keep_labels_and_ticks_apart():
    history = list(0.4 + 0.3 * np.exp(-np.arange(50) / 8))
    fig = P.loss_figure(history, title="loss")
    ax, renderer = fig.axes[0], fig.canvas.get_renderer()
    fig.canvas.draw()
    labels = [t.get_window_extent(renderer) for t in ax.texts]
    assert 2 <= len(labels) <= P.MAX_VALUE_LABELS
    assert ax.texts[0].get_text() == "0.700" and ax.texts[-1].xy[0] == 50  # first and last
    lo, hi = ax.get_xlim()
    ticks = [
        t.label1.get_window_extent(renderer)
        for t in ax.xaxis.get_major_ticks()
        if t.label1.get_visible() and t.label1.get_text() and lo <= t.get_loc() <= hi
    ]
    assert 3 <= len(ticks) <= 12
    assert disjoint(labels) and disjoint(ticks)
    assert all(inside(b, fig) for b in labels + ticks)


def test_epochs_that_trained_nothing_are_gaps_and_said_so():
    assert P.loss_history({P.LOSS_KEY: [None, 0.69, 0.5]}) == [None, 0.69, 0.5]
    fig = P.loss_figure([None, 0.69, None, 0.5], title="loss")
    ax = fig.axes[0]
    (line,) = ax.get_lines()
    assert np.isnan(line.get_ydata()[[0, 2]]).all()
    assert [t.get_text() for t in ax.texts] == ["0.690", "0.500", "nothing trained in epochs 1, 3"]
    from w2v.errors import ModelError

    with pytest.raises(ModelError, match="no epoch of this model trained anything"):
        P.loss_figure([None, None])


def test_a_word_alone_has_its_neighbours():
    assert (
        P.words_title(["frog"], 100, "pca", 50)
        == "frog and its 100 nearest neighbours (PCA, dim 50)"
    )
    assert P.words_title(["frog", "toad"], 1, "tsne", 50) == (
        "frog, toad and their 1 nearest neighbour (TSNE, dim 50)"
    )
    assert P.words_title(["frog"], 0, "pca", 50) == "frog (PCA, dim 50)"
