"""Text classification on top of word embeddings.

A text's features are the mean of the vectors of its in-vocabulary tokens (tokenized as
the corpus is, by w2v.tokens.tokenize); an MLPClassifier learns labels from them.

    texts, labels = read_labelled_tsv("data.tsv")        # header row: text<TAB>label
    result = train_classifier(texts, labels, vec)         # stratified hold-out evaluation
    save_classifier("clf", result, vec, model_dir)        # mlp.npz + classifier.json
    clf = load_classifier("clf"); clf.predict(["a frog"], vec)

A saved classifier is two files, nothing pickled: `mlp.npz` holds the weights W0, b0, W1,
b1, … (float32) and `classifier.json` the labels, the estimator's parameters, the
evaluation, and which embedding model it needs (its path, size and a SHA-256 of its
vectors, so predicting with any other model is refused).
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import json
import math
import os
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from w2v.errors import ModelError, UserError
from w2v.io.atomic import Owned, atomic_dir, write_json
from w2v.io.model_dir import read_npy_header
from w2v.nn.metrics import accuracy, confusion_matrix, macro_f1, most_confused
from w2v.nn.mlp import MLPClassifier
from w2v.nn.split import stratified_split
from w2v.tokens import tokenize
from w2v.vectors import Vectors

FORMAT_VERSION = 1
WEIGHTS_FILE = "mlp.npz"
META_FILE = "classifier.json"
CLASSIFIER_DIR = Owned("classifier", META_FILE, frozenset({WEIGHTS_FILE, META_FILE}))
MAX_ROW = 1 << 20  # characters of a TSV row; csv refuses a field past 131,072 anyway


def read_labelled_tsv(path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """(texts, labels) from a UTF-8 TSV whose header names the columns `text` and `label`.

    Blank lines are skipped. A missing or empty file, a header without those columns, a
    row with too few fields or an empty label, or a row longer than MAX_ROW characters
    raise UserError naming the line.
    """
    p = Path(path)
    if not p.is_file():
        what = "is a directory" if p.is_dir() else "does not exist"
        raise UserError(f"data file {str(p)!r} {what}")
    try:
        with open(p, encoding="utf-8", newline="") as f:
            rows = csv.reader(_rows_of(f, p), delimiter="\t", quoting=csv.QUOTE_NONE)
            header = next((r for r in rows if any(c.strip() for c in r)), None)
            if header is None:
                raise UserError(f"{str(p)!r} is empty; expected a header row text<TAB>label")
            names = [c.strip().lower() for c in header]
            missing = [c for c in ("text", "label") if c not in names]
            if missing:
                raise UserError(
                    f"{str(p)!r} has no {' or '.join(map(repr, missing))} column "
                    f"(header: {header}); expected a header row text<TAB>label"
                )
            i_text, i_label = names.index("text"), names.index("label")
            need = max(i_text, i_label) + 1
            texts, labels = [], []
            for row in rows:
                if not any(c.strip() for c in row):
                    continue
                if len(row) < need or not row[i_label].strip():
                    raise UserError(
                        f"{str(p)!r} line {rows.line_num}: expected text<TAB>label, got {row!r}"
                    )
                texts.append(row[i_text])
                labels.append(row[i_label].strip())
    except UnicodeDecodeError as e:
        raise UserError(f"{str(p)!r} is not UTF-8 text: {e}") from e
    except csv.Error as e:
        raise UserError(f"{str(p)!r} is not a readable TSV: {e}") from e
    if not texts:
        raise UserError(f"{str(p)!r} has a header but no rows")
    return texts, labels


def _rows_of(f, path: Path):
    """The lines of the text file `f`, each read up to MAX_ROW characters and no further."""
    for n, line in enumerate(iter(lambda: f.readline(MAX_ROW + 1), ""), start=1):
        if len(line) > MAX_ROW:
            raise UserError(f"{str(path)!r} line {n} is longer than {MAX_ROW:,} characters")
        yield line


def featurize(texts: list[str], vec: Vectors) -> tuple[np.ndarray, np.ndarray]:
    """X [N_known, dim] float32, the mean vector of each text's in-vocabulary tokens, and
    `known` bool [N], which texts had at least one (X holds only those rows)."""
    ids: list[int] = []
    counts = np.zeros(len(texts), np.int64)
    for i, text in enumerate(texts):
        row = [vec.index(t) for t in tokenize(text) if t in vec]
        ids.extend(row)
        counts[i] = len(row)
    known = counts > 0
    U = vec.vectors
    if not ids:
        return np.zeros((0, U.shape[1]), np.float32), known
    starts = np.concatenate([[0], np.cumsum(counts[known])[:-1]])
    X = np.add.reduceat(np.asarray(U[np.asarray(ids)], np.float32), starts, axis=0)
    X /= counts[known][:, None]
    return X, known


def fingerprint(vec: Vectors) -> dict:
    """What identifies an embedding model: vocabulary size, dimension, SHA-256 of U."""
    U = np.ascontiguousarray(vec.vectors)
    return {
        "vocab_size": len(vec),
        "dim": vec.dim,
        "vectors_sha256": hashlib.sha256(memoryview(U).cast("B")).hexdigest(),
    }


@dataclass
class TrainResult:
    """A trained classifier and its held-out evaluation."""

    clf: MLPClassifier
    report: dict
    confusions: list[tuple[str, str, int]] = field(default_factory=list)


def train_classifier(
    texts: list[str],
    labels: list[str],
    vec: Vectors,
    hidden: tuple[int, ...] = (256,),
    activation: str = "relu",
    epochs: int = 200,
    test_size: float = 0.2,
    seed: int = 0,
    on_epoch: Callable | None = None,
    **mlp_params,
) -> TrainResult:
    """Featurize, split (stratified, `seed`), fit on train, evaluate on the held-out part.

    The report holds accuracy, macro_f1, majority (the accuracy of always answering the
    most frequent training label), n_train, n_test, skipped (texts without a known word).
    Further keyword arguments (lr, batch_size, l2, …) go to the MLPClassifier.
    """
    X, known = featurize(texts, vec)
    y = np.asarray(labels, dtype=object)[known].astype(str)
    skipped = int((~known).sum())
    if len(y) == 0:
        raise UserError(f"none of the {len(texts)} texts has a word in the model's vocabulary")
    classes = np.unique(y)
    if len(classes) < 2:
        raise UserError(
            f"need at least two labels among the usable rows, found {[str(c) for c in classes]}"
        )
    if not 0 < test_size < 1:
        raise UserError(f"--test-size must be between 0 and 1, not {test_size}")
    train, test = stratified_split(y, test_size, seed)
    if len(test) == 0:
        raise UserError(f"{len(y)} usable rows are too few for a test split of {test_size}")
    clf = MLPClassifier(
        hidden=hidden, activation=activation, epochs=epochs, seed=seed, **mlp_params
    )
    clf.fit(X[train], y[train], on_epoch=on_epoch)
    pred = clf.predict(X[test])
    y_test = y[test]
    train_labels, train_counts = np.unique(y[train], return_counts=True)
    majority_label = str(train_labels[np.argmax(train_counts)])
    C = confusion_matrix(y_test, pred, clf.classes_)
    report = {
        "accuracy": accuracy(y_test, pred),
        "macro_f1": macro_f1(y_test, pred, clf.classes_),
        "majority": accuracy(y_test, np.full(len(y_test), majority_label)),
        "majority_label": majority_label,
        "n_train": int(len(train)),
        "n_test": int(len(test)),
        "skipped": skipped,
        "rows": len(texts),
        "classes": len(classes),
        "epochs": clf.n_iter_,
    }
    report["most_confused"] = [
        {"true": t, "predicted": p, "count": n} for t, p, n in most_confused(C, clf.classes_)
    ]
    return TrainResult(clf, report)


def save_classifier(
    directory: str | os.PathLike,
    result: TrainResult,
    vec: Vectors,
    model_dir: str | os.PathLike,
    force: bool = False,
) -> Path:
    """Write mlp.npz and classifier.json into `directory`, atomically."""
    from w2v import __version__

    clf = result.clf
    arrays = {}
    for k, (W, b) in enumerate(zip(clf.weights_, clf.biases_, strict=True)):
        arrays[f"W{k}"], arrays[f"b{k}"] = W, b
    params = clf.get_params()
    params["hidden"] = list(params["hidden"])
    meta = {
        "format_version": FORMAT_VERSION,
        "kind": "w2v-classifier",
        "w2v_version": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "model": {"path": str(Path(model_dir).resolve()), **fingerprint(vec)},
        "classes": [str(c) for c in clf.classes_],
        "params": params,
        "evaluation": result.report,
        "loss_curve": [float(v) for v in clf.loss_curve_],
        "validation_scores": [float(v) for v in clf.validation_scores_],
    }
    directory = Path(directory)
    with atomic_dir(directory, CLASSIFIER_DIR, force=force) as tmp:
        np.savez(tmp / WEIGHTS_FILE, **arrays)
        write_json(tmp / META_FILE, meta)
    return directory


@dataclass
class SavedClassifier:
    """A classifier read back from its directory, with the metadata it was saved with."""

    clf: MLPClassifier
    meta: dict

    @property
    def model_path(self) -> str:
        return self.meta["model"]["path"]

    def check_model(self, vec: Vectors, model_dir: str | os.PathLike) -> None:
        """Refuse embeddings other than the ones the classifier was trained on."""
        want = {k: self.meta["model"].get(k) for k in ("vocab_size", "dim", "vectors_sha256")}
        have = fingerprint(vec)
        if have == want:
            return
        if (have["vocab_size"], have["dim"]) == (want["vocab_size"], want["dim"]):
            what = (
                f"same size ({have['vocab_size']} words, dim {have['dim']}) but different "
                "vectors (SHA-256): it was retrained or changed since; retrain the classifier"
            )
        else:
            what = (
                f"{self.model_path!r} has {want['vocab_size']} words, dim {want['dim']}; "
                f"given: {have['vocab_size']} words, dim {have['dim']}"
            )
        raise ModelError(
            f"model {str(model_dir)!r} is not the embedding model this classifier was "
            f"trained on: {what}"
        )

    def predict(self, texts: list[str], vec: Vectors) -> list[tuple[str | None, float | None]]:
        """(label, probability) per text; (None, None) for a text with no known word."""
        X, known = featurize(texts, vec)
        out: list[tuple[str | None, float | None]] = [(None, None)] * len(texts)
        if len(X):
            P = self.clf.predict_proba(X)
            best = np.argmax(P, axis=1)
            for i, k, p in zip(
                np.flatnonzero(known), best, P[np.arange(len(P)), best], strict=True
            ):
                out[i] = (str(self.clf.classes_[k]), float(p))
        return out


def load_classifier(directory: str | os.PathLike) -> SavedClassifier:
    """Read a classifier directory (no pickles); ModelError naming the broken part.

    Every way the two files can disagree is refused here rather than at prediction time:
    unreadable JSON or .npz, missing or extra arrays, arrays that are not finite float32,
    layer shapes that do not chain, hidden sizes that differ from `params`, an output layer
    that does not fit `classes`, an input size other than the recorded model's dim.
    """
    d = Path(directory)
    meta_path, weights_path = d / META_FILE, d / WEIGHTS_FILE
    if not d.is_dir():
        raise ModelError(f"classifier directory {str(d)!r} does not exist")
    if not meta_path.is_file() or not weights_path.is_file():
        raise ModelError(
            f"{str(d)!r} is not a classifier directory (needs {META_FILE}, "
            f"{WEIGHTS_FILE}); train one with `w2v classify train`"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as e:  # JSONDecodeError and UnicodeDecodeError included
        raise _broken(d, f"{META_FILE} is not readable JSON: {e}") from e
    if (
        not isinstance(meta, dict)
        or meta.get("kind") != "w2v-classifier"
        or meta.get("format_version") != FORMAT_VERSION
    ):
        raise ModelError(f"{str(meta_path)!r} is not a version-{FORMAT_VERSION} classifier")
    model = meta.get("model")
    if not isinstance(model, dict) or not isinstance(model.get("path"), str):
        raise ModelError(f"{str(meta_path)!r} does not record its embedding model")
    try:
        classes, params = _check_meta(meta)
        shapes = _layer_shapes(params["hidden"], classes, model.get("dim"))
        weights, biases = _read_layers(weights_path, shapes)
        clf = MLPClassifier.from_weights(weights, biases, np.asarray(classes), **params)
    except _Broken as e:
        raise _broken(d, str(e)) from None
    except (ValueError, TypeError) as e:  # a parameter MLPClassifier itself refuses
        raise _broken(d, f"{META_FILE} params: {e}") from e
    return SavedClassifier(clf, meta)


class _Broken(Exception):
    """What is inconsistent in a classifier directory (load_classifier adds which one)."""


def _broken(d: Path, why: str) -> ModelError:
    return ModelError(f"classifier directory {str(d)!r} is broken: {why}")


def _check_meta(meta: dict) -> tuple[list[str], dict]:
    """(classes, params) from classifier.json, with their types checked."""
    classes = meta.get("classes")
    if (
        not isinstance(classes, list)
        or len(classes) < 2
        or not all(isinstance(c, str) for c in classes)
    ):
        raise _Broken(f"{META_FILE} 'classes' is not a list of at least two labels")
    if len(set(classes)) != len(classes):
        raise _Broken(f"{META_FILE} 'classes' repeats a label: {classes}")
    params = meta.get("params")
    if not isinstance(params, dict):
        raise _Broken(f"{META_FILE} has no 'params' object")
    unknown = sorted(set(params) - set(MLPClassifier._param_names))
    if unknown:
        raise _Broken(f"{META_FILE} params has unknown keys {unknown}")
    hidden = params.get("hidden")
    if not isinstance(hidden, list) or not all(
        isinstance(h, int) and not isinstance(h, bool) and h > 0 for h in hidden
    ):
        raise _Broken(f"{META_FILE} params 'hidden' is not a list of positive sizes: {hidden!r}")
    return classes, {**params, "hidden": tuple(hidden)}


def _layer_shapes(hidden: tuple[int, ...], classes: list[str], dim) -> dict[str, tuple]:
    """name -> (shape, what the layer is) of every array mlp.npz must hold: W⁽ᵏ⁾ [n_k, n_(k-1)]
    and b⁽ᵏ⁾ [n_k], chaining dim through `hidden` to the outputs (1 for two classes, one per
    class otherwise)."""
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise _Broken(f"{META_FILE} model 'dim' is not an integer: {dim!r}")
    sizes = [*hidden, 1 if len(classes) == 2 else len(classes)]
    shapes, n_in = {}, dim
    for k, n_k in enumerate(sizes):
        what = "output layer" if k == len(sizes) - 1 else f"hidden layer {k + 1}"
        context = f"{what}; {len(classes)} classes, hidden {list(hidden)}, model dim {dim}"
        shapes[f"W{k}"] = ((n_k, n_in), context)
        shapes[f"b{k}"] = ((n_k,), None)
        n_in = n_k
    return shapes


def _read_layers(path: Path, shapes: dict[str, tuple]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """W0..W{L-1}, b0..b{L-1} from the .npz (no pickles), each a finite float32 array of the
    shape `shapes` gives. Each header is checked before its data is read, and the data is
    read in pieces, so memory follows what the archive holds, never what a header claims."""
    with open(path, "rb") as f:
        if f.read(6) == b"\x93NUMPY":
            raise _Broken(f"{WEIGHTS_FILE} is a single array, not an .npz archive")
    arrays = {}
    try:
        with zipfile.ZipFile(path) as z:
            members = {m.removesuffix(".npy"): m for m in z.namelist()}
            if sorted(members) != sorted(shapes):
                raise _Broken(
                    f"{WEIGHTS_FILE} holds {sorted(members)}, expected {sorted(shapes)} "
                    f"for {len(shapes) // 2} layers"
                )
            for name, (shape, context) in shapes.items():
                with z.open(members[name]) as member:
                    arrays[name] = _read_array(member, name, shape, context)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise _Broken(f"{WEIGHTS_FILE} is not a readable .npz archive: {e}") from None
    L = len(shapes) // 2
    return [arrays[f"W{k}"] for k in range(L)], [arrays[f"b{k}"] for k in range(L)]


_PIECE = 1 << 20  # bytes of an array read at a time


def _read_array(f, name: str, shape: tuple[int, ...], context: str | None) -> np.ndarray:
    """The float32 array of `shape` in the .npy stream `f`, refused from its header if it
    has another dtype or shape; ValueError if the header is not one."""
    declared, fortran_order, dtype = read_npy_header(f)  # ValueError: not an .npy header
    if dtype != np.float32:
        raise _Broken(f"{WEIGHTS_FILE} array {name} has dtype {dtype}, expected float32")
    if declared != shape:
        raise _Broken(
            f"{name} has shape {declared}, expected {shape}" + (f" ({context})" if context else "")
        )
    nbytes = 4 * math.prod(shape)
    data = bytearray()
    while len(data) < nbytes and (piece := f.read(min(_PIECE, nbytes - len(data)))):
        data += piece
    if len(data) < nbytes:
        raise _Broken(f"{WEIGHTS_FILE} array {name} holds {len(data):,} of its {nbytes:,} bytes")
    a = np.frombuffer(data, np.float32).reshape(shape, order="F" if fortran_order else "C")
    if not np.isfinite(a).all():
        raise _Broken(f"{WEIGHTS_FILE} array {name} holds NaN or infinite values")
    return a
