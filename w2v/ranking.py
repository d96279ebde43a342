"""Top-k selection in gensim's order: the rankings of w2v.vectors and w2v.evaluate.

gensim ranks with `matutils.argsort` (argpartition, then a sort of the part), which puts
equal scores in a definite order; cosines crowd near 1 in float32, so ties are common and
the order matters for matching gensim word for word. `argsort_desc` is that order for one
score vector; `topk_rows` is the same selection for a batch of rows, without sorting them
whole.
"""

import numpy as np


def argsort_desc(x: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest entries of x, largest first, in exactly the order gensim's
    matutils.argsort gives them, equal entries included."""
    x = -x
    if k >= x.size:
        return np.argsort(x)[:k]
    part = np.argpartition(x, k)[:k]
    return part.take(np.argsort(x.take(part)))


def topk_rows(S: np.ndarray, k: int) -> np.ndarray:
    """int64 [B, k]: per row of S (float32 [B, V]) the columns of its k largest entries,
    largest first, equal entries by column.

    The columns are split into 64 interleaved groups' worth of G = V // 64 strided sets;
    the k-th largest set maximum is a lower bound on the row's k-th largest entry, so only
    the sets whose maximum reaches it (about k of them) are searched.
    """
    B, V = S.shape
    G = V // 64
    M = S[:, : 64 * G].reshape(B, 64, G).max(axis=1) if G >= 2 * k else None  # [B, G]
    if M is None or not np.isfinite(M).all():
        columns = np.broadcast_to(np.arange(V), S.shape)
        return np.lexsort((columns, -S), axis=1)[:, :k]  # small V, or NaN: sort it all
    bound = -np.partition(-M, k - 1, axis=1)[:, k - 1]  # [B] <= each row's k-th largest
    r, j = np.nonzero(M >= bound[:, None])
    cols = (j[:, None] + G * np.arange(64)).ravel()
    rows = np.repeat(r, 64)
    if V > 64 * G:  # the last V - 64 G columns belong to no set: always candidates
        tail = np.arange(64 * G, V)
        rows = np.concatenate([rows, np.repeat(np.arange(B), len(tail))])
        cols = np.concatenate([cols, np.tile(tail, B)])
    vals = S[rows, cols]
    keep = vals >= bound[rows]
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    order = np.lexsort((cols, -vals, rows))
    rows, cols = rows[order], cols[order]
    starts = np.searchsorted(rows, np.arange(B))
    return cols[starts[:, None] + np.arange(k)]  # each row has at least k candidates
