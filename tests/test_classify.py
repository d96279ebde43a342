import io
import json
import zipfile

import numpy as np
import pytest

from tests.helpers import toy_rows, toy_vectors, write_tsv
from w2v.errors import ModelError, UserError
from w2v.nn.classify import (
    featurize,
    fingerprint,
    load_classifier,
    read_labelled_tsv,
    save_classifier,
    train_classifier,
)
from w2v.vectors import Vectors


def test_read_labelled_tsv_finds_columns_by_name(tmp_path):
    p = write_tsv(tmp_path / "d.tsv", [("big cat", "animal"), ("saw", "tool")], "label\ttext")
    p.write_text("label\ttext\nanimal\tbig cat\n\ntool\tsaw\n", encoding="utf-8")
    assert read_labelled_tsv(p) == (["big cat", "saw"], ["animal", "tool"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("\n\n", "is empty"),
        ("text\tclass\ncat\tanimal\n", "no 'label' column"),
        ("words\nsome text\n", "no 'text' or 'label' column"),
        ("text\tlabel\n", "no rows"),
        ("text\tlabel\ncat\tanimal\njust text\n", "line 3"),
        ("text\tlabel\ncat\t \n", "line 2"),
    ],
)
def test_bad_tsv_gives_one_clear_error(tmp_path, content, message):
    p = tmp_path / "bad.tsv"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        read_labelled_tsv(p)


def test_missing_directory_and_binary_files_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        read_labelled_tsv(tmp_path / "nope.tsv")
    with pytest.raises(UserError, match="directory"):
        read_labelled_tsv(tmp_path)
    (tmp_path / "bin.tsv").write_bytes(b"text\tlabel\n\xff\xfe\x00\tx\n")
    with pytest.raises(UserError, match="UTF-8"):
        read_labelled_tsv(tmp_path / "bin.tsv")


def test_featurize_averages_in_vocabulary_tokens():
    vec = toy_vectors(kind="labelled")
    X, known = featurize(["The CAT, a dog!", "qwzx", "cat"], vec)
    np.testing.assert_array_equal(known, [True, False, True])
    U = vec.vectors
    expected = (
        U[vec.index("the")] + U[vec.index("cat")] + U[vec.index("a")] + U[vec.index("dog")]
    ) / 4
    np.testing.assert_allclose(X[0], expected, rtol=1e-6)
    np.testing.assert_array_equal(X[1], U[vec.index("cat")])
    assert X.dtype == np.float32 and X.shape == (2, 8)
    X, known = featurize(["qwzx"], vec)
    assert X.shape == (0, 8) and not known.any()


def test_train_evaluate_save_load_predict(tmp_path):
    vec = toy_vectors(kind="labelled")
    texts, labels = zip(*toy_rows(), strict=True)
    result = train_classifier(
        list(texts), list(labels), vec, hidden=(16,), test_size=0.25, seed=0, batch_size=8, lr=0.01
    )
    r = result.report
    assert r["skipped"] == 1 and r["n_train"] + r["n_test"] == len(texts) - 1
    assert r["accuracy"] == 1.0 and r["macro_f1"] == 1.0
    # 16 animal, 16 food (one more skipped), 14 tool: 4 of each held out at 0.25.
    assert r["n_test"] == 12 and r["majority_label"] in ("animal", "food")
    assert r["majority"] == pytest.approx(4 / 12)
    save_classifier(tmp_path / "clf", result, vec, tmp_path / "model")
    meta = json.loads((tmp_path / "clf" / "classifier.json").read_text())
    assert meta["classes"] == ["animal", "food", "tool"]
    assert meta["model"]["vectors_sha256"] == fingerprint(vec)["vectors_sha256"]
    with np.load(tmp_path / "clf" / "mlp.npz", allow_pickle=False) as z:
        assert sorted(z.files) == ["W0", "W1", "b0", "b1"]
    saved = load_classifier(tmp_path / "clf")
    saved.check_model(vec, "model")
    assert saved.predict(["owl", "cheese cake", "qwzx"], vec)[2] == (None, None)
    labels_out = [lab for lab, _ in saved.predict(["owl", "cheese cake", "pliers"], vec)]
    assert labels_out == ["animal", "food", "tool"]
    np.testing.assert_array_equal(saved.clf.network_.theta, result.clf.network_.theta)


def test_a_classifier_refuses_other_embeddings(tmp_path):
    vec = toy_vectors(kind="labelled")
    texts, labels = zip(*toy_rows(), strict=True)
    result = train_classifier(list(texts), list(labels), vec, hidden=(4,), epochs=2)
    save_classifier(tmp_path / "clf", result, vec, tmp_path / "model")
    saved = load_classifier(tmp_path / "clf")
    with pytest.raises(ModelError, match="not the embedding model"):
        saved.check_model(toy_vectors(seed=1, kind="labelled"), "other")


