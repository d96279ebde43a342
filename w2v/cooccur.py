"""Window co-occurrence counts: X[a, b] = how often words a and b occur within `window`
positions of each other inside one sentence (the lecture's "window based co-occurrence
matrix"), as a symmetric scipy.sparse CSR matrix.

    X[a, b] = Σ over positions p ≠ q of one sentence with ids[p] = a, ids[q] = b, d = |p − q|:
              f(d) · [d <= r]
    f(d) = 1 ("uniform") or 1/d ("harmonic", GloVe's weighting)
    r    = window, or with `dynamic` word2vec's sampled radius, uniform in 1..window, drawn
           per centre token; X is then the average of the (centre, context) counts and their
           transpose, symmetric, with the same expectation as word2vec's training pairs.

Counting runs in Numba, in parallel over spans of sentences (see w2v.kernels.cooccur).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable

import numba
import numpy as np
import scipy.sparse as sp

from w2v.corpus import EncodedCorpus, encode, encode_in_memory, encoded_bytes
from w2v.errors import ConfigError
from w2v.io.atomic import scratch_dir
from w2v.kernels import cooccur as K
from w2v.tokens import iter_sentences
from w2v.vocab import Vocab, build_vocab

WEIGHTINGS = ("uniform", "harmonic")
BATCH_TOKENS = 2_000_000  # tokens whose pair keys are held at once (~16 bytes × window each)
SPANS_PER_THREAD = 2  # spans per batch and thread: the sort is linear, merges are not free


def check_options(window: int, weighting: str) -> None:
    if not isinstance(window, int | np.integer) or window < 1:
        raise ConfigError(f"window must be a positive integer, not {window!r}")
    if weighting not in WEIGHTINGS:
        raise ConfigError(f"weighting must be one of {', '.join(WEIGHTINGS)}, not {weighting!r}")


def pair_weights(window: int, weighting: str) -> tuple[np.ndarray, float]:
    """(weights, scale): a pair of class 2 (d − 1) + (k − 1) is worth weights[class] / scale
    = (k / 2) · f(d), d = 1..window, k = 1, 2; f(d) = 1, or 1/d when harmonic.

    weights (float64 [2 · window]) are whole numbers when they can be (scale = 2 · lcm(1..window)
    for harmonic up to window 17), so the sums are exact and do not depend on the order in
    which threads and batches add them: counts are reproducible bit for bit.
    """
    d = np.repeat(np.arange(1, window + 1), 2)
    k = np.tile([1, 2], window)
    if weighting == "uniform":
        return k.astype(np.float64), 2.0
    L = math.lcm(*range(1, window + 1))
    if L < 1 << 24:
        return (k * (L // d)).astype(np.float64), 2.0 * L
    return k / (2.0 * d), 1.0  # too large to stay exact: plain floating-point sums


def _pair_bound(offsets: np.ndarray, window: int) -> np.ndarray:
    """Pairs p < q within `window` of each sentence: Σ_j min(window, j), j < L (int64 [S])."""
    L = np.diff(offsets)
    w = window
    short = (L - 1) * L // 2
    long_ = w * (w + 1) // 2 + w * (L - 1 - w)
    return np.where(L - 1 <= w, short, long_)


def _batches(offsets: np.ndarray, batch_tokens: int, n_spans: int):
    """Yield the sentence bounds of each batch's spans (int64 [≤ n_spans + 1]): whole
    sentences, about batch_tokens tokens per batch, cut into spans of about equal tokens."""
    S = len(offsets) - 1
    s = 0
    while s < S:
        e = int(np.searchsorted(offsets, offsets[s] + batch_tokens, side="left"))
        e = min(max(e, s + 1), S)
        cuts = np.linspace(offsets[s], offsets[e], min(n_spans, e - s) + 1)
        bounds = np.searchsorted(offsets[s : e + 1], cuts, side="left") + s
        bounds[0], bounds[-1] = s, e
        yield np.unique(bounds).astype(np.int64)
        s = e


def _merge_all(keys, vals, slots, n_run):
    """Tree-merge the sorted runs of one batch (run i at slots[i], n_run[i] long) into one;
    returns (keys, vals) of it, views of a buffer of the batch's size."""
    out_keys = np.empty_like(keys)
    out_vals = np.empty_like(vals)
    while len(n_run) > 1:
        out_n = np.empty((len(n_run) + 1) // 2, np.int64)
        K.merge_level(keys, vals, slots, n_run, out_keys, out_vals, out_n)
        keys, out_keys = out_keys, keys
        vals, out_vals = out_vals, vals
        slots = np.append(slots[:-1:2], slots[-1])  # run j now starts where run 2j did
        n_run = out_n
    return keys[: n_run[0]], vals[: n_run[0]]


def _csr_from_upper(pairs, sums, V: int, scale: float) -> sp.csr_matrix:
    """X = T + Tᵀ (float64 CSR [V, V], sorted indices) from T's entries pair = a·V + b, a <= b."""
    a = pairs // max(V, 1)
    nnz = 2 * len(pairs) - int(np.count_nonzero(a == pairs - a * V))
    del a
    index_dtype = np.int32 if nnz < 2**31 else np.int64
    indptr = np.empty(V + 1, np.int64)
    indices = np.empty(nnz, index_dtype)
    data = np.empty(nnz, np.float64)
    K.csr_from_upper(pairs, sums, V, indptr, indices, data)
    if scale != 1.0:
        data /= scale
    X = sp.csr_matrix((data, indices, indptr.astype(index_dtype)), shape=(V, V))
    X.has_sorted_indices = True
    return X


def count_pairs(
    corpus: EncodedCorpus,
    n_words: int,
    window: int = 5,
    weighting: str = "uniform",
    dynamic: bool = False,
    seed: int = 1,
    batch_tokens: int = BATCH_TOKENS,
) -> sp.csr_matrix:
    """The co-occurrence matrix X (float64 CSR [V, V], symmetric) of an encoded corpus.

    Memory: the distinct pairs (16 bytes each, twice while merging) plus one batch's keys
    (32 bytes × window × batch_tokens); the seed is taken modulo 2**63.
    """
    check_options(window, weighting)
    ids = np.ascontiguousarray(corpus.ids, dtype=np.uint32)
    offsets = np.ascontiguousarray(corpus.offsets, dtype=np.int64)
    V = int(n_words)
    seed = int(seed) % (1 << 63)
    uniform_fixed = weighting == "uniform" and not dynamic
    cbits = 0 if uniform_fixed else int(2 * window - 1).bit_length()
    key_bits = max((V * V - 1).bit_length(), 1) + cbits
    if key_bits > 63:
        raise ConfigError(f"a vocabulary of {V} words with window {window} is too large to count")
    weights, scale = (np.ones(1), 1.0) if uniform_fixed else pair_weights(window, weighting)
    first_pair = np.concatenate([[0], np.cumsum(_pair_bound(offsets, window))])
    pairs = np.empty(0, np.int64)  # the distinct pairs so far, sorted, and their weights
    sums = np.empty(0, np.float64)
    for bounds in _batches(offsets, batch_tokens, SPANS_PER_THREAD * numba.get_num_threads()):
        slots = first_pair[bounds] - first_pair[bounds[0]]  # span i's keys: slots[i]:slots[i+1]
        keys = np.empty(max(int(slots[-1]), 1), np.int64)
        vals = np.empty(len(keys), np.float64)
        n_run = np.zeros(len(bounds) - 1, np.int64)
        K.count_spans(
            ids, offsets, bounds, slots, V, window, dynamic, seed, cbits, key_bits, weights,
            keys, vals, n_run,
        )  # fmt: skip
        batch_keys, batch_vals = _merge_all(keys, vals, slots, n_run)
        out_keys = np.empty(len(pairs) + len(batch_keys), np.int64)
        out_vals = np.empty(len(out_keys), np.float64)
        m = K.merge_runs(pairs, sums, batch_keys, batch_vals, out_keys, out_vals)
        del keys, vals, batch_keys, batch_vals
        pairs, sums = out_keys[:m], out_vals[:m]
    return _csr_from_upper(pairs, sums, V, scale)


def cooccurrence(
    source: str | os.PathLike | Iterable[list[str]],
    window: int = 5,
    min_count: int = 1,
    weighting: str = "uniform",
    dynamic: bool = False,
    lower: bool = True,
    punct: bool = False,
    seed: int = 1,
    phrases=None,
) -> tuple[Vocab, sp.csr_matrix]:
    """Count a corpus (a text file, or an iterable of token lists) and its co-occurrences.

    Returns (vocab, X): X is float64 CSR [V, V], symmetric, row and column i are vocab.words[i].
    A file is encoded to a temporary directory (memory-mapped ids); `lower` and `punct` apply
    to files only (token lists are taken as they are). With `phrases` (a
    w2v.collocations.PhraseModel), the words are those of the text with its phrases joined.
    """
    check_options(window, weighting)
    if isinstance(source, str | os.PathLike):
        vocab = build_vocab(source, min_count, lower=lower, punct=punct, phrases=phrases)
        with scratch_dir("cooc", encoded_bytes(vocab.stats)) as tmp:
            path = os.path.join(tmp, "corpus")
            corpus = encode(source, vocab, path, lower=lower, punct=punct, phrases=phrases)
            X = count_pairs(corpus, len(vocab), window, weighting, dynamic, seed)
            del corpus
        return vocab, X
    sentences = list(iter_sentences(source if phrases is None else phrases.transform(source)))
    vocab = build_vocab(sentences, min_count=min_count)
    corpus = encode_in_memory(sentences, vocab)
    return vocab, count_pairs(corpus, len(vocab), window, weighting, dynamic, seed)


def write_parquet(path: str | os.PathLike, words: list[str], X: sp.spmatrix, **metadata) -> int:
    """Write the nonzero entries of X as rows (word, context, count), atomically; returns the
    number of rows. word and context are dictionary-encoded strings; count is int64 when every
    count is whole, else float64. `metadata` (JSON-able) goes into the schema metadata."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from w2v.io.arrow import arrow_numbers, arrow_strings
    from w2v.io.atomic import atomic_file

    X = sp.csr_matrix(X)
    vocab = arrow_strings(list(words))
    rows = np.repeat(np.arange(X.shape[0], dtype=np.int32), np.diff(X.indptr))
    counts = X.data
    if np.all(counts == np.round(counts)):
        counts = counts.astype(np.int64)
    columns = [
        pa.DictionaryArray.from_arrays(arrow_numbers(rows, np.int32), vocab),
        pa.DictionaryArray.from_arrays(arrow_numbers(X.indices, np.int32), vocab),
        arrow_numbers(counts, counts.dtype),
    ]
    table = pa.Table.from_arrays(columns, names=["word", "context", "count"])
    table = table.replace_schema_metadata({k: json.dumps(v) for k, v in metadata.items()})
    with atomic_file(path) as f:
        pq.write_table(table, f)
    return X.nnz


def read_parquet(path: str | os.PathLike, words: list[str]) -> sp.csr_matrix:
    """Read rows (word, context, count) back into a CSR matrix indexed by `words` (float64)."""
    import pyarrow as pa

    from w2v.errors import ModelError, UserError
    from w2v.io.arrow import numbers_of, read_parquet_table

    try:
        table = read_parquet_table(path, ["word", "context", "count"])
    except ModelError as e:
        raise UserError(f"cannot read co-occurrence rows: {e}") from e
    index = {w: i for i, w in enumerate(words)}
    try:
        rows = np.array([index[w] for w in table.column("word").to_pylist()], np.int64)
        cols = np.array([index[w] for w in table.column("context").to_pylist()], np.int64)
    except KeyError as e:
        raise UserError(
            f"{str(path)!r} has the word {e.args[0]!r}, absent from the vocabulary"
        ) from None
    try:
        data = numbers_of(table.column("count"), np.float64)
    except (ValueError, pa.ArrowException) as e:
        raise UserError(f"{str(path)!r}: column count: {e}") from e
    return sp.csr_matrix((data, (rows, cols)), shape=(len(words), len(words)))
