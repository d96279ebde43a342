"""Greedy label placement: labels beside their points, never on each other when there is room."""

import numpy as np

from w2v.plot.labels import overlap, place_labels


def boxes_of(centres, sizes):
    half = sizes / 2
    return np.hstack([centres - half, centres + half])


def test_overlap_areas():
    box = np.array([0.0, 0.0, 2.0, 2.0])
    others = np.array([[1, 1, 3, 3], [2, 0, 3, 1], [5, 5, 6, 6], [-1, -1, 4, 4]], dtype=float)
    assert overlap(box, others).tolist() == [1.0, 0.0, 0.0, 4.0]


def test_a_lone_label_sits_right_of_its_point():
    centres, moved = place_labels([[100, 100]], [[40, 10]], (0, 0, 400, 300), marker=4, gap=2)
    # Clears the marker (half-side 4) and the gap (2): left edge at 106, centred vertically.
    assert np.allclose(centres, [[100 + 4 + 2 + 20, 100]]) and not moved[0]


def test_a_label_at_the_right_edge_goes_left():
    centres, _ = place_labels([[390, 100]], [[40, 10]], (0, 0, 400, 300))
    assert centres[0, 0] < 390


def test_crowded_labels_do_not_overlap_each_other_or_cover_points():
    rng = np.random.default_rng(0)
    anchors = rng.normal([400, 300], 40, size=(30, 2))  # a tight cloud in an 800 x 600 box
    sizes = np.column_stack([rng.uniform(30, 90, 30), np.full(30, 14.0)])
    centres, _ = place_labels(anchors, sizes, (0, 0, 800, 600), marker=4)
    boxes = boxes_of(centres, sizes)
    for i in range(len(boxes)):
        others = np.delete(boxes, i, axis=0)
        assert overlap(boxes[i], others).sum() == 0, f"label {i} overlaps another"
        markers = np.hstack([anchors - 4, anchors + 4])
        assert overlap(boxes[i], markers).sum() == 0, f"label {i} covers a point"
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= 800).all() and (boxes[:, 3] <= 600).all()
    # Labels stay near their points (a label is 30-90 px wide): none drifts far.
    distance = np.linalg.norm(centres - anchors, axis=1)
    assert np.median(distance) < 80 and distance.max() < 200


def test_in_a_looser_cloud_most_labels_touch_their_point():
    rng = np.random.default_rng(0)
    anchors = rng.normal([400, 300], 80, size=(30, 2))
    sizes = np.column_stack([rng.uniform(30, 90, 30), np.full(30, 14.0)])
    _, moved = place_labels(anchors, sizes, (0, 0, 800, 600))
    assert moved.mean() < 0.5


def test_without_placement_the_same_labels_would_collide():
    """The cloud of the test above is crowded: labels at a fixed offset do overlap (so the
    test above proves the placement, not an easy layout)."""
    rng = np.random.default_rng(0)
    anchors = rng.normal([400, 300], 40, size=(30, 2))
    sizes = np.column_stack([rng.uniform(30, 90, 30), np.full(30, 14.0)])
    naive = boxes_of(anchors + np.column_stack([sizes[:, 0] / 2 + 6, 0 * sizes[:, 1]]), sizes)
    clashes = sum(overlap(b, np.delete(naive, i, axis=0)).sum() > 0 for i, b in enumerate(naive))
    assert clashes > 5


def test_first_labels_get_the_best_spots():
    anchors = np.array([[100.0, 100.0], [100.0, 100.0]])  # two words on one point
    centres, moved = place_labels(anchors, [[40, 10], [40, 10]], (0, 0, 400, 300))
    assert np.allclose(centres[0], [126, 100]) and not moved[0]
    assert not np.allclose(centres[1], centres[0])


def test_when_there_is_no_room_the_least_overlap_wins():
    # Three labels wider than the box: placement still returns a spot for each.
    centres, _ = place_labels(np.full((3, 2), 50.0), np.full((3, 2), 200.0), (0, 0, 100, 100))
    assert centres.shape == (3, 2) and np.isfinite(centres).all()
