import sys

import numpy as np
import pytest
from PIL import Image

from w2v.errors import UserError
from w2v.lecture.playground import train_playground
from w2v.plot.playground import animate, draw, require_matplotlib


@pytest.fixture(scope="module")
def run():
    return train_playground("circles", hidden=(6,), epochs=12, frame_every=4)


def distinct_colours(image: Image.Image) -> int:
    return len(np.unique(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0))


@pytest.mark.slow
def test_picture_is_written_and_not_trivial(run, tmp_path):
    path = draw(run, tmp_path / "sub" / "circles.png")
    assert path.stat().st_size > 20_000
    with Image.open(path) as im:
        assert im.size == (1000, 460)
        assert distinct_colours(im) > 200  # a shaded surface, two classes of points, curves
        rgb = np.asarray(im.convert("RGB")).reshape(-1, 3).astype(int)
    orange = (np.abs(rgb - [0xF5, 0x93, 0x22]).sum(axis=1) < 40).sum()
    blue = (np.abs(rgb - [0x08, 0x77, 0xBD]).sum(axis=1) < 40).sum()
    assert orange > 500 and blue > 500
    assert [p.name for p in path.parent.iterdir()] == ["circles.png"]  # no temporary left


@pytest.mark.slow
def test_animation_has_one_frame_per_surface(run, tmp_path):
    path = animate(run, tmp_path / "circles.gif")
    assert path.stat().st_size > 20_000
    with Image.open(path) as im:
        assert im.n_frames == len(run.frames) == 4
        im.seek(0)
        first = np.asarray(im.convert("RGB")).copy()
        assert distinct_colours(im) > 50
        im.seek(im.n_frames - 1)
        last = np.asarray(im.convert("RGB"))
    assert (first != last).any()


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(UserError, match=r"pip install 'w2v\[plot\]'"):
        require_matplotlib()
