"""Training configurations: frozen dataclasses with word2vec.c's defaults, checked on creation.

    TrainConfig(arch="sgns", dim=100, window=5, negative=5, min_count=5, sample=1e-3,
                epochs=5, alpha=None, schedule="hold", workers=None, seed=1, ...)

`alpha=None` means word2vec.c's default for the architecture (0.025 skip-gram, 0.05 CBOW);
`schedule` is how the rate falls from alpha (w2v.schedule.rate_factor: "hold", or "word2vec"
for word2vec.c's own decay, which also keeps its starting weights, corpus order and CBOW's
negatives drawn for every centre);
`workers=None` means every core Numba may use. An unknown key or a value out of range raises
ConfigError naming it.

TrainConfig is the one source of every training setting: each field carries a `Setting` (help
text, range or choices, what None means) from which `w2v train`'s options, the pipeline's
[train] defaults and the service's job schema are derived (`settings()`). PhrasesConfig is
the same for phrases (`w2v phrases`, the pipeline's [phrases], a job's `phrases`).
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import typing
from dataclasses import dataclass

from w2v.errors import ConfigError

ARCHS = ("sgns", "cbow")
DEFAULT_ALPHA = {"sgns": 0.025, "cbow": 0.05}
MIN_ALPHA_RATIO = 1e-4  # word2vec.c's floor: the rate never falls below alpha · 1e-4
MAX_DIM = 65_536  # as w2v.io.word2vec reads: a model w2v trains, it can import back
MAX_EPOCHS = 100_000  # far past any real run; 10^8 epochs is a typo, not a plan
SCHEDULES = ("hold", "word2vec")  # learning-rate schedules (w2v.schedule.rate_factor)
MAX_BUCKETS = 2**31 - 1  # n-gram buckets (int32 indices, as fastText's)
MAX_NGRAM = 100  # characters in an n-gram; fastText's maxn is 6


def available_workers() -> int:
    """The threads Numba can run (NUMBA_NUM_THREADS, by default the usable cores)."""
    try:
        import numba

        return int(numba.config.NUMBA_NUM_THREADS)
    except ImportError:  # pragma: no cover - numba is a hard dependency
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


@dataclass(frozen=True)
class Setting:
    """What the command line, the pipeline and the service need to know of a config field:
    its help text, its range [low, high] (an end is open with low_open / high_open) or its
    choices, and, for a field that may be None, what None means."""

    help: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] | None = None
    none: str | None = None

    def allows(self, value) -> bool:
        if value is None:
            return self.none is not None
        if self.choices is not None:
            return value in self.choices
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        high = self.high
        return high is None or (value < high if self.high_open else value <= high)

    def describe(self, kind: type) -> str:
        """The allowed values in words: 'an int in [1, 65536]', 'a number in (0, 1]', ..."""
        if self.choices is not None:
            text = " or ".join(self.choices)
        elif kind is bool:
            text = "True or False"
        elif kind is str:
            text = "a string"
        else:
            noun, show = ("an int", int) if kind is int else ("a number", "{:g}".format)
            if self.high is None:
                text = f"{noun} {'>' if self.low_open else '≥'} {show(self.low)}"
            else:
                left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
                text = f"{noun} in {left}{show(self.low)}, {show(self.high)}{right}"
        return text + (" or None" if self.none is not None else "")


def setting(default, help: str, **bounds):
    """A dataclass field whose metadata is Setting(help, **bounds)."""
    return dataclasses.field(default=default, metadata={"setting": Setting(help, **bounds)})


def _of_kind(value, kind: type) -> bool:
    if kind in (bool, str):
        return isinstance(value, kind)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def settings(cls) -> dict[str, tuple[type, object, Setting]]:
    """name → (kind: bool, int, float or str; default; Setting) for each field of the config
    dataclass `cls`, in declaration order."""
    hints = typing.get_type_hints(cls)
    out = {}
    for f in dataclasses.fields(cls):
        kinds = [
            k for k in typing.get_args(hints[f.name]) or (hints[f.name],) if k is not type(None)
        ]
        out[f.name] = (kinds[0], f.default, f.metadata["setting"])
    return out


def check_settings(config) -> None:
    """ConfigError naming the first field of the dataclass `config` whose value its
    Setting does not allow."""
    for name, (kind, _, s) in settings(type(config)).items():
        value = getattr(config, name)
        if not ((value is None or _of_kind(value, kind)) and s.allows(value)):
            raise ConfigError(f"{name} must be {s.describe(kind)}, got {value!r}")


def ngram_lengths(text: str) -> tuple[int, int]:
    """(minn, maxn) of a subwords setting "MINN-MAXN" ("3-6" → (3, 6)); ConfigError else."""
    m = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", text)
    if not m or not 1 <= int(m[1]) <= int(m[2]) <= MAX_NGRAM:
        raise ConfigError(
            f"subwords must be MINN-MAXN with 1 ≤ MINN ≤ MAXN ≤ {MAX_NGRAM} "
            f"(fastText's default: 3-6), got {text!r}"
        )
    return int(m[1]), int(m[2])


@dataclass(frozen=True)
class TrainConfig:
    """What `w2v.train` does. Every field is stored in the model's meta.json."""

    arch: str = setting("sgns", "the model: sgns (skip-gram) or cbow", choices=ARCHS)
    dim: int = setting(100, "embedding dimension", low=1, high=MAX_DIM)
    window: int = setting(
        5, "maximum context radius; each centre draws b uniform in 1..window", low=1, high=1000
    )
    negative: int = setting(5, "K, negative samples per centre word", low=1, high=1000)
    min_count: int = setting(5, "drop words seen fewer times", low=1)
    sample: float = setting(1e-3, "subsampling threshold, 0 = off", low=0, high=1, high_open=True)
    epochs: int = setting(5, "passes over the corpus", low=1, high=MAX_EPOCHS)
    alpha: float | None = setting(
        None, "starting learning rate", low=0, low_open=True, high=1, none="0.025 sgns, 0.05 cbow"
    )
    schedule: str = setting(
        "hold",
        "how the rate falls: hold = alpha through the first epoch, then linearly to alpha·1e-4; "
        "word2vec = linearly from the first word, with word2vec.c's starting weights, "
        "the corpus front to back and CBOW's negatives drawn for every centre (word2vec.c, "
        "gensim with workers=1; w2v's models before issue 15, bit for bit)",
        choices=SCHEDULES,
    )
    workers: int | None = setting(None, "threads", low=1, none="all cores")
    seed: int = setting(1, "random seed", low=0, high=2**64 - 1)
    lower: bool = setting(True, "lowercase tokens")
    punct: bool = setting(False, "keep punctuation as tokens")
    max_vocab_size: int | None = setting(
        None, "keep at most this many words (the most frequent)", low=1, none="no limit"
    )
    subwords: str | None = setting(
        None,
        "character n-gram lengths MINN-MAXN, e.g. 3-6 (fastText's -minn/-maxn): a word is the "
        "mean of its vector and its n-grams' vectors, and unseen words get vectors",
        none="off",
    )
    buckets: int = setting(
        2_000_000, "hash buckets of the n-grams with --subwords (fastText's -bucket)",
        low=1, high=MAX_BUCKETS,
    )  # fmt: skip

    def __post_init__(self):
        check_settings(self)
        if self.subwords is not None:
            ngram_lengths(self.subwords)  # ConfigError if malformed

    @property
    def ngram_lengths(self) -> tuple[int, int] | None:
        """(minn, maxn) of `subwords` ("3-6" → (3, 6)), None when subwords are off."""
        return None if self.subwords is None else ngram_lengths(self.subwords)

    @classmethod
    def from_kwargs(cls, **config) -> TrainConfig:
        """TrainConfig(**config), but an unknown key is a ConfigError naming the known ones."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ConfigError(
                f"unknown training option{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        return cls(**config)

    @property
    def start_alpha(self) -> float:
        return float(self.alpha) if self.alpha is not None else DEFAULT_ALPHA[self.arch]

    @property
    def n_workers(self) -> int:
        """Threads actually used: `workers`, at most what Numba can run."""
        return min(self.workers or available_workers(), available_workers())

    def resolved(self) -> TrainConfig:
        """The same configuration with alpha and workers made explicit (for meta.json)."""
        return dataclasses.replace(self, alpha=self.start_alpha, workers=self.n_workers)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


SCORINGS = ("default", "npmi")  # gensim's original_scorer (word2phrase.c's) and npmi_scorer
MAX_PHRASE_KEYS = 1 << 30  # words and bigrams a phrase count may hold (int32 slots)


@dataclass(frozen=True)
class PhrasesConfig:
    """How phrases are found; the defaults are gensim's Phrases' (connector words off)."""

    min_count: int = setting(5, "ignore words and bigrams seen fewer times", low=1)
    threshold: float = setting(
        10.0, "join a bigram scoring above this (default scoring: > 0; npmi: in [-1, 1])", low=-1
    )
    scoring: str = setting(
        "default", "how bigrams score: default (word2phrase.c's) or npmi", choices=SCORINGS
    )
    passes: int = setting(1, "passes: 2 also joins phrases of phrases (trigrams)", low=1, high=2)
    delimiter: str = setting("_", "what joins the words of a phrase")
    max_vocab_size: int = setting(
        40_000_000,
        "prune rare words and bigrams when more are held (gensim's max_vocab_size)",
        low=1,
        high=MAX_PHRASE_KEYS,
    )

    def __post_init__(self):
        check_settings(self)
        if self.scoring == "default" and not self.threshold > 0:
            raise ConfigError(f"threshold must be > 0 with scoring default, got {self.threshold}")
        if self.scoring == "npmi" and not -1 <= self.threshold <= 1:
            raise ConfigError(
                f"threshold must be in [-1, 1] with scoring npmi, got {self.threshold}"
            )
        if not self.delimiter or any(c.isspace() for c in self.delimiter):
            raise ConfigError(
                f"delimiter must be a non-empty string without spaces, got {self.delimiter!r}"
            )

    @classmethod
    def from_kwargs(cls, **settings) -> PhrasesConfig:
        """PhrasesConfig(**settings), but an unknown key is a ConfigError naming the known."""
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(settings) - set(known))
        if unknown:
            raise ConfigError(
                f"unknown phrase option {', '.join(unknown)}; known: {', '.join(known)}"
            )
        return cls(**settings)