def test_broken_classifier_directories(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        load_classifier(tmp_path / "none")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="not a classifier directory"):
        load_classifier(tmp_path / "empty")
    vec = toy_vectors(kind="labelled")
    texts, labels = zip(*toy_rows(), strict=True)
    result = train_classifier(list(texts), list(labels), vec, hidden=(4,), epochs=2)
    save_classifier(tmp_path / "clf", result, vec, tmp_path / "model")
    meta_file = next(p for p in (tmp_path / "clf").iterdir() if p.suffix == ".json")
    meta = json.loads(meta_file.read_text())
    for text, message in (
        ("[1]", "is not a version"),
        (json.dumps({**meta, "model": None}), "does not record its embedding model"),
        (b"\xff\xfe", "broken"),
    ):
        if isinstance(text, bytes):
            meta_file.write_bytes(text)
        else:
            meta_file.write_text(text)
        with pytest.raises(ModelError, match=message):
            load_classifier(tmp_path / "clf")
    meta_file.write_text(json.dumps(meta))
    np.savez(tmp_path / "clf" / "mlp.npz", W0=np.zeros((2, 2), np.float32))
    with pytest.raises(ModelError, match="broken"):
        load_classifier(tmp_path / "clf")


def test_unusable_data_is_a_user_error():
    vec = toy_vectors(kind="labelled")
    with pytest.raises(UserError, match="none of the 2 texts"):
        train_classifier(["qwzx", "vbnm"], ["a", "b"], vec)
    with pytest.raises(UserError, match="two labels"):
        train_classifier(["cat", "dog"], ["a", "a"], vec)


@pytest.fixture()
def saved_dir(tmp_path):
    """A small saved classifier (3 classes, hidden (4,)) and its meta."""
    vec = toy_vectors(kind="labelled")
    texts, labels = zip(*toy_rows(), strict=True)
    result = train_classifier(list(texts), list(labels), vec, hidden=(4,), epochs=2)
    d = save_classifier(tmp_path / "clf", result, vec, tmp_path / "model")
    return d, json.loads((d / "classifier.json").read_text())


def _arrays(d):
    with np.load(d / "mlp.npz", allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _drop(a, key):
    return {k: v for k, v in a.items() if k != key}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("truncate", "not a readable .npz"),
        ("npy", "single array"),
        (lambda a: _drop(a, "b1"), r"expected \['W0', 'W1', 'b0', 'b1'\]"),
        (lambda a: {**a, "W2": a["W1"]}, "for 2 layers"),
        (lambda a: {**a, "W1": a["W1"][:2]}, r"W1 has shape \(2, 4\), expected \(3, 4\)"),
        (lambda a: {**a, "W1": a["W1"][:, :3]}, r"W1 has shape \(3, 3\), expected \(3, 4\)"),
        (lambda a: {**a, "W0": a["W0"][:, :5]}, "model dim 8"),
        (lambda a: {**a, "b0": a["b0"][:3]}, r"b0 has shape \(3,\), expected \(4,\)"),
        (lambda a: {**a, "W0": a["W0"].astype(np.float64)}, "dtype float64"),
        (lambda a: {**a, "W0": a["W0"].astype(np.int32)}, "dtype int32"),
        (lambda a: {**a, "W0": np.full_like(a["W0"], np.nan)}, "NaN"),
        (lambda a: {**a, "b0": np.array([None] * 4, object)}, "b0 has dtype object"),
        ({"classes": ["animal"]}, "at least two labels"),
        ({"classes": ["animal", "food"]}, r"W1 has shape \(3, 4\), expected \(1, 4\)"),
        ({"classes": ["a", "b", "c", "d"]}, "expected \\(4, 4\\)"),
        ({"classes": ["a", "a", "b"]}, "repeats a label"),
        ({"classes": [1, 2, 3]}, "at least two labels"),
        ({"params": {"hidden": [4, 4]}}, "for 3 layers"),
        ({"params": {"hidden": [5]}}, r"W0 has shape \(4, 8\), expected \(5, 8\)"),
        ({"params": {"hidden": ["4"]}}, "positive sizes"),
        ({"params": {"hidden": [4], "bogus": 1}}, "unknown keys"),
        ({"params": {"hidden": [4], "activation": "swish"}}, "params: activation"),
        ({"params": {"hidden": [4], "lr": "fast"}}, "params"),
        ({"params": [4]}, "no 'params'"),
        ({"model": {"path": "m", "dim": "8"}}, "'dim' is not an integer"),
    ],
)
def test_every_inconsistent_classifier_directory_is_a_model_error(saved_dir, change, message):
    d, meta = saved_dir
    if change == "truncate":
        (d / "mlp.npz").write_bytes((d / "mlp.npz").read_bytes()[:300])
    elif change == "npy":
        np.save(d / "x.npy", np.zeros(3, np.float32))
        (d / "x.npy").replace(d / "mlp.npz")
    elif callable(change):
        arrays = change(_arrays(d))
        with open(d / "mlp.npz", "wb") as f:
            np.savez(f, **arrays)
    else:
        (d / "classifier.json").write_text(json.dumps({**meta, **change}))
    with pytest.raises(ModelError, match="is broken: .*" + message):
        load_classifier(d)


