"""Count tables: the same counts as w2v.vocab.count_words, merged like Python dicts."""

import lzma

import numpy as np
import pyarrow as pa
import pytest

import w2v
from pipelines import counts
from w2v.errors import ModelError
from w2v.io.arrow import (
    read_vocab_parquet,
    read_vocab_table,
    write_vocab_parquet,
    write_vocab_table,
)
from w2v.vocab import count_words


def table(pairs):
    return pa.table({"word": [w for w, _ in pairs], "count": [c for _, c in pairs]}).cast(
        counts.SCHEMA
    )


@pytest.fixture(scope="module")
def text_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("counts") / "corpus.txt"
    with lzma.open(w2v.default_corpus(), "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(3_000)]
    lines.insert(1000, "The Frog's pond, Élan — don't STOP.\n")
    path.write_text("".join(lines) + "no final newline", encoding="utf-8")
    return path


@pytest.mark.parametrize("lower, punct", [(True, False), (False, True)])
def test_count_file_is_count_words(text_file, lower, punct):
    t, info = counts.count_file(text_file, lower, punct)
    counter, expected = count_words(text_file, lower=lower, punct=punct)
    assert t.column("word").to_pylist() == list(counter)  # first-appearance order
    assert t.column("count").to_pylist() == list(counter.values())
    assert {**info, "distinct": t.num_rows} == expected


def test_pruning_as_count_words(text_file):
    t, info = counts.count_file(text_file, True, False, max_table=500)
    counter, expected = count_words(text_file, max_table=500)
    assert t.column("word").to_pylist() == list(counter)
    assert t.column("count").to_pylist() == list(counter.values())
    assert {**info, "distinct": t.num_rows} == expected and info["pruned_words"] > 0


def test_merge_sums_and_keeps_first_appearance():
    a = table([("b", 1), ("a", 2)])
    b = table([("c", 5), ("a", 1)])
    c = table([("d", 1), ("c", 1), ("b", 3)])
    merged = counts.merge([a, b, counts.empty(), c])
    assert merged.to_pydict() == {"word": ["b", "a", "c", "d"], "count": [4, 3, 6, 1]}
    assert counts.merge([counts.merge([a, b]), c]).equals(merged)  # associative, in order
    assert counts.merge([a, counts.merge([b, c])]).equals(merged)
    assert counts.merge([a]).equals(a)
    assert counts.merge([]).num_rows == 0


def test_merge_of_a_file_split_in_parts_is_the_whole(text_file, tmp_path):
    lines = text_file.read_text(encoding="utf-8").splitlines(keepends=True)
    parts = []
    for i in range(4):
        p = tmp_path / f"part{i}.txt"
        p.write_text("".join(lines[i::4]), encoding="utf-8")
        parts.append(counts.count_file(p, True, False)[0])
    total: dict[str, int] = {}
    for t in parts:
        for w, c in zip(t.column("word").to_pylist(), t.column("count").to_pylist(), strict=True):
            total[w] = total.get(w, 0) + c
    merged = counts.merge(parts)
    assert merged.column("word").to_pylist() == list(total)
    assert merged.column("count").to_pylist() == list(total.values())


def test_select_most_frequent_first_ties_in_order():
    t = table([("x", 1), ("y", 3), ("z", 2), ("w", 3), ("v", 2)])
    assert counts.select(t, 2).column("word").to_pylist() == ["y", "w", "z", "v"]
    assert counts.select(t, 2, max_size=3).column("word").to_pylist() == ["y", "w", "z"]
    assert counts.select(t, 4).num_rows == 0


def test_written_file_is_the_vocab_file_and_reads_back(text_file, tmp_path):
    t, _ = counts.count_file(text_file, True, False)
    write_vocab_table(tmp_path / "a.parquet", t, metadata={"step": "x", "n": [1, 2]})
    words, n = t.column("word").to_pylist(), np.array(t.column("count").to_pylist())
    write_vocab_parquet(tmp_path / "b.parquet", words, n, metadata={"step": "x", "n": [1, 2]})
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert read_vocab_table(tmp_path / "a.parquet").equals(t)
    assert read_vocab_parquet(tmp_path / "a.parquet")[0] == words


def test_read_refuses_what_is_not_a_counts_file(tmp_path):
    with pytest.raises(ModelError, match="missing"):
        read_vocab_table(tmp_path / "absent.parquet")
    (tmp_path / "junk.parquet").write_bytes(b"not parquet")
    with pytest.raises(ModelError, match="not a readable Parquet"):
        read_vocab_table(tmp_path / "junk.parquet")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"word": ["a"]}), tmp_path / "nocount.parquet")
    with pytest.raises(ModelError, match="lacks the columns"):
        read_vocab_table(tmp_path / "nocount.parquet")
    pq.write_table(pa.table({"word": ["a", None], "count": [1, 2]}), tmp_path / "null.parquet")
    with pytest.raises(ModelError, match="empty words"):
        read_vocab_table(tmp_path / "null.parquet")
