import numpy as np
import pytest

from w2v.nn.metrics import accuracy, confusion_matrix, macro_f1, most_confused

TRUE = ["a", "a", "a", "b", "b", "c"]
PRED = ["a", "b", "a", "b", "c", "c"]


def test_confusion_matrix_rows_are_truth():
    C = confusion_matrix(TRUE, PRED, ["a", "b", "c"])
    np.testing.assert_array_equal(C, [[2, 1, 0], [0, 1, 1], [0, 0, 1]])


def test_accuracy_and_macro_f1_by_hand():
    assert accuracy(TRUE, PRED) == pytest.approx(4 / 6)
    # F1 per class: a 2·2/(2+3) = 0.8, b 2·1/(2+2) = 0.5, c 2·1/(2+1) = 2/3
    assert macro_f1(TRUE, PRED) == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert macro_f1(["a", "b"], ["a", "a"], ["a", "b", "z"]) == pytest.approx((2 / 3 + 0 + 0) / 3)


def test_most_confused_pairs():
    C = np.array([[5, 3, 0], [1, 4, 7], [0, 0, 2]])
    assert most_confused(C, ["x", "y", "z"], top=3) == [("y", "z", 7), ("x", "y", 3), ("y", "x", 1)]
    assert most_confused(np.eye(2, dtype=int), ["x", "y"]) == []
