import numpy as np
import pytest

from w2v.lecture.datasets2d import DATASETS, make, make_split


@pytest.mark.parametrize("name", DATASETS)
def test_shape_classes_and_determinism(name):
    X, y = make(name, n=300, noise=0.1, seed=3)
    assert X.shape == (300, 2) and X.dtype == np.float32
    assert y.shape == (300,) and y.dtype == np.int64 and set(np.unique(y)) == {0, 1}
    assert 0.35 < y.mean() < 0.65
    X2, y2 = make(name, n=300, noise=0.1, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(name, n=300, noise=0.1, seed=4)
    assert not np.array_equal(X, X3)
    clean, _ = make(name, n=300, noise=0.0, seed=3)
    assert np.abs(clean).max() <= 1.25


def test_clean_xor_and_circles_follow_their_rules():
    X, y = make("xor", n=400, noise=0.0, seed=0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(int))
    assert np.abs(X).min() >= 0.09 - 1e-6
    X, y = make("circles", n=400, noise=0.0, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert (r[y == 1] <= 0.5 + 1e-6).all() and (r[y == 0] >= 0.7 - 1e-6).all()
    X, y = make("gauss", n=400, noise=0.0, seed=0)
    assert (X[y == 1].mean(axis=0) > 0.3).all() and (X[y == 0].mean(axis=0) < -0.3).all()


def test_noise_moves_points_but_not_labels():
    X0, y0 = make("circles", n=200, noise=0.0, seed=1)
    X1, y1 = make("circles", n=200, noise=0.2, seed=1)
    np.testing.assert_array_equal(y0, y1)
    assert 0.1 < np.std(X1 - X0) < 0.3


def test_split_into_halves():
    Xa, ya, Xb, yb = make_split("moons", n=101, seed=0)
    assert len(Xa) == len(ya) == 50 and len(Xb) == len(yb) == 51
    X, y = make("moons", n=101, seed=0)
    np.testing.assert_array_equal(np.vstack([Xa, Xb]), X)


def test_unknown_or_bad_arguments():
    with pytest.raises(ValueError, match="unknown data set"):
        make("swiss roll")
    with pytest.raises(ValueError):
        make("xor", n=1)
    with pytest.raises(ValueError):
        make("xor", noise=-1)
