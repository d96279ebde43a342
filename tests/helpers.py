"""Plain helpers shared by several test modules (fixtures are in conftest.py): the checkout's
root, the command line in-process, small models of known geometry, corpus bytes that reach the
readers' limits, the service's test client and job polling, and a PNG check.

Tests import these as `from tests.helpers import ...`; no test module imports from another."""

import itertools
import lzma
import os
import time
from pathlib import Path

import numpy as np

import w2v
from w2v.cli import main
from w2v.tokens import _SNIFF_BYTES
from w2v.vectors import Vectors

REPO = Path(__file__).resolve().parents[1]


# The command line in-process


def run_cli(capsys, *args) -> tuple[int, str, str]:
    """`w2v ARGS` in this process: (exit status, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(capsys) -> str:
    """The one line a user's mistake prints on stderr (asserted: one line, w2v's, no traceback)."""
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("w2v: error:"), err
    return err[0]


# Small models of known geometry

WORDS = ["frog", "toad", "newt", "king", "queen", "man", "woman", "prince", "paris", "france"]
LABELLED = {
    "animal": "cat dog frog horse cow sheep goat mouse owl fox wolf bear deer duck hen".split(),
    "food": "bread apple cheese rice soup cake pear plum bean meat fish milk egg corn jam".split(),
    "tool": "hammer saw drill wrench chisel file rasp awl axe adze plane vise clamp pliers".split(),
}
TOPICS = {
    "animal": ["frog", "toad", "newt", "lizard", "salamander", "snake", "turtle"],
    "music": ["violin", "cello", "guitar", "piano", "flute", "harp", "trumpet"],
    "food": ["bread", "cheese", "butter", "soup", "rice", "apple", "pear"],
}
UNICODE_WORDS = ["the", "frog", "toad", "café", "newt", "日本"]


def _random(V, dim, rng) -> Vectors:
    words = WORDS + [f"w{i:04d}" for i in range(V - len(WORDS))]
    U = rng.standard_normal((V, dim)).astype(np.float32)
    U[1] = U[0] + 0.1 * U[1]  # toad near frog
    return Vectors(words, U, np.arange(V, 0, -1), meta={"trainer": "toy"})


def _labelled(dim, rng) -> Vectors:
    words, rows = [], []
    for k, group in enumerate(LABELLED.values()):
        centre = np.zeros(dim)
        centre[k] = 3.0
        for w in group:
            words.append(w)
            rows.append(centre + rng.normal(scale=0.3, size=dim))
    for w in ("the", "a", "of"):
        words.append(w)
        rows.append(rng.normal(scale=0.1, size=dim))
    return Vectors(words, np.asarray(rows, np.float32))


def _analogies(dim, rng) -> Vectors:
    axis = {k: rng.normal(size=dim) for k in ["royal", "person", "male", "female", "young"]}
    words, rows = [], []
    people = {
        "king": ("royal", "male"),
        "queen": ("royal", "female"),
        "man": ("person", "male"),
        "woman": ("person", "female"),
        "boy": ("young", "male"),
        "girl": ("young", "female"),
    }
    for w, (a, b) in people.items():
        words.append(w)
        rows.append(axis[a] + axis[b] + 0.05 * rng.normal(size=dim))
    for topic in TOPICS.values():
        centre = 2.0 * rng.normal(size=dim)
        for w in topic:
            words.append(w)
            rows.append(centre + 0.6 * rng.normal(size=dim))
    for i in range(20):
        words.append(f"filler{i}")
        rows.append(2.0 * rng.normal(size=dim))
    counts = np.arange(len(words), 0, -1) * 10
    return Vectors(words, np.array(rows, dtype=np.float32), counts)


def _unicode(dim, rng) -> Vectors:
    U = rng.standard_normal((len(UNICODE_WORDS), dim)).astype(np.float32)
    return Vectors(UNICODE_WORDS, U, counts=np.arange(len(UNICODE_WORDS), 0, -1) * 10)


def _evaluation(dim, seed) -> Vectors:
    from tests.gensim_vectors import analogy_shaped

    vec, _ = analogy_shaped(dim, seed)  # cached: a new Vectors, so that meta stays its own
    return Vectors(vec.words, vec.vectors, vec.counts, meta=vec.meta)


KINDS = ("random", "labelled", "analogies", "unicode", "evaluation")
DIMS = {"random": 24, "labelled": 8, "analogies": 24, "unicode": 5, "evaluation": 24}


def toy_vectors(
    V: int | None = None,
    dim: int | None = None,
    seed: int = 0,
    *,
    kind: str = "random",
    meta: dict | None = None,
) -> Vectors:
    """A small model whose geometry the tests rely on; `kind` says which (tests assert on
    these exact words and values, so each kind keeps its own random draws):

    - "random": WORDS first, then filler words w0000, w0001, ... up to V rows (3000 unless
      given); standard normal vectors except toad, which is near frog; counts V, V-1, ..., 1;
      meta {"trainer": "toy"}. The service's tests.
    - "labelled": the LABELLED groups as three tight clusters (one per label) and "the", "a",
      "of" near the origin; dim 8. The classifier's tests.
    - "analogies": people built from directions (king = royal + male, woman = person + female,
      ...) so that king - man + woman is queen, the TOPICS as three clusters, and 20 fillers;
      counts 470, 460, ..., 10. The pictures' and the demo's tests.
    - "unicode": UNICODE_WORDS (ASCII and not), standard normal, counts 60, 50, ..., 10; dim 5.
      The export and import tests.
    - "evaluation": gensim_vectors.analogy_shaped(dim, seed): the shipped evaluation sets'
      words, each analogy section a noisy translation. The query and eval commands' tests.

    V is fixed by the words for every kind but "random"; a different V is an error. `meta`,
    if given, replaces the kind's."""
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {KINDS}")
    dim = DIMS[kind] if dim is None else dim
    rng = np.random.default_rng(seed)
    if kind == "random":
        vec = _random(3000 if V is None else V, dim, rng)
    elif kind == "evaluation":
        vec = _evaluation(dim, seed)
    else:
        vec = {"labelled": _labelled, "analogies": _analogies, "unicode": _unicode}[kind](dim, rng)
    if V is not None and V != len(vec):
        raise ValueError(f"{kind!r} vectors have {len(vec)} words, not {V}")
    if meta is not None:
        vec.meta = dict(meta)
    return vec


