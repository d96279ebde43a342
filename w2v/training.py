"""Training: vocabulary → encoded corpus → epochs of compiled kernel calls → Vectors.

    model = w2v.train("corpus.txt", dim=100, epochs=5, workers=2, seed=1)
    model.vectors.most_similar("frog"); model.loss_history; model.save("w2v-model")

An epoch runs in chunks of about a second of work, each one call of the Numba kernel
(w2v/kernels/chunk.py; the step is sgns.py's or cbow.py's) whose spans of sentences the
threads share; a chunk's spans come from R places of the corpus walked in step
(chunk_plan, R the spans per chunk), as word2vec.c's and gensim's threads each walk their
own part. Between chunks the loop reports progress and lets Python handle Ctrl-C, so an
interrupt stops within a chunk and leaves nothing behind (nothing is written until
`Model.save`). U starts as gensim's does (initial_weights), V at zero.

The learning rate stays at alpha through the first epoch and then falls linearly with the
words processed to alpha·1e-4 at the end (`rate_factor` gives the rule and why). Schedule
"word2vec" falls from the first word, as word2vec.c does, and keeps the rest of w2v's run
before issue 15 too, word2vec.c's starting weights and the corpus front to back, so that
its models are those of before to the last bit. Chunks and spans are cut from word counts
alone and span t of chunk k of epoch e draws from the random stream (seed, e, k, t): with
workers=1 a run is reproducible bit for bit. With more workers, rows shared by threads are
updated without locks (Hogwild), so runs differ in the last bits and then more.
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numba
import numpy as np

from w2v.config import MIN_ALPHA_RATIO, TrainConfig
from w2v.corpus import EncodedCorpus, encode, encoded_bytes
from w2v.errors import CorpusError, SmallDataWarning
from w2v.io.atomic import scratch_dir
from w2v.kernels.chunk import ARCHS, train_chunk
from w2v.subword_training import SubwordInputs
from w2v.vectors import Vectors
from w2v.vocab import Vocab, build_vocab

SPANS_PER_WORKER = 4  # spans per chunk and thread, handed out one at a time (load balance)
MIN_SPANS = 8  # at least this many, so that workers 1..2 cut chunks identically
# Regions of the corpus a chunk draws from (chunk_plan). Fixed, not a function of the
# threads, so that a run resumed on another number of threads walks the same chunks.
REGIONS = MIN_SPANS
_CHUNK_WORK = 1e9  # chunk size in words × dim × (window + 1) × (negative + 1): ≈ 0.2 s
# Below these, training runs but learns next to nothing, and says so (SmallDataWarning).
MIN_WORDS = 100  # words kept in the vocabulary
MIN_TOKENS = 10_000  # tokens an epoch trains on, expected after subsampling


@dataclass(frozen=True)
class Progress:
    """Where training is, handed to the `progress` callback after every chunk."""

    epoch: int  # 1-based, the epoch in progress
    epochs: int
    words_done: int  # corpus words processed so far, all epochs (before subsampling)
    words_total: int  # epochs × corpus words
    fraction: float  # words_done / words_total
    alpha: float  # learning rate reached
    loss: float | None  # mean loss per term over the epoch so far; None: nothing trained yet
    words_per_sec: float
    eta_seconds: float


@dataclass(frozen=True)
class Position:
    """Where the loop over epochs and chunks is, at a chunk boundary: `chunk` chunks of
    epoch `epoch` (0-based) are done, `words_done` corpus words in all, the epoch's loss
    sums so far (Σ −log σ, number of terms) and the mean loss of each finished epoch. With
    U and V it is the whole state of a run: chunk k of epoch e draws from random stream
    (e << 32) | k, so (epoch, chunk) is also where the random streams are. `chunk` 0 of
    `epoch` > 0 is the end of epoch `epoch` (1-based)."""

    epoch: int = 0
    chunk: int = 0
    words_done: int = 0
    nll: float = 0.0
    terms: float = 0.0
    loss_history: tuple[float | None, ...] = ()


@dataclass
class Model:
    """A trained model: `vectors` (w2v.Vectors, with V as `contexts` and the run in `meta`),
    the `vocab`, the `config` and `loss_history`, the mean loss per term of each epoch
    (None for an epoch that trained nothing: subsampling left no pair of words)."""

    vectors: Vectors
    vocab: Vocab
    config: TrainConfig
    loss_history: list[float | None] = field(default_factory=list)
    checkpoint: Path | None = None  # the run's checkpoint (w2v.checkpoint), removed by save

    def save(self, directory: str | os.PathLike, force: bool = False) -> None:
        """Write a model directory (vectors.npy = U, contexts.npy = V), atomically; then
        remove the checkpoint of the run that trained it, which the model supersedes."""
        self.vectors.save(directory, force=force)
        if self.checkpoint is not None:
            from w2v.checkpoint import remove_checkpoint

            remove_checkpoint(self.checkpoint)
            self.checkpoint = None

    def __repr__(self) -> str:
        return f"Model({self.config.arch}, {len(self.vocab)} words, dim {self.config.dim})"

    @classmethod
    def trained(
        cls, U, V, vocab, corpus, config, loss_history, seconds, subwords=None, **meta
    ) -> Model:
        """The model of a finished run on `corpus` (an EncodedCorpus, each epoch over all
        of it): U and V as trained, and the run in meta (trainer, resolved config, corpus
        facts, per-epoch loss, time, words/s, then `meta`'s items). With `subwords` (a
        SubwordInputs), U is [W + B, dim]: the vectors are the words' means u_w and the
        bucket rows are kept as `ngrams`."""
        words = int(corpus.offsets[-1] - corpus.offsets[0])
        run = {
            "trainer": config.arch,
            "config": config.resolved().to_dict(),
            "corpus": {**vocab.stats, **corpus.stats, "words": words, "vocab_size": len(vocab)},
            "loss": loss_history,
            "train_seconds": round(seconds, 3),
            "words_per_sec": round(config.epochs * words / max(seconds, 1e-9)),
        }
        extra = {}
        if subwords is not None:
            extra = {"ngrams": U[len(vocab) :], "subwords": subwords.settings}
            U = subwords.word_vectors(U)
        vectors = Vectors(list(vocab.words), U, vocab.counts, contexts=V, meta=run | meta, **extra)
        return cls(vectors, vocab, config, loss_history)


def mean_loss(nll: float, terms: float) -> float | None:
    """The mean loss per term, or None when no term was trained."""
    return float(nll / terms) if terms > 0 else None


def small_data_warnings(vocab: Vocab, config: TrainConfig) -> list[str]:
    """What makes `vocab` (counted from the corpus to train on) too small to learn from
    with `config`, each with the options that would help; [] when nothing does."""
    found = []
    n_words, distinct = len(vocab), vocab.stats.get("distinct", len(vocab))
    cut = distinct > n_words and config.min_count > 1  # min_count dropped words
    if n_words < MIN_WORDS:
        if cut:
            what = f"only {n_words:,} of {distinct:,} distinct words occur at least "
            what += f"{config.min_count} times"
            fix = f"lower --min-count (now {config.min_count}) or give a larger corpus"
        else:
            what, fix = f"the corpus has only {n_words:,} distinct words", "give a larger corpus"
        found.append(f"{what}: too few to learn from; {fix}")
    tokens = vocab.total
    trained = float(vocab.counts @ vocab.keep_probs(config.sample))  # expected, an epoch
    if trained < MIN_TOKENS:
        what = f"an epoch trains on about {trained:,.0f} tokens"
        fixes = []
        if config.sample > 0 and trained < 0.5 * tokens:
            what += f", the {trained / tokens:.0%} of {tokens:,} that subsampling keeps"
            fixes.append(f"lower --sample (now {config.sample:g}; 0 turns it off)")
        if cut:
            fixes.append("lower --min-count")
        fixes.append("give a larger corpus")
        fix = ", ".join(fixes[:-1]) + " or " + fixes[-1] if len(fixes) > 1 else fixes[0]
        found.append(f"{what}: too few to learn from; {fix}")
    return found


def rate_factor(schedule: str, progress: float, epochs: int) -> float:
    """The learning rate as a fraction of the starting rate alpha after `progress` p (0..1)
    of the run's words (all E epochs, counted before subsampling):

        word2vec   max(1e-4, 1 − p)                           word2vec.c; gensim with workers=1
        hold       1 while p ≤ 1/E, then max(1e-4, (1 − p) / (1 − 1/E));   E = 1: always 1

    "hold" keeps alpha through the first epoch, then falls linearly to word2vec.c's floor.

    Why. SGD does two jobs in turn: each row of U and V must first travel from its random start
    to where the data puts it, which takes a large total step (the sum of the rates over the
    row's updates); then the noise of those steps must be averaged away, which takes a falling
    rate. Falling is worth it only over data whose words the model has already learned from,
    i.e. after the first pass. word2vec.c falls from the first word, so it anneals before some
    words have been seen once: an occurrence at position x (0..1) of the corpus is trained at
    rates summing to α·((E + 1)/2 − x) over the run. A word near the end of a one-epoch run is
    trained at almost nothing, and every row, on average, at α/2. That costs little when rows
    get many updates (a large corpus, many epochs) and a lot when they get few (few epochs,
    strong subsampling, a small corpus; issue 15). "hold" gives every occurrence its first
    visit at the full rate, and anneals with word2vec.c's linear decay (the fixed-horizon
    choice for SGD's last iterate) only over the E − 1 later passes, which revisit learned
    words: the occurrence at x is trained at α·(1 + E/2 − x) in all, the mean rate is
    α·(E + 1)/(2E) (1, 0.75 and 0.6 of alpha at 1, 2 and 5 epochs, against word2vec.c's 0.5).
    One epoch has no later pass, so its rate stays alpha. (gensim's corpus_file mode with W
    workers, the usual way to train it, lets each worker decay by its own words over the whole
    epoch's: alpha falls 1/W of the way within an epoch and jumps back at the next, a mean of
    α·(2E + 1)/(4E) at W = 2, and one epoch ends at α·(1 − 1/W).)
    """
    if schedule == "word2vec":
        return max(MIN_ALPHA_RATIO, 1.0 - progress)
    if schedule == "hold":
        first = 1.0 / epochs  # the first epoch's share of the run
        if progress <= first:
            return 1.0
        return max(MIN_ALPHA_RATIO, (1.0 - progress) / (1.0 - first))
    raise ValueError(f"unknown learning-rate schedule {schedule!r}")


def learning_rate(config: TrainConfig, words_done: float, words_total: float) -> float:
    """The rate after `words_done` of the run's `words_total` words: config.start_alpha times
    rate_factor(config.schedule, ...). Schedule "word2vec" computes word2vec.c's expression
    exactly as w2v did before schedules existed, so its models are the same to the last bit."""
    progress = words_done / max(words_total, 1)
    return config.start_alpha * rate_factor(config.schedule, progress, config.epochs)


def initial_weights(
    n_words: int, dim: int, seed: int, scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """U uniform in (−scale/dim, scale/dim), V zeros; float32 [n_words, dim] each.

    scale 1 is gensim 4's start (its prep_vectors, the same arithmetic), 0.5 word2vec.c's,
    which schedule "word2vec" keeps. Why the wider start: V starts at zero and each factor's
    gradient is proportional to the other (∂L/∂V[o] ∝ U[x], ∂L/∂U[x] ∝ Σ V[o]), so SGD
    leaves the saddle at U·Vᵀ = 0 at a rate set by U's starting size; a row that gets few
    updates (one epoch, strong subsampling) ends further from it with a larger start. The
    price is the start itself, which stays in a rarely trained row as noise; gensim's
    scale is the one users get from the tool they are leaving, and measured better than
    word2vec.c's when updates are few (issue 15: one epoch, sample 1e-4, min_count 20:
    +1.2 analogy points, seeds 1-3) and the same at five epochs.
    """
    rng = np.random.default_rng(seed)
    U = rng.random((n_words, dim), dtype=np.float32)
    U *= np.float32(2 * scale)  # 0.5: × 1, exact, so word2vec.c's start is as before
    U -= np.float32(scale)
    U /= np.float32(dim)
    return U, np.zeros((n_words, dim), np.float32)


def chunk_bounds(offsets: np.ndarray, chunk_words: int) -> np.ndarray:
    """Sentence indices cutting the corpus into chunks of about `chunk_words` words each."""
    S = len(offsets) - 1
    n_words = int(offsets[-1] - offsets[0])
    n_chunks = max(1, round(n_words / max(chunk_words, 1)))
    targets = offsets[0] + np.linspace(0, n_words, n_chunks + 1)[1:-1]
    cuts = np.searchsorted(offsets, targets)
    return np.unique(np.concatenate([[0], np.clip(cuts, 0, S), [S]])).astype(np.int64)


def chunk_plan(offsets: np.ndarray, chunk_words: int, regions: int) -> np.ndarray:
    """The order of an epoch: int64 [n_chunks, regions, 2], chunk k trains sentences
    plan[k, r, 0]..plan[k, r, 1]−1 for r = 0..regions−1, piece k of region r, the corpus
    cut into `regions` runs of equal words and each run into n_chunks pieces of equal words.

    regions = 1 walks the corpus front to back, a chunk of about chunk_words at a time. With
    R regions a chunk's spans (one per region when R is the spans per chunk) come from R
    places R-th of the corpus apart, walked in step, as word2vec.c's and gensim's threads
    each walk their own R-th of the file (word2vec.c seeks thread t to t/R of it). Why:
    SGD's steps are meant to be samples of the whole corpus, and text is ordered (a
    dictionary alphabetically, a crawl by site, a book by chapter): the updates of one
    chunk from one stretch of text pull the rows of that stretch's topic together, and the
    next stretch pulls elsewhere. Interleaving R stretches makes every chunk, and every
    stretch of the learning rate's decay, a broader sample. (On gcide_wn, alphabetical
    glosses, at 5 epochs, sample 1e-4, dim 50: analogy +1.1 points, seeds 1-3; issue 15.)
    """
    if regions == 1:
        b = chunk_bounds(offsets, chunk_words)
        return np.stack([b[:-1], b[1:]], axis=1)[:, None, :]
    n_words = int(offsets[-1] - offsets[0])
    n_chunks = max(1, round(n_words / max(chunk_words, 1)))
    S = len(offsets) - 1
    edges = split_spans(offsets, 0, S, regions)
    plan = np.empty((n_chunks, regions, 2), np.int64)
    for r in range(regions):
        cuts = split_spans(offsets, int(edges[r]), int(edges[r + 1]), n_chunks)
        plan[:, r, 0] = cuts[:-1]
        plan[:, r, 1] = cuts[1:]
    return plan


def split_spans(offsets: np.ndarray, s0: int, s1: int, n_spans: int) -> np.ndarray:
    """Cut sentences s0..s1−1 into `n_spans` runs of about equal words: int64 [n_spans + 1]."""
    targets = np.linspace(offsets[s0], offsets[s1], n_spans + 1)[1:-1]
    cuts = np.clip(np.searchsorted(offsets, targets), s0, s1)
    return np.concatenate([[s0], cuts, [s1]]).astype(np.int64)


def spans_per_chunk(threads: int) -> int:
    return max(MIN_SPANS, SPANS_PER_WORKER * threads)


class Tables(NamedTuple):
    """The kernels' sampling tables: keep float32 [V], the probability of keeping an
    occurrence (subsampling), and the alias table of the noise distribution P_n: prob
    float32 [V], alias int32 [V]."""

    keep: np.ndarray
    prob: np.ndarray
    alias: np.ndarray


def sampling_tables(vocab: Vocab, config: TrainConfig) -> Tables:
    keep = vocab.keep_probs(config.sample).astype(np.float32)
    prob, alias = vocab.noise_alias()
    return Tables(
        keep, np.ascontiguousarray(prob, np.float32), np.ascontiguousarray(alias, np.int32)
    )


@contextlib.contextmanager
def kernel_threads(n: int) -> Iterator[None]:
    """Numba runs parallel kernels on `n` threads inside the block, handing out a prange's
    iterations (the spans) one at a time."""
    before = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        with numba.parallel_chunksize(1):
            yield
    finally:
        numba.set_num_threads(before)


def run_chunk(
    U: np.ndarray,
    V: np.ndarray,
    ids: np.ndarray,
    offsets: np.ndarray,
    s0: int,
    s1: int,
    tables: Tables,
    config: TrainConfig,
    alpha0: float,
    alpha1: float,
    stream: int,
    threads: int,
    subwords: SubwordInputs | None = None,
) -> tuple[float, float]:
    """Train sentences s0..s1−1 of (ids uint32 [N], offsets int64 [S + 1]) into U and V
    (float32 [V, dim], in place) with one call of the kernel (w2v.kernels.chunk), the
    rate falling linearly from alpha0 to alpha1 across them, random stream `stream`, cut
    into spans for `threads` threads (inside kernel_threads(threads)). Returns the loss
    terms: (Σ −log σ(±score), their number). With `subwords`, U is [W + B, dim] and the
    kernel is w2v.kernels.subword's."""
    n_spans = spans_per_chunk(threads)
    spans = split_spans(offsets, s0, s1, n_spans)
    seed, stream = np.uint64(config.seed), np.uint64(stream)
    if subwords is not None:
        loss = subwords.train_chunk(
            ARCHS[config.arch], U, V, ids, offsets, spans, tables, config, alpha0, alpha1,
            seed, stream,
        )  # fmt: skip
        return float(loss[:, 0].sum()), float(loss[:, 1].sum())
    loss = np.zeros((n_spans, 2))
    train_chunk(
        ARCHS[config.arch], U, V, ids, offsets, spans, tables.keep, tables.prob, tables.alias,
        config.window, config.negative, alpha0, alpha1, seed, stream, loss,
    )  # fmt: skip
    return float(loss[:, 0].sum()), float(loss[:, 1].sum())


