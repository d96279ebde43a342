"""Training: vocabulary → encoded corpus → epochs of compiled kernel calls → Vectors.

    model = w2v.train("corpus.txt", dim=100, epochs=5, workers=2, seed=1)
    model.vectors.most_similar("frog"); model.loss_history; model.save("w2v-model")

An epoch runs in chunks of about a second of work, each one call of the Numba kernel
(w2v/kernels/chunk.py; the step is sgns.py's or cbow.py's) whose spans of sentences the
threads share; a chunk's spans come from R places of the corpus walked in step
(w2v.chunks.chunk_plan), as word2vec.c's and gensim's threads each walk their own part.
Between chunks the loop reports progress, may write a checkpoint (w2v.checkpoint) and lets
Python handle Ctrl-C, so an interrupt stops within a chunk and leaves nothing behind
(nothing is written until `Model.save`). U starts as gensim's does (initial_weights), V at
zero; with subwords U also holds the n-gram rows (w2v.subword_training).

The learning rate stays at alpha through the first epoch and then falls linearly with the
words processed to alpha·1e-4 at the end (w2v.schedule.rate_factor gives the rule and
why). Schedule "word2vec" falls from the first word, as word2vec.c does, and keeps the rest
of w2v's run before issue 15 too, word2vec.c's starting weights, the corpus front to
back and CBOW's negatives drawn for every centre (w2v.kernels.cbow), so that its models are
those of before to the last bit. Chunks and spans are cut
from word counts alone and span t of chunk k of epoch e draws from the random stream
(seed, e, k, t): with workers=1 a run is reproducible bit for bit. With more workers, rows
shared by threads are updated without locks (Hogwild), so runs differ in the last bits
and then more.
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

import numba
import numpy as np

from w2v.chunks import REGIONS, ChunkReader, chunk_bounds, chunk_plan, spans_per_chunk, split_spans
from w2v.config import TrainConfig
from w2v.corpus import (
    EncodedCorpus,
    RecordedText,
    encode,
    encoded_bytes,
    one_read,
    recorded_bytes,
)
from w2v.errors import CorpusError, SmallDataWarning
from w2v.io.atomic import scratch_dir
from w2v.kernels.cbow import NEGATIVES_SHARED
from w2v.kernels.chunk import ARCHS, train_chunk
from w2v.kernels.hotrows import HOT_ROWS
from w2v.run import Model, Position, Progress, mean_loss
from w2v.schedule import learning_rate, rate_factor
from w2v.subword_training import SubwordInputs
from w2v.vectors import Vectors
from w2v.vocab import MAX_TABLE, Vocab, build_vocab

_CHUNK_WORK = 1e9  # chunk size in words × dim × (window + 1) × (negative + 1): ≈ 0.2 s
# Below these, training runs but learns next to nothing, and says so (SmallDataWarning).
MIN_WORDS = 100  # words kept in the vocabulary
MIN_TOKENS = 10_000  # tokens an epoch trains on, expected after subsampling


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


def hot_rows(threads: int) -> int:
    """How many of the most frequent output rows each span copies for itself: none with
    one thread (nobody to contend with: the arithmetic stays word2vec.c's to the bit)."""
    return HOT_ROWS if threads > 1 else 0


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
            seed, stream, hot_rows(threads),
        )  # fmt: skip
        return float(loss[:, 0].sum()), float(loss[:, 1].sum())
    loss = np.zeros((n_spans, 2))
    shared = 1 if config.schedule == "word2vec" else NEGATIVES_SHARED  # word2vec.c: 1
    train_chunk(
        ARCHS[config.arch], U, V, ids, offsets, spans, tables.keep, tables.prob, tables.alias,
        config.window, config.negative, alpha0, alpha1, seed, stream, loss, hot_rows(threads),
        shared,
    )  # fmt: skip
    return float(loss[:, 0].sum()), float(loss[:, 1].sum())


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
    C-contiguous; U [len(vocab) + buckets in use, dim] with config.subwords), are the starting
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
        # word2vec.c's start under its schedule, else gensim's (and fastText's, with subwords)
        scale = 0.5 if config.schedule == "word2vec" and subwords is None else 1.0
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
        from w2v.continued import check_config, load_init

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
    with contextlib.ExitStack() as stack:
        vocab, U, V, corpus, t1 = _vocab_and_corpus(source, cfg, joiner, start, stack)
        hook = None if on_epoch_end is None else epoch_end_hook(on_epoch_end, vocab, cfg)
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


def _vocab_and_corpus(source, cfg: TrainConfig, joiner, start, stack: contextlib.ExitStack):
    """The run's vocabulary, its starting U and V (None: a fresh run's, drawn by
    train_encoded), its corpus encoded in a scratch directory that `stack` removes, and
    when the vocabulary was ready (time.perf_counter). A fresh run on a plain-text file
    reads it once (w2v.corpus.RecordedText); any other run reads it twice: the count, then
    the encoding (a continued run counts with its model's words, w2v.continued)."""
    workers, tmp = cfg.n_workers, None
    if start is None and joiner is None and one_read(source, workers):
        tmp = stack.enter_context(scratch_dir("encoded", recorded_bytes(source, workers)))
        text = RecordedText.count(source, tmp, cfg.lower, cfg.punct, MAX_TABLE, workers)
        if text is not None:
            vocab = text.vocab(cfg.min_count, cfg.max_vocab_size)
            ready = time.perf_counter()
            return vocab, None, None, text.encode(os.path.join(tmp, "corpus")), ready
        # The count had to prune, so two passes after all; its ranges would prune again
        # (w2v.scan.count_ranges), so the count goes straight to the one pass they end in,
        # and the encoding to the scratch directory made for the record (which had room
        # for the corpus too: recorded_bytes).
        workers = 1
    U = V = None
    if start is None:
        vocab = build_vocab(
            source, cfg.min_count, cfg.max_vocab_size, cfg.lower, cfg.punct, MAX_TABLE,
            phrases=joiner, workers=workers,
        )  # fmt: skip
    else:
        from w2v.continued import continued_run

        vocab, U, V = continued_run(source, cfg, joiner, start)
    ready = time.perf_counter()
    if tmp is None:
        tmp = stack.enter_context(scratch_dir("encoded", encoded_bytes(vocab.stats)))
    out = os.path.join(tmp, "corpus")
    return vocab, U, V, encode(source, vocab, out, cfg.lower, cfg.punct, phrases=joiner), ready


def epoch_end_hook(on_epoch_end, vocab: Vocab, config: TrainConfig):
    """train_encoded's `boundary` calling on_epoch_end(epoch, loss, vectors) at the end of
    each epoch with a read-only Vectors view of U and V (no copy). For a subword model U
    holds the bucket rows too: the view gets the words' vectors as the model will (the mean
    of each word's rows, computed for the call) and the bucket rows as its `ngrams`."""
    subwords = SubwordInputs.of(vocab.words, config)

    def boundary(at: Position, U: np.ndarray, V: np.ndarray):
        if at.chunk != 0:
            return None
        extra, words = {}, U
        if subwords is not None:
            words = subwords.word_vectors(U)
            ngrams = subwords.ngram_rows(U, config.seed)  # read-only, rows computed as read
            extra = {"ngrams": ngrams, "subwords": subwords.settings}
        view = Vectors(vocab.words, _readonly_view(words), vocab.counts, _readonly_view(V), **extra)
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
