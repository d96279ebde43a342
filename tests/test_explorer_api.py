"""The explorer page's server side, in-process: the page and its files (headers, token,
Host check, no inline script), completion and maps against the library's own numbers,
and playground runs against `train_playground` called directly. The page in a browser
is tests/test_explorer_browser.py."""

import base64
import re
import time
import tomllib

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")

import w2v
from tests.helpers import REPO, local_client, toy_vectors
from w2v.lecture.playground import train_playground
from w2v.plot.figures import pca_fit, unit_rows
from w2v.serve.app import create_app
from w2v.serve.page import CSP, page_files

TOKEN = "s3cret-token"
HEADERS = {"authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp("explorer")
    vec = toy_vectors(2000, 16)
    vec.words[11] = "<img src=x onerror=alert(1)>"  # a word is any string
    vec = w2v.Vectors(vec.words, vec.vectors, vec.counts, meta={"trainer": "toy"})
    vec.save(root / "toy")
    return root


@pytest.fixture(scope="module")
def client(toy):
    app = create_app({"toy": toy / "toy"}, toy / "models", token=TOKEN, query_processes=1)
    with local_client(app, headers=HEADERS) as c:
        yield c


@pytest.fixture(scope="module")
def vec(toy):
    return w2v.load(toy / "toy")


# ---- the page --------------------------------------------------------------------------------


def test_the_page_is_served_with_a_strict_csp_and_without_the_token(client):
    for path in ["/", "/explorer/main.js", "/explorer/style.css", "/explorer/icon.svg"]:
        r = client.get(path, headers={"authorization": ""})
        assert r.status_code == 200, path
        assert r.headers["content-security-policy"] == CSP
        assert "default-src 'self'" in CSP and "unsafe" not in CSP
        assert r.headers["x-content-type-options"] == "nosniff"
    assert client.get("/").headers["content-type"].startswith("text/html")
    assert client.get("/explorer/main.js").headers["content-type"].startswith("text/javascript")
    settings = client.get("/explorer/settings.json", headers={"authorization": ""})
    assert settings.json() == {"token_required": True}
    # the data is not open: the API still wants the token
    assert client.get("/v1/models", headers={"authorization": ""}).status_code == 401
    assert client.get("/v1/models/toy/words", headers={"authorization": ""}).status_code == 401


def test_a_reload_costs_a_304(client):
    first = client.get("/explorer/main.js")
    again = client.get("/explorer/main.js", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["content-security-policy"] == CSP


def test_the_host_check_applies_to_the_page(client):
    for path in ["/", "/explorer/main.js", "/explorer/settings.json"]:
        r = client.get(path, headers={"host": "attacker.example"})
        assert r.status_code == 421, path


def test_unknown_page_files_are_404_and_paths_cannot_leave_the_folder(client):
    assert client.get("/explorer/nope.js").status_code == 404
    assert client.get("/explorer/..%2Fpage.py").status_code == 404
    assert client.get("/explorer/../page.py").status_code in (401, 404)  # normalised by httpx


def test_the_page_has_no_inline_script_style_or_eval():
    files = page_files()
    assert {"index.html", "main.js", "style.css", "icon.svg"} <= set(files)
    html = files["index.html"].body.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(re.search(r'\bsrc="/explorer/[\w.]+\.js"', s) for s in scripts)
    assert all(
        not body.strip() for body in re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S)
    )
    assert not re.search(r"\son[a-z]+=", html) and " style=" not in html and "<style" not in html
    assert not re.search(r"https?://", html.replace("http://www.w3.org", ""))  # no CDN
    for name, f in files.items():
        if name.endswith(".js"):
            code = f.body.decode()
            for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
                assert sink not in code, (name, sink)
            assert not re.search(r"\beval\(|new Function|setTimeout\(\s*[\"'`]", code), name
            assert not re.search(r"https?://", code), name


def test_every_page_file_is_package_data():
    # an installed wheel holds what setuptools' package-data patterns match (checked by
    # hand with `pip wheel .`); a page file in a subfolder would need a pattern of its own
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["w2v"]
    matched = {p for pattern in patterns for p in (REPO / "w2v").glob(pattern) if p.is_file()}
    page = {p for p in (REPO / "w2v" / "serve" / "explorer").rglob("*") if p.is_file()}
    assert page and page <= matched
    assert {p.name for p in page} == set(page_files())  # and the server serves each


# ---- completion and maps -----------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "w", "w01", "fr", "q", "<img", "zzz", "W"])
@pytest.mark.parametrize("n", [1, 5, 100])
def test_completion_gives_the_most_frequent_words_with_the_prefix(client, vec, prefix, n):
    r = client.get("/v1/models/toy/words", params={"prefix": prefix, "n": n})
    assert r.status_code == 200, r.text
    expected = [w for w in vec.words if w.startswith(prefix)][:n]  # rows are by count
    assert r.json() == {"model": "toy", "words": expected}


def test_completion_bounds(client):
    assert client.get("/v1/models/toy/words", params={"n": 101}).status_code == 422
    assert client.get("/v1/models/nope/words", params={"prefix": "a"}).status_code == 404


def projected(vec, words, fit_on=None):
    X = unit_rows(vec, words)
    mean, W = pca_fit(X if fit_on is None else X[:fit_on])
    return (X - mean) @ W, mean, W


def test_the_map_of_a_word_is_the_pca_of_it_and_its_neighbours(client, vec):
    got = client.get("/v1/models/toy/map", params={"word": "frog", "n": 30}).json()
    ranked = vec.most_similar("frog", topn=30)
    assert got["words"] == ["frog"] + [w for w, _ in ranked]
    assert got["scores"] == pytest.approx([s for _, s in ranked])
    Y, _, _ = projected(vec, got["words"])
    np.testing.assert_allclose(np.column_stack([got["x"], got["y"]]), Y, atol=1e-9)
    assert 0 < got["explained"][1] <= got["explained"][0] < 1


def test_the_map_of_the_most_frequent_words(client, vec):
    got = client.get("/v1/models/toy/map", params={"n": 1500}).json()
    assert got["words"] == vec.words[:1500] and got["scores"] == []
    Y, _, _ = projected(vec, vec.words[:1500])
    np.testing.assert_allclose(np.column_stack([got["x"], got["y"]]), Y, atol=1e-9)
    assert client.get("/v1/models/toy/map", params={"n": 20_001}).status_code == 422
    assert client.get("/v1/models/toy/map", params={"word": "frgo"}).json()["suggestions"]


@pytest.mark.parametrize("method", ["add", "mul"])
def test_the_map_of_an_analogy_is_fitted_on_its_four_words(client, vec, method):
    params = {"a": "king", "b": "man", "c": "woman", "n": 4, "method": method}
    got = client.get("/v1/models/toy/map/analogy", params=params).json()
    ranked = vec.analogy("king", "man", "woman", topn=4, method=method)
    assert got["words"] == ["man", "king", "woman"] + [w for w, _ in ranked]
    assert got["scores"] == pytest.approx([s for _, s in ranked])
    Y, mean, W = projected(vec, got["words"], fit_on=4)
    np.testing.assert_allclose(np.column_stack([got["x"], got["y"]]), Y, atol=1e-9)
    X = unit_rows(vec, ["man", "king", "woman"])
    np.testing.assert_allclose(got["query"], (X[1] - X[0] + X[2] - mean) @ W, atol=1e-9)


# ---- the playground ------------------------------------------------------------------------------


def follow(client, run_id: int, timeout: float = 120) -> dict:
    """Poll a run as the page does (since = the epochs it has) until it ends; the whole
    history, and the data set (sent while since is 0: the worker writes it before the
    first epoch's scores)."""
    history, points, deadline = [], None, time.monotonic() + timeout
    while True:
        state = client.get(f"/v1/playground/{run_id}", params={"since": len(history)}).json()
        history += state["history"]
        points = points or state["points"]
        if state["state"] != "running":
            return {**state, "history": history, "points": points}
        assert time.monotonic() < deadline, state
        time.sleep(0.05)


def test_a_playground_run_is_w2v_playgrounds_training(client):
    params = {"data": "circles", "hidden": [4], "activation": "tanh", "lr": 0.1, "epochs": 40}
    r = client.post("/v1/playground", json=params)
    assert r.status_code == 202, r.text
    run = follow(client, r.json()["id"])
    assert run["state"] == "done" and run["error"] is None
    direct = train_playground("circles", hidden=(4,), epochs=40)
    assert [s["epoch"] for s in run["history"]] == list(range(1, 41))
    for got, want in zip(run["history"], direct.history, strict=True):
        assert got["test_loss"] == pytest.approx(want.test_loss, rel=1e-6)
        assert got["train_acc"] == pytest.approx(want.train_acc)
    points = np.array(run["points"]["train"])
    np.testing.assert_allclose(points[:, :2], direct.X_train, atol=1e-4)
    assert (points[:, 2] == direct.y_train).all()
    surface = run["surface"]
    assert surface["epoch"] == 40
    levels = np.frombuffer(base64.b64decode(surface["p"]), np.uint8)
    P = direct.frames[-1][1]
    assert levels.size == P.size == surface["size"] ** 2
    assert np.abs(levels.astype(int) - np.rint(P.ravel() * 255)).max() <= 1


def test_a_playground_run_can_be_stopped_and_runs_are_bounded(client):
    long = {"data": "spiral", "hidden": [64, 64], "epochs": 5000}
    first = client.post("/v1/playground", json=long).json()
    second = client.post("/v1/playground", json=long).json()
    third = client.post("/v1/playground", json=long)
    assert third.status_code == 429, third.text
    for run in (first, second):
        stopped = client.delete(f"/v1/playground/{run['id']}")
        assert stopped.json()["state"] == "cancelled"
    assert client.get(f"/v1/playground/{first['id']}").json()["state"] == "cancelled"
    assert client.delete(f"/v1/playground/{first['id']}").json()["state"] == "cancelled"
    assert client.get("/v1/playground/999").status_code == 404


@pytest.mark.parametrize(
    "bad",
    [
        {"hidden": [8] * 9},
        {"lr": 0},
        {"data": "mnist"},
        {"epochs": 5001},
        {"points": 3},
        {"activation": "gelu"},
        {"hidden": ["8"]},
    ],
)
def test_playground_options_are_bounded(client, bad):
    assert client.post("/v1/playground", json=bad).status_code == 422


def test_a_diverging_playground_run_fails_saying_why(client):
    r = client.post(
        "/v1/playground", json={"activation": "relu", "lr": 10, "hidden": [64, 64, 64], "epochs": 3}
    )
    run = follow(client, r.json()["id"])
    assert run["state"] == "failed" and "diverged" in run["error"], run["error"]