def _readonly(a: np.ndarray, dtype) -> np.ndarray:
    """A read-only C-contiguous view, so that every caller shares one compiled signature."""
    v = np.ascontiguousarray(a, dtype=dtype).view(np.ndarray)
    v.flags.writeable = False
    return v


class ChunkReader:
    """Token ids of sentences s0..s1−1 as kernel arguments (ids, offsets from 0).

    A memory-mapped corpus is read from its file chunk by chunk instead of through the map,
    so its pages stay in the page cache and out of this process's resident memory."""

    def __init__(self, corpus: EncodedCorpus, n_words: int):
        self.ids = corpus.ids
        self.offsets = np.asarray(corpus.offsets, dtype=np.int64)
        self.n_words = n_words
        self.file = None
        ids = corpus.ids
        # only a map of a whole .npy file (a slice of a memmap keeps its parent's offset)
        if (
            isinstance(ids, np.memmap)
            and ids.filename
            and ids.dtype == np.uint32
            and ids.flags.c_contiguous
            and ids.offset + ids.nbytes == os.path.getsize(ids.filename)
        ):
            self.file = open(ids.filename, "rb")  # closed in close()
            self.base = ids.offset

    def read(self, s0: int, s1: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = int(self.offsets[s0]), int(self.offsets[s1])
        if self.file is not None:
            self.file.seek(self.base + 4 * a)
            ids = np.fromfile(self.file, dtype=np.uint32, count=b - a)
            if len(ids) != b - a:
                raise CorpusError(f"encoded corpus file {self.ids.filename!r} is truncated")
        else:
            ids = np.asarray(self.ids[a:b])
        return _readonly(ids, np.uint32), _readonly(self.offsets[s0 : s1 + 1] - a, np.int64)

    def read_pieces(self, pieces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The sentences of every (s0, s1) row of `pieces`, one after another."""
        if len(pieces) == 1:
            return self.read(int(pieces[0, 0]), int(pieces[0, 1]))
        all_ids, all_offsets, n = [], [np.zeros(1, np.int64)], 0
        for s0, s1 in pieces:
            ids, offsets = self.read(int(s0), int(s1))
            all_ids.append(ids)
            all_offsets.append(offsets[1:] + n)
            n += len(ids)
        return (
            _readonly(np.concatenate(all_ids), np.uint32),
            _readonly(np.concatenate(all_offsets), np.int64),
        )

    def check_ids(self, bounds: np.ndarray) -> None:
        """ValueError if any id is beyond the vocabulary: checked before training starts, so
        a bad corpus never leaves the caller's U and V half-trained."""
        for s0, s1 in zip(bounds[:-1], bounds[1:], strict=True):
            ids, _ = self.read(int(s0), int(s1))
            if len(ids) and int(ids.max()) >= self.n_words:
                raise ValueError("the encoded corpus has ids beyond the vocabulary")

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def _check_weights(W: np.ndarray | None, shape: tuple[int, int], name: str) -> None:
    if W is None:
        return
    if (
        W.shape != shape
        or W.dtype != np.float32
        or not W.flags.c_contiguous
        or not W.flags.writeable
    ):
        raise ValueError(
            f"{name} must be a writable C-contiguous float32 array of shape {shape}, "
            f"got {W.dtype} {W.shape}"
        )


def train_encoded(
    corpus: EncodedCorpus,
    vocab: Vocab,
    config: TrainConfig,
    progress: Callable[[Progress], object] | None = None,
    U: np.ndarray | None = None,
    V: np.ndarray | None = None,
    resume_from: Position | None = None,
    boundary: Callable[[Position, np.ndarray, np.ndarray], object] | None = None,
) -> Model:
    """Train on an encoded corpus. U and V, if given (float32 [len(vocab), dim], writable,
    C-contiguous; U [len(vocab) + buckets, dim] with config.subwords), are the starting
    weights and are updated in place; otherwise U is drawn from config.seed and V is zero.
    `progress`, if given, is called with a Progress after every chunk (about every second)
    and at the end of each epoch; if it raises, training stops and the exception propagates.

    `resume_from` (with the U and V saved there) continues a run from that Position, as if it
    had never stopped. `boundary(position, U, V)` is called from this thread after every
    chunk, once: between two chunks of an epoch, or at its end (as chunk 0 of the next
    epoch), never inside a kernel: it may read U and V (w2v.checkpoint writes them);
    returning False at the end of an epoch stops training there."""
    n_words = len(vocab)
    shape = (n_words, config.dim)
    subwords = SubwordInputs.of(vocab.words, config)  # None without subwords
    _check_weights(U, (subwords.n_rows, config.dim) if subwords else shape, "U")
    _check_weights(V, shape, "V")
    if U is None or V is None:
        scale = 0.5 if config.schedule == "word2vec" else 1.0  # word2vec.c's start, or gensim's
        if subwords is not None:  # initial_input widens word2vec.c's start to fastText's
            scale = 0.5
        U0, V0 = initial_weights(n_words, config.dim, config.seed, scale)
        if subwords is not None and U is None:
            U0 = subwords.initial_input(U0, config.seed)
        U = U0 if U is None else U
        V = V0 if V is None else V
    offsets = np.asarray(corpus.offsets, dtype=np.int64)
    N = int(offsets[-1] - offsets[0])
    if N == 0:
        raise CorpusError("the encoded corpus has no tokens in the vocabulary")
    for message in small_data_warnings(vocab, config):
        warnings.warn(message, SmallDataWarning, stacklevel=2)
    tables = sampling_tables(vocab, config)
    workers = config.n_workers
    work_per_word = config.dim * (config.window + 1) * (config.negative + 1)
    bounds = chunk_bounds(offsets, int(_CHUNK_WORK / work_per_word))
    # schedule "word2vec" is w2v's run before issue 15 exactly: one region, front to back
    regions = 1 if config.schedule == "word2vec" else REGIONS
    plan = chunk_plan(offsets, int(_CHUNK_WORK / work_per_word), regions)
    reader = ChunkReader(corpus, n_words)
    words_total = config.epochs * N
    at = resume_from or Position()
    if at.chunk > len(plan) or at.epoch > config.epochs:
        raise ValueError(f"{at} is beyond this run's {config.epochs} epochs of chunks")
    loss_history: list[float | None] = list(at.loss_history)
    words_done = at.words_done
    try:
        reader.check_ids(bounds)
        with kernel_threads(workers):
            # A call on no sentences compiles the kernel (or loads it from Numba's cache)
            # before the clock starts: words/s and the ETA count training alone.
            ids, chunk_offsets = reader.read(0, 0)
            run_chunk(
                U, V, ids, chunk_offsets, 0, 0, tables, config, 0.0, 0.0, 0, workers, subwords
            )
            start = time.perf_counter()
            for epoch in range(at.epoch, config.epochs):
                resumed = epoch == at.epoch
                nll, terms = (at.nll, at.terms) if resumed else (0.0, 0.0)
                for k in range(at.chunk if resumed else 0, len(plan)):
                    ids, chunk_offsets = reader.read_pieces(plan[k])
                    n_sentences = len(chunk_offsets) - 1
                    chunk = int(chunk_offsets[-1])
                    a0 = learning_rate(config, words_done, words_total)
                    a1 = learning_rate(config, words_done + chunk, words_total)
                    chunk_nll, chunk_terms = run_chunk(
                        U, V, ids, chunk_offsets, 0, n_sentences, tables, config, a0, a1,
                        stream=(epoch << 32) | k, threads=workers, subwords=subwords,
                    )  # fmt: skip
                    words_done += chunk
                    nll += chunk_nll
                    terms += chunk_terms
                    if progress is not None:
                        elapsed = time.perf_counter() - start
                        rate = (words_done - at.words_done) / max(elapsed, 1e-9)
                        progress(
                            Progress(
                                epoch=epoch + 1,
                                epochs=config.epochs,
                                words_done=words_done,
                                words_total=words_total,
                                fraction=words_done / words_total,
                                alpha=a1,
                                loss=mean_loss(nll, terms),
                                words_per_sec=rate,
                                eta_seconds=(words_total - words_done) / max(rate, 1e-9),
                            )
                        )
                    if boundary is not None and k + 1 < len(plan):  # the last: epoch's end
                        here = Position(epoch, k + 1, words_done, nll, terms, tuple(loss_history))
                        boundary(here, U, V)
                loss_history.append(mean_loss(nll, terms))
                if boundary is not None:
                    here = Position(epoch + 1, 0, words_done, 0.0, 0.0, tuple(loss_history))
                    if boundary(here, U, V) is False:
                        break
    finally:
        reader.close()
    seconds = time.perf_counter() - start
    return Model.trained(U, V, vocab, corpus, config, loss_history, seconds, subwords)


def train(
    source: str | os.PathLike | Iterable[list[str]],
    *,
    progress: Callable[[Progress], object] | None = None,
    phrases=None,
    init: Vectors | str | os.PathLike | None = None,
    on_epoch_end: Callable[[int, float | None, Vectors], object] | None = None,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: str | None = None,
    resume: bool = False,
    **config,
) -> Model:
    """Train embeddings on `source`, a text file (.gz/.bz2/.xz too) or an iterable of token
    lists, with the TrainConfig fields as keywords (unknown or bad values: ConfigError).

    `phrases` joins collocations into tokens before the vocabulary is counted
    (w2v.collocations.phrase_model): True finds them in `source` at gensim's defaults, a
    dict with those PhrasesConfig settings; a PhraseModel, or the path of one saved by
    `w2v phrases --save`, is applied as it is. The text is joined as it is read, never
    written out; meta["phrases"] records what was joined.

    `init`, a model directory or Vectors with contexts, continues its training on `source`
    (w2v.continued: its words keep their vectors, new words reaching min_count get fresh
    rows, counts are merged; dim and arch default to the model's). `on_epoch_end(epoch,
    loss, vectors)` is called from the training thread after each epoch (1-based, its mean
    loss, a read-only Vectors view of U); returning False stops training there.
    `checkpoint` (a directory path, see w2v.checkpoint) is written every `checkpoint_every`
    ('10m', '50M', ...); with `resume`, training continues from the one there."""
    from w2v.checkpoint import parse_every, train_resumable
    from w2v.collocations import phrase_model

    every = None if checkpoint_every is None else parse_every(checkpoint_every)
    start = None
    if init is not None:
        from w2v.continued import check_config, continued_run, load_init

        start = load_init(init)
        config.setdefault("dim", start.dim)
        if start.arch is not None:
            config.setdefault("arch", start.arch)
    cfg = TrainConfig.from_kwargs(**config)
    if start is not None:
        check_config(start, cfg)
    if not isinstance(source, str | os.PathLike) and iter(source) is source:
        source = list(source)  # a one-shot iterator: counted, then encoded
    t0 = time.perf_counter()
    joiner = phrase_model(phrases, source, cfg.lower, cfg.punct)
    t_phrases = time.perf_counter()
    if start is None:
        vocab = build_vocab(
            source, cfg.min_count, cfg.max_vocab_size, cfg.lower, cfg.punct, phrases=joiner
        )
        U = V = None  # a fresh run's, drawn by train_encoded
    else:
        vocab, U, V = continued_run(source, cfg, joiner, start)
    t1 = time.perf_counter()
    hook = None if on_epoch_end is None else epoch_end_hook(on_epoch_end, vocab)
    with scratch_dir("encoded", encoded_bytes(vocab.stats)) as tmp:
        corpus = encode(
            source, vocab, os.path.join(tmp, "corpus"), cfg.lower, cfg.punct, phrases=joiner
        )
        t2 = time.perf_counter()
        model = train_resumable(
            corpus, vocab, cfg, checkpoint, every, resume, progress=progress, boundary=hook,
            U=U, V=V,
        )  # fmt: skip
        del corpus  # release the memory map before the directory goes
    meta = model.vectors.meta
    meta["source"] = str(source) if isinstance(source, str | os.PathLike) else "iterable"
    if start is not None:
        meta["init"] = {
            "model": start.name,
            **{k: vocab.stats[k] for k in ("init_words", "new_words")},
        }
    if joiner is not None:
        meta["phrases"] = joiner.summary()
        meta["phrases_seconds"] = round(t_phrases - t0, 3)
    meta["vocab_seconds"] = round(t1 - t_phrases, 3)
    meta["encode_seconds"] = round(t2 - t1, 3)
    return model


def epoch_end_hook(on_epoch_end, vocab: Vocab):
    """train_encoded's `boundary` calling on_epoch_end(epoch, loss, vectors) at the end of
    each epoch with a read-only Vectors view of U and V (no copy)."""

    def boundary(at: Position, U: np.ndarray, V: np.ndarray):
        if at.chunk != 0:
            return None
        view = Vectors(vocab.words, _readonly_view(U), vocab.counts, _readonly_view(V))
        return on_epoch_end(at.epoch, at.loss_history[-1], view)

    return boundary


def _readonly_view(W: np.ndarray) -> np.ndarray:
    view = W.view()
    view.flags.writeable = False
    return view


__all__ = [
    "Model", "Position", "Progress", "TrainConfig", "learning_rate", "rate_factor", "train",
    "train_encoded",
]  # fmt: skip
