"""DaskExecutor: the pipeline's heavy steps as Dask tasks (pipelines.runner's `executor`).

    phrases    in the client (pipelines.steps.phrases): a pass over the corpus per
               --passes; tokenize and encode tasks then load phrases.parquet and join
    tokenize   one task per shard (a corpus file, or a byte range of a large plain file,
               see shards.py) counts its tokens and writes counts/shard-NNNNN.parquet
    vocab      the shards' counts (Arrow tables) merged by a tree reduction (dask.bag:
               leaves of consecutive shards, then two at a time) in shard order, so every
               word keeps its first appearance; the root writes vocab.parquet: the same
               file as the single-machine step
    encode     the vocabulary loaded once and replicated to every worker; one task per
               shard encodes it; the client concatenates the parts in order into corpus/
    cooccur    co-occurrence counts of sentence ranges of the corpus, summed by a tree
               reduction
    train      sgns/cbow: data-parallel rounds (dataparallel.py); svd: in the client

Evaluate and export run in the client. Tasks read the corpus and write their artifacts in
the run directory, which must be on storage every worker shares; each task writes its own
file atomically, so a task Dask retries after losing a worker rewrites the same bytes, and
files left by a killed attempt are removed before the step's directory is moved into place.
Each step's stats record the peak memory and the CPU seconds of every worker during the step.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipelines import counts as counts_mod
from pipelines.dask import shards as shards_mod
from pipelines.dask.dataparallel import replicate
from pipelines.manifest import peak_rss_mb, peak_rss_reset
from pipelines.steps import cooccur as cooccur_step
from pipelines.steps import phrases as phrases_step
from pipelines.steps import tokenize as tokenize_step
from pipelines.steps import vocab as vocab_step
from w2v.corpus import ENCODED_DIR, EncodedCorpus, concatenate
from w2v.errors import UserError
from w2v.io.arrow import read_vocab_parquet, read_vocab_table
from w2v.io.atomic import MARK, STEP_DIR, atomic_dir, own_temp_prefix, remove_stale_temps
from w2v.vocab import Vocab


def count_task(
    shard: shards_mod.Shard, out: Path, config: dict, phrases: str | None = None
) -> dict:
    """Count one shard's tokens (with the phrases saved at `phrases` joined, if given) into
    the Parquet file `out`; returns what the pass saw."""
    joiner = phrases_step.model_of({"phrases": Path(phrases)} if phrases else {})
    table, info = shards_mod.count(shard, config["lower"], config["punct"], joiner)
    tokenize_step.write_shard(out, shard.path, table, info, config)
    return info


def read_and_merge(paths) -> pa.Table:
    """The merged counts of some count shards (a partition of the tree's leaves)."""
    return counts_mod.merge([read_vocab_table(p) for p in paths])


def load_vocab(path: str) -> Vocab:
    return Vocab.load(path)


def encode_task(
    shard: shards_mod.Shard, vocab: Vocab, out: Path, config: dict, phrases: str | None = None
) -> dict:
    joiner = phrases_step.model_of({"phrases": Path(phrases)} if phrases else {})
    return shards_mod.encode(shard, vocab, out, config, joiner).stats


def cooccur_task(sentences: tuple[int, int], corpus_dir: str, n_words: int, config: dict):
    """Co-occurrence counts of sentences s0..s1−1, times w2v.cooccur's scale: whole numbers
    (float64 CSR [n_words, n_words]) whose sums are exact in any order."""
    from w2v.cooccur import count_pairs, pair_weights

    s0, s1 = sentences
    full = EncodedCorpus.load(corpus_dir)
    # The whole ids, not a slice: a dynamic window's radius is drawn from the token's
    # position in the corpus, so the shard must keep its positions.
    part = EncodedCorpus(full.ids, np.asarray(full.offsets[s0 : s1 + 1]), {})
    X = count_pairs(
        part,
        n_words,
        window=config["window"],
        weighting=config["weighting"],
        dynamic=config["dynamic"],
        seed=config["seed"],
    )
    scale = pair_weights(config["window"], config["weighting"])[1]
    if scale != 1.0:  # 1.0: weights too fine to be whole numbers; sums then round
        X.data = np.rint(X.data * scale)
    return X


def add(parts):
    """One node of the co-occurrence tree reduction: the sum of its children."""
    parts = list(parts)
    total = parts[0]
    for X in parts[1:]:
        total = total + X
    return total


def missing(paths: list[str]) -> list[str]:
    """The paths this process cannot see."""
    return [p for p in paths if not Path(p).exists()]


def usage() -> tuple[float, float]:
    """(peak resident memory in MB since the last call, CPU seconds so far) of this process."""
    peak = peak_rss_mb()
    peak_rss_reset()
    return peak, time.process_time()


def _phrases_path(inputs: dict[str, Path]) -> str | None:
    """The phrases file a step joins (each task loads it: it is small), or None."""
    return str(inputs["phrases"].resolve()) if "phrases" in inputs else None


def _keep_only(directory: Path, names: set[str]) -> None:
    """Remove what a killed task attempt may have left (temporary files) in `directory`."""
    for p in directory.iterdir():
        if p.name not in names:
            shutil.rmtree(p) if p.is_dir() else p.unlink()


def gather_all(client, futures: list) -> list:
    """The futures' results, once every one of them has finished: gather alone raises at
    the first failure while the others still write into a directory about to be removed."""
    from distributed import wait

    wait(futures)
    return client.gather(futures)


class DaskExecutor:
    """Runs tokenize, vocab, encode, cooccur and train with a distributed.Client.

    `settings` is the config's [dask] section (rounds_per_epoch, shards, scale_alpha,
    split_mb)."""

    def __init__(self, client, settings: dict, echo: Callable[[str], None] = print):
        self.client = client
        self.settings = settings
        self.echo = echo
        self._cpu = {w: u[1] for w, u in client.run(usage, on_error="ignore").items()}

    @contextlib.contextmanager
    def _workers_peak(self, stats: dict):
        """Record in `stats` the peak resident memory (MB) and the CPU seconds of each worker
        over the block (since the last block: between blocks the workers are idle)."""
        yield
        # on_error: a worker lost during the step answers no more (and Dask replaced it)
        now = self.client.run(usage, on_error="ignore")
        stats["worker_peak_mb"] = [round(now[w][0], 1) for w in sorted(now)]
        stats["worker_cpu_s"] = [round(now[w][1] - self._cpu.get(w, 0.0), 2) for w in sorted(now)]
        self._cpu = {w: u[1] for w, u in now.items()}

    def _check_shared(self, inputs: dict[str, Path], outputs: dict[str, Path]) -> None:
        """UserError unless every worker sees the step's inputs and its output directory."""
        paths = [str(p.resolve()) for p in inputs.values()]
        paths += sorted({str(p.resolve().parent) for p in outputs.values()})
        for worker, lost in sorted(self.client.run(missing, paths, on_error="ignore").items()):
            if lost:
                raise UserError(
                    f"Dask worker {worker} does not see {lost[0]!r}: the corpus and the run "
                    "directory must be on storage every worker shares, at the same path"
                )

    def _shards(self, inputs: dict[str, Path]) -> list[shards_mod.Shard]:
        files = [p.resolve() for k, p in inputs.items() if k.startswith("corpus:")]
        return shards_mod.plan(files, int(self.settings["split_mb"] * (1 << 20)))

    @property
    def identity(self) -> str:
        """What a model trained here depends on beyond the train step's settings (recorded
        in the manifest; the local runner is "local")."""
        d = self.settings
        return (f"dask shards={self._n_shards()} rounds_per_epoch={d['rounds_per_epoch']} "
                f"scale_alpha={str(d['scale_alpha']).lower()}")  # fmt: skip

    def _n_shards(self) -> int:
        return self.settings["shards"] or len(self.client.nthreads())

    def tokenize(self, inputs: dict[str, Path], outputs: dict[str, Path], config: dict) -> dict:
        self._check_shared(inputs, outputs)
        shards = self._shards(inputs)
        phrases = _phrases_path(inputs)
        stats: dict = {}
        with self._workers_peak(stats), atomic_dir(outputs["counts"], STEP_DIR, force=True) as tmp:
            names = [tokenize_step.shard_name(i) for i in range(len(shards))]
            futures = [
                self.client.submit(count_task, s, tmp / name, config, phrases, pure=False)
                for s, name in zip(shards, names, strict=True)
            ]
            infos = gather_all(self.client, futures)
            _keep_only(tmp, {*names, MARK})
        return {
            "files": len({s.path for s in shards}),
            "shards": len(shards),
            **tokenize_step.totals(infos),
            **stats,
        }

    def vocab(self, inputs: dict[str, Path], outputs: dict[str, Path], config: dict) -> dict:
        self._check_shared(inputs, outputs)
        import dask.bag as db

        paths = [str(p) for p in sorted(inputs["counts"].glob("shard-*.parquet"))]
        if not paths:
            return vocab_step.write(counts_mod.empty(), outputs, config)  # CorpusError
        stats: dict = {}
        with self._workers_peak(stats):
            # Leaves of consecutive shards, about one per worker thread, merged where they
            # are read; then pairs of leaves, in order, up to the root, which writes the file.
            leaves = min(len(paths), sum(self.client.nthreads().values()))
            tree = db.from_sequence(paths, npartitions=leaves).reduction(
                read_and_merge, counts_mod.merge, split_every=2
            )
            # the root selects the vocabulary and writes vocab.parquet on a worker, so the
            # merged counts never travel to the client
            write = partial(vocab_step.write, outputs=outputs, config=config)
            facts = self.client.compute(tree.apply(write)).result()
        remove_stale_temps(outputs["vocab"], every_writer=True)  # of attempts killed writing
        return {**facts, **stats}

    def encode(self, inputs: dict[str, Path], outputs: dict[str, Path], config: dict) -> dict:
        self._check_shared(inputs, outputs)
        shards = self._shards(inputs)
        # Loaded by a task and copied to every worker: unlike scattered data, a task's result
        # is recomputed by Dask if the workers holding it die.
        vocab = self.client.submit(load_vocab, str(inputs["vocab"]), pure=False)
        replicate(self.client, vocab)
        phrases = _phrases_path(inputs)
        stats: dict = {}
        outputs["corpus"].parent.mkdir(parents=True, exist_ok=True)
        with (
            self._workers_peak(stats),
            tempfile.TemporaryDirectory(  # removed by the next write of corpus/ if killed
                prefix=own_temp_prefix(outputs["corpus"]), dir=outputs["corpus"].parent
            ) as d,
        ):
            dirs = [Path(d) / f"part-{i:05d}" for i in range(len(shards))]
            futures = [
                self.client.submit(encode_task, s, vocab, out, config, phrases, pure=False)
                for s, out in zip(shards, dirs, strict=True)
            ]
            gather_all(self.client, futures)
            del futures, vocab
            with atomic_dir(outputs["corpus"], ENCODED_DIR, force=True) as tmp:
                corpus = concatenate([EncodedCorpus.load(p) for p in dirs], tmp)
            n_tokens, n_sentences = corpus.n_tokens, corpus.n_sentences
            del corpus  # release the memory maps before the directory goes
        return {"tokens": n_tokens, "sentences": n_sentences, "shards": len(shards), **stats}

    def cooccur(self, inputs: dict[str, Path], outputs: dict[str, Path], config: dict) -> dict:
        self._check_shared(inputs, outputs)
        import dask.bag as db

        from w2v.chunks import split_spans
        from w2v.cooccur import pair_weights

        n_words = len(read_vocab_parquet(inputs["vocab"])[0])
        corpus = EncodedCorpus.load(inputs["corpus"])
        edges = split_spans(np.asarray(corpus.offsets), 0, corpus.n_sentences, self._n_shards())
        ranges = [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]
        del corpus
        corpus_dir = str(inputs["corpus"])
        stats: dict = {}
        with self._workers_peak(stats):
            tree = (
                db.from_sequence(ranges, npartitions=len(ranges))
                .map(cooccur_task, corpus_dir, n_words, config)
                .reduction(add, add, split_every=2)
            )
            X = self.client.compute(tree).result()
        X.data /= pair_weights(config["window"], config["weighting"])[1]  # as count_pairs
        cooccur_step.write_matrix(outputs["cooccur"], X, config)
        return {"pairs": int(X.nnz), "words": n_words, "shards": len(ranges), **stats}

    def train(self, inputs: dict[str, Path], outputs: dict[str, Path], config: dict) -> dict:
        from pipelines.steps import train as train_step

        if config["trainer"] == "svd":  # one SVD of the summed counts: in the client
            return train_step.run(inputs, outputs, config)
        self._check_shared(inputs, outputs)
        from pipelines.dask import dataparallel

        stats: dict = {}
        with self._workers_peak(stats):
            model, facts = dataparallel.train(
                self.client,
                inputs["corpus"],
                inputs["vocab"],
                train_step.train_config(config),
                rounds_per_epoch=self.settings["rounds_per_epoch"],
                shards=self.settings["shards"],
                scale_alpha=self.settings["scale_alpha"],
                echo=self.echo,
            )
        model.save(outputs["model"], force=True)
        return {
            "words": len(model.vocab),
            "tokens": int(model.vectors.meta["corpus"]["words"]),
            "loss": [None if x is None else round(x, 5) for x in model.loss_history],
            **facts,
            **stats,
        }
