"""A served vectors.npy overwritten in place (the same inode: `dd conv=notrunc`, a file
opened 'r+b' and written, truncated then written again) never brings a server down:
reading a file map past the end of a file truncated under it is SIGBUS, which kills the
process that reads. The server process never reads a map (in threads mode it reads U into
memory with read(2)); a query process looks at the files before each query and opens the
model anew if they changed. While the file is short the model answers 503; once it is whole
again, the new contents."""

import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")

import w2v
from tests.helpers import REPO, local_client, toy_vectors
from w2v.serve import models as M
from w2v.serve.app import create_app
from w2v.serve.compute import ProcessQueries


def similar(c, name="m"):
    r = c.get(f"/v1/models/{name}/similar?word=frog&n=5")
    if r.status_code != 200:
        return r.status_code, r.json()["error"]
    return 200, [(x["word"], x["score"]) for x in r.json()["results"]]


def overwrite(npy, U: np.ndarray) -> None:
    """Write `U` over the rows of vectors.npy in place ('r+b': same inode, same size)."""
    with open(npy, "r+b") as f:
        f.seek(os.path.getsize(npy) - U.nbytes)
        f.write(U.tobytes())


@pytest.fixture(params=[0, 1], ids=["threads", "processes"])
def served(tmp_path, request, monkeypatch):
    """A server on a models directory holding model `m` and its vectors.npy, that stats the
    files at every query."""
    monkeypatch.setattr(M, "IDENTITY_SECONDS", 0.0)
    models = tmp_path / "models"
    toy_vectors().save(models / "m")
    app = create_app({}, models, query_processes=request.param)
    with local_client(app) as c:
        yield c, models / "m" / "vectors.npy"


def test_overwritten_in_place_the_new_vectors_are_served(served):
    c, npy = served
    assert similar(c)[0] == 200
    U = np.load(npy)
    overwrite(npy, U[::-1].copy())  # the same size: only the times change
    assert similar(c) == (200, w2v.load(npy.parent).most_similar("frog", topn=5))


@pytest.mark.parametrize("extended", ["same", "new"])
def test_truncated_it_is_a_503_until_it_is_whole_again(served, extended):
    c, npy = served
    data = npy.read_bytes()
    before = similar(c)
    os.truncate(npy, 4096)
    for _ in range(2):
        status, error = similar(c)
        assert status == 503 and error.startswith("model 'm' cannot be read"), error
    assert c.get("/health").json()["status"] == "ok"
    with open(npy, "r+b") as f:  # written again, to the same inode
        f.seek(4096)
        f.write(data[4096:])
    if extended == "new":
        overwrite(npy, -np.load(npy)[::-1])
    expected = w2v.load(npy.parent).most_similar("frog", topn=5)
    assert similar(c) == (200, expected)
    assert (expected == before[1]) == (extended == "same")
    if hasattr(c.app.state.queries, "pids"):
        assert len(c.app.state.queries.pids()) == 1


def test_a_query_process_looks_at_the_files_before_reading_its_map(tmp_path, monkeypatch):
    # the server trusts its last look for IDENTITY_SECONDS; here it never looks again, and
    # the query process does not sweep: only its own look before each query stands
    monkeypatch.setattr(M, "IDENTITY_SECONDS", 1e9)
    monkeypatch.setattr(ProcessQueries, "SWEEP_SECONDS", 1e5)
    models = tmp_path / "models"
    toy_vectors().save(models / "m")
    with local_client(create_app({}, models, query_processes=1)) as c:
        assert similar(c)[0] == 200
        (pid,) = c.app.state.queries.pids()
        os.truncate(models / "m" / "vectors.npy", 4096)
        status, error = similar(c)
        assert c.app.state.queries.pids() == [pid]  # not killed by SIGBUS
        assert status == 503 and error.startswith("model 'm' cannot be read"), error


THREADS_SERVER = """
import os, sys
import w2v, w2v.vectors
from fastapi.testclient import TestClient
from w2v.serve import models as M
from w2v.serve.app import create_app

models, when = sys.argv[1], sys.argv[2]
npy = os.path.join(models, "m", "vectors.npy")
# as for a model of more than w2v.vectors.COPY_BYTES (1 GiB): w2v.load maps U and
# queries scan the map in place instead of copying it into memory
w2v.vectors.load.__defaults__ = ("w2v-model", True, 0)
if when == "opening":  # truncated while the server opens the model, before the norms
    warm = w2v.Vectors.warm

    def truncating(self):
        os.truncate(npy, 4096)
        return warm(self)

    w2v.Vectors.warm = truncating
M.IDENTITY_SECONDS = 1e9  # the server's last look at the files stands
app = create_app({}, models, query_processes=0)
with TestClient(app, base_url="http://localhost") as c:
    if when == "serving":
        assert c.get("/v1/models/m/similar?word=frog").status_code == 200
        os.truncate(npy, 4096)
        print(c.get("/v1/models/m/similar?word=frog").status_code)
    M.IDENTITY_SECONDS = 0.0  # now it looks
    r = c.get("/v1/models/m/similar?word=frog")
    print(r.status_code, r.json().get("error"))
    print(c.get("/v1/models/ok/similar?word=frog").status_code)
"""


@pytest.mark.slow
@pytest.mark.parametrize("when", ["serving", "opening"])
def test_a_threads_server_never_reads_a_file_map(tmp_path, when):
    # in a subprocess: SIGBUS would kill pytest
    models = tmp_path / "models"
    toy_vectors().save(models / "m")
    toy_vectors(300, 6, seed=1).save(models / "ok")
    out = subprocess.run(
        [sys.executable, "-c", THREADS_SERVER, str(models), when],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        timeout=120,
    )
    assert out.returncode == 0, (out.returncode, out.stderr[-2000:])  # -7: SIGBUS
    lines = out.stdout.splitlines()
    if when == "serving":  # answered from U in memory until the server looks
        assert lines.pop(0) == "200"
    assert lines[0].startswith("503 model 'm' cannot be read"), lines
    assert lines[1] == "200"


def test_read_model_reads_u_and_refuses_a_file_cut_short_under_it(tmp_path, monkeypatch):
    toy_vectors(300, 6).save(tmp_path / "m")
    vec = M.read_model(tmp_path / "m")
    assert type(vec.vectors) is np.ndarray  # read, not mapped
    assert np.array_equal(vec.vectors, np.load(tmp_path / "m" / "vectors.npy"))
    assert vec.most_similar("frog") == w2v.load(tmp_path / "m").most_similar("frog")
    load = w2v.load

    def load_then_truncate(path):  # mapped whole, then cut short before U is read
        mapped = load(path)
        os.truncate(tmp_path / "m" / "vectors.npy", 4096)
        return mapped

    monkeypatch.setattr(w2v, "load", load_then_truncate)
    with pytest.raises(w2v.ModelError, match="shorter than its header says"):
        M.read_model(tmp_path / "m")
