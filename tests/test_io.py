import json

import numpy as np
import pytest

from w2v.errors import ModelError, UserError
from w2v.io import ModelFiles, atomic_dir, atomic_file, load_model, refuse_existing, save_model


def small_model(V=5, dim=3, contexts=True):
    rng = np.random.default_rng(0)
    return ModelFiles(
        words=[f"w{i}" for i in range(V - 1)] + ["ünïcödé"],
        counts=np.arange(V, 0, -1, dtype=np.int64),
        vectors=rng.standard_normal((V, dim)).astype(np.float32),
        contexts=rng.standard_normal((V, dim)).astype(np.float32) if contexts else None,
        meta={"trainer": "test", "config": {"dim": dim}},
    )


def test_round_trip(tmp_path):
    m = small_model()
    save_model(tmp_path / "m", m)
    r = load_model(tmp_path / "m")
    assert r.words == m.words
    np.testing.assert_array_equal(r.counts, m.counts)
    np.testing.assert_array_equal(r.vectors, m.vectors)
    np.testing.assert_array_equal(r.contexts, m.contexts)
    assert isinstance(r.vectors, np.memmap)
    assert r.meta["trainer"] == "test" and r.meta["format_version"] == 1
    assert r.meta["vocab_size"] == 5 and r.meta["dim"] == 3
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [
        "contexts.npy",
        "meta.json",
        "vectors.npy",
        "vocab.parquet",
    ]


def test_contexts_are_optional(tmp_path):
    save_model(tmp_path / "m", small_model(contexts=False))
    assert load_model(tmp_path / "m").contexts is None


def test_existing_target_needs_force_and_is_replaced_whole(tmp_path):
    save_model(tmp_path / "m", small_model(V=5))
    with pytest.raises(UserError, match="--force"):
        save_model(tmp_path / "m", small_model(V=7))
    save_model(tmp_path / "m", small_model(V=7, contexts=False), force=True)
    r = load_model(tmp_path / "m")
    assert len(r.words) == 7 and r.contexts is None
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary leftovers


def test_force_replaces_only_a_directory_w2v_wrote(tmp_path, monkeypatch):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("x")
    with pytest.raises(UserError, match="not a directory w2v wrote .it holds 'thesis.tex'"):
        save_model(precious, small_model(), force=True)
    assert (precious / "thesis.tex").read_text() == "x"
    (precious / "meta.json").write_text("{}")  # another tool's meta.json: still not ours
    with pytest.raises(UserError, match="not a directory w2v wrote"):
        save_model(precious, small_model(), force=True)
    (tmp_path / "link").symlink_to(precious)
    with pytest.raises(UserError, match="is a symbolic link"):
        save_model(tmp_path / "link", small_model(), force=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="is a file, not a directory"):
        save_model(tmp_path / "file", small_model(), force=True)
    save_model(tmp_path / "m", small_model())
    monkeypatch.chdir(tmp_path / "m")
    for here in (".", "..", str(tmp_path)):
        with pytest.raises(UserError, match="holds the current directory"):
            save_model(here, small_model(), force=True)
    assert load_model(tmp_path / "m").words == small_model().words
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "link", "m", "precious"]


def test_outputs_under_a_file_or_onto_a_directory_are_user_errors(tmp_path):
    (tmp_path / "plain").write_text("x")
    with pytest.raises(UserError, match="'.*plain' is not a directory"):
        save_model(tmp_path / "plain" / "m", small_model())
    with pytest.raises(UserError, match="is not a directory"):
        refuse_existing(tmp_path / "plain" / "a" / "b.txt", force=True)
    with pytest.raises(UserError, match="is a directory; give a file name"):
        refuse_existing(tmp_path, force=True)
    with pytest.raises(UserError, match="is a directory; give a file name"), atomic_file(tmp_path):
        pass
    refuse_existing(tmp_path / "new" / "deeper" / "m", force=False)  # made on writing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain"]


def test_non_finite_vectors_are_not_written(tmp_path):
    m = small_model()
    m.vectors[2, 1] = np.inf
    with pytest.raises(ModelError, match="1 vectors hold NaN or infinity .first: 'w2'.*diverge"):
        save_model(tmp_path / "m", m)
    assert list(tmp_path.iterdir()) == []


def test_a_path_that_cannot_be_searched_is_one_user_error(tmp_path, monkeypatch):
    """pathlib raises PermissionError where a directory on the way cannot be searched."""

    def unsearchable(target):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("w2v.io._check_parent", unsearchable)
    with pytest.raises(UserError, match="cannot write .*m': Permission denied"):
        save_model(tmp_path / "m", small_model())


def test_crash_while_writing_leaves_old_model_intact(tmp_path):
    save_model(tmp_path / "m", small_model(V=5))
    with pytest.raises(KeyboardInterrupt), atomic_dir(tmp_path / "m", force=True) as tmp:
        (tmp / "vectors.npy").write_bytes(b"half")
        raise KeyboardInterrupt
    assert len(load_model(tmp_path / "m").words) == 5
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def corrupt(tmp_path, how):
    d = tmp_path / "m"
    save_model(d, small_model())
    how(d)
    return d


