"""How much of a server the training jobs may take, so that clients cannot hold its cores,
memory or queue without end. Each bound has a default and a `w2v serve` option:

    --max-dim 1000            dim of a job's vectors (sgns, cbow, svd)
    --max-epochs 100          epochs of a job (sgns, cbow)
    (the cores)               workers of a job: at most the cores this server may use
    --max-queued 100          jobs waiting to run; one more is refused with 429
    --max-job-seconds 86400   a job running longer is killed and fails, saying why
    --job-memory MB           none by default: the address space of a job's worker
                              (RLIMIT_AS); a job that needs more fails, saying why

A job over a cap is refused when it is submitted (422, one line naming the option).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from w2v.errors import UserError

MAX_DIM = 1000
MAX_EPOCHS = 100
MAX_QUEUED = 100
MAX_JOB_SECONDS = 24 * 3600.0
# what --max-dim and --max-epochs may raise their caps to (and the request schema's bound)
DIM_CEILING = 10_000
EPOCHS_CEILING = 10_000
WORKERS_CEILING = 256  # and what --job-workers may be


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, not the machine's count)."""
    return len(os.sched_getaffinity(0))


class OverLimit(UserError):
    """A job asking for more than this server allows (422)."""


class QueueFull(UserError):
    """As many jobs as this server keeps are already waiting (429: try again later)."""


@dataclass(frozen=True)
class JobLimits:
    """The bounds of one server (their options: the module's docstring)."""

    max_dim: int = MAX_DIM
    max_epochs: int = MAX_EPOCHS
    max_workers: int = field(default_factory=usable_cores)
    max_queued: int = MAX_QUEUED
    max_seconds: float = MAX_JOB_SECONDS
    memory_mb: int | None = None

    def check(self, config: dict) -> None:
        """OverLimit if the options a client gave (`config`, before defaults) ask for more
        than these limits."""
        for key, cap, why in (
            ("dim", self.max_dim, "this server's --max-dim"),
            ("epochs", self.max_epochs, "this server's --max-epochs"),
            ("workers", self.max_workers, "the cores this server has"),
        ):
            value = config.get(key)
            if value is not None and value > cap:
                raise OverLimit(f"config.{key} {value} is more than {cap}, {why}")


def timed_out(seconds: float) -> str:
    """Why a job stopped at the time limit failed."""
    return (
        f"the job ran longer than this server allows ({seconds:g} s, w2v serve "
        "--max-job-seconds) and was stopped"
    )


def out_of_memory(memory_mb: int) -> str:
    """Why a job that hit the memory limit failed."""
    return (
        f"the job needs more memory than this server gives a job ({memory_mb} MB, "
        "w2v serve --job-memory)"
    )


def memory_hint(memory_mb: int) -> str:
    """Said after an error that running out of memory may have caused (a C library's
    abort, an import that failed)."""
    return f" (a job may use {memory_mb} MB here: w2v serve --job-memory)"


def limit_memory(memory_mb: int) -> None:
    """Limit this process's address space to `memory_mb` MB (RLIMIT_AS): an allocation past
    it fails (MemoryError in numpy) instead of pushing the machine into swap."""
    import resource

    limit = memory_mb << 20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
