"""Checkpoints: the state of a training run, written atomically, read back to resume it.

A checkpoint of the run writing OUT is the hidden sibling directory `.OUT.checkpoint`:

    state.json     format version; the Position (epoch, chunks done, words done, the epoch's
                   loss sums, each finished epoch's loss); the resolved config; fingerprints
                   of the config and of the corpus
    U.npy, V.npy   float32 [len(vocab), dim] (U [len(vocab) + buckets in use, dim] with subwords),
                   written straight from the training arrays

It is written through w2v.io.atomic (a temporary sibling, fsynced, exchanged in one step), so
a SIGKILL at any moment leaves the previous checkpoint or the new one, whole. Its name is
not a temporary's (`.OUT.tmp-...`): no later write mistakes it for a dead writer's leftovers.
`Model.save` removes it once the model it leads to is on disk.

The random streams need no state of their own: chunk k of epoch e draws from stream
(e << 32) | k (w2v.training), so with workers=1 a run resumed from a checkpoint gives the
model of the run that was never stopped, byte for byte. The fingerprint of the config leaves
out `workers`: threads change how Hogwild's updates interleave, not what is learned, so a
run may resume on another machine with another count (bit-exact only at 1 thread both times).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from w2v.config import TrainConfig
from w2v.errors import CheckpointError
from w2v.io.atomic import Owned, atomic_dir, refuse_existing, write_json
from w2v.io.model_dir import check_npy

if TYPE_CHECKING:  # imported when needed: the server and `pipeline status` need no Numba
    from w2v.corpus import EncodedCorpus
    from w2v.run import Position
    from w2v.vocab import Vocab

FORMAT_VERSION = 1
STATE = "state.json"
CHECKPOINT_DIR = Owned("checkpoint", STATE, frozenset({STATE, "U.npy", "V.npy"}))
NOT_FINGERPRINTED = ("workers",)  # config fields free to change between a run and its resume
DEFAULT_EVERY = "10m"  # the service's and the pipeline's interval


def checkpoint_path(output: str | Path) -> Path:
    """Where the run writing the model directory `output` keeps its checkpoint."""
    output = Path(output)
    return output.parent / f".{output.name}.checkpoint"


@dataclass(frozen=True)
class Every:
    """How often to checkpoint: after `seconds` of training, or after `words` corpus words."""

    seconds: float | None = None
    words: int | None = None

    def __str__(self) -> str:
        return f"{self.seconds:g} s" if self.seconds is not None else f"{self.words:,} words"


_EVERY = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([smhkKMGB]?)\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600}
_WORDS = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "B": 10**9}


def parse_every(text: str) -> Every:
    """'30s', '10m', '2h' (time), '50M', '500k', '2G', '1000' (words; M is millions, m
    minutes). ConfigError-like CheckpointError for anything else."""
    m = _EVERY.match(str(text))
    if not m or float(m.group(1)) <= 0:
        raise CheckpointError(
            f"checkpoint interval {text!r} is neither a time (30s, 10m, 2h) nor a number of "
            "words (50M, 500k, 1000)"
        )
    value, unit = float(m.group(1)), m.group(2)
    if unit in _SECONDS:
        return Every(seconds=value * _SECONDS[unit])
    return Every(words=max(1, round(value * _WORDS[unit])))


def config_fingerprint(config: TrainConfig) -> str:
    """A hash of every resolved config field that changes the trained model (all but
    NOT_FINGERPRINTED) and of the chunking constants that fix the schedule."""
    from w2v import chunks, training

    fields = {k: v for k, v in config.resolved().to_dict().items() if k not in NOT_FINGERPRINTED}
    chunking = [training._CHUNK_WORK, chunks.SPANS_PER_WORKER, chunks.MIN_SPANS, chunks.REGIONS]
    return _digest(json.dumps([fields, chunking], sort_keys=True).encode())


def corpus_fingerprint(vocab: Vocab, corpus: EncodedCorpus) -> str:
    """A hash of the vocabulary (words and counts, in row order) and of the encoded corpus's
    sentence lengths: two corpora that agree on both are, for every practical purpose, the
    same text. Cheap: O(vocabulary + sentences), the token ids are not read."""
    h = hashlib.blake2b(digest_size=16)
    h.update(len(vocab).to_bytes(8, "little"))
    h.update("\n".join(vocab.words).encode("utf-8", "surrogatepass"))
    h.update(np.ascontiguousarray(vocab.counts, np.int64).tobytes())
    offsets = np.asarray(corpus.offsets, dtype=np.int64)
    for i in range(0, len(offsets), 1 << 20):  # a block at a time: the offsets may be mapped
        h.update(np.ascontiguousarray(offsets[i : i + (1 << 20)]).tobytes())
    return h.hexdigest()


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True)
class Fingerprints:
    config: str
    corpus: str

    @classmethod
    def of(cls, config: TrainConfig, vocab: Vocab, corpus: EncodedCorpus) -> Fingerprints:
        return cls(config_fingerprint(config), corpus_fingerprint(vocab, corpus))


def write_checkpoint(
    path: Path, at: Position, U: np.ndarray, V: np.ndarray, config: TrainConfig, fp: Fingerprints
) -> None:
    """Write the checkpoint directory `path` atomically, replacing the previous one. U and V
    (float32 [n, dim], C-contiguous) go to disk from the arrays themselves, no copy."""
    state = {
        "format_version": FORMAT_VERSION,
        "position": asdict(at) | {"loss_history": list(at.loss_history)},
        "config": config.resolved().to_dict(),
        "fingerprints": asdict(fp),
        "shape": list(U.shape),
        "written": time.time(),
    }
    with atomic_dir(path, CHECKPOINT_DIR, force=True) as tmp:
        for name, W in (("U.npy", U), ("V.npy", V)):
            with open(tmp / name, "wb") as f:
                np.lib.format.write_array(f, W, allow_pickle=False)  # tofile: no copy
        write_json(tmp / STATE, state)


def read_checkpoint(
    path: Path, fp: Fingerprints, config: TrainConfig, words: list[str]
) -> tuple[Position, np.ndarray, np.ndarray]:
    """(Position, U, V) of the checkpoint `path`; CheckpointError, in one line, when it is
    damaged or was written for another config or corpus."""
    from w2v.run import Position

    try:
        state = json.loads((path / STATE).read_text(encoding="utf-8"))
        if state["format_version"] != FORMAT_VERSION:
            raise ValueError(f"format version {state['format_version']!r}")
        at = state["position"]
        at = Position(
            int(at["epoch"]), int(at["chunk"]), int(at["words_done"]),
            float(at["nll"]), float(at["terms"]),
            tuple(None if x is None else float(x) for x in at["loss_history"]),
        )  # fmt: skip
        saved = state["fingerprints"]
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        raise CheckpointError(f"checkpoint {str(path)!r} is damaged ({e}); remove it") from e
    if saved.get("config") != fp.config:
        raise CheckpointError(
            f"checkpoint {str(path)!r} was written with other settings "
            f"({_config_changes(state.get('config'), config)}); resume with the same options "
            "or remove the checkpoint"
        )
    if saved.get("corpus") != fp.corpus:
        raise CheckpointError(
            f"checkpoint {str(path)!r} was written for another corpus (its vocabulary or "
            "sentences differ); resume on the same text or remove the checkpoint"
        )
    from w2v.subword_training import SubwordInputs  # here: Numba only when resuming

    n_words, subwords = len(words), SubwordInputs.of(words, config)
    rows = {"U.npy": subwords.n_rows if subwords else n_words, "V.npy": n_words}
    arrays = []
    for name in ("U.npy", "V.npy"):
        shape = (rows[name], config.dim)
        try:  # the header is checked against the file's size before anything is allocated
            W = check_npy(path / name, np.float32, ndim=2, mmap_mode=None)
        except Exception as e:
            raise CheckpointError(f"checkpoint {str(path)!r} is damaged: {e}") from e
        if W.shape != shape or not W.flags.c_contiguous or not W.flags.writeable:
            raise CheckpointError(
                f"checkpoint {str(path)!r} is damaged: {name} has shape {W.shape}, not {shape}"
            )
        arrays.append(W)
    return at, arrays[0], arrays[1]


def _config_changes(saved, config: TrainConfig) -> str:
    """'dim 100 there, 50 now; seed 1 there, 2 now': the fingerprinted fields that differ,
    as far as the stored config tells."""
    now = config.resolved().to_dict()
    if not isinstance(saved, dict):
        return "they cannot be read"
    changes = [
        f"{k} {saved.get(k)!r} there, {v!r} now"
        for k, v in now.items()
        if k not in NOT_FINGERPRINTED and saved.get(k) != v
    ]
    return "; ".join(changes) or "another version of w2v's schedule"


def has_checkpoint(path: Path) -> bool:
    return (Path(path) / STATE).is_file()


def remove_checkpoint(path: Path) -> None:
    """Delete the checkpoint directory `path` if it is one (nothing else is removed)."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink() and CHECKPOINT_DIR.foreign(path) is None:
        shutil.rmtree(path, ignore_errors=True)


