import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from w2v.errors import ModelError, UserError
from w2v.io.atomic import MARK, Owned, atomic_dir, atomic_file, refuse_existing
from w2v.io.model_dir import MODEL_DIR, ModelFiles, load_model, save_model


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
    with pytest.raises(UserError, match="not a model directory w2v wrote .it holds 'thesis.tex'"):
        save_model(precious, small_model(), force=True)
    assert (precious / "thesis.tex").read_text() == "x"
    (precious / "meta.json").write_text("{}")  # another tool's meta.json: still not ours
    with pytest.raises(UserError, match="not a model directory w2v wrote"):
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

    monkeypatch.setattr("w2v.io.atomic._check_parent", unsearchable)
    with pytest.raises(UserError, match="cannot write .*m': Permission denied"):
        save_model(tmp_path / "m", small_model())


def test_crash_while_writing_leaves_old_model_intact(tmp_path):
    save_model(tmp_path / "m", small_model(V=5))
    with pytest.raises(KeyboardInterrupt), atomic_dir(tmp_path / "m", MODEL_DIR, force=True) as tmp:
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

    from w2v.io.arrow import read_vocab_parquet, write_vocab_parquet

    words = ["frog", "", "naïve", "日本語", "a\u00a0b", "🐸", "x" * 1000]
    counts = np.array([9, 8, 7, 6, 5, 4, 3], np.int64)
    write_vocab_parquet(tmp_path / "v.parquet", words, counts)
    got_words, got_counts = read_vocab_parquet(tmp_path / "v.parquet")
    assert got_words == words
    np.testing.assert_array_equal(got_counts, counts)

    code = (
        "import sys, numpy as np\n"
        "from w2v.io.arrow import write_vocab_parquet\n"
        f"write_vocab_parquet({str(tmp_path / 'w.parquet')!r}, ['a', 'b'], np.array([2, 1]))\n"
        "assert 'pandas' not in sys.modules, 'pandas was imported'\n"
    )
    root = str(Path(__file__).resolve().parents[1])
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert r.returncode == 0, r.stderr


