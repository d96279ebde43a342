"""Figures of a model: words and their neighbours in 2-D, the analogy offset, the loss curve.

    fig = words_figure(vec, ["frog", "king"], neighbours=8)   # a matplotlib Figure
    save_figure(fig, "words.png")

matplotlib is an optional extra (`pip install 'w2v[plot]'`) imported only when a figure is
made; t-SNE needs scikit-learn (`w2v[sklearn]`). Figures use matplotlib's object API on an
Agg canvas (no pyplot, no global state), so they render headless and return the Figure for
inspection or display in a notebook.

Words are projected from their unit vectors u_i / ||u_i||, the geometry cosine similarity
sees: by PCA, Y = (X - mean) W with W [dim, 2] the top right-singular vectors of X - mean,
or by t-SNE. Labels are placed by `w2v.plot.labels.place_labels` so they do not overlap.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from w2v.errors import ConfigError, ModelError, UserError
from w2v.io.atomic import atomic_file, refuse_existing
from w2v.plot.labels import place_labels
from w2v.vectors import Vectors

# The meta.json key under which the trainer (w2v.train) stores the mean loss of every epoch:
# the mean of -log sigma(+-u.v) over the positive and negative terms trained in that epoch.
LOSS_KEY = "loss"
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
SIZE = (8.0, 6.0)  # inches; 800 x 600 pixels at the default 100 dpi
DPI = 100


class MissingExtra(UserError):
    """An optional dependency is not installed; the message names the extra to install."""


def require_matplotlib():
    """The matplotlib module, or MissingExtra saying how to install it."""
    try:
        import matplotlib
    except ImportError as e:
        raise MissingExtra(
            "plots need matplotlib, which is not installed: pip install 'w2v[plot]'"
        ) from e
    return matplotlib


def new_figure(size: tuple[float, float] = SIZE, dpi: int = DPI, rect=(0.03, 0.03, 0.94, 0.89)):
    """A Figure on its own Agg canvas, and its one Axes at `rect` (left, bottom, width,
    height as fractions of the figure; fixed before any label is placed)."""
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig, fig.add_axes(rect)


def check_picture_path(path: Path) -> str:
    """The format of the picture file `path` (by suffix: png, svg or pdf); UserError if it
    has another suffix or cannot be written. An existing picture is replaced, as
    matplotlib's savefig does: pictures are cheap to draw again."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ConfigError(f"cannot write {str(path)!r}: use a .png, .svg or .pdf file name")
    refuse_existing(path, force=True)
    return fmt


def save_figure(fig, path: str | os.PathLike) -> Path:
    """Write `fig` atomically; the format follows the suffix (.png, .svg or .pdf)."""
    path = Path(path)
    fmt = check_picture_path(path)
    with atomic_file(path, "wb") as f:
        fig.savefig(f, format=fmt, dpi=fig.dpi)
    return path


# ---- projections ---------------------------------------------------------------------------


