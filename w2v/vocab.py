"""Vocabulary: words and their counts, pruning, subsampling and the noise distribution.

Row i of every embedding matrix is `words[i]`; words are ordered by count, descending,
ties broken by first appearance in the corpus.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from w2v.errors import CorpusError, UnknownWordError
from w2v.io.model_dir import repeats
from w2v.tokens import ReadStats, iter_sentences

# Distinct words held while counting before rare ones are pruned (gensim's max_vocab_size;
# word2vec.c prunes at 0.7 × 30 M). About 1 GB of Python strings and ints at the limit.
MAX_TABLE = 10_000_000


@dataclass
class Vocab:
    """`words[i]` occurred `counts[i]` times; `total` is the number of tokens kept."""

    words: list[str]
    counts: np.ndarray  # int64 [V]
    stats: dict = field(default_factory=dict)  # corpus facts: lines, tokens, invalid_utf8, pruned

    def __post_init__(self):
        self.counts = np.asarray(self.counts, dtype=np.int64)
        if len(self.words) != len(self.counts):
            raise ValueError("words and counts differ in length")
        self._index = {w: i for i, w in enumerate(self.words)}
        if len(self._index) != len(self.words):
            raise ValueError(repeats(self.words, len(self.words) - len(self._index)))

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def __iter__(self):
        return iter(self.words)

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    @property
    def word_index(self) -> dict[str, int]:
        """The mapping word → row (shared, do not mutate)."""
        return self._index

    def index(self, word: str) -> int:
        try:
            return self._index[word]
        except KeyError:
            raise UnknownWordError(word, self.suggest(word)) from None

    @cached_property
    def suggest(self) -> Suggestions:
        """Close words for an unknown word (see Suggestions), indexed on first use."""
        return Suggestions(self.words)

    def count(self, word: str) -> int:
        return int(self.counts[self.index(word)])

    def keep_probs(self, sample: float) -> np.ndarray:
        """Per-word probability of keeping an occurrence when subsampling (float64 [V]).

        word2vec.c: with f = count / total and s = `sample`,
            p_keep = (sqrt(f / s) + 1) · s / f, capped at 1;  `sample <= 0` keeps everything.
        """
        if sample <= 0 or len(self) == 0:
            return np.ones(len(self))
        threshold = sample * self.total
        c = self.counts.astype(np.float64)
        return np.minimum(1.0, (np.sqrt(c / threshold) + 1.0) * threshold / c)

    def noise_probs(self, power: float = 0.75) -> np.ndarray:
        """The negative-sampling distribution P_n(w) ∝ count(w)^power (float64 [V])."""
        p = self.counts.astype(np.float64) ** power
        return p / p.sum()

    def noise_alias(self, power: float = 0.75) -> tuple[np.ndarray, np.ndarray]:
        """Walker/Vose alias table of `noise_probs`: (prob float32 [V], alias int32 [V]).

        Draw: i = uniform integer in [0, V); keep i if u < prob[i], else take alias[i].
        """
        return alias_table(self.noise_probs(power))

    def save(self, path: str | os.PathLike) -> None:
        from w2v.io.arrow import write_vocab_parquet

        write_vocab_parquet(path, self.words, self.counts)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Vocab:
        from w2v.io.arrow import read_vocab_parquet

        words, counts = read_vocab_parquet(path)
        return cls(words, counts)

    @classmethod
    def from_counter(
        cls, counter: Counter, min_count: int = 1, max_size: int | None = None, stats=None
    ) -> Vocab:
        """Keep words with count >= min_count, most frequent first (stable: ties by insertion)."""
        words = list(counter)
        counts = np.fromiter(counter.values(), dtype=np.int64, count=len(words))
        order = kept_order(counts, min_count, max_size)
        return cls([words[i] for i in order], counts[order], stats or {})


def kept_order(counts: np.ndarray, min_count: int, max_size: int | None = None) -> np.ndarray:
    """int64 indices of the words a vocabulary keeps from `counts` (int64 [n]): those with
    count >= min_count, most frequent first (ties in their given order), at most
    `max_size` of them (None: no limit)."""
    keep = np.flatnonzero(counts >= min_count)
    return keep[np.argsort(-counts[keep], kind="stable")][:max_size]


def alias_table(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vose's alias method for a discrete distribution p (float64 [n], sums to 1): (prob
    float32 [n], alias int32 [n]), built by w2v.kernels.sampling.vose."""
    from w2v.kernels.sampling import vose  # Numba: only when training

    n = len(p)
    scaled = np.asarray(p, dtype=np.float64) * n
    small, large = np.zeros(n, np.int64), np.zeros(n, np.int64)
    below = np.flatnonzero(scaled < 1.0)
    above = np.flatnonzero(scaled >= 1.0)
    small[: len(below)], large[: len(above)] = below, above
    prob, alias = np.zeros(n, dtype=np.float64), np.arange(n, dtype=np.int32)
    vose(scaled, prob, alias, small, len(below), large, len(above))
    return prob.astype(np.float32), alias


