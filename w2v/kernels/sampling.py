"""Random streams, noise draws, subsampling and the logistic function, shared by the kernels.

All helpers are small `@njit(inline)` functions of scalars and arrays; the caller keeps the
random state in a local `uint64` and advances it with `step`:

    state = stream_seed(seed, stream, span)     # one independent stream per (seed, epoch, span)
    state, r = step(state)                      # r: 64 random bits

The generator is SplitMix64 (Steele, Lea & Flood 2014): state += γ, output = mix(state).
It passes BigCrush, needs two multiplies a draw, and any (seed, stream, span) triple
gives a well-separated starting point because every input goes through `mix`.
"""

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_LOW32 = np.uint64(0xFFFFFFFF)
_S27, _S30, _S31, _S32, _S40 = (np.uint64(k) for k in (27, 30, 31, 32, 40))
_TO_UNIT32 = np.float32(1.0 / 4294967296.0)
_TO_UNIT24 = np.float32(1.0 / 16777216.0)

# |x| beyond this: σ(x) is 0 or 1 to float32 precision; clamping keeps exp() finite.
MAX_SCORE = np.float32(20.0)
_LOG2E = np.float32(1.4426950408889634)
_FOLD = 1e280  # a running float64 product is folded into its log above this


@njit(inline="always", cache=True)
def mix(z):
    """SplitMix64's finaliser: a bijective scramble of 64 bits."""
    z = np.uint64(z)  # a no-op in the kernels; from Python an int may arrive as int64
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(inline="always", cache=True)
def step(state):
    """Advance a stream: returns (new state, 64 random bits)."""
    state = np.uint64(state) + GOLDEN
    return state, mix(state)


@njit(inline="always", cache=True)
def stream_seed(seed, stream, span):
    """Starting state of the stream for (seed, stream, span), e.g. stream = epoch and chunk."""
    z = mix(np.uint64(seed) + GOLDEN)
    z = mix(z ^ (np.uint64(stream) * _M1 + GOLDEN))
    return mix(z ^ (np.uint64(span) * _M2 + GOLDEN))


@njit(inline="always", cache=True)
def below(r, n):
    """An integer uniform in [0, n) from the high 32 bits of r (Lemire's multiply-shift)."""
    return np.int64(((np.uint64(r) >> _S32) * np.uint64(n)) >> _S32)


@njit(inline="always", cache=True)
def unit24(r):
    """A float32 uniform in [0, 1) from the high 24 bits of r."""
    return np.float32(np.uint64(r) >> _S40) * _TO_UNIT24


@njit(inline="always", cache=True)
def draw_alias(r, prob, alias):
    """One draw from a Walker/Vose alias table (prob float32 [V], alias int32 [V]).

    The high 32 bits of r pick a column i uniformly, the low 32 bits a uniform u;
    the draw is i when u < prob[i], else alias[i].
    """
    i = below(r, prob.shape[0])
    u = np.float32(np.uint64(r) & _LOW32) * _TO_UNIT32
    if u < prob[i]:
        return i
    return np.int64(alias[i])


