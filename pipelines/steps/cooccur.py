"""cooccur (svd only): encoded corpus → cooccur.parquet, the symmetric co-occurrence counts
as (row, col, count) rows, both triangles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from w2v.io.arrow import arrow_numbers, numbers_of, read_parquet_table
from w2v.io.atomic import atomic_file

NAME = "cooccur"


def enabled(cfg) -> bool:
    return cfg.trainer == "svd"


def settings(cfg) -> dict:
    # the seed draws the dynamic windows' radii; fixed windows do not depend on it
    c = cfg["cooccur"]
    return {**c, "seed": cfg["train"]["seed"] if c["dynamic"] else 1}


def inputs(cfg, run_dir: Path) -> dict[str, Path]:
    return {"corpus": run_dir / "corpus", "vocab": run_dir / "vocab.parquet"}


def outputs(cfg, run_dir: Path) -> dict[str, Path]:
    return {"cooccur": run_dir / "cooccur.parquet"}


def write_matrix(path: Path, X, config: dict) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    coo = X.tocoo()
    columns = [
        arrow_numbers(coo.row, np.int32),
        arrow_numbers(coo.col, np.int32),
        arrow_numbers(coo.data, np.float64),
    ]
    table = pa.Table.from_arrays(columns, names=["row", "col", "count"])
    table = table.replace_schema_metadata(
        {"step": NAME, "config": json.dumps(config), "shape": json.dumps(list(X.shape))}
    )
    with atomic_file(path) as f:
        pq.write_table(table, f)


def read_matrix(path: Path, n_words: int):
    """The co-occurrence counts as a float64 CSR [n_words, n_words]."""
    import scipy.sparse as sp

    t = read_parquet_table(path)
    row = numbers_of(t.column("row"), np.int32)
    col = numbers_of(t.column("col"), np.int32)
    count = numbers_of(t.column("count"), np.float64)
    return sp.csr_matrix((count, (row, col)), shape=(n_words, n_words))


def run(inputs: dict[str, Path], outputs: dict[str, Path], config: dict) -> dict:
    from w2v.cooccur import count_pairs
    from w2v.corpus import EncodedCorpus
    from w2v.vocab import Vocab

    vocab = Vocab.load(inputs["vocab"])
    corpus = EncodedCorpus.load(inputs["corpus"])
    X = count_pairs(
        corpus,
        len(vocab),
        window=config["window"],
        weighting=config["weighting"],
        dynamic=config["dynamic"],
        seed=config["seed"],
    )
    write_matrix(outputs["cooccur"], X, config)
    return {"pairs": int(X.nnz), "words": len(vocab)}
