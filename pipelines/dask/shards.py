"""Input shards: a corpus file, or a byte range of a large plain-text file cut at line ends.

A shard is counted and encoded exactly as the single-machine steps do it (pipelines.counts
count_file and pipelines.steps.encode.encode_shard); a byte range goes through the same
normaliser and Numba word table (w2v.scan), reading only its own bytes. Ranges end just after a
newline, so no sentence straddles two shards: the counts of a file's ranges, merged in
order, equal the counts of the whole file (word order included), and their encodings,
concatenated, equal its encoding. (One exception, as in count_words: a shard with more than
w2v.vocab.MAX_TABLE distinct words prunes rare words, so their counts are lower bounds.)

Compressed files (.gz, .bz2, .xz) cannot be read from an offset: each is one shard.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from w2v.tokenize import ReadStats

_COMPRESSED = (".gz", ".bz2", ".xz")
_WS = b" \t\r\n\f\v"
_SCAN = 1 << 16  # bytes read at a time while looking for the next newline


@dataclass(frozen=True)
class Shard:
    """A whole corpus file (end None) or its bytes start..end−1."""

    path: Path
    start: int = 0
    end: int | None = None

    @property
    def whole(self) -> bool:
        return self.end is None


def plan(files: list[Path], split_bytes: int) -> list[Shard]:
    """The shards of `files`, in order: each plain-text file larger than `split_bytes` is cut
    into ranges of about `split_bytes`, each ending just after a newline."""
    shards: list[Shard] = []
    for path in files:
        path = Path(path)
        size = path.stat().st_size
        if path.suffix.lower() in _COMPRESSED or size <= split_bytes:
            shards.append(Shard(path))
            continue
        n = math.ceil(size / split_bytes)
        cuts = [0]
        with open(path, "rb") as f:
            for k in range(1, n):
                cut = _next_line_start(f, max(k * size // n, cuts[-1]), size)
                if cut > cuts[-1] and cut < size:
                    cuts.append(cut)
        cuts.append(size)
        shards.extend(Shard(path, a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True))
    return shards


def _next_line_start(f, pos: int, size: int) -> int:
    """The offset just after the first newline at or after `pos` (size if there is none)."""
    f.seek(pos)
    while pos < size:
        buf = f.read(_SCAN)
        if not buf:
            break
        i = buf.find(b"\n")
        if i >= 0:
            return pos + i + 1
        pos += len(buf)
    return size


def range_blocks(shard: Shard, lower: bool, punct: bool, stats: ReadStats, block: int = 0):
    """Normalised blocks of a byte range, cut at whitespace (w2v.scan.iter_blocks for a
    whole file, which cannot start at an offset)."""
    from w2v.scan import iter_blocks

    yield from iter_blocks(shard.path, lower, punct, stats, block or None, shard.start, shard.end)


def count(shard: Shard, lower: bool, punct: bool):
    """Token counts of a shard (a pipelines.counts table, first-appearance order) and what
    the pass saw."""
    from pipelines.counts import count_file

    return count_file(shard.path, lower, punct, shard.start, shard.end)


def encode(shard: Shard, vocab, out_dir: Path, config: dict):
    """Encode a shard with `vocab` into `out_dir` (ids.npy, offsets.npy, written atomically);
    returns the EncodedCorpus."""
    from pipelines.steps.encode import encode_shard

    if shard.whole:
        return encode_shard(shard.path, vocab, out_dir, config)
    from w2v.corpus import EncodedCorpus
    from w2v.io import atomic_dir
    from w2v.scan import WordTable

    table = WordTable.from_words(vocab.words)
    state = np.zeros(3, np.int64)  # see w2v.kernels.wordtable.encode_tokens
    stats = ReadStats()
    ids, ends = [], [np.zeros(1, np.int64)]
    for block in range_blocks(shard, config["lower"], config["punct"], stats):
        block_ids, block_ends, seen = table.encode(block, state)
        stats.tokens += seen
        ids.append(block_ids)
        ends.append(block_ends)
    if state[1] > state[2]:  # the range's last line had no newline (end of file)
        ends.append(state[1:2].copy())
    with atomic_dir(out_dir, force=True) as tmp:
        np.save(tmp / "ids.npy", np.concatenate(ids or [np.zeros(0, np.uint32)]).astype(np.uint32))
        np.save(tmp / "offsets.npy", np.concatenate(ends).astype(np.int64))
    corpus = EncodedCorpus.load(out_dir)
    corpus.stats = {"lines": stats.lines, "tokens": stats.tokens, "kept": corpus.n_tokens}
    return corpus