def pca_fit(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean float64 [dim], W float64 [dim, 2]): the top two principal directions of X [n, dim],
    each signed so that its largest-magnitude entry is positive (SVD signs are arbitrary)."""
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0)
    _, _, Vt = np.linalg.svd(X - mean, full_matrices=False)
    W = np.zeros((X.shape[1], 2))
    k = min(2, Vt.shape[0])
    W[:, :k] = Vt[:k].T
    W *= np.where(W[np.abs(W).argmax(axis=0), [0, 1]] < 0, -1.0, 1.0)
    return mean, W


def project(X: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """float64 [n, 2]: the rows of X [n, dim] in two dimensions, by "pca" or "tsne"."""
    if method == "pca":
        mean, W = pca_fit(X)
        return (np.asarray(X, dtype=np.float64) - mean) @ W
    if method == "tsne":
        try:
            import sklearn.manifold
        except ImportError as e:
            raise MissingExtra(
                "t-SNE needs scikit-learn, which is not installed: "
                "pip install 'w2v[sklearn]' (or use --method pca)"
            ) from e
        n = len(X)
        if n < 3:
            raise ConfigError(f"t-SNE needs at least 3 words, not {n}; use --method pca")
        perplexity = max(1.0, min(30.0, (n - 1) / 3))
        # Exact gradients for the few hundred points of a plot: Barnes-Hut's OpenMP threads
        # cost more than they save at this size, and much more on a busy machine.
        tsne = sklearn.manifold.TSNE(
            2,
            perplexity=perplexity,
            init="pca",
            method="exact" if n <= 500 else "barnes_hut",
            random_state=seed,
        )
        return tsne.fit_transform(np.asarray(X, dtype=np.float64))
    raise ConfigError(f"method must be 'pca' or 'tsne', not {method!r}")


def unit_rows(vec: Vectors, words: list[str]) -> np.ndarray:
    """float64 [n, dim]: u_i / ||u_i|| for each word (a zero vector stays zero)."""
    X = np.array([vec[w] for w in words], dtype=np.float64)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms > 0, norms, 1.0)


# ---- labels ---------------------------------------------------------------------------------


def draw_labels(ax, xy, texts: list[str], styles: list[dict], area=20.0, obstacles=None):
    """Write texts[i] beside the data point xy[i] without overlaps (w2v.plot.labels); a label that
    had to move away from its point gets a thin leader line. `area` is the scatter marker
    size of each point (pt^2, as matplotlib's `s`; one for all or one per point);
    `obstacles` [m, 2] are more data points the labels should keep off (e.g. samples along
    arrows). Sets the axes limits, which must not change afterwards."""
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    _fit_limits(ax, xy)
    renderer = ax.figure.canvas.get_renderer()
    box = dict(boxstyle="square,pad=0.05", fc="white", ec="none", alpha=0.7)
    artists = [
        ax.text(x, y, t, ha="center", va="center", zorder=5, bbox=box, **s)
        for (x, y), t, s in zip(xy, texts, styles, strict=True)
    ]
    extents = [a.get_window_extent(renderer) for a in artists]
    sizes = np.array([(e.width + 4.0, e.height + 2.0) for e in extents])  # [n, 2] pixels
    to_px = ax.transData.transform
    points = to_px(xy)
    # A marker of area s pt^2 is sqrt(s) points across; half of it, in pixels.
    half = np.broadcast_to(np.sqrt(area) / 2 * ax.figure.dpi / 72, (len(xy),))
    if obstacles is not None:
        more = to_px(np.asarray(obstacles, dtype=np.float64).reshape(-1, 2))
        points = np.vstack([points, more])
        half = np.concatenate([half, np.full(len(more), 3.0)])
    centres, moved = place_labels(
        points[: len(xy)], sizes, tuple(ax.bbox.extents), points=points, marker=half
    )
    at = ax.transData.inverted().transform(centres)
    for a, c, p, m in zip(artists, at, xy, moved, strict=True):
        a.set_position(c)
        if m:
            ax.plot(*np.transpose([p, c]), color="0.6", lw=0.6, zorder=1)
    return artists


def _fit_limits(ax, xy: np.ndarray, margin: float = 0.18) -> None:
    """Limits with room around the points for labels (a flat direction gets a unit span)."""
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.where(hi - lo > 1e-12, hi - lo, 1.0)
    lo, hi = lo - margin * span, hi + margin * span
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])


def _bare(ax) -> None:
    """Projection coordinates mean nothing on their own: no ticks, a light frame."""
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_color("0.8")


# ---- figures ---------------------------------------------------------------------------------


def neighbour_groups(vec: Vectors, words: list[str], neighbours: int) -> list[list[str]]:
    """One group per query word: the word, then its `neighbours` nearest words. A word is
    drawn once, in the first group that has it; query words always lead their own group."""
    queries = list(dict.fromkeys(words))
    for w in queries:
        vec.index(w)  # UnknownWordError with suggestions before any work
    seen = set(queries)
    groups = []
    for q in queries:
        group = [q]
        if neighbours > 0:
            for w, _ in vec.most_similar(q, topn=neighbours):
                if w not in seen:
                    seen.add(w)
                    group.append(w)
        groups.append(group)
    return groups


def words_figure(vec: Vectors, words: list[str], neighbours: int = 8, method: str = "pca"):
    """The query words and their nearest neighbours projected to 2-D, each query word's
    group in its own colour, every word labelled. Returns the Figure."""
    require_matplotlib()
    groups = neighbour_groups(vec, words, neighbours)
    flat = [w for g in groups for w in g]
    Y = project(unit_rows(vec, flat), method)
    fig, ax = new_figure()
    import matplotlib

    colours = matplotlib.colormaps["tab10"]
    texts, styles, areas, start = [], [], [], 0
    for k, g in enumerate(groups):
        colour = colours(k % 10)
        Yg = Y[start : start + len(g)]
        ax.scatter(Yg[1:, 0], Yg[1:, 1], s=22, color=colour, alpha=0.8, zorder=3)
        ax.scatter(Yg[0, 0], Yg[0, 1], s=90, color=colour, edgecolor="black", zorder=4)
        texts += g
        styles += [dict(fontsize=12, fontweight="bold", color=colour)]
        styles += [dict(fontsize=9, color=colour)] * (len(g) - 1)
        areas += [90.0] + [22.0] * (len(g) - 1)
        start += len(g)
    # Query words are placed first, so they get the best spots.
    order = [0] + [sum(map(len, groups[:k])) for k in range(1, len(groups))]
    order += [i for i in range(len(flat)) if i not in order]
    draw_labels(
        ax,
        Y[order],
        [texts[i] for i in order],
        [styles[i] for i in order],
        area=np.array(areas)[order],
    )
    _bare(ax)
    what = f" and their {neighbours} nearest neighbours" if neighbours > 0 else ""
    ax.set_title(f"{', '.join(g[0] for g in groups)}{what} ({method.upper()}, dim {vec.dim})")
    return fig


def analogy_figure(vec: Vectors, a: str, b: str, c: str, topn: int = 5):
    """The lecture's "relational meaning" picture for a - b + c ~ d (king man woman -> queen):
    the offset a - b drawn as an arrow b -> a and again c -> d between the pairs, the
    arithmetic point c + (a - b) marked x, the predicted word d marked with a star, and the
    runners-up listed. Linear projection (PCA fitted on a, b, c, d) keeps parallel offsets
    parallel. Returns the Figure."""
    require_matplotlib()
    ranked = vec.analogy(a, b, c, topn=topn)
    if not ranked:
        raise ModelError("the model has too few words for an analogy")
    d = ranked[0][0]
    X = unit_rows(vec, [b, a, c, d])  # [4, dim]
    q = X[1] - X[0] + X[2]  # the query point c + (a - b)
    mean, W = pca_fit(X)
    Yb, Ya, Yc, Yd = (X - mean) @ W
    Yq = (q - mean) @ W
    fig, ax = new_figure((10.0, 6.0), rect=(0.02, 0.03, 0.72, 0.87))
    offset, other = "tab:red", "tab:blue"
    ax.scatter(*np.transpose([Yb, Ya, Yc]), s=70, color=other, edgecolor="black", zorder=4)
    ax.scatter(*Yd, s=320, marker="*", color="gold", edgecolor="black", zorder=4)
    ax.scatter(*Yq, s=60, marker="x", color="0.35", zorder=4)
    for p, r in ((Yb, Ya), (Yc, Yd)):
        ax.annotate(
            "",
            xy=r,
            xytext=p,
            arrowprops=dict(arrowstyle="-|>", color=offset, lw=2.2, shrinkA=7, shrinkB=9),
            zorder=3,
        )
    ax.annotate(
        "",
        xy=Yq,
        xytext=Yc,
        arrowprops=dict(arrowstyle="-|>", color=offset, lw=1, ls="--", alpha=0.5, shrinkB=5),
        zorder=2,
    )
    ax.plot(*np.transpose([Yb, Yc]), color="0.7", lw=0.8, ls=":", zorder=1)
    ax.plot(*np.transpose([Ya, Yd]), color="0.7", lw=0.8, ls=":", zorder=1)
    xy = np.array([Yb, Ya, Yc, Yd, Yq])
    # Samples along the arrows, so that labels keep off them.
    t = np.linspace(0.1, 0.97, 14)[:, None]
    along = np.vstack([Yb + t * (Ya - Yb), Yc + t * (Yd - Yc), Yc + t * (Yq - Yc)])
    big = dict(fontsize=13, fontweight="bold")
    draw_labels(
        ax,
        xy,
        [b, a, c, d, f"{c} + ({a} − {b})"],
        [big, big, big, dict(big, color="darkgoldenrod"), dict(fontsize=9, color="0.35")],
        area=np.array([70.0, 70.0, 70.0, 320.0, 60.0]),
        obstacles=along,
    )
    _bare(ax)
    ax.set_title(f"{a} − {b} + {c} ≈ {d}", fontsize=14)
    fig.text(
        0.76,
        0.90,
        f"Red arrows: the offset\n{a} − {b}, drawn from\n{b} to {a} and\nfrom {c} to {d}.\n\n"
        f"×  {c} + ({a} − {b})\n★  the word nearest to ×",
        ha="left",
        va="top",
        fontsize=10,
        color="0.2",
    )
    width = max(len(w) for w, _ in ranked)
    fig.text(
        0.76,
        0.52,
        "nearest (cosine):\n" + "\n".join(f"{w:<{width}}  {s:.3f}" for w, s in ranked),
        ha="left",
        va="top",
        fontsize=9.5,
        family="monospace",
        color="0.2",
    )
    return fig


def loss_history(meta: dict) -> list[float]:
    """The per-epoch mean training loss stored in a model's meta.json; ModelError if absent."""
    history = meta.get(LOSS_KEY)
    if not history:
        raise ModelError(
            f"this model has no per-epoch loss ({LOSS_KEY!r}) in its meta.json; "
            "models trained by `w2v train` record it"
        )
    try:
        return [float(x) for x in history]
    except (TypeError, ValueError) as e:
        raise ModelError(f"meta.json {LOSS_KEY!r} is not a list of numbers: {e}") from e


def loss_title(meta: dict) -> str:
    """A title from a model's meta.json: trainer, dimension, window, epochs and corpus."""
    config = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    parts = [str(meta.get("trainer", "model"))]
    parts += [f"{k} {config[k]}" for k in ("dim", "window", "negative") if k in config]
    title = ", ".join(parts)
    source = meta.get("source")
    if isinstance(source, str) and source != "iterable":
        title += f" on {Path(source).name}"
    return f"{title}: mean loss per epoch"


def loss_figure(history: list[float], title: str = "training loss"):
    """Mean loss per epoch, one point per epoch, each annotated with its value. Returns the
    Figure."""
    require_matplotlib()
    y = np.asarray(history, dtype=np.float64)
    if y.size == 0:
        raise ModelError("the loss history is empty")
    x = np.arange(1, y.size + 1)
    fig, ax = new_figure((7.0, 4.5), rect=(0.11, 0.12, 0.85, 0.8))
    ax.plot(x, y, marker="o", color="tab:blue", lw=2)
    lo, hi = y.min(), y.max()
    # Decimals enough to tell the epochs apart, the same for every label.
    decimals = int(np.clip(2 - np.floor(np.log10(hi - lo)), 0, 6)) if hi > lo else 3
    for xi, yi in zip(x, y, strict=True):
        ax.annotate(
            f"{yi:.{decimals}f}", (xi, yi), textcoords="offset points", xytext=(5, 6), ha="left"
        )
    ax.set_xticks(x)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean loss per term, −log σ(±u·v)")
    span = hi - lo if hi > lo else max(abs(hi), 1.0) * 0.1
    ax.set_ylim(lo - 0.15 * span, hi + 0.25 * span)
    ax.set_xlim(0.5, y.size + 0.5)
    ax.grid(alpha=0.3)
    ax.set_title(title)
    return fig
