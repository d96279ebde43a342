"""`w2v pipeline init`: a commented TOML config for the given corpus files."""

from __future__ import annotations

import os
from pathlib import Path

TEMPLATE = """\
# w2v pipeline: {n} corpus file(s). Run it with
#   w2v pipeline run {name}
# Steps: [phrases] → tokenize → vocab → encode → [cooccur, for svd] → train → evaluate →
# export.
# A second run skips every step whose config and inputs did not change.

[corpus]
# Files, directories (their .txt/.gz/.bz2/.xz files) or globs, relative to this file.
paths = [{paths}]
lower = true      # lowercase every token
punct = false     # keep punctuation characters as tokens

[phrases]         # join collocations into tokens (new york → new_york) before the vocabulary,
                  # as gensim's Phrases finds them; the corpus is joined as it is read
enabled = false
min_count = 5     # ignore words and bigrams seen fewer times
threshold = 10.0  # join a bigram scoring above this (default: > 0; npmi: in [-1, 1])
scoring = "default"   # default (word2phrase.c's) | npmi
passes = 1        # 2: also phrases of phrases (new_york times → new_york_times)
delimiter = "_"
max_vocab_size = 40000000  # prune rare words and bigrams when more are held

[vocab]
min_count = 5     # drop words rarer than this
max_size = 0      # keep at most this many words (0: no limit)

[train]
trainer = "sgns"  # sgns | cbow | svd
dim = 100
window = 5
negative = 5
sample = 1e-3
epochs = 5
alpha = 0.0       # 0: the trainer's default (0.025 sgns, 0.05 cbow)
schedule = "hold" # hold: alpha through epoch 1, then linear decay; word2vec: word2vec.c's
workers = 0       # 0: all cores
seed = 1
cds = 0.75        # svd only: context-distribution smoothing
eig = 0.5         # svd only: eigenvalue weighting W = U·Σ^eig
neg = 1           # svd only: shift PMI by log(neg)

[cooccur]         # svd only
window = 5
weighting = "uniform"   # uniform | harmonic
dynamic = false

[evaluate]
analogies = "default"   # the Google analogy set shipped with w2v, or a path
pairs = ["default"]     # WordSim353 and SimLex-999, or paths
restrict = 30000

[export]
formats = ["word2vec"]  # word2vec, word2vec-binary, fasttext-vec, parquet, projector

[run]
dir = "{run_dir}"  # the run directory (--run-dir overrides)

[dask]            # only with: w2v pipeline run --dask tcp://HOST:8786 | --local-cluster N
rounds_per_epoch = 4  # sgns/cbow: weight synchronisations per epoch (more: closer to
                      # single-machine quality, more network traffic)
shards = 0        # training and co-occurrence shards; 0: one per Dask worker
scale_alpha = true    # sgns/cbow: alpha × shards, so that the per-row average of the
                      # shards' updates moves as far as one machine would (false: the
                      # plain average of Spark MLlib, which learns shards× slower)
split_mb = 64     # plain-text corpus files larger than this are split into byte ranges
"""


def render(
    corpus: list[Path], config_path: Path, run_dir: str = "runs/w2v", n_files: int | None = None
) -> str:
    """The config for `corpus` (files, directories or globs, which match `n_files` files;
    default: one each), its paths made relative to the config's directory."""
    base = config_path.resolve().parent
    rel = [os.path.relpath(Path(p).resolve(), base) for p in corpus]
    return TEMPLATE.format(
        n=len(corpus) if n_files is None else n_files,
        name=config_path.name,
        run_dir=run_dir,
        paths=", ".join(f'"{p}"' for p in rel),
    )
