"""Automatic differentiation of scalar functions, in both modes of the lecture.

Forward mode carries a tangent alongside each value (dual numbers a + ȧε, ε² = 0):
one pass gives the derivative of every intermediate along one input direction.

    x1, x2 = Dual(2, 1), Dual(5, 0)            # seed ẋ1 = 1
    y = log(x1) + x1 * x2 - sin(x2)            # y.val = 11.652, y.dot = ∂y/∂x1 = 5.5

Reverse mode records each operation as a node holding its parents and the local
derivatives ∂v_k/∂v_i (the tape); `backward()` sorts the graph topologically and sweeps it
in reverse, accumulating the adjoints v̄_i = Σ_k v̄_k ∂v_k/∂v_i: one pass gives the
gradient with respect to every input.

    x1, x2 = Var(2), Var(5)
    y = log(x1) + x1 * x2 - sin(x2)
    y.backward()                               # x1.grad = 5.5, x2.grad = 1.716

Operations: + − × ÷ ** (either side a constant or a variable), exp, log (ln), sin, cos,
tanh, sigmoid, relu. The functions also accept plain floats. For x ** y, the derivative
with respect to the exponent, x^y ln x, exists only for x > 0; at x ≤ 0 it is taken as 0
(as if y were a constant, the only case in which x^y is real there). relu'(0) = 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence


class Dual:
    """A dual number val + dot·ε: a value and its derivative along one direction."""

    __slots__ = ("val", "dot")

    def __init__(self, val: float, dot: float = 0.0):
        self.val = float(val)
        self.dot = float(dot)

    def __add__(self, o):
        o = _dual(o)
        return Dual(self.val + o.val, self.dot + o.dot)

    def __sub__(self, o):
        o = _dual(o)
        return Dual(self.val - o.val, self.dot - o.dot)

    def __mul__(self, o):
        o = _dual(o)
        return Dual(self.val * o.val, self.dot * o.val + self.val * o.dot)

    def __truediv__(self, o):
        o = _dual(o)
        return Dual(self.val / o.val, (self.dot * o.val - self.val * o.dot) / (o.val * o.val))

    def __pow__(self, o):
        o = _dual(o)
        val = self.val**o.val
        dot = o.val * self.val ** (o.val - 1) * self.dot
        if o.dot and self.val > 0:
            dot += val * math.log(self.val) * o.dot
        return Dual(val, dot)

    def __radd__(self, o):
        return _dual(o) + self

    def __rsub__(self, o):
        return _dual(o) - self

    def __rmul__(self, o):
        return _dual(o) * self

    def __rtruediv__(self, o):
        return _dual(o) / self

    def __rpow__(self, o):
        return _dual(o) ** self

    def __neg__(self):
        return Dual(-self.val, -self.dot)

    def __repr__(self) -> str:
        return f"Dual({self.val:.6g}, {self.dot:.6g})"


def _dual(x) -> Dual:
    return x if isinstance(x, Dual) else Dual(x, 0.0)


class Var:
    """A node of the reverse-mode graph: value, adjoint `grad`, parents with ∂self/∂parent."""

    __slots__ = ("val", "grad", "parents", "op")

    def __init__(self, val: float, parents: tuple[tuple[Var, float], ...] = (), op: str = ""):
        self.val = float(val)
        self.grad = 0.0
        self.parents = parents
        self.op = op

    def __add__(self, o):
        o = _var(o)
        return Var(self.val + o.val, ((self, 1.0), (o, 1.0)), "+")

    def __sub__(self, o):
        o = _var(o)
        return Var(self.val - o.val, ((self, 1.0), (o, -1.0)), "-")

    def __mul__(self, o):
        o = _var(o)
        return Var(self.val * o.val, ((self, o.val), (o, self.val)), "*")

    def __truediv__(self, o):
        o = _var(o)
        return Var(self.val / o.val, ((self, 1.0 / o.val), (o, -self.val / (o.val * o.val))), "/")

    def __pow__(self, o):
        o = _var(o)
        val = self.val**o.val
        d_base = o.val * self.val ** (o.val - 1)
        d_exp = val * math.log(self.val) if self.val > 0 else 0.0  # see module docstring
        return Var(val, ((self, d_base), (o, d_exp)), "**")

    def __radd__(self, o):
        return _var(o) + self

    def __rsub__(self, o):
        return _var(o) - self

    def __rmul__(self, o):
        return _var(o) * self

    def __rtruediv__(self, o):
        return _var(o) / self

    def __rpow__(self, o):
        return _var(o) ** self

    def __neg__(self):
        return Var(-self.val, ((self, -1.0),), "neg")

    def topological_order(self) -> list[Var]:
        """Every node this one depends on, each after all of its parents (iterative DFS)."""
        order, seen = [], set()
        stack = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p, _ in node.parents if id(p) not in seen)
        return order

    def backward(self) -> None:
        """Set v̄ = ∂self/∂v in `grad` of every node of the graph (self.grad = 1)."""
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in node.parents:
                parent.grad += local * node.grad

    def __repr__(self) -> str:
        return f"Var({self.val:.6g}, grad={self.grad:.6g})"


def _var(x) -> Var:
    return x if isinstance(x, Var) else Var(x)


def _unary(name: str, f: Callable[[float], float], df: Callable[[float, float], float]):
    """An elementary function of Dual, Var or float; df(x, f(x)) is its derivative."""

    def apply(x):
        if isinstance(x, Dual):
            y = f(x.val)
            return Dual(y, df(x.val, y) * x.dot)
        if isinstance(x, Var):
            y = f(x.val)
            return Var(y, ((x, df(x.val, y)),), name)
        return f(float(x))

    apply.__name__ = name
    apply.__doc__ = f"{name}(x) for a float, a Dual or a Var."
    return apply


def _sigmoid(a: float) -> float:
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


exp = _unary("exp", math.exp, lambda x, y: y)
log = _unary("log", math.log, lambda x, y: 1.0 / x)
sin = _unary("sin", math.sin, lambda x, y: math.cos(x))
cos = _unary("cos", math.cos, lambda x, y: -math.sin(x))
tanh = _unary("tanh", math.tanh, lambda x, y: 1.0 - y * y)
sigmoid = _unary("sigmoid", _sigmoid, lambda x, y: y * (1.0 - y))
relu = _unary("relu", lambda x: max(x, 0.0), lambda x, y: 1.0 if x > 0 else 0.0)


def forward_grad(f: Callable[..., Dual], xs: Sequence[float]) -> tuple[float, list[float]]:
    """f(xs) and its gradient by forward mode: one pass per input, seeding ẋ_i = 1."""
    grads, value = [], None
    for i in range(len(xs)):
        y = f(*[Dual(x, 1.0 if j == i else 0.0) for j, x in enumerate(xs)])
        value = y.val
        grads.append(y.dot)
    return value, grads


def reverse_grad(f: Callable[..., Var], xs: Sequence[float]) -> tuple[float, list[float]]:
    """f(xs) and its gradient by reverse mode: one forward pass, one backward sweep."""
    inputs = [Var(x) for x in xs]
    y = f(*inputs)
    y.backward()
    return y.val, [v.grad for v in inputs]
