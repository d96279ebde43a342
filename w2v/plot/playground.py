"""Pictures of a playground run: the decision surface, the points, the loss curves.

    draw(run, "xor.png")        # the final state, one figure (any format matplotlib writes)
    animate(run, "xor.gif")     # one frame per recorded surface, written by Pillow

matplotlib (and Pillow for GIFs) are the optional extra `plot`, imported only here and
only when drawing; the figure is built on matplotlib's Agg canvas, so no display is
needed. Colours follow the TensorFlow Playground: orange for class 0, blue for class 1,
the surface shaded by p(y = 1 | x). Files are written atomically.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from w2v.errors import UserError
from w2v.io.atomic import atomic_file
from w2v.lecture.playground import EXTENT, PlaygroundRun

ORANGE, BLUE, GREY = "#f59322", "#0877bd", "#e8eaeb"


def require_matplotlib(gif: bool = False):
    """Import matplotlib (and Pillow for a GIF), or a UserError saying what to install."""
    try:
        import matplotlib

        if gif:
            importlib.import_module("PIL")
    except ImportError as e:
        raise UserError(
            f"pictures need the optional extra 'plot' ({e.name} is missing): "
            "pip install 'w2v[plot]'"
        ) from None
    return matplotlib


class _Figure:
    """The two panels, drawn once and then updated frame by frame."""

    def __init__(self, run: PlaygroundRun):
        require_matplotlib()
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.colors import LinearSegmentedColormap
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D

        self.run = run
        self.fig = Figure(figsize=(10, 4.6), dpi=100, layout="constrained")
        FigureCanvasAgg(self.fig)
        ax, self.ax_loss = self.fig.subplots(1, 2, width_ratios=[1, 1.15])
        cmap = LinearSegmentedColormap.from_list("playground", [ORANGE, GREY, BLUE])
        epoch0, P0 = run.frames[0]
        self.image = ax.imshow(
            P0,
            origin="lower",
            extent=(-EXTENT, EXTENT, -EXTENT, EXTENT),
            cmap=cmap,
            vmin=0,
            vmax=1,
            interpolation="bilinear",
            alpha=0.85,
        )
        self.boundary = None
        for X, y, edge in ((run.X_train, run.y_train, "white"), (run.X_test, run.y_test, "black")):
            colours = [BLUE if c == 1 else ORANGE for c in y]
            ax.scatter(*X.T, c=colours, s=22, edgecolors=edge, linewidths=0.8)
        ax.set(xlim=(-EXTENT, EXTENT), ylim=(-EXTENT, EXTENT), aspect="equal")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        legend = [
            Line2D([], [], ls="", marker="o", mfc="#999999", mec=edge, label=label)
            for edge, label in (("white", "train"), ("black", "test"))
        ]
        legend.append(Line2D([], [], color="black", lw=1, label="p = 0.5"))
        ax.legend(handles=legend, loc="lower left", fontsize=8, framealpha=0.8)
        self.fig.colorbar(self.image, ax=ax, shrink=0.8, label="p(y = 1 | x)")
        self.ax = ax

        epochs = [h.epoch for h in run.history]
        self.ax_loss.set(xlim=(0, max(epochs[-1], 1)), xlabel="epoch", ylabel="cross-entropy")
        top = max(max(h.train_loss for h in run.history), max(h.test_loss for h in run.history))
        self.ax_loss.set_ylim(0, min(top, 5) * 1.3)  # headroom for the legend
        (self.train_line,) = self.ax_loss.plot([], [], color="#333333", label="train loss")
        (self.test_line,) = self.ax_loss.plot([], [], color="#333333", ls="--", label="test loss")
        self.ax_loss.legend(loc="upper right")
        self.ax_loss.grid(alpha=0.3)
        self.update(epoch0, P0)

    def update(self, epoch: int, P) -> None:
        run = self.run
        self.image.set_data(P)
        if self.boundary is not None:
            self.boundary.remove()
        self.boundary = None
        if P.min() < 0.5 < P.max():
            g = run.grid
            self.boundary = self.ax.contour(g, g, P, levels=[0.5], colors="black", linewidths=1)
        seen = [h for h in run.history if h.epoch <= epoch]
        self.train_line.set_data([h.epoch for h in seen], [h.train_loss for h in seen])
        self.test_line.set_data([h.epoch for h in seen], [h.test_loss for h in seen])
        last = seen[-1]
        if run.hidden:
            net = f"hidden {', '.join(map(str, run.hidden))} {run.activation}"
        else:
            net = "no hidden layer: a single sigmoid neuron"
        self.ax.set_title(f"{run.data} — {net}", fontsize=11)
        self.ax_loss.set_title(
            f"epoch {epoch}: test accuracy {last.test_acc:.1%} (train {last.train_acc:.1%})",
            fontsize=11,
        )


def draw(run: PlaygroundRun, path: str | os.PathLike, dpi: int = 100) -> Path:
    """Save the final decision surface, points and loss curves to `path`."""
    path = Path(path)
    figure = _Figure(run)
    figure.update(*run.frames[-1])
    with atomic_file(path) as f:
        figure.fig.savefig(f, format=path.suffix.lstrip(".").lower() or "png", dpi=dpi)
    return path


def animate(run: PlaygroundRun, path: str | os.PathLike, fps: int = 8, dpi: int = 64) -> Path:
    """Save a GIF with one frame per recorded surface, the last one held for 1.5 s.

    Each frame is drawn on the Agg canvas and handed to Pillow, which writes the GIF
    (matplotlib's PillowWriter does the same through savefig, three times slower).
    """
    require_matplotlib(gif=True)
    from PIL import Image

    path = Path(path)
    figure = _Figure(run)
    figure.fig.set_dpi(dpi)
    canvas = figure.fig.canvas
    canvas.draw()
    figure.fig.set_layout_engine("none")  # lay out once; the frames only redraw
    images = []
    for epoch, P in run.frames:
        figure.update(epoch, P)
        canvas.draw()
        rgba = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
        images.append(rgba.convert("RGB"))
    durations = [1000 // fps] * (len(images) - 1) + [1500]
    with atomic_file(path) as f:
        images[0].save(
            f, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0
        )
    return path
