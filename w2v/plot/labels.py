"""Greedy label placement: put each word's label next to its point without covering the
other labels or points, so a crowded projection stays readable.

Everything is in display units (pixels, y up). A label i is a box of size (w_i, h_i) whose
centre is tried at candidate spots around its anchor p_i, nearest first:

    c = p_i + (s(t) + rho) (cos t, sin t),

where s(t) is the least distance along direction t at which the box clears the point's
marker (plus a gap), for rings rho = 0, h, 2h, ... and angles t (right and left of the
point first, then above and below, then the diagonals). The first spot that overlaps no
placed box and no point marker and stays inside the bounds wins; if none is free, the spot
of least overlap does.
Labels are placed in the order given, so the important ones (query words) go first.
"""

from __future__ import annotations

import numpy as np

# Angles tried on every ring, in order of preference: beside, above/below, diagonals.
ANGLES = np.deg2rad(
    [0, 180, 90, 270, 20, 160, 340, 200, 40, 140, 320, 220, 60, 120, 300, 240, 75, 105, 285, 255]
)


def overlap(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """float [k]: the area shared by `box` (x0, y0, x1, y1) and each row of `boxes` [k, 4]."""
    if len(boxes) == 0:
        return np.zeros(0)
    w = np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0])
    h = np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1])
    return np.clip(w, 0, None) * np.clip(h, 0, None)


def _clearance(u: np.ndarray, w: float, h: float, r: float) -> float:
    """Least s such that a w x h box centred at s u misses the square of half-side r at 0."""
    with np.errstate(divide="ignore"):
        return float(min((w / 2 + r) / abs(u[0]), (h / 2 + r) / abs(u[1])))


def _outside(box: np.ndarray, bounds: np.ndarray) -> float:
    """Area of `box` that lies outside `bounds` (both x0, y0, x1, y1)."""
    inside = overlap(box, bounds[None, :])[0]
    return (box[2] - box[0]) * (box[3] - box[1]) - inside


def place_labels(
    anchors: np.ndarray,
    sizes: np.ndarray,
    bounds: tuple[float, float, float, float],
    points: np.ndarray | None = None,
    marker: float | np.ndarray = 4.0,
    gap: float = 2.0,
    rings: int = 16,
) -> tuple[np.ndarray, np.ndarray]:
    """Choose a centre for every label.

    anchors: float [n, 2], the points the labels belong to; sizes: float [n, 2], (w, h) of
    each label; bounds: the box the labels must stay in; points: float [m, 2], markers the
    labels must not cover (default: the anchors; else the first n of them are the anchors),
    each a square of half-side `marker` (one for all, or float [m]).
    Returns (centres float [n, 2], moved bool [n]); moved[i] is True when label i had to
    leave the ring next to its point (a leader line then helps the reader).
    """
    anchors = np.asarray(anchors, dtype=np.float64).reshape(-1, 2)
    sizes = np.asarray(sizes, dtype=np.float64).reshape(-1, 2)
    points = anchors if points is None else np.asarray(points, dtype=np.float64).reshape(-1, 2)
    r = np.broadcast_to(np.asarray(marker, dtype=np.float64), (len(points),))
    markers = np.hstack([points - r[:, None], points + r[:, None]])  # [m, 4]
    bounds_ = np.asarray(bounds, dtype=np.float64)
    placed = np.zeros((0, 4))
    centres = np.zeros_like(anchors)
    moved = np.zeros(len(anchors), dtype=bool)
    for i, (p, (w, h)) in enumerate(zip(anchors, sizes, strict=True)):
        best, best_cost, best_ring = p, np.inf, 0
        for ring in range(rings):
            for t in ANGLES:
                u = np.array([np.cos(t), np.sin(t)])
                c = p + (_clearance(u, w, h, r[i] + gap) + ring * h / 2) * u
                box = np.array([c[0] - w / 2, c[1] - h / 2, c[0] + w / 2, c[1] + h / 2])
                cost = (
                    overlap(box, placed).sum()
                    + overlap(box, markers).sum()
                    + 10 * _outside(box, bounds_)
                )
                if cost < best_cost:
                    best, best_cost, best_ring = c, cost, ring
                if cost == 0:
                    break
            if best_cost == 0:
                break
        centres[i] = best
        moved[i] = best_ring > 0
        box = [best[0] - w / 2, best[1] - h / 2, best[0] + w / 2, best[1] + h / 2]
        placed = np.vstack([placed, box])
    return centres, moved