@pytest.mark.parametrize(
    "how,message",
    [
        (lambda d: (d / "meta.json").unlink(), "meta.json' is missing"),
        (lambda d: (d / "vectors.npy").unlink(), "vectors.npy' is missing"),
        (lambda d: (d / "vocab.parquet").unlink(), "vocab.parquet' is missing"),
        (lambda d: (d / "meta.json").write_text("{not json"), "not valid JSON"),
        (
            lambda d: (d / "meta.json").write_text(json.dumps({"format_version": 99})),
            "format version 99",
        ),
        (lambda d: np.save(d / "vectors.npy", np.zeros((4, 3), np.float32)), "has 4 rows"),
        (lambda d: np.save(d / "vectors.npy", np.zeros((5, 3), np.float64)), "dtype float64"),
        (lambda d: np.save(d / "vectors.npy", np.zeros(5, np.float32)), "1 dimensions"),
        (lambda d: np.save(d / "contexts.npy", np.zeros((5, 4), np.float32)), "shape"),
        (lambda d: (d / "vectors.npy").write_bytes(b"\x93NUMPY garbage"), "not a readable"),
        (lambda d: (d / "vocab.parquet").write_bytes(b"PAR1 garbage"), "not a readable Parquet"),
        (
            lambda d: np.save(
                d / "vectors.npy", np.array([{"x": 1}] * 5, dtype=object), allow_pickle=True
            ),
            "not a readable",
        ),
    ],
)
def test_each_corruption_gives_its_error(tmp_path, how, message):
    d = corrupt(tmp_path, how)
    with pytest.raises(ModelError, match=message):
        load_model(d)


def test_missing_directory(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        load_model(tmp_path / "nothing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ModelError, match="not a model directory"):
        load_model(tmp_path / "file")


def test_written_files_have_normal_permissions(tmp_path):
    import os
    import stat

    save_model(tmp_path / "m", small_model())
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE((tmp_path / "m").stat().st_mode) == 0o777 & ~mask
    assert stat.S_IMODE((tmp_path / "m" / "meta.json").stat().st_mode) == 0o666 & ~mask


def test_vocabulary_round_trips_any_unicode_without_pandas(tmp_path):
    """The vocabulary is written from Arrow buffers (pa.array would import pandas, ~50 MB of a
    training run's peak memory); a fresh interpreter shows pandas stays out."""
    import subprocess
    import sys
    from pathlib import Path

    from w2v.io import read_vocab_parquet, write_vocab_parquet

    words = ["frog", "", "naïve", "日本語", "a\u00a0b", "🐸", "x" * 1000]
    counts = np.array([9, 8, 7, 6, 5, 4, 3], np.int64)
    write_vocab_parquet(tmp_path / "v.parquet", words, counts)
    got_words, got_counts = read_vocab_parquet(tmp_path / "v.parquet")
    assert got_words == words
    np.testing.assert_array_equal(got_counts, counts)

    code = (
        "import sys, numpy as np\n"
        "from w2v.io import write_vocab_parquet\n"
        f"write_vocab_parquet({str(tmp_path / 'w.parquet')!r}, ['a', 'b'], np.array([2, 1]))\n"
        "assert 'pandas' not in sys.modules, 'pandas was imported'\n"
    )
    root = str(Path(__file__).resolve().parents[1])
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert r.returncode == 0, r.stderr


def _npy_header(shape, descr="<f4") -> bytes:
    """A .npy (version 1.0) header declaring `shape`, as np.save writes it before the data."""
    d = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape!r}, }}"
    body = d.ljust(64 * ((len(d) + 11) // 64 + 1) - 11) + "\n"
    return b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body.encode("latin1")


@pytest.mark.parametrize("mmap", [True, False])
@pytest.mark.parametrize("shape", [(5, 10**11), (5, 2**62)])
def test_a_vectors_header_claiming_more_than_the_file_holds_is_refused(tmp_path, mmap, shape):
    """5 x 10^11 float32 over 60 bytes of data: without a memory map numpy allocated the
    2 TB from the header (a MemoryError); the claim is now checked against the file size,
    in Python integers (5 x 2^62 x 4 bytes overflows int64)."""
    d = corrupt(tmp_path, lambda d: (d / "vectors.npy").write_bytes(_npy_header(shape) + bytes(60)))
    with pytest.raises(ModelError, match=rf"shape \({shape[0]}, {shape[1]}\) needs .* holds 60"):
        load_model(d, mmap=mmap)


def test_a_vocabulary_of_more_rows_than_vectors_is_refused_before_it_is_read(tmp_path, monkeypatch):
    """A vocab.parquet of 10^6 rows of one dictionary-encoded word (a file of a few KB,
    tens of MB decoded; 3 x 10^7 rows took 15 s and 3.2 GB) beside 5 vectors: the row
    counts are compared from the Parquet footer, and the words are never decoded."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def vocab_bomb(d):
        n = 10**6
        words = pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), ["frog"])
        pq.write_table(
            pa.table({"word": words, "count": np.ones(n, np.int64)}), d / "vocab.parquet"
        )

    d = corrupt(tmp_path, vocab_bomb)
    monkeypatch.setattr("w2v.io.read_vocab_table", lambda path: pytest.fail("words were read"))
    with pytest.raises(ModelError, match="has 5 rows but vocab.parquet has 1000000 words"):
        load_model(d)
