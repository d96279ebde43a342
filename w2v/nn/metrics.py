"""Classification metrics: accuracy, macro-F1, the confusion matrix and its worst cells."""

from __future__ import annotations

import numpy as np


def confusion_matrix(y_true, y_pred, labels) -> np.ndarray:
    """C [K, K] int64 with C[i, j] = number of rows of true label i predicted as label j."""
    labels = np.asarray(labels)
    index = {label: i for i, label in enumerate(labels.tolist())}
    t = np.array([index[v] for v in np.asarray(y_true).tolist()], np.int64)
    p = np.array([index[v] for v in np.asarray(y_pred).tolist()], np.int64)
    K = len(labels)
    return np.bincount(t * K + p, minlength=K * K).reshape(K, K)


def accuracy(y_true, y_pred) -> float:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return float(np.mean(y_true == y_pred)) if len(y_true) else 0.0


def macro_f1(y_true, y_pred, labels=None) -> float:
    """Unweighted mean over labels of F1 = 2·P·R / (P + R) (0 for a label never hit).

    `labels` defaults to the labels present in y_true or y_pred, as scikit-learn's
    f1_score(average="macro") does.
    """
    if labels is None:
        labels = np.union1d(np.asarray(y_true), np.asarray(y_pred))
    C = confusion_matrix(y_true, y_pred, labels)
    tp = np.diag(C).astype(np.float64)
    denominator = C.sum(axis=0) + C.sum(axis=1)  # (tp + fp) + (tp + fn)
    f1 = np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)
    return float(f1.mean()) if len(f1) else 0.0


def most_confused(C: np.ndarray, labels, top: int = 5) -> list[tuple[str, str, int]]:
    """The `top` largest off-diagonal cells as (true label, predicted label, count)."""
    off = C.copy()
    np.fill_diagonal(off, 0)
    flat = np.argsort(off, axis=None, kind="stable")[::-1][:top]
    K = len(labels)
    pairs = [(str(labels[i // K]), str(labels[i % K]), int(off.flat[i])) for i in flat]
    return [p for p in pairs if p[2] > 0]
