import numpy as np

from w2v.nn.split import stratified_split


def test_each_class_keeps_its_share():
    y = np.array(["a"] * 50 + ["b"] * 30 + ["c"] * 20)
    train, test = stratified_split(y, 0.2, 0)
    assert len(train) + len(test) == 100
    assert not set(train) & set(test)
    assert sorted(np.unique(y[test], return_counts=True)[1]) == [4, 6, 10]


def test_seeded_and_sorted():
    y = np.repeat(np.arange(5), 9)
    a, b, c = (stratified_split(y, 0.3, s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])
    assert (np.diff(a[0]) > 0).all() and (np.diff(a[1]) > 0).all()


def test_a_rare_class_stays_in_train():
    y = np.array([0] * 10 + [1])
    train, test = stratified_split(y, 0.5, 0)
    assert 10 in train and 10 not in test
