import warnings

import numpy as np
import pytest

from w2v.nn.mlp import MLPClassifier

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
XOR_y = np.array([0, 1, 1, 0])


def blobs(n=300, k=3, d=5, seed=0, spread=1.0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4, size=(k, d))
    y = rng.integers(0, k, size=n)
    return (centres[y] + rng.normal(scale=spread, size=(n, d))).astype(np.float32), y


def test_a_single_neuron_cannot_fit_xor():
    # No hidden layer: one sigmoid neuron, a linear boundary; at best 3 of the 4 points.
    for seed in range(3):
        clf = MLPClassifier(
            hidden=(), lr=0.1, batch_size=4, epochs=500, early_stopping=False, seed=seed
        ).fit(XOR_X, XOR_y)
        assert clf.score(XOR_X, XOR_y) <= 0.75


def test_one_hidden_layer_fits_xor():
    clf = MLPClassifier(
        hidden=(4,),
        activation="tanh",
        lr=0.05,
        batch_size=4,
        epochs=500,
        dropout=0.0,  # the lecture's plain network
        early_stopping=False,
        seed=0,
    ).fit(XOR_X, XOR_y)
    assert clf.score(XOR_X, XOR_y) == 1.0
    P = clf.predict_proba(XOR_X)
    assert (P[np.arange(4), XOR_y] > 0.9).all()


def test_sklearn_conventions():
    X, y = blobs()
    clf = MLPClassifier(hidden=(16,), epochs=5)
    assert not hasattr(clf, "classes_")
    with pytest.raises(ValueError, match="not fitted"):
        clf.predict(X)
    assert clf.fit(X, y) is clf
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.n_features_in_ == 5 and clf.n_iter_ == len(clf.loss_curve_)
    assert [W.shape for W in clf.weights_] == [(16, 5), (3, 16)]
    assert clf.get_params()["hidden"] == (16,)
    assert clf.set_params(lr=0.5) is clf and clf.lr == 0.5
    with pytest.raises(ValueError, match="unknown parameter"):
        clf.set_params(alpha=1)


def test_fit_learns_separable_classes_with_string_labels():
    X, y = blobs(k=4)
    names = np.array(["ant", "bee", "cat", "dog"])[y]
    clf = MLPClassifier(hidden=(32,), epochs=50, early_stopping=False).fit(X, names)
    P = clf.predict_proba(X)
    assert P.shape == (300, 4) and P.dtype == np.float32
    np.testing.assert_allclose(P.sum(axis=1), 1, rtol=1e-5)
    assert clf.score(X, names) > 0.97
    assert set(clf.predict(X[:10])) <= set(names)


def test_binary_uses_one_sigmoid_output_and_two_probability_columns():
    X, y = blobs(k=2)
    clf = MLPClassifier(hidden=(8,), lr=1e-2, batch_size=50, epochs=30, early_stopping=False)
    clf.fit(X, y)
    assert clf.weights_[-1].shape == (1, 8)
    P = clf.predict_proba(X)
    assert P.shape == (300, 2)
    np.testing.assert_allclose(P.sum(axis=1), 1, rtol=1e-6)
    assert clf.score(X, y) > 0.97


@pytest.mark.parametrize("solver", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_every_solver_and_activation_learns(solver, activation):
    X, y = blobs(k=3, seed=1)
    lr = 1e-2 if solver == "adam" else 0.1
    clf = MLPClassifier(
        hidden=(16,), activation=activation, solver=solver, lr=lr, epochs=30, early_stopping=False
    ).fit(X, y)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.score(X, y) > 0.95


def test_mse_loss_trains_too():
    X, y = blobs(k=3, seed=2)
    clf = MLPClassifier(hidden=(16,), loss="mse", lr=1e-2, epochs=40, early_stopping=False)
    assert clf.fit(X, y).score(X, y) > 0.95


def test_a_seed_makes_a_run_reproducible():
    X, y = blobs(seed=3, spread=3.0)
    a = MLPClassifier(hidden=(16,), epochs=8, seed=7).fit(X, y)
    b = MLPClassifier(hidden=(16,), epochs=8, seed=7).fit(X, y)
    c = MLPClassifier(hidden=(16,), epochs=8, seed=8).fit(X, y)
    np.testing.assert_array_equal(a.network_.theta, b.network_.theta)
    assert a.loss_curve_ == b.loss_curve_
    assert not np.array_equal(a.network_.theta, c.network_.theta)


def test_early_stopping_stops_and_keeps_the_best_weights():
    X, y = blobs(n=600, seed=4, spread=6.0)  # overlapping: validation accuracy plateaus
    epochs_seen = []
    clf = MLPClassifier(hidden=(64,), lr=1e-2, epochs=500, patience=5, seed=0)
    clf.fit(X, y, on_epoch=lambda m, e, loss, val: epochs_seen.append((e, val)))
    assert clf.n_iter_ < 500
    assert [e for e, _ in epochs_seen] == list(range(1, clf.n_iter_ + 1))
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert all(val is not None for _, val in epochs_seen)
    # The kept weights are the best epoch's (the last of a tie): rerun up to it and compare.
    scores = clf.validation_scores_
    best_epoch = len(scores) - int(np.argmax(scores[::-1]))
    again = MLPClassifier(hidden=(64,), lr=1e-2, epochs=best_epoch, patience=10**6, seed=0)
    np.testing.assert_array_equal(again.fit(X, y).network_.theta, clf.network_.theta)


def test_averaging_keeps_the_bias_corrected_moving_average():
    X, y = blobs(n=60)
    kw = dict(hidden=(8,), batch_size=60, epochs=2, early_stopping=False, seed=3)
    thetas = []
    raw = MLPClassifier(averaging=0.0, **kw)
    raw.fit(X, y, on_epoch=lambda m, *_: thetas.append(m.network_.theta.copy()))
    d = 0.9
    averaged = MLPClassifier(averaging=d, **kw).fit(X, y)
    # One step per epoch: θ̄ = ((1 − d)(d θ1 + θ2)) / (1 − d²) = (d θ1 + θ2) / (1 + d).
    expected = (d * thetas[0] + thetas[1]) / (1 + d)
    np.testing.assert_allclose(averaged.network_.theta, expected, rtol=1e-5, atol=1e-7)


def test_dropout_is_used_in_training_only():
    X, y = blobs()
    clf = MLPClassifier(hidden=(16,), dropout=0.5, epochs=3).fit(X, y)
    assert len(clf.network_.dropouts) == 1
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))
    assert MLPClassifier(hidden=(16,), dropout=0.0, epochs=1).fit(X, y).network_.dropouts == []
    with pytest.raises(ValueError, match="dropout"):
        MLPClassifier(dropout=1.0).fit(X, y)