SUGGEST_FROM = 50_000  # the most frequent words suggestions are taken from
_LETTERS = 27  # a-z, and one bucket for every other character


class Suggestions:
    """Close vocabulary words for an unknown word: difflib.get_close_matches over the
    first (most frequent) SUGGEST_FROM words, run only on the words that can reach `cutoff`.

    difflib's ratio 2 M / (|a| + |b|) is at most 2 sum_c min(a_c, b_c) / (|a| + |b|) over
    the characters c (its quick_ratio), and that sum only grows when characters are
    pooled into buckets (a-z and "other"); words whose bucketed bound is below `cutoff`
    cannot match, so the answer is difflib's, at a few milliseconds instead of 30-130 ms
    for a 50,000-word vocabulary (get_close_matches breaks ties by the word, not by the
    order of the candidates). The letter counts of the pool are built once, here."""

    def __init__(self, words: list[str]):
        self.pool = list(words[:SUGGEST_FROM])
        self.lengths = np.array([len(w) for w in self.pool], dtype=np.int64)  # int64 [P]
        counts = _letter_counts(self.pool)  # [P, 27]
        if len(self.pool) and counts.max() <= 255:  # exact in uint8, and 4x less to scan
            counts = counts.astype(np.uint8)
        self.counts = counts

    def __call__(self, word: str, n: int = 3, cutoff: float = 0.75) -> list[str]:
        import difflib

        if not self.pool:
            return []
        L, q = len(word), _letter_counts([word])[0]
        counts = self.counts
        common = np.minimum(counts, q.clip(0, np.iinfo(counts.dtype).max).astype(counts.dtype))
        common = common.sum(axis=1, dtype=np.int64)
        bound = 2.0 * common / np.maximum(self.lengths + L, 1)
        candidates = [self.pool[i] for i in np.flatnonzero(bound >= cutoff - 1e-12)]
        return difflib.get_close_matches(word, candidates, n=n, cutoff=cutoff)


def suggest(word: str, words: list[str], n: int = 3, cutoff: float = 0.75) -> list[str]:
    """Close vocabulary words for an unknown `word` (Suggestions, built for this call; a
    vocabulary asked often keeps one)."""
    return Suggestions(words)(word, n, cutoff)


def _letter_counts(words: list[str]) -> np.ndarray:
    """int32 [len(words), 27]: per word, how many of its characters are a, b, ..., z, and
    anything else."""
    text = "".join(words).encode("utf-32-le", "surrogatepass")
    codes = np.frombuffer(text, dtype=np.uint32)
    bucket = np.where((codes >= 97) & (codes <= 122), codes - 97, 26)
    row = np.repeat(np.arange(len(words)), [len(w) for w in words])
    flat = np.bincount(row * _LETTERS + bucket, minlength=len(words) * _LETTERS)
    return flat.reshape(len(words), _LETTERS).astype(np.int32)


