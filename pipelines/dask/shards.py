"""Input shards: a corpus file, or a byte range of a large plain-text file cut at line ends.

A shard is counted and encoded exactly as the single-machine steps do it (pipelines.counts
count_file and w2v.corpus.encode); a byte range goes through the same
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

from w2v.io.compressed import COMPRESSED

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
        if path.suffix.lower() in COMPRESSED or size <= split_bytes:
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


def count(shard: Shard, lower: bool, punct: bool, phrases=None):
    """Token counts of a shard (a pipelines.counts table, first-appearance order) and what
    the pass saw; with `phrases` (a w2v.collocations.PhraseModel), of its text with them
    joined (a shard ends at a line's end, so it joins as the whole file does)."""
    from pipelines.counts import count_file

    return count_file(shard.path, lower, punct, shard.start, shard.end, phrases=phrases)


def encode(shard: Shard, vocab, out_dir: Path, config: dict, phrases=None):
    """Encode a shard with `vocab` into `out_dir` (ids.npy, offsets.npy, written atomically),
    with the phrases of `phrases` joined if given; returns the EncodedCorpus."""
    from w2v.corpus import encode

    return encode(shard.path, vocab, out_dir, lower=config["lower"], punct=config["punct"],
                  start=shard.start, end=shard.end, phrases=phrases)  # fmt: skip
