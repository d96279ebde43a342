"""The walk of an epoch: which sentences each kernel call trains, and reading them.

An epoch is cut into chunks of about `chunk_words` words (w2v.training sizes them to about
a second of work); chunk k trains the sentences of plan[k] (chunk_plan), cut into spans
(split_spans) that the kernel's threads take one at a time. Everything is cut from the
sentence offsets alone (int64 [S + 1], sentence s is ids[offsets[s]:offsets[s + 1]]), so a
run's chunks are the same on every machine and every number of threads: a run resumed
from a checkpoint walks the chunks it would have walked.
"""

from __future__ import annotations

import os

import numpy as np

from w2v.corpus import EncodedCorpus
from w2v.errors import CorpusError

SPANS_PER_WORKER = 4  # spans per chunk and thread, handed out one at a time (load balance)
MIN_SPANS = 8  # at least this many, so that workers 1..2 cut chunks identically
# Regions of the corpus a chunk draws from (chunk_plan). Fixed, not a function of the
# threads, so that a run resumed on another number of threads walks the same chunks.
REGIONS = MIN_SPANS


def chunk_bounds(offsets: np.ndarray, chunk_words: int) -> np.ndarray:
    """Sentence indices cutting the corpus into chunks of about `chunk_words` words each."""
    S = len(offsets) - 1
    n_words = int(offsets[-1] - offsets[0])
    n_chunks = max(1, round(n_words / max(chunk_words, 1)))
    targets = _ceil(offsets[0] + np.linspace(0, n_words, n_chunks + 1)[1:-1])
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
    targets = _ceil(np.linspace(offsets[s0], offsets[s1], n_spans + 1)[1:-1])
    cuts = np.clip(np.searchsorted(offsets, targets), s0, s1)
    return np.concatenate([[s0], cuts, [s1]]).astype(np.int64)


def _ceil(targets: np.ndarray) -> np.ndarray:
    """Word positions (float64) as the int64 positions searchsorted finds the same sentences
    for: the first offset ≥ t is the first ≥ ⌈t⌉. Searching int64 offsets for float64 values
    would first copy all of them to float64 (8 bytes a sentence: 29 MB on gcide_wn × 10)."""
    return np.ceil(targets).astype(np.int64)


def spans_per_chunk(threads: int) -> int:
    return max(MIN_SPANS, SPANS_PER_WORKER * threads)


def readonly(a: np.ndarray, dtype) -> np.ndarray:
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
        return readonly(ids, np.uint32), readonly(self.offsets[s0 : s1 + 1] - a, np.int64)

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
            readonly(np.concatenate(all_ids), np.uint32),
            readonly(np.concatenate(all_offsets), np.int64),
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
