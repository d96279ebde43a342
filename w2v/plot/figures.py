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
        vec[w]  # UnknownWordError with suggestions before any work (unless it has n-grams)
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
    set_title(ax, words_title([g[0] for g in groups], neighbours, method, vec.dim))
    return fig


def words_title(words: list[str], neighbours: int, method: str, dim: int) -> str:
    """ "frog and its 8 nearest neighbours (PCA, dim 100)"; "their" for several words."""
    what = ""
    if neighbours > 0:
        whose = "its" if len(words) == 1 else "their"
        what = f" and {whose} {neighbours} nearest neighbour{'s' if neighbours > 1 else ''}"
    return f"{', '.join(words)}{what} ({method.upper()}, dim {dim})"


def set_title(ax, title: str, **style) -> None:
    """The axes title, its lines wrapped at spaces until it fits the figure's width, and
    its font made smaller (down to 8 pt) until it fits above the axes."""
    import textwrap

    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    room = 0.98 * fig.bbox.width
    lines = title.split("\n")
    text = ax.set_title(title, **style)
    for _ in range(4):  # each pass narrows the wrap in proportion to the overflow
        width = text.get_window_extent(renderer).width
        if width <= room:
            break
        chars = max(10, int(max(map(len, lines)) * room / width) - 1)
        lines = [part for line in lines for part in textwrap.wrap(line, chars) or [""]]
        text.set_text("\n".join(lines))
    while text.get_window_extent(renderer).y1 > fig.bbox.height and text.get_size() > 8:
        text.set_fontsize(text.get_size() - 1)


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


def loss_history(meta: dict) -> list[float | None]:
    """The per-epoch mean training loss stored in a model's meta.json (None for an epoch
    that trained nothing); ModelError if absent."""
    history = meta.get(LOSS_KEY)
    if not history:
        raise ModelError(
            f"this model has no per-epoch loss ({LOSS_KEY!r}) in its meta.json; "
            "models trained by `w2v train` record it"
        )
    try:
        return [None if x is None else float(x) for x in history]
    except (TypeError, ValueError) as e:
        raise ModelError(f"meta.json {LOSS_KEY!r} is not a list of numbers: {e}") from e


def loss_title(meta: dict) -> str:
    """A title from a model's meta.json: what is drawn, then trainer, dimension, window,
    negatives and corpus on a second line."""
    config = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    parts = [str(meta.get("trainer", "model"))]
    parts += [f"{k} {config[k]}" for k in ("dim", "window", "negative") if k in config]
    model = ", ".join(parts)
    source = meta.get("source")
    if isinstance(source, str) and source != "iterable":
        model += f" on {Path(source).name}"
    return f"mean loss per epoch\n{model}"


MAX_VALUE_LABELS = 8  # a loss curve labels at most this many epochs with their value


def labelled_epochs(n: int, trained: np.ndarray) -> np.ndarray:
    """Indices of the epochs (of n; `trained` bool [n]) whose value a loss curve writes: at
    most MAX_VALUE_LABELS, evenly spread, the first and last trained epochs among them."""
    idx = np.flatnonzero(trained)
    if len(idx) <= MAX_VALUE_LABELS:
        return idx
    return idx[np.unique(np.linspace(0, len(idx) - 1, MAX_VALUE_LABELS).round().astype(int))]


def loss_figure(history: list[float | None], title: str = "training loss"):
    """Mean loss per epoch, one point per epoch that trained something (None: nothing
    trained, noted below the curve), up to MAX_VALUE_LABELS of them annotated with their
    value. Returns the Figure."""
    require_matplotlib()
    from matplotlib.ticker import MaxNLocator

    y = np.array([np.nan if v is None else v for v in history], dtype=np.float64)
    if y.size == 0:
        raise ModelError("the loss history is empty")
    trained = np.isfinite(y)
    if not trained.any():
        raise ModelError("no epoch of this model trained anything: there is no loss to draw")
    x = np.arange(1, y.size + 1)
    fig, ax = new_figure((7.0, 4.5), rect=(0.11, 0.12, 0.85, 0.74))
    ax.plot(x, y, marker="o", color="tab:blue", lw=2)
    lo, hi = np.nanmin(y), np.nanmax(y)
    # Decimals enough to tell the epochs apart, the same for every label.
    decimals = int(np.clip(2 - np.floor(np.log10(hi - lo)), 0, 6)) if hi > lo else 3
    labels = [
        ax.annotate(
            f"{y[i]:.{decimals}f}",
            (x[i], y[i]),
            textcoords="offset points",
            xytext=(5, 6),
            ha="left",
        )  # fmt: skip
        for i in labelled_epochs(y.size, trained)
    ]
    if not trained.all():
        idle = x[~trained]
        which = ", ".join(map(str, idle)) if len(idle) <= 10 else f"{len(idle)} of {y.size}"
        ax.text(0.01, 0.02, f"nothing trained in epoch{'s' * (len(idle) > 1)} {which}",
                transform=ax.transAxes, fontsize=9, color="0.3")  # fmt: skip
    ticks = MaxNLocator(nbins=10, steps=[1, 2, 5, 10], integer=True).tick_values(1, y.size)
    ax.set_xticks([t for t in ticks if 1 <= t <= y.size])
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean loss per term, −log σ(±u·v)")
    span = hi - lo if hi > lo else max(abs(hi), 1.0) * 0.1
    ax.set_ylim(lo - 0.15 * span, hi + 0.25 * span)
    ax.set_xlim(0.5, y.size + 0.5)
    # Room on the right for the last value label: L pixels right of its point at epoch e,
    # inside an axes W pixels wide when the x range from 0.5 is (e − 0.5)·W / (W − L).
    renderer = fig.canvas.get_renderer()
    e = labels[-1].xy[0]
    L = labels[-1].get_window_extent(renderer).x1 - ax.transData.transform((e, 0))[0] + 4
    W = ax.bbox.width
    ax.set_xlim(0.5, max(y.size + 0.5, 0.5 + (e - 0.5) * W / max(W - L, W / 2)))
    ax.grid(alpha=0.3)
    set_title(ax, title)
    return fig
