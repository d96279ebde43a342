"""Data-parallel SGNS/CBOW on a Dask cluster, in the manner of Spark MLlib's Word2Vec.

The encoded corpus (on storage every worker reads) is cut into P shards of about equal
words, and each shard into R parts, R = rounds per epoch. Round g = e·R + r of epoch e:

1. the client scatters the current U, V (float32 [n_words, dim]) to every worker, once;
2. the task of shard p copies them and trains part r of its shard with the project's own
   Numba kernel (w2v.kernels.chunk), then returns only the rows that changed, as
   deltas ΔU_p, ΔV_p (int32 row ids + float32 [k, dim]);
3. the client averages each row's deltas over the shards that changed it and adds them,

       U[i] ← U[i] + (1 / |P_i|) Σ_{p ∈ P_i} ΔU_p[i],   P_i = {p : shard p changed row i},

   and likewise V (MLlib averages the new rows, which is the same thing).

The learning rate follows the single-machine schedule (w2v.schedule.learning_rate) by global
progress: a round that starts when D of the E·N words are done and covers W words in all
its parts runs every part from alpha(D) down to alpha(D + W), linearly by position, times
P when `scale_alpha`. Why: while steps are small, ΔU_p[i] ≈ −α Σ (gradients of row i in
part p), so the average over the P shards moves a row that every shard touches by 1/P of
the single-machine step: a plain average (MLlib's) learns P times slower; on gcide_wn with
P = 2 it lost 6 analogy points (scripts/bench_dask.py). With the rate scaled by P, the
average of such a row equals the single-machine step; a row only k < P shards touched (a
rare word) moves P/k times further, which at P = 2 measured no worse.

Shard p in round g draws from the kernel's random streams (seed, g·2^24 + p, span): a
task's result is a function of its arguments alone when its worker runs one thread, so a
task that Dask retries after losing a worker returns the same rows, and the client, which
applies a round only when every shard has answered, in shard order, produces the same
model bit for bit. (Workers with several threads run the kernel's spans Hogwild, as the
single-machine trainer does: then a retry may differ in the last bits.)

Per round the network carries the weights to every worker, 2·n_words·dim·4 bytes each,
plus the changed rows back (see `train`'s returned traffic figures).

Dask retries a task whose worker died, but it cannot recompute scattered data: if every
worker holding a round's weights dies (with two workers, one dying while the other is still
restarting), the round's tasks are cancelled. The client then scatters the same weights
again and resubmits the round; its tasks being pure, the result does not change. The
sampling tables, computed once, are a task's result instead, which Dask can recompute.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from w2v.chunks import readonly, split_spans
from w2v.config import TrainConfig
from w2v.corpus import EncodedCorpus
from w2v.errors import ConfigError, CorpusError
from w2v.run import Model, mean_loss
from w2v.schedule import learning_rate
from w2v.training import Tables, initial_weights, kernel_threads, run_chunk, sampling_tables
from w2v.vocab import Vocab

_KERNEL_LOCK = threading.Lock()  # a worker process runs one parallel kernel call at a time
_SHARD_BITS = 24  # stream = round << 24 | shard
ROUND_ATTEMPTS = 3  # scatters of one round's weights before giving up


@dataclass(frozen=True)
class Part:
    """What one task trains: sentences s0..s1−1 of the corpus in `corpus` (a directory),
    the learning rate from alpha0 to alpha1 across them, random stream `stream`."""

    corpus: str
    s0: int
    s1: int
    alpha0: float
    alpha1: float
    stream: int


@dataclass
class Update:
    """A task's answer: the rows of U and V it changed (int32 [k]) and by how much
    (float32 [k, dim]), and the loss of its terms (Σ −log σ, number of terms)."""

    rows_U: np.ndarray
    dU: np.ndarray
    rows_V: np.ndarray
    dV: np.ndarray
    nll: float
    terms: float

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.rows_U, self.dU, self.rows_V, self.dV))


def make_tables(vocab_path: str, config: TrainConfig) -> Tables:
    """The sampling tables of the vocabulary in `vocab_path` (runs on a worker; computed
    once per training and kept by Dask, which can recompute them)."""
    return sampling_tables(Vocab.load(vocab_path), config)


def _task_threads() -> int:
    """Threads for the kernel: the Dask worker's, at most what Numba can run."""
    import numba

    try:
        from distributed import get_worker

        n = get_worker().state.nthreads
    except (ImportError, ValueError, AttributeError):
        n = 1
    return max(1, min(n, numba.config.NUMBA_NUM_THREADS))