def _prune(counter: Counter, min_reduce: int) -> int:
    """Drop words with count < min_reduce in place (gensim's prune_vocab); returns how many."""
    rare = [w for w, c in counter.items() if c < min_reduce]
    for w in rare:
        del counter[w]
    return len(rare)


def count_words(
    source: str | os.PathLike | Iterable[list[str]],
    lower: bool = True,
    punct: bool = False,
    max_table: int = MAX_TABLE,
    phrases=None,
    min_count: int = 1,
    workers: int | None = None,
) -> tuple[Counter, dict]:
    """Count every token of a corpus: the words seen at least `min_count` times, in
    first-appearance order, and what the pass saw (info["distinct"]: the distinct words
    held at the end, rare ones included). Memory stays bounded: when more than `max_table`
    distinct words are held, words rarer than a rising threshold are dropped (as gensim's
    `max_vocab_size`), so counts of very rare words become lower bounds. With `phrases` (a
    w2v.collocations.PhraseModel), the tokens are those of the text with its phrases joined.
    A large plain-text file is counted by up to `workers` threads (default: every core),
    each a range of it (w2v.scan.count_ranges), into the same counts."""
    if isinstance(source, str | os.PathLike):
        from w2v.config import available_workers
        from w2v.scan import count_file, count_ranges  # Numba: only when counting

        if phrases is None:
            threads = workers or available_workers()
            table, info = count_ranges(source, lower, punct, max_table, threads)
        else:
            table, info = count_file(source, lower, punct, max_table, phrases=phrases)
        words, counts = table.items(min_count)  # decoding only the words kept
        info["distinct"] = len(table)
        return Counter(dict(zip(words, counts.tolist(), strict=True))), info
    if phrases is not None:
        source = phrases.transform(source)
    stats = ReadStats()
    counter, min_reduce, pruned = Counter(), 1, 0
    for tokens in iter_sentences(source, stats=stats):
        counter.update(tokens)
        if len(counter) > max_table:
            min_reduce += 1
            pruned += _prune(counter, min_reduce)
    info = stats.counting_info(pruned)
    info["distinct"] = len(counter)
    if min_count > 1:
        _prune(counter, min_count)
    return counter, info


def build_vocab(
    source: str | os.PathLike | Iterable[list[str]],
    min_count: int = 5,
    max_size: int | None = None,
    lower: bool = True,
    punct: bool = False,
    max_table: int = MAX_TABLE,
    phrases=None,
    workers: int | None = None,
) -> Vocab:
    """Count a corpus (a path or an iterable of token lists) and keep its frequent words;
    with `phrases` (a w2v.collocations.PhraseModel), those of the text with them joined.

    Raises CorpusError when the corpus has no tokens, or none survive `min_count`.
    """
    if min_count < 1:
        raise ValueError("min_count must be at least 1")
    counter, info = count_words(source, lower, punct, max_table, phrases, min_count, workers)
    name = str(source) if isinstance(source, str | os.PathLike) else "corpus"
    return checked(Vocab.from_counter(counter, min_count, max_size, stats=info), name, min_count)


def checked(vocab: Vocab, name: str, min_count: int) -> Vocab:
    """`vocab`, counted from the corpus `name` with `min_count`; CorpusError when the corpus
    had no tokens (vocab.stats["tokens"]) or none of its words reached min_count."""
    if vocab.stats["tokens"] == 0:
        raise CorpusError(f"corpus {name!r} is empty (no tokens)")
    if len(vocab) == 0:
        raise CorpusError(
            f"no word of corpus {name!r} occurs at least {min_count} times; lower --min-count"
        )
    return vocab


def default_corpus() -> Path:
    """The embedded default corpus: WordNet 3.0 glosses (see w2v/data/WORDNET-LICENSE.txt)."""
    return Path(__file__).parent / "data" / "wordnet_glosses.txt.xz"
