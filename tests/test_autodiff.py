import math

import pytest

from w2v.lecture import autodiff as ad
from w2v.lecture.autodiff import Dual, Var, forward_grad, reverse_grad


def lecture_f(x1, x2):
    """y = ln(x1) + x1·x2 − sin(x2), the lecture's example, node by node."""
    v0, v1 = x1, x2
    v2 = ad.log(v0)
    v3 = v0 * v1
    v4 = ad.sin(v1)
    v5 = v2 + v3
    v6 = v5 - v4
    return v6, (v0, v1, v2, v3, v4, v5, v6)


def test_forward_mode_reproduces_the_lectures_trace():
    y, v = lecture_f(Dual(2, 1), Dual(5, 0))  # seed ẋ1 = 1
    values = [n.val for n in v]
    assert values == pytest.approx([2, 5, 0.693, 10, -0.959, 10.693, 11.652], abs=5e-4)
    # Tangents ∂v_i/∂x1 of the lecture's forward derivative trace.
    assert [n.dot for n in v] == pytest.approx([1, 0, 0.5, 5, 0, 5.5, 5.5])
    assert round(y.val, 3) == 11.652 and round(y.dot, 3) == 5.5
    y2, _ = lecture_f(Dual(2, 0), Dual(5, 1))
    assert round(y2.dot, 3) == 1.716


def test_reverse_mode_reproduces_the_lectures_trace():
    y, v = lecture_f(Var(2), Var(5))
    y.backward()
    assert round(y.val, 3) == 11.652
    # Adjoints v̄_i = ∂y/∂v_i of the lecture's backward trace, from v̄6 down to v̄0.
    adjoints = [n.grad for n in v]
    assert adjoints[2:] == pytest.approx([1, 1, -1, 1, 1])
    assert round(adjoints[1], 3) == 1.716  # v̄1 = v̄3 v0 + v̄4 cos(v1)
    assert round(adjoints[0], 3) == 5.5  # v̄0 = v̄3 v1 + v̄2 / v0


def test_reverse_mode_visits_a_topological_order():
    y, v = lecture_f(Var(2), Var(5))
    order = y.topological_order()
    assert len(order) == 7
    pos = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent, _ in node.parents:
            assert pos[id(parent)] < pos[id(node)]


def g(x, y):
    """Every operation once: + − × ÷ ** exp log sin cos tanh sigmoid relu."""
    return (
        ad.exp(x / y) * ad.cos(x)
        - ad.tanh(x * y) ** 2
        + ad.sigmoid(-x) / (1 + y**x)
        + ad.relu(x - y)
        + ad.relu(y - x) * 3
        + 2**y
        - ad.log(y) * ad.sin(x - 1)
        + (-x)
        - 0.5
    )


def g_float(x, y):
    sig = 1 / (1 + math.exp(x))
    return (
        math.exp(x / y) * math.cos(x)
        - math.tanh(x * y) ** 2
        + sig / (1 + y**x)
        + max(x - y, 0)
        + 3 * max(y - x, 0)
        + 2**y
        - math.log(y) * math.sin(x - 1)
        - x
        - 0.5
    )


@pytest.mark.parametrize("point", [(0.7, 1.3), (1.9, 0.4), (-0.6, 2.2)])
def test_both_modes_agree_with_central_differences_on_every_operation(point):
    h = 1e-6
    numeric = [
        (g_float(point[0] + h, point[1]) - g_float(point[0] - h, point[1])) / (2 * h),
        (g_float(point[0], point[1] + h) - g_float(point[0], point[1] - h)) / (2 * h),
    ]
    value_f, grad_f = forward_grad(g, point)
    value_r, grad_r = reverse_grad(g, point)
    assert value_f == pytest.approx(g_float(*point)) and value_r == pytest.approx(value_f)
    assert grad_f == pytest.approx(numeric, rel=1e-6)
    assert grad_r == pytest.approx(grad_f, rel=1e-12)


def test_shared_subexpressions_accumulate_adjoints():
    x = Var(3.0)
    y = x * x + x  # x used three times
    y.backward()
    assert x.grad == 7.0
    y.backward()  # a second sweep starts afresh
    assert x.grad == 7.0


def test_functions_accept_plain_floats_and_power_rules():
    assert ad.exp(0.0) == 1.0 and ad.relu(-2.0) == 0.0 and ad.sigmoid(0.0) == 0.5
    x = Var(2.0)
    y = x**3
    y.backward()
    assert x.grad == pytest.approx(12.0)
    b, e = Var(2.0), Var(3.0)
    (b**e).backward()
    assert e.grad == pytest.approx(8 * math.log(2))
    assert (Dual(-2.0, 1.0) ** 2).dot == pytest.approx(-4.0)  # negative base, constant exponent
    assert ad.sigmoid(Var(-800.0)).val == 0.0  # no overflow