def test_a_retrained_model_is_named_as_such(saved_dir):
    d, _ = saved_dir
    saved = load_classifier(d)
    vec = toy_vectors(kind="labelled")
    retrained = Vectors(vec.words, vec.vectors + np.float32(0.01))
    with pytest.raises(ModelError, match="same size .* but different vectors .*retrained"):
        saved.check_model(retrained, "model")


def test_labels_in_messages_are_plain_strings():
    with pytest.raises(UserError, match=r"found \['a'\]$"):
        train_classifier(["cat", "dog"], ["a", "a"], toy_vectors(kind="labelled"))


def _npy_header(shape, descr="<f4") -> bytes:
    """A .npy (version 1.0) header declaring `shape`, as np.save writes it before the data."""
    d = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape!r}, }}"
    body = d.ljust(64 * ((len(d) + 11) // 64 + 1) - 11) + "\n"
    return b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body.encode("latin1")


def _lying_npz(d, W0_header: bytes, others: dict, compression=zipfile.ZIP_STORED) -> None:
    """mlp.npz with W0 a header declaring its own shape over 1 KB of zeros, then `others`."""
    with zipfile.ZipFile(d / "mlp.npz", "w", compression) as z:
        z.writestr("W0.npy", W0_header + bytes(1024))
        for name, a in others.items():
            with z.open(f"{name}.npy", "w") as f:
                np.lib.format.write_array(f, a)


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_an_npz_header_declaring_a_huge_array_is_refused_before_any_allocation(
    saved_dir, compression
):
    """W0's header claims 10^12 float32 (4 TB): numpy allocated that from the header before
    any check (a MemoryError and a traceback); the shape is now checked first."""
    d, _ = saved_dir
    others = {k: a for k, a in _arrays(d).items() if k != "W0"}
    _lying_npz(d, _npy_header((10**6, 10**6)), others, compression)
    with pytest.raises(ModelError, match=r"W0 has shape \(1000000, 1000000\), expected \(4, 8\)"):
        load_classifier(d)


def test_an_npz_array_of_the_declared_huge_shape_is_read_only_as_far_as_it_goes(saved_dir):
    """classifier.json and the header agree on a layer of 8 x 10^9 values (32 GB) over 1 KB
    of data: the data is read in pieces, and its end comes long before the claim."""
    d, meta = saved_dir
    meta["params"]["hidden"] = [10**9]
    (d / "classifier.json").write_text(json.dumps(meta))
    never_reached = np.zeros(4, np.float32)
    _lying_npz(d, _npy_header((10**9, 8)), dict.fromkeys(["b0", "W1", "b1"], never_reached))
    with pytest.raises(ModelError, match="W0 holds 1,024 of its 32,000,000,000 bytes"):
        load_classifier(d)


def test_arrays_saved_in_fortran_order_read_back_equal(saved_dir):
    d, _ = saved_dir
    arrays = _arrays(d)
    with open(d / "mlp.npz", "wb") as f:
        np.savez(f, **{k: np.asfortranarray(a) for k, a in arrays.items()})
    clf = load_classifier(d).clf
    np.testing.assert_array_equal(clf.weights_[0], arrays["W0"])


class _CountingFile(io.FileIO):
    """A file that counts the bytes read from it."""

    bytes_read = 0

    def readinto(self, b):
        n = super().readinto(b)
        self.bytes_read += n
        return n


def test_a_tsv_row_of_megabytes_is_refused_after_a_bounded_read(tmp_path, monkeypatch):
    """A 500 MB row was read whole (1.1 GB) before csv found its field too large; rows are
    read up to 1 MB."""
    p = tmp_path / "long.tsv"
    p.write_text("text\tlabel\n" + "a " * (4 << 20) + "\tx\n", encoding="utf-8")
    opened = []

    def counting_open(path, *args, **kwargs):
        opened.append(_CountingFile(path))
        return io.TextIOWrapper(io.BufferedReader(opened[-1]), encoding="utf-8", newline="")

    monkeypatch.setattr("w2v.nn.classify.open", counting_open, raising=False)
    with pytest.raises(UserError, match=r"long.tsv' line 2 is longer than 1,048,576 characters"):
        read_labelled_tsv(p)
    assert opened[0].bytes_read < 2 << 20