def _changed(W: np.ndarray, W0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows = np.flatnonzero((W != W0).any(axis=1)).astype(np.int32)
    return rows, W[rows] - W0[rows]


def train_part(
    U0: np.ndarray, V0: np.ndarray, tables: Tables, part: Part, config: TrainConfig
) -> Update:
    """Train `part` from the weights U0, V0 (float32 [n_words, dim], left unchanged) with
    the trainer's own driver (w2v.training.run_chunk); returns the rows it changed. Runs
    on a worker."""
    corpus = EncodedCorpus.load(part.corpus)
    ids = readonly(corpus.ids, np.uint32)
    offsets = readonly(corpus.offsets, np.int64)
    U, V = U0.copy(), V0.copy()
    threads = _task_threads()
    with _KERNEL_LOCK, kernel_threads(threads):
        nll, terms = run_chunk(
            U, V, ids, offsets, part.s0, part.s1, tables, config, part.alpha0, part.alpha1,
            stream=part.stream, threads=threads,
        )  # fmt: skip
    rows_U, dU = _changed(U, U0)
    rows_V, dV = _changed(V, V0)
    return Update(rows_U, dU, rows_V, dV, nll, terms)


def apply_average(W: np.ndarray, rows: list[np.ndarray], deltas: list[np.ndarray]) -> int:
    """W[i] += mean of the deltas given for row i (over the shards that changed it), in
    place, summing in the order given; returns how many rows changed."""
    total = np.zeros_like(W)
    count = np.zeros(len(W), np.int32)
    for r, d in zip(rows, deltas, strict=True):
        total[r] += d  # the rows of one shard are distinct
        count[r] += 1
    touched = np.flatnonzero(count)
    W[touched] += total[touched] / count[touched, None].astype(np.float32)
    return len(touched)


def plan_parts(offsets: np.ndarray, shards: int, rounds: int) -> np.ndarray:
    """Sentence bounds int64 [shards, rounds + 1]: part r of shard p is sentences
    bounds[p, r]..bounds[p, r + 1]−1; shards and their parts hold about equal words."""
    S = len(offsets) - 1
    edges = split_spans(offsets, 0, S, shards)
    return np.stack([split_spans(offsets, edges[p], edges[p + 1], rounds) for p in range(shards)])


def replicate(client, future) -> None:
    """Copy a task's result to every worker, as far as they stay alive: a task that needs it
    on a worker that missed it fetches it there (Dask's data movement)."""
    with contextlib.suppress(OSError):
        client.replicate([future])


def run_round(client, U: np.ndarray, V: np.ndarray, tables, parts: list[Part], config):
    """Scatter U and V, train `parts` from them, and return the tasks' Updates in the order
    of `parts`, scattering again if the weights are lost; also the bytes scattered."""
    scattered = 0
    for attempt in range(ROUND_ATTEMPTS):
        weights = futures = None
        try:
            weights = client.scatter([U, V], broadcast=True, hash=False)
            scattered += (U.nbytes + V.nbytes) * len(client.nthreads())
            futures = [
                client.submit(train_part, *weights, tables, part, config, pure=False)
                for part in parts
            ]
            return client.gather(futures), scattered
        except (CancelledError, OSError):  # OSError: a comm closed by a dying worker
            if attempt + 1 == ROUND_ATTEMPTS:
                raise
        finally:
            del weights, futures  # release the round's weights on the workers


def train(
    client,
    corpus_dir: Path,
    vocab_path: Path,
    config: TrainConfig,
    rounds_per_epoch: int = 4,
    shards: int = 0,
    scale_alpha: bool = True,
    echo: Callable[[str], None] | None = None,
) -> tuple[Model, dict]:
    """Train on the encoded corpus in `corpus_dir` with the vocabulary in `vocab_path`
    (both on storage the workers share) with the Dask `client` (see the module
    docstring); `shards` 0 means one per worker; `scale_alpha` multiplies the learning
    rate by the number of shards. Returns the Model and the run's facts
    (shards, rounds, bytes scattered and returned per round)."""
    if config.subwords is not None:
        raise ConfigError(
            "subwords are trained on one machine only: run the pipeline without --dask, "
            'or set [train] subwords = ""'
        )
    vocab = Vocab.load(vocab_path)
    corpus = EncodedCorpus.load(corpus_dir)
    offsets = np.asarray(corpus.offsets)
    N = int(offsets[-1])
    if N == 0:
        raise CorpusError("the encoded corpus has no tokens in the vocabulary")
    n_workers = len(client.nthreads())
    P = shards or n_workers
    R = rounds_per_epoch
    bounds = plan_parts(offsets, P, R)
    U, V = initial_weights(len(vocab), config.dim, config.seed)
    tables = client.submit(make_tables, str(vocab_path), config, pure=False)
    replicate(client, tables)
    scale = P if scale_alpha else 1
    words_total = config.epochs * N
    words_done = 0
    loss_history: list[float | None] = []
    scattered = returned = 0
    start = time.perf_counter()
    for epoch in range(config.epochs):
        nll = terms = 0.0
        for r in range(R):
            g = epoch * R + r
            round_words = int(sum(offsets[b[r + 1]] - offsets[b[r]] for b in bounds))
            a0 = scale * learning_rate(config, words_done, words_total)
            a1 = scale * learning_rate(config, words_done + round_words, words_total)
            parts = [
                Part(str(corpus_dir), int(b[r]), int(b[r + 1]), a0, a1, (g << _SHARD_BITS) | p)
                for p, b in enumerate(bounds)
                if b[r + 1] > b[r]
            ]
            updates, nbytes = run_round(client, U, V, tables, parts, config)
            scattered += nbytes
            apply_average(U, [u.rows_U for u in updates], [u.dU for u in updates])
            apply_average(V, [u.rows_V for u in updates], [u.dV for u in updates])
            returned += sum(u.nbytes for u in updates)
            nll += sum(u.nll for u in updates)
            terms += sum(u.terms for u in updates)
            words_done += round_words
        loss_history.append(mean_loss(nll, terms))  # None: the epoch trained nothing
        if echo:
            loss = "nothing trained" if loss_history[-1] is None else f"{loss_history[-1]:.4f}"
            echo(
                f"  epoch {epoch + 1}/{config.epochs}: loss {loss}, "
                f"alpha {a1:.5f}, {time.perf_counter() - start:.1f} s"
            )
    seconds = time.perf_counter() - start
    n_rounds = config.epochs * R
    facts = {
        "shards": P,
        "workers": n_workers,
        "rounds": n_rounds,
        "scattered_mb_per_round": round(scattered / n_rounds / 1e6, 2),
        "returned_mb_per_round": round(returned / n_rounds / 1e6, 2),
    }
    dask = {**facts, "rounds_per_epoch": R, "scale_alpha": scale_alpha}
    model = Model.trained(U, V, vocab, corpus, config, loss_history, seconds, dask=dask)
    return model, facts