def test_force_never_replaces_a_directory_of_hidden_entries(tmp_path):
    """A directory holding only `.git` is not empty: --force used to delete it."""
    d = tmp_path / "d"
    (d / ".git").mkdir(parents=True)
    (d / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    with pytest.raises(UserError, match=r"not a model directory w2v wrote .it holds '\.git'"):
        save_model(d, small_model(), force=True)
    assert (d / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"


def test_a_directory_is_ours_only_with_its_mark(tmp_path):
    """Model file names without meta.json (the mark) are not a model w2v wrote; an empty
    directory holds nothing to lose."""
    d = tmp_path / "d"
    d.mkdir()
    np.save(d / "vectors.npy", np.ones((2, 2), np.float32))
    with pytest.raises(UserError, match="it has no 'meta.json'"):
        save_model(d, small_model(), force=True)
    (d / "vectors.npy").unlink()
    save_model(d, small_model(), force=True)
    assert len(load_model(d).words) == 5


def test_a_marked_kind_gets_its_mark_and_only_it_is_replaced(tmp_path):
    kind = Owned("test output", MARK)
    with atomic_dir(tmp_path / "out", kind) as tmp:
        (tmp / "a.bin").write_bytes(b"1")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [MARK, "a.bin"]
    with atomic_dir(tmp_path / "out", kind, force=True) as tmp:
        (tmp / "b.bin").write_bytes(b"2")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [MARK, "b.bin"]
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "a.txt").write_text("user's")
    with pytest.raises(UserError, match="not a test output directory w2v wrote .it has no '.w2v'"):
        with atomic_dir(tmp_path / "mine", kind, force=True):
            pass
    assert (tmp_path / "mine" / "a.txt").read_text() == "user's"


def test_replacing_a_directory_never_leaves_its_name_empty(tmp_path, monkeypatch):
    """The old model is exchanged with the new one in one step: the two renames of before
    left a moment with no model (a server answered 404; a crash stranded the old one)."""
    import w2v.io.atomic as io

    target = tmp_path / "m"
    save_model(target, small_model(V=5))
    real_rename = os.rename

    def rename_and_check(a, b):
        real_rename(a, b)
        assert (target / "meta.json").is_file(), "the model's name was empty"

    monkeypatch.setattr(io.os, "rename", rename_and_check)
    save_model(target, small_model(V=7), force=True)
    assert len(load_model(target).words) == 7
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def test_exchange_swaps_two_directories(tmp_path):
    from w2v.io.atomic import exchange

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x").write_text("a")
    (tmp_path / "b").mkdir()
    assert exchange(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "b" / "x").read_text() == "a" and not any((tmp_path / "a").iterdir())


def test_every_file_and_the_directory_are_fsynced_before_they_are_published(tmp_path, monkeypatch):
    import w2v.io.atomic as io

    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(io.os, "fsync", recording_fsync)
    save_model(tmp_path / "m", small_model())
    names = {Path(p).name for p in synced}
    assert {"meta.json", "vocab.parquet", "vectors.npy", "contexts.npy"} <= names
    assert str(tmp_path) in synced  # the rename that published the directory
    synced.clear()
    with atomic_file(tmp_path / "f.txt", "w") as f:
        f.write("x")
    assert synced[-2:] == [str(tmp_path / "f.txt"), str(tmp_path)] or (
        Path(synced[0]).name.startswith(".f.txt.tmp-") and synced[-1] == str(tmp_path)
    )


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", ""])
    p.wait()
    return p.pid


def test_temporaries_of_killed_writers_are_removed_on_the_next_write(tmp_path):
    from w2v.io.atomic import own_temp_prefix

    target = tmp_path / "m"
    live = own_temp_prefix(target) + "live"  # this process's: a writer still at work
    dead = own_temp_prefix(target).replace(f"-{os.getpid()}-", f"-{dead_pid()}-")
    (tmp_path / (dead + "dir")).mkdir()
    (tmp_path / (dead + "dir") / "vectors.npy").write_bytes(b"half")
    (tmp_path / (dead + "file")).write_bytes(b"half")
    (tmp_path / live).mkdir()
    (tmp_path / ".m.tmp-notours").write_bytes(b"?")  # a name w2v does not make: kept
    save_model(target, small_model())
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([".m.tmp-notours", live, "m"])


def test_a_kill_between_the_fallback_renames_is_repaired(tmp_path):
    """Where renameat2 cannot exchange, the old model is moved aside first; a writer killed
    right then leaves it in its temporary directory, and the next write puts it back."""
    from w2v.io.atomic import own_temp_prefix

    save_model(tmp_path / "m", small_model(V=5))
    aside = tmp_path / (
        own_temp_prefix(tmp_path / "m").replace(f"-{os.getpid()}-", f"-{dead_pid()}-") + "old"
    )
    aside.mkdir()
    os.rename(tmp_path / "m", aside / "old")
    save_model(tmp_path / "other", small_model(V=3))  # a write elsewhere changes nothing
    assert not (tmp_path / "m").exists()
    with pytest.raises(UserError, match="already exists"):  # repaired, then refused
        save_model(tmp_path / "m", small_model(V=7))
    assert len(load_model(tmp_path / "m").words) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m", "other"]


def test_the_fallback_of_two_renames_still_replaces(tmp_path, monkeypatch):
    import w2v.io.atomic as io

    monkeypatch.setattr(io, "exchange", lambda a, b: False)
    save_model(tmp_path / "m", small_model(V=5))
    save_model(tmp_path / "m", small_model(V=7), force=True)
    assert len(load_model(tmp_path / "m").words) == 7
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def test_scratch_of_killed_processes_is_removed_from_tmpdir(tmp_path, monkeypatch):
    """`w2v train` encodes into $TMPDIR; a SIGKILLed run left its encoded corpus there."""
    import tempfile

    from w2v.io.atomic import own_temp_prefix, scratch_dir

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    place = own_temp_prefix(tmp_path / "w2v-encoded")
    stale = tmp_path / (place.replace(f"-{os.getpid()}-", f"-{dead_pid()}-") + "x")
    (stale / "corpus").mkdir(parents=True)
    with scratch_dir("encoded") as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(place)
        assert not stale.exists()
    assert list(tmp_path.iterdir()) == []


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
    monkeypatch.setattr(
        "w2v.io.arrow.read_vocab_table", lambda path: pytest.fail("words were read")
    )
    with pytest.raises(ModelError, match="has 5 rows but vocab.parquet has 1000000 words"):
        load_model(d)


@pytest.mark.parametrize("refused", [None, "open", "write"])
def test_large_rows_are_a_npy_file_whatever_the_filesystem_allows(tmp_path, monkeypatch, refused):
    # ngrams.npy is written with O_DIRECT past a 4096-byte header; where the filesystem
    # refuses O_DIRECT (at open, or at the first write), through the page cache instead
    import errno

    from w2v.io import model_dir

    direct = getattr(os, "O_DIRECT", 0)
    real_open, real_write, is_direct, opened_direct = os.open, os.write, {}, []

    def open_(path, flags, *mode):
        if refused == "open" and flags & direct:
            raise OSError(errno.EINVAL, "no O_DIRECT here")
        fd = real_open(path, flags, *mode)
        is_direct[fd] = bool(flags & direct)  # a number closed and opened again: updated
        opened_direct.append(is_direct[fd])
        return fd

    def write(fd, data):
        if refused == "write" and is_direct.get(fd):
            raise OSError(errno.EINVAL, "no O_DIRECT here")
        return real_write(fd, data)

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(model_dir, "DIRECT_BLOCK", 8192)  # several blocks, a padded last one
    M = np.random.default_rng(0).random((1000, 7), dtype=np.float32)
    path = tmp_path / "ngrams.npy"
    model_dir._save_rows(path, M)
    assert path.stat().st_size == 4096 + M.nbytes
    loaded = np.load(path, mmap_mode="r")
    assert loaded.offset == 4096 and loaded.dtype == np.float32
    assert np.array_equal(loaded, M)
    assert opened_direct[0] == (refused != "open" and direct != 0)  # tried O_DIRECT first