def test_a_tie_keeps_the_later_epoch():
    X, y = blobs(n=1000, seed=1)  # validation accuracy climbs, then ties at its best
    clf = MLPClassifier(hidden=(16,), epochs=30, patience=3, seed=0).fit(X, y)
    scores = clf.validation_scores_
    first = scores.index(max(scores)) + 1
    assert scores[-1] == max(scores) and first < clf.n_iter_ < 30  # ties are not gains...
    # ...but the kept weights are the last tied epoch's, not the first's
    last = MLPClassifier(hidden=(16,), epochs=clf.n_iter_, patience=10**6, seed=0).fit(X, y)
    np.testing.assert_array_equal(last.network_.theta, clf.network_.theta)
    early = MLPClassifier(hidden=(16,), epochs=first, patience=10**6, seed=0).fit(X, y)
    assert not np.array_equal(early.network_.theta, clf.network_.theta)


def test_a_validation_part_under_the_floor_turns_early_stopping_off():
    from w2v.errors import SmallDataWarning
    from w2v.nn.mlp import MIN_VALIDATION

    X, y = blobs(n=60, k=4)  # the case: 6 validation rows
    with pytest.warns(
        SmallDataWarning, match=r"validation part of 6 rows .* early stopping is off"
    ):
        clf = MLPClassifier(hidden=(8,), epochs=12, seed=0).fit(X, y)
    assert clf.n_iter_ == 12 and clf.validation_scores_ == []
    assert clf.best_validation_score_ is None and clf.early_stopping  # the parameter stays
    n = int(MIN_VALIDATION / 0.1) + 40  # enough rows: no warning
    X, y = blobs(n=n, k=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallDataWarning)
        assert len(MLPClassifier(hidden=(8,), epochs=2).fit(X, y).validation_scores_) == 2


def test_verbose_prints_progress(capsys):
    X, y = blobs(n=800)
    MLPClassifier(hidden=(8,), epochs=2, verbose=True).fit(X, y)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "epoch" in err[0] and "loss" in err[0] and "val acc" in err[0]


def test_from_weights_rebuilds_the_same_classifier():
    X, y = blobs()
    clf = MLPClassifier(hidden=(8, 4), activation="tanh", epochs=5).fit(X, y)
    again = MLPClassifier.from_weights(
        [W.copy() for W in clf.weights_],
        [b.copy() for b in clf.biases_],
        clf.classes_,
        hidden=(8, 4),
        activation="tanh",
    )
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    with pytest.raises(ValueError):
        MLPClassifier.from_weights(clf.weights_, clf.biases_, clf.classes_[:2], hidden=(8, 4))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"activation": "softmax"}, "activation"),
        ({"solver": "lbfgs"}, "solver"),
        ({"hidden": (0,)}, "positive"),
        ({"lr": 0}, "lr"),
    ],
)
def test_bad_parameters_are_refused_by_fit(params, message):
    X, y = blobs(n=20)
    with pytest.raises(ValueError, match=message):
        MLPClassifier(**params).fit(X, y)


def test_bad_data_is_refused():
    X, y = blobs(n=20)
    with pytest.raises(ValueError, match="two classes"):
        MLPClassifier().fit(X, np.zeros(20))
    with pytest.raises(ValueError, match="do not match"):
        MLPClassifier().fit(X, y[:5])
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MLPClassifier().fit(X, y)