def write_tsv(path, rows, header="text\tlabel"):
    path.write_text(header + "\n" + "".join(f"{t}\t{lab}\n" for t, lab in rows), encoding="utf-8")
    return path


def toy_rows():
    """The LABELLED words as (text, label), a sentence, a row of no known word, a phrase."""
    rows = [(w, label) for label, group in LABELLED.items() for w in group]
    rows += [("the Cat of a dog", "animal"), ("qwzx vbnm", "food"), ("plum jam", "food")]
    return rows


def check_png(path, min_bytes=5000):
    """The file exists, is a real PNG of some size, and its pixels are not all one colour."""
    from PIL import Image

    assert path.is_file() and path.stat().st_size > min_bytes
    with Image.open(path) as im:
        assert im.format == "PNG"
        pixels = np.asarray(im.convert("RGB")).reshape(-1, 3)
    colours = np.unique(pixels, axis=0)
    assert len(colours) > 10, f"{path} has {len(colours)} colours"


# Corpus bytes at the readers' limits

CLEAN_HEAD = b"clean text\n" * (_SNIFF_BYTES // 11 + 1)
# 24 MB: three times the longest run without whitespace a corpus may hold (MAX_TOKEN_BYTES)
ONE_TOKEN = b"some words first\n" + b"a" * (24 << 20)


class CountingReads:
    """A corpus file opened by open_binary, counting the bytes read from it."""

    def __init__(self, f):
        self.f, self.bytes_read = f, 0

    def read(self, size=-1):
        data = self.f.read(size)
        self.bytes_read += len(data)
        return data

    def readline(self, size=-1):
        line = self.f.readline(size)
        self.bytes_read += len(line)
        return line

    def seek(self, offset):
        return self.f.seek(offset)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()


def count_reads(monkeypatch, module: str) -> list[CountingReads]:
    """Make `module`'s open_binary count reads; the files it opens, as they open."""
    from w2v.tokens import open_binary

    opened = []

    def open_counted(path):
        opened.append(CountingReads(open_binary(path)))
        return opened[-1]

    monkeypatch.setattr(f"{module}.open_binary", open_counted)
    return opened


# The service (the serve extra: fastapi is imported only when a client is made)

TINY = {"dim": 16, "epochs": 1, "min_count": 2, "window": 3, "workers": 1, "seed": 1}


def local_client(app, **kwargs):
    """A test client that names the server as a browser on this machine does (Host:
    localhost): TestClient's own name, 'testserver', is not one the server answers to."""
    from fastapi.testclient import TestClient

    return TestClient(app, base_url="http://localhost", **kwargs)


def write_small_corpus(path, lines: int = 3000) -> None:
    """The first `lines` lines of the embedded corpus (WordNet glosses) as plain text."""
    with lzma.open(w2v.default_corpus(), "rt", encoding="utf-8") as f:
        path.write_text("".join(itertools.islice(f, lines)), encoding="utf-8")


def wait_for(client, job_id: int, states: set[str], timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in states:
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['state']}: {job}"
        time.sleep(0.1)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is dead too
        return f.read().split(") ")[1][0] != "Z"


DEAD_PID = 2**22 + 1  # above Linux's pid_max: no such process


def job_left_running(models: Path, name: str, source=None, config=None):
    """A job store in `models` whose job `name` a dead server left running (started, its
    worker's pid one that no process has): (the store, still open, and the job)."""
    from w2v.serve.store import JobStore

    models.mkdir(exist_ok=True)
    store = JobStore(models / "jobs.sqlite3")
    job = store.add(name, "sgns", source, config or {})
    store.start(job["id"])
    store.set_pid(job["id"], DEAD_PID)
    return store, job
