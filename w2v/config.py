"""Training configurations: frozen dataclasses with word2vec.c's defaults, checked on creation.

    TrainConfig(arch="sgns", dim=100, window=5, negative=5, min_count=5, sample=1e-3,
                epochs=5, alpha=None, schedule="hold", workers=None, seed=1, ...)

`alpha=None` means word2vec.c's default for the architecture (0.025 skip-gram, 0.05 CBOW);
`schedule` is how the rate falls from alpha (w2v.train.rate_factor: "hold", or "word2vec"
for word2vec.c's own decay); `workers=None` means every core Numba may use. An unknown key or
a value out of range raises ConfigError naming it.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass

from w2v.errors import ConfigError

ARCHS = ("sgns", "cbow")
DEFAULT_ALPHA = {"sgns": 0.025, "cbow": 0.05}
MIN_ALPHA_RATIO = 1e-4  # word2vec.c's floor: the rate never falls below alpha · 1e-4
SCHEDULES = ("hold", "word2vec")  # learning-rate schedules (w2v.train.rate_factor)


def available_workers() -> int:
    """The threads Numba can run (NUMBA_NUM_THREADS, by default the usable cores)."""
    try:
        import numba

        return int(numba.config.NUMBA_NUM_THREADS)
    except ImportError:  # pragma: no cover - numba is a hard dependency
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


@dataclass(frozen=True)
class TrainConfig:
    """What `w2v.train` does. Every field is stored in the model's meta.json."""

    arch: str = "sgns"  # "sgns" (skip-gram) or "cbow"
    dim: int = 100  # embedding dimension
    window: int = 5  # maximum context radius; each centre draws b uniform in 1..window
    negative: int = 5  # K, negatives per centre word
    min_count: int = 5  # drop words seen fewer times
    sample: float = 1e-3  # subsampling threshold (0 disables)
    epochs: int = 5
    alpha: float | None = None  # starting learning rate; None: 0.025 sgns, 0.05 cbow
    schedule: str = "hold"  # how the rate falls from alpha: "hold" or "word2vec"
    workers: int | None = None  # threads; None: all available
    seed: int = 1
    lower: bool = True  # lowercase tokens
    punct: bool = False  # keep punctuation tokens
    max_vocab_size: int | None = None  # keep at most this many words (most frequent)

    def __post_init__(self):
        def need(ok: bool, name: str, what: str):
            if not ok:
                raise ConfigError(f"{name} must be {what}, got {getattr(self, name)!r}")

        def is_int(v) -> bool:
            return isinstance(v, int) and not isinstance(v, bool)

        def is_real(v) -> bool:
            return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)

        need(self.arch in ARCHS, "arch", " or ".join(ARCHS))
        for name, low in (("dim", 1), ("window", 1), ("negative", 1), ("min_count", 1)):
            need(
                is_int(getattr(self, name)) and getattr(self, name) >= low, name, f"an int ≥ {low}"
            )
        need(is_int(self.epochs) and self.epochs >= 1, "epochs", "an int ≥ 1")
        need(is_real(self.sample) and 0 <= self.sample < 1, "sample", "a number in [0, 1)")
        need(
            self.alpha is None or (is_real(self.alpha) and 0 < self.alpha <= 1),
            "alpha",
            "a number in (0, 1] or None",
        )
        need(self.schedule in SCHEDULES, "schedule", " or ".join(SCHEDULES))
        need(self.workers is None or (is_int(self.workers) and self.workers >= 1), "workers",
             "an int ≥ 1 or None")  # fmt: skip
        need(is_int(self.seed) and 0 <= self.seed < 2**64, "seed", "an int in [0, 2^64)")
        need(isinstance(self.lower, bool), "lower", "True or False")
        need(isinstance(self.punct, bool), "punct", "True or False")
        need(
            self.max_vocab_size is None
            or (is_int(self.max_vocab_size) and self.max_vocab_size >= 1),
            "max_vocab_size",
            "an int ≥ 1 or None",
        )

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
