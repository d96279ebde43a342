"""A job's corpus is opened once, under the data root, and trained on through that open
file: a name swapped afterwards (a folder for a symlink out of the root, the file for a
FIFO) changes nothing the trainer reads, and a FIFO or device is refused, never waited on."""

import contextlib
import os
import threading

import pytest

import w2v
import w2v.tokens
from w2v.serve import worker
from w2v.serve.store import JobStore

TINY = {"dim": 8, "epochs": 1, "min_count": 1, "window": 2, "workers": 1, "seed": 1}
INSIDE = "the frog and the toad sat in the pond\n" * 40
OUTSIDE = "secret outside words nobody may train on\n" * 40


@pytest.fixture
def site(tmp_path, monkeypatch):
    """data/sub/corpus.txt inside the root; outside/sub/corpus.txt, same name, outside it."""
    for where, text in (("data", INSIDE), ("outside", OUTSIDE)):
        (tmp_path / where / "sub").mkdir(parents=True)
        (tmp_path / where / "sub" / "corpus.txt").write_text(text)
    monkeypatch.chdir(tmp_path)  # the worker moves into its corpus directory
    return tmp_path


def run_job(site, corpus: str) -> tuple[int, dict]:
    """Run the worker in this process on a job for `corpus`: (exit status, job record)."""
    store = JobStore(site / "jobs.sqlite3")
    job = store.add(f"m{len(store.list())}", "sgns", corpus, TINY)
    store.start(job["id"])
    out = site / "scratch" / str(job["id"])
    out.mkdir(parents=True)
    rc = worker.run(site / "jobs.sqlite3", job["id"], out, str(site / "data"))
    record = store.get(job["id"])
    store.close()
    return rc, record | {"out": out}


def swap_at_open(monkeypatch, k: int, swap) -> None:
    """`swap()` just before the library opens the corpus for the k-th time (1: counting the
    vocabulary, 2: encoding), after every check it makes by name."""
    real, opened = w2v.tokens.open_bytes, []

    def opening(path, *args, **kwargs):
        opened.append(path)
        if len(opened) == k:
            swap()
        return real(path, *args, **kwargs)

    monkeypatch.setattr(w2v.tokens, "open_bytes", opening)


def trained_words(record) -> set[str]:
    return set(w2v.load(record["out"] / worker.MODEL).words)


@pytest.mark.parametrize("k", [1, 2], ids=["before-counting", "before-encoding"])
def test_a_folder_swapped_for_a_symlink_out_of_the_root_is_not_read(site, monkeypatch, k):
    def swap():
        os.rename(site / "data" / "sub", site / "data" / "sub.old")
        os.symlink(site / "outside" / "sub", site / "data" / "sub")

    swap_at_open(monkeypatch, k, swap)
    rc, record = run_job(site, "sub/corpus.txt")
    assert rc == 0, record["error"]
    assert trained_words(record) == set(INSIDE.split())
    model = w2v.load(record["out"] / worker.MODEL)
    assert model.meta["corpus"]["words"] == len(INSIDE.split())  # both reads: the same file
    assert model.meta["source"] == str(site / "data" / "sub" / "corpus.txt")


def test_a_file_swapped_for_a_fifo_is_not_waited_on(site, monkeypatch):
    fifo = site / "data" / "sub" / "corpus.txt"
    fed = threading.Event()

    def feed():  # only a reader of the FIFO lets this open return
        with contextlib.suppress(BrokenPipeError), open(fifo, "w") as f:
            f.write(OUTSIDE)
        fed.set()

    def swap():
        os.mkfifo(site / "fifo")
        os.rename(site / "fifo", fifo)
        threading.Thread(target=feed, daemon=True).start()

    swap_at_open(monkeypatch, 1, swap)
    try:
        rc, record = run_job(site, "sub/corpus.txt")
        assert rc == 0, record["error"]
        assert trained_words(record) == set(INSIDE.split())
        assert not fed.is_set()  # nobody opened the FIFO
    finally:  # release the feeding thread
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))


@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
def test_a_fifo_or_device_is_refused_in_one_line_at_once(site, kind):
    path = site / "data" / "odd"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:
        os.symlink("/dev/null", path)  # outside the root too, so make a device inside:
        path.unlink()
        try:
            os.mknod(path, 0o600 | 0o020000, os.makedev(1, 3))  # /dev/null's numbers
        except PermissionError:
            pytest.skip("making a device node needs privileges")
    rc, record = run_job(site, "odd")
    assert rc == 3
    assert record["error"] == "corpus 'odd' is not a regular file", record["error"]


def test_symlinks_are_followed_only_while_they_stay_inside_the_root(tmp_path):
    from w2v.serve.paths import PathRefused, open_corpus

    data = tmp_path / "data"
    (data / "a" / "b").mkdir(parents=True)
    (data / "a" / "b" / "c.txt").write_text("inside\n")
    (tmp_path / "secret.txt").write_text("outside\n")
    links = {
        "rel.txt": "a/b/c.txt",
        "abs.txt": str(data / "a" / "b" / "c.txt"),
        "a/up.txt": "../a/./b/c.txt",
        "chain.txt": "rel.txt",
        "dir": "a/b",
        "loop1": "loop2",
        "loop2": "loop1",
        "out-rel.txt": "../secret.txt",
        "a/out-deep.txt": "../../secret.txt",
        "out-abs.txt": str(tmp_path / "secret.txt"),
        "out-dir": str(tmp_path),
        "root-and-out.txt": f"{data}/../secret.txt",
    }
    for name, target in links.items():
        os.symlink(target, data / name)
    real = data / "a" / "b" / "c.txt"
    descriptors = set(os.listdir("/proc/self/fd"))
    for name in ("a/b/c.txt", "./a//b/c.txt", "rel.txt", "abs.txt", "a/up.txt", "chain.txt",
                 "dir/c.txt"):  # fmt: skip
        fd, path = open_corpus(data, name)
        assert path == real and os.read(fd, 100) == b"inside\n", name
        os.close(fd)
    for name in ("out-rel.txt", "a/out-deep.txt", "out-abs.txt", "out-dir/secret.txt",
                 "root-and-out.txt", "loop1"):  # fmt: skip
        with pytest.raises(PathRefused):
            open_corpus(data, name)
    for name in ("a/b/c.txt/x", "a/nothing.txt", "dir/nothing", "a", "dir", "."):
        with pytest.raises(w2v.CorpusError):
            open_corpus(data, name)
    assert set(os.listdir("/proc/self/fd")) == descriptors  # none left open by a refusal


def test_the_open_file_is_read_whatever_its_name_becomes(tmp_path):
    from w2v.serve.paths import open_corpus

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "c.txt").write_text("first\n")
    fd, _ = open_corpus(tmp_path / "data", "c.txt")
    os.rename(tmp_path / "data" / "c.txt", tmp_path / "data" / "old.txt")
    (tmp_path / "data" / "c.txt").write_text("second\n")
    for _ in range(2):  # each opening of the link is the file opened, from its start
        with open(f"/proc/self/fd/{fd}", "rb") as f:
            assert f.read() == b"first\n"
    os.close(fd)


def test_a_compressed_corpus_is_read_through_its_link_by_its_suffix(site):
    import gzip

    with gzip.open(site / "data" / "sub" / "corpus.txt.gz", "wt") as f:
        f.write(INSIDE)
    rc, record = run_job(site, "sub/corpus.txt.gz")
    assert rc == 0, record["error"]
    assert trained_words(record) == set(INSIDE.split())
