"""Thread-private copies of the hottest output rows, published every few hundred centres.

Under Hogwild every thread writes the output rows V[o] of the negatives it draws, and
negatives come from P_n ∝ count^0.75: the rows of the most frequent words are drawn by every
thread all the time. Each write takes the row's cache lines away from the other cores, and
their next read of the row waits for the lines to come back. With 2 threads on gcide_wn,
training with the copies below is 1.09–1.25x as fast as without (the subword CBOW 1.01x;
scripts/bench_hotrows.py, scripts/results/hotrows.txt).

So a span with company keeps its own copy P of the first H rows of V (vocabulary ids run
from the most frequent word down, so these are the H most frequent words' rows), takes its
steps on P, and every PUBLISH_DRAWS output rows drawn (centres and negatives) publishes them:

    V[:H] += P − B,   then P = B = V[:H],

B being the copy as it was at the previous publication. The other threads' steps on those H
rows reach the span at most PUBLISH_DRAWS draws late, as a minibatch of that many outputs
would see them; every row past H is shared at once, as before. The delay is counted in draws,
not centres: the subword skip-gram draws K negatives per pair, ~2·window times as many per
centre as the plain kernels (which share them), and at 256 centres between publications its
loss rose 2% (0.8% at 1536 draws). With one thread there is no copy (H = 0) and the
arithmetic is unchanged to the bit.

The steps pick a row's matrix in place, `R = P if o < P.shape[0] else V`: an inlined
function returning R costs a reference count per row, 15% of a CBOW run.
"""

from numba import njit

HOT_ROWS = 128  # H: 19% of the draws of P_n on gcide_wn; P fits in L2 at dim 300
PUBLISH_DRAWS = 1536  # 256 centres at K = 5 in the plain kernels; publishing costs ~2%


@njit(inline="always", cache=True)
def private_rows(V, hot):
    """(P, B): two copies of V[:hot] (float32 [H, dim]); H = 0 gives empty copies."""
    P = V[: min(hot, V.shape[0])].copy()
    return P, P.copy()


@njit(cache=True, nogil=True)  # a call, not inlined: it would slow the loop that counts
def publish(V, P, B):
    """V[:H] += P − B, then P = B = V[:H]: the span's steps on its copy reach every thread,
    and the copy takes theirs."""
    for r in range(P.shape[0]):
        for d in range(P.shape[1]):
            v = V[r, d] + (P[r, d] - B[r, d])
            V[r, d] = v
            P[r, d] = v
            B[r, d] = v


@njit(inline="always", cache=True)
def count_draws(V, P, B, since, n):
    """n more output rows drawn since the last publication (`since` of them before);
    publishes once PUBLISH_DRAWS are reached. Returns the new count."""
    since += n
    if since >= PUBLISH_DRAWS and P.shape[0] > 0:
        publish(V, P, B)
        return 0
    return since