class Checkpointer:
    """The training loop's `boundary` hook that writes a checkpoint to `path` whenever
    `every` has passed since the last one (or since the run started)."""

    def __init__(
        self, path: Path, every: Every, config: TrainConfig, fp: Fingerprints, words_done: int = 0
    ):
        self.path, self.every, self.config, self.fp = Path(path), every, config, fp
        self.last_time = time.monotonic()
        self.last_words = words_done  # where the run starts (resumes)
        self.written = 0  # checkpoints written
        self.seconds = 0.0  # spent writing them

    def __call__(self, at: Position, U: np.ndarray, V: np.ndarray) -> None:
        if at.epoch == self.config.epochs:
            return  # the run is over: the model is saved next
        now = time.monotonic()
        if self.every.seconds is not None:
            due = now - self.last_time >= self.every.seconds
        else:
            due = at.words_done - self.last_words >= self.every.words
        if due:
            write_checkpoint(self.path, at, U, V, self.config, self.fp)
            self.last_words = at.words_done
            self.last_time = time.monotonic()
            self.written += 1
            self.seconds += self.last_time - now


def train_resumable(
    corpus: EncodedCorpus,
    vocab: Vocab,
    config: TrainConfig,
    checkpoint: Path | None,
    every: Every | None = None,
    resume: bool = False,
    restart_on_mismatch: bool = False,
    progress=None,
    boundary=None,
    U: np.ndarray | None = None,
    V: np.ndarray | None = None,
):
    """w2v.training.train_encoded with checkpoints at `checkpoint` every `every` (None: none
    written), continuing from the one there when `resume` (none there: from the start).
    A checkpoint there without `resume` is refused (CheckpointError), so that forgetting
    --resume never overwrites hours of training; so is a checkpoint of another config or
    corpus, unless `restart_on_mismatch` (the pipeline: its config changed, the step reruns).
    `boundary` is called after the checkpointer, as train_encoded's. The Model's save
    removes the checkpoint."""
    from w2v.training import train_encoded

    if checkpoint is None:
        return train_encoded(corpus, vocab, config, progress, U, V, boundary=boundary)
    checkpoint = Path(checkpoint)
    if every is not None:  # a directory there that is not a checkpoint: refused now, not later
        refuse_existing(checkpoint, force=True, owned=CHECKPOINT_DIR)
    fp = Fingerprints.of(config, vocab, corpus)
    start = None
    if has_checkpoint(checkpoint):
        if not resume:
            raise CheckpointError(
                f"{str(checkpoint)!r} holds the checkpoint of an interrupted run: add --resume "
                "to continue it (w2v.train: resume=True), or remove it to start over"
            )
        try:
            start, U, V = read_checkpoint(checkpoint, fp, config, vocab.words)
        except CheckpointError:
            if not restart_on_mismatch:
                raise
            remove_checkpoint(checkpoint)
    writer = None
    if every is not None:
        writer = Checkpointer(checkpoint, every, config, fp, start.words_done if start else 0)

    def at_boundary(at, U, V):
        if writer is not None:
            writer(at, U, V)
        return None if boundary is None else boundary(at, U, V)

    model = train_encoded(
        corpus, vocab, config, progress, U, V, resume_from=start, boundary=at_boundary
    )
    model.checkpoint = checkpoint
    meta = model.vectors.meta
    if start is not None:  # the words this process trained, not the whole run's
        words_left = config.epochs * int(corpus.offsets[-1] - corpus.offsets[0]) - start.words_done
        meta["words_per_sec"] = round(words_left / max(meta["train_seconds"], 1e-9))
    meta["checkpoints"] = {
        "resumed_at": None
        if start is None
        else {"epoch": start.epoch, "chunk": start.chunk, "words_done": start.words_done},
        "written": 0 if writer is None else writer.written,
        "write_seconds": 0.0 if writer is None else round(writer.seconds, 3),
    }
    return model
