"""Hash partition of count tables: each word in one part, in every shard; the parts reduced
in any order select the vocabulary of a merge in shard order."""

import lzma

import pyarrow as pa

import w2v
from pipelines import counts
from pipelines.dask.partition import partition, word_hashes
from w2v.kernels.wordtable import fnv1a


def test_word_hashes_are_fnv1a_of_the_utf8_bytes():
    import numpy as np

    words = pa.array(["a", "élan", "", "frog"])
    offsets = np.frombuffer(words.buffers()[1], np.int32, 5).astype(np.int64)
    data = np.frombuffer(words.buffers()[2], np.uint8)
    h = np.empty(4, np.uint64)
    word_hashes(data, offsets, h)
    for i, w in enumerate(["a", "élan", "", "frog"]):
        b = np.frombuffer(w.encode() or b"\0", np.uint8)
        assert h[i] == fnv1a(b, 0, len(w.encode()))
    parts = partition(pa.table({"word": words, "count": [1, 2, 3, 4]}), 2)
    assert sorted(sum((p.column("word").to_pylist() for p in parts), [])) == sorted(
        ["a", "élan", "", "frog"]
    )


def test_partitions_reduced_in_any_order_select_the_same_vocabulary(tmp_path):
    with lzma.open(w2v.default_corpus(), "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(3_200)]
    shards = []
    for i in range(4):
        p = tmp_path / f"shard{i}.txt"
        p.write_text("".join(lines[i * 800 : (i + 1) * 800]), encoding="utf-8")
        shards.append(counts.count_file(p, True, False)[0])
    expected = counts.select(counts.merge(shards), min_count=2, max_size=300)
    split = [partition(counts.with_first(t, i), 3) for i, t in enumerate(shards)]
    reduced = [counts.merge([s[p] for s in reversed(split)]) for p in range(3)]
    words = [set(r.column("word").to_pylist()) for r in reduced]
    assert not (words[0] & words[1] or words[0] & words[2] or words[1] & words[2])
    assert min(r.num_rows for r in reduced) > 0.2 * counts.merge(shards).num_rows  # spread
    gathered = pa.concat_tables(reduced[::-1])
    assert counts.select(gathered, min_count=2, max_size=300).equals(expected)