@intrinsic
def _float32_from_bits(typingctx, bits):
    """Reinterpret the low 32 bits of an integer as an IEEE float32 (no conversion)."""
    if not isinstance(bits, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        b = args[0]
        if bits.bitwidth > 32:
            b = builder.trunc(b, ir.IntType(32))
        return builder.bitcast(b, ir.FloatType())

    return types.float32(bits), codegen


@njit(inline="always", cache=True)
def exp(x):
    """e^x for float32 x in [−87, 87], relative error below 2e−6.

    e^x = 2^n · 2^f with n = round(x·log2 e) and |f| ≤ 1/2: 2^f is a degree-6 polynomial and
    2^n is built in the exponent bits. Unlike a call to libm's expf, LLVM vectorises it.
    """
    t = x * _LOG2E
    n = np.floor(t + np.float32(0.5))
    f = t - n
    p = np.float32(1.5353362e-4)
    p = p * f + np.float32(1.3398874e-3)
    p = p * f + np.float32(9.6181291e-3)
    p = p * f + np.float32(5.5504109e-2)
    p = p * f + np.float32(2.4022651e-1)
    p = p * f + np.float32(6.9314718e-1)
    p = p * f + np.float32(1.0)
    return p * _float32_from_bits((np.int64(n) + 127) << 23)


@njit(inline="always", cache=True)
def clamp(x):
    """x limited to [−MAX_SCORE, MAX_SCORE] (σ is flat there to float32 precision)."""
    if x > MAX_SCORE:
        return MAX_SCORE
    if x < -MAX_SCORE:
        return -MAX_SCORE
    return x


@njit(inline="always", cache=True)
def step_sizes(S, m, n_out, alpha, G, F):
    """From the scores S[:n_out·m], the first m of them the true centre's (label 1), the
    rest negatives (label 0): G = α·(label − σ(S)), the step's scale, and F = 1 / σ(±S),
    whose logs are the loss terms (one vector loop, no libm calls). SGNS and CBOW (m = 1)."""
    one = np.float32(1.0)
    for t in range(m):  # positives: g = (1 − σ(f))·α, −log σ(f) = log(1 + e^−f)
        e = exp(-S[t])
        G[t] = alpha * e / (one + e)
        F[t] = one + e
    for t in range(m, n_out * m):  # negatives: g = −σ(f)·α, −log σ(−f) = log(1 + e^f)
        e = exp(-S[t])
        G[t] = -alpha / (one + e)
        F[t] = one + one / e


@njit(inline="always", cache=True)
def subsample(ids, a, b, keep, state, out):
    """Copy the kept tokens of ids[a:b] into out[:n] (word2vec.c's per-epoch subsampling).

    Token w survives with probability keep[w] (Vocab.keep_probs). Returns (state, n).
    """
    n = 0
    for p in range(a, b):
        w = ids[p]
        state, r = step(state)
        if unit24(r) < keep[w]:
            out[n] = w
            n += 1
    return state, n


@njit(inline="always", cache=True)
def log_sum(F, n):
    """Σ log F[:n] for F ≥ 1 with one log per ~30 terms: a running float64 product,
    folded into the sum before it can overflow. (The kernels' loss: F = 1 / likelihood.)"""
    total = 0.0
    prod = 1.0
    for t in range(n):
        prod *= F[t]
        if prod > _FOLD:
            total += np.log(prod)
            prod = 1.0
    return total + np.log(prod)


@njit(inline="always", cache=True)
def draw_outputs(state, c, negative, noise_prob, noise_alias, outs):
    """outs[0] = c, then up to `negative` draws from the noise table; a draw equal to c is
    skipped, as word2vec.c does. Returns (state, number of outputs written)."""
    outs[0] = c
    n_out = 1
    for _ in range(negative):
        state, r = step(state)
        o = draw_alias(r, noise_prob, noise_alias)
        if o != c:
            outs[n_out] = o
            n_out += 1
    return state, n_out


@njit(inline="always", cache=True)
def reuse_negatives(c, outs, n_out, outs_next):
    """outs_next[0] = c, then the negatives outs[1:n_out] but any equal to c (as
    draw_outputs skips them). Returns the number of outputs written."""
    outs_next[0] = c
    n_next = 1
    for k in range(1, n_out):
        if outs[k] != c:
            outs_next[n_next] = outs[k]
            n_next += 1
    return n_next


@njit(inline="always", cache=True)
def gather_window(kept, n, i, state, window, ctx):
    """The context of position i of kept[:n]: a radius b uniform in 1..window (word2vec.c's
    reduced window), then kept[i−b..i+b] without kept[i] into ctx. Returns (state, count)."""
    state, r = step(state)
    b = 1 + below(r, window)
    m = 0
    for j in range(max(0, i - b), min(n, i + b + 1)):
        if j != i:
            ctx[m] = kept[j]
            m += 1
    return state, m


@njit(cache=True)
def vose(scaled, prob, alias, small, n_small, large, n_large):
    """Vose's alias table of the distribution p, from scaled = n·p (float64 [n], modified):
    writes prob (float64 [n], zeros) and alias (int32 [n], alias[i] = i).

    small[:n_small] and large[:n_large] (int64 [n] each) are the columns with scaled
    below 1 and the others, in index order: two stacks, popped from the end. A small
    column takes its own mass and borrows the rest from a large one, which loses what it
    lent and goes onto the stack it now belongs to. What is left at the end is 1 up to
    rounding."""
    while n_small > 0 and n_large > 0:
        n_small -= 1
        n_large -= 1
        s = small[n_small]
        g = large[n_large]
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] = scaled[g] + scaled[s] - 1.0
        if scaled[g] < 1.0:
            small[n_small] = g
            n_small += 1
        else:
            large[n_large] = g
            n_large += 1
    for t in range(n_small):
        prob[small[t]] = 1.0
    for t in range(n_large):
        prob[large[t]] = 1.0
