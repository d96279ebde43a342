"""The explorer page in a real headless Chromium (Debian's `chromium`, driven by Playwright
for Python): what a user sees matches the API, the forms and the address work, a job
started from the page finishes and its model appears, the token is asked for, a word
made of HTML stays text, and no page logs a console error.

One `w2v serve` (with a token, a query process, a tiny model and corpus) and one browser
for the module; each test opens its own context (a fresh sessionStorage).

    pytest -m browser        # these alone
"""

import json
import math
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

import w2v
from tests.helpers import REPO, WORDS, write_small_corpus

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a server and a browser per module

CHROMIUM = shutil.which("chromium")
TOKEN = "browser-test-token"
XSS = "<img src=x onerror=alert(1)>"
MARGIN = 40  # scatter.js: pixels around the data when a map is fitted
WAIT_MS = 30_000  # for what the page shows (a job gets longer)


def tiny_model(path) -> None:
    """The test_serve toy words, the XSS word among frog's nearest neighbours, random filler."""
    rng = np.random.default_rng(0)
    words = [*WORDS, XSS] + [f"w{i:04d}" for i in range(2000 - len(WORDS) - 1)]
    U = rng.standard_normal((len(words), 16)).astype(np.float32)
    U[1] = U[0] + 0.1 * U[1]  # toad next to frog
    U[len(WORDS)] = U[0] + 0.3 * U[len(WORDS)]  # the XSS word near frog too
    meta = {"trainer": "toy", "source": "/somewhere/tiny.txt", "corpus": {"tokens": 123_456}}
    w2v.Vectors(words, U, np.arange(len(words), 0, -1), meta=meta).save(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(base: str, path: str, **params) -> dict:
    """A call of the API, as a client other than the page makes it."""
    url = f"{base}{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
    request = urllib.request.Request(url, headers={"authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.loads(r.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`w2v serve` from this checkout, with a token; yields its base URL."""
    root = tmp_path_factory.mktemp("explorer-browser")
    tiny_model(root / "m")
    (root / "data").mkdir()
    write_small_corpus(root / "data" / "small.txt", lines=1500)
    port = free_port()
    cmd = [sys.executable, "-m", "w2v", "serve", "-m", f"m={root / 'm'}"]
    cmd += ["--models-dir", str(root / "models"), "--data-root", str(root / "data")]
    cmd += ["--port", str(port), "--token", TOKEN, "--query-workers", "1"]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(cmd, env=env, cwd=root, stderr=subprocess.PIPE, text=True)
    base = f"http://localhost:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{base}/health", timeout=5)
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read()
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(30)


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield b
        b.close()


class Page:
    """A page in a fresh context, with every console error, page error and JavaScript
    dialog (an alert would be one) it produced."""

    def __init__(self, browser, server, token: bool):
        self.context = browser.new_context(viewport={"width": 1100, "height": 800})
        if token:  # as if the user had given it: the prompt has its own test
            self.context.add_init_script(f"sessionStorage.setItem('w2v-token', {TOKEN!r})")
        self.page = self.context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.server = server
        self.errors, self.dialogs, self.requests = [], [], []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r))

    def open(self, hash_: str):
        self.page.goto(f"{self.server}/{hash_}")
        self.page.wait_for_function("() => document.documentElement.dataset.firstView")
        return self.page


@pytest.fixture
def open_page(browser, server):
    """open_page(hash) -> the Playwright page at that address; checked afterwards for
    console errors and dialogs."""
    pages = []

    def opener(hash_: str = "", token: bool = True, expect_errors: bool = False):
        p = Page(browser, server, token)
        p.expect_errors = expect_errors
        pages.append(p)
        return p.open(hash_) if hash_ is not None else p

    yield opener
    for p in pages:
        try:
            if not p.expect_errors:
                assert p.errors == [], p.errors
            assert p.dialogs == []
        finally:
            p.context.close()


def table_rows(page, table: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"#{table} tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )


def shown_results(page) -> list[tuple[str, float]]:
    page.wait_for_selector("#neighbours-table tbody tr")
    return [(word, float(score)) for _, word, score in table_rows(page, "neighbours-table")]


def api_results(server, path: str, **params) -> list[tuple[str, float]]:
    return [(r["word"], round(r["score"], 3)) for r in get(server, path, **params)["results"]]


# ---- neighbours ----------------------------------------------------------------------------------


def test_the_address_shows_frogs_neighbours_as_the_api_gives_them(open_page, server):
    page = open_page("#/models/m/similar/frog")
    assert shown_results(page) == api_results(server, "/v1/models/m/similar", word="frog", n=20)
    assert page.input_value("#similar-word") == "frog"
    assert page.is_visible("#view-neighbours") and not page.is_visible("#view-map")


def test_a_click_on_a_neighbour_searches_for_it(open_page, server):
    page = open_page("#/models/m/similar/frog")
    page.click("#neighbours-table a:text-is('toad')")
    page.wait_for_url("**/#/models/m/similar/toad")
    page.wait_for_function("() => document.querySelector('#similar-word').value === 'toad'")
    page.wait_for_selector("#neighbours-table a:text-is('frog')")
    assert shown_results(page) == api_results(server, "/v1/models/m/similar", word="toad", n=20)
    page.go_back()  # the address kept the state: back is the previous search
    page.wait_for_function("() => document.querySelector('#similar-word').value === 'frog'")


def test_the_search_box_completes_from_the_vocabulary(open_page, server):
    page = open_page("#/models/m")
    page.type("#similar-word", "w00")
    page.wait_for_selector("#completions option", state="attached")
    offered = page.eval_on_selector_all("#completions option", "os => os.map(o => o.value)")
    assert offered == get(server, "/v1/models/m/words", prefix="w00", n=12)["words"]
    page.fill("#similar-word", "queen")
    page.press("#similar-word", "Enter")
    page.wait_for_url("**/#/models/m/similar/queen")
    assert shown_results(page) == api_results(server, "/v1/models/m/similar", word="queen", n=20)


def test_the_analogy_form(open_page, server):
    page = open_page("#/models/m")
    page.fill("#analogy-a", "king")
    page.fill("#analogy-b", "man")
    page.fill("#analogy-c", "woman")
    page.select_option("#analogy-method", "mul")
    page.click("#analogy-form button")
    page.wait_for_url("**/#/models/m/analogy/king/man/woman/mul")
    expected = api_results(
        server, "/v1/models/m/analogy", a="king", b="man", c="woman", method="mul", n=20
    )
    page.wait_for_function(
        "() => document.querySelector('#neighbours-status').textContent.includes('3CosMul')"
    )
    assert shown_results(page) == expected
    assert "king − man + woman" in page.text_content("#neighbours-status")


def test_an_unknown_word_says_so_and_suggests(open_page):
    page = open_page("#/models/m/similar/frgo", expect_errors=True)  # the 404 is logged
    page.wait_for_selector("#neighbours-status a:text-is('frog')")
    assert "frgo" in page.text_content("#neighbours-status")


# ---- the map -------------------------------------------------------------------------------------


def screen_positions(page, data) -> dict[str, tuple[float, float]]:
    """Where scatter.js puts each word once fitted, in page coordinates."""
    box = page.locator("#map-canvas").bounding_box()
    xs, ys = data["x"] + (data.get("query") or [])[:1], data["y"] + (data.get("query") or [])[1:]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    k = min((box["width"] - 2 * MARGIN) / (x1 - x0), (box["height"] - 2 * MARGIN) / (y1 - y0))
    ox = box["width"] / 2 - k * (x0 + x1) / 2
    oy = box["height"] / 2 + k * (y0 + y1) / 2
    return {
        w: (box["x"] + ox + k * x, box["y"] + oy - k * y)
        for w, x, y in zip(data["words"], data["x"], data["y"], strict=True)
    }


def pixel(page, x: float, y: float) -> list[int]:
    """The RGBA of the map canvas at page position (x, y)."""
    return page.evaluate(
        """([x, y]) => {
            const c = document.querySelector('#map-canvas');
            const r = c.getBoundingClientRect(), s = c.width / r.width;
            const at = [(x - r.left) * s, (y - r.top) * s];
            return [...c.getContext('2d').getImageData(...at, 1, 1).data];
        }""",
        [x, y],
    )


def hover_tip(page, x: float, y: float) -> str:
    page.mouse.move(x, y)
    page.wait_for_selector("#map-tip:not([hidden])")
    return page.text_content("#map-tip")


def test_the_map_draws_a_word_and_its_neighbours(open_page, server):
    page = open_page("#/models/m/map/similar/frog")
    page.wait_for_selector("#map-canvas[data-drawn='101']")
    data = get(server, "/v1/models/m/map", word="frog", n=100)
    at = screen_positions(page, data)
    for word in ("frog", "toad", data["words"][50]):
        assert pixel(page, *at[word])[3] > 0, word  # a point is drawn where the word is
        assert hover_tip(page, *at[word]).split()[0] == word
    assert "101 words" in page.text_content("#map-caption")


def test_the_map_of_the_most_frequent_words_zooms_and_pans(open_page, server):
    page = open_page("#/models/m/map/2000")
    page.wait_for_selector("#map-canvas[data-drawn='2000']")
    box = page.locator("#map-canvas").bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(*centre)
    page.mouse.wheel(0, -1500)  # zoom in around the centre: points leave the view
    page.wait_for_function("() => +document.querySelector('#map-canvas').dataset.drawn < 2000")
    zoomed = int(page.get_attribute("#map-canvas", "data-drawn"))
    page.mouse.down()
    page.mouse.move(centre[0] + 300, centre[1], steps=5)  # pan: other points come in
    page.mouse.up()
    page.wait_for_function(
        f"() => +document.querySelector('#map-canvas').dataset.drawn !== {zoomed}"
    )
    page.dblclick("#map-canvas")  # fit again
    page.wait_for_selector("#map-canvas[data-drawn='2000']")


def test_the_map_of_an_analogy_draws_two_arrows(open_page, server):
    page = open_page("#/models/m/map/analogy/king/man/woman/add")
    page.wait_for_selector("#map-canvas[data-drawn='8']")  # b, a, c and 5 answers
    data = get(server, "/v1/models/m/map/analogy", a="king", b="man", c="woman", n=5)
    at = screen_positions(page, data)
    b, a, c, d = (at[w] for w in data["words"][:4])
    for p, q in ((b, a), (c, d)):  # red pixels along each arrow, away from its ends
        along = [(p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])) for t in (0.35, 0.5, 0.65)]
        colours = [pixel(page, *xy) for xy in along]
        assert any(r > 150 and g < 100 and bl < 100 for r, g, bl, _ in colours), colours
    assert hover_tip(page, *d).split()[0] == data["words"][3]


# ---- jobs ----------------------------------------------------------------------------------------


def test_a_job_started_from_the_page_finishes_and_its_model_appears(open_page, server):
    page = open_page("#/jobs")
    page.fill("#job-form [name=corpus]", "small.txt")
    page.fill("#job-form [name=name]", "from-page")
    page.fill("#job-form [name=dim]", "8")
    page.fill("#job-form [name=min_count]", "2")
    page.fill("#job-form [name=epochs]", "1")
    page.click("#job-form button")
    row = page.locator("#jobs-table tr", has_text="from-page")
    row.wait_for()
    page.wait_for_selector("#jobs-table tr.job-done:has-text('from-page')", timeout=180_000)
    assert get(server, "/v1/jobs", limit=1)["jobs"][0]["name"] == "from-page"
    # the model appears: in the picker at once, and in the list
    page.wait_for_selector("#model-select option[value='from-page']", state="attached")
    page.click("#jobs-table a:text-is('from-page')")
    page.wait_for_url("**/#/models/from-page")
    page.click("#nav-models")
    page.wait_for_selector("#models-table a:text-is('from-page')")
    row = next(r for r in table_rows(page, "models-table") if r[0] == "from-page")
    assert row[1:4] == [f"{get(server, '/v1/models/from-page')['vocab_size']:,}", "8", "sgns"]
    assert row[4] == "small.txt"


def test_a_job_started_elsewhere_shows_its_model_however_soon_it_ends(open_page, server):
    # a tiny job ends within one poll (1 s) of starting: the page may first see it done
    page = open_page("#/jobs")
    page.wait_for_selector("#jobs-table tr.job-done")  # the first listing is in (a job above)
    config = {"dim": 8, "min_count": 2, "epochs": 1}
    request = urllib.request.Request(
        f"{server}/v1/jobs",
        data=json.dumps({"corpus": "small.txt", "name": "from-api", "config": config}).encode(),
        headers={"authorization": f"Bearer {TOKEN}", "content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as r:
        assert json.loads(r.read())["state"] in ("queued", "running")
    page.wait_for_selector("#model-select option[value='from-api']", state="attached")


# ---- the token and the XSS word ------------------------------------------------------------------


def test_the_token_is_asked_once_and_kept_out_of_urls(open_page):
    p = open_page(None, token=False, expect_errors=True)  # the wrong token's 401 is logged
    page = p.page
    page.goto(f"{p.server}/#/models")
    page.wait_for_selector("#token-dialog[open]")
    assert not page.is_visible("#models-table a")
    page.fill("#token-input", "wrong")
    page.press("#token-input", "Enter")
    page.wait_for_function(
        "() => document.querySelector('#token-why').textContent.includes('refused')"
    )
    assert page.is_visible("#token-dialog")
    page.fill("#token-input", TOKEN)
    page.press("#token-input", "Enter")
    page.wait_for_selector("#models-table a:text-is('m')")
    assert page.evaluate("sessionStorage.getItem('w2v-token')") == TOKEN
    assert page.evaluate("localStorage.length") == 0
    page.goto(f"{p.server}/#/models/m/similar/frog")  # a reload in the same tab: not asked
    page.wait_for_selector("#neighbours-table tbody tr")
    assert not page.is_visible("#token-dialog")
    assert p.requests and all(TOKEN not in r.url for r in p.requests)
    api_calls = [r for r in p.requests if "/v1/" in r.url]
    assert api_calls[-1].headers["authorization"] == f"Bearer {TOKEN}"
    assert [e for e in p.errors if "401" not in e] == []


def test_a_word_made_of_html_is_shown_as_text(open_page, server):
    page = open_page("#/models/m/similar/frog")
    shown = [word for word, _ in shown_results(page)]
    assert XSS in shown  # the table cell holds the word, character for character
    page.click(f"#neighbours-table a:text-is('{XSS}')")  # its own search
    page.wait_for_function(f"() => document.querySelector('#similar-word').value === {XSS!r}")
    page.wait_for_selector("#neighbours-table a:text-is('frog')")
    assert XSS in page.text_content("#neighbours-status")
    page.fill("#similar-word", "")
    page.type("#similar-word", "<im")
    page.wait_for_selector("#completions option", state="attached")
    assert page.eval_on_selector_all("#completions option", "os => os.map(o => o.value)") == [XSS]
    page.click("#nav-map")
    page.wait_for_selector("#map-canvas[data-drawn='101']")
    data = get(server, "/v1/models/m/map", word=XSS, n=100)
    assert hover_tip(page, *screen_positions(page, data)[XSS]) == XSS
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("typeof window.alert") == "function"  # and no dialog (checked after)


def test_the_csp_blocks_inline_script_and_eval(open_page):
    page = open_page("#/models", expect_errors=True)  # the refusal is logged
    violated = page.evaluate(
        """() => new Promise(resolve => {
            const seen = e => resolve(e.effectiveDirective);
            document.addEventListener('securitypolicyviolation', seen);
            const s = document.createElement('script');
            s.textContent = 'window.inlineRan = true';
            document.body.append(s);
        })"""
    )
    assert violated == "script-src-elem"
    assert page.evaluate("window.inlineRan") is None
    # eval called by the page itself (a timer's task: Playwright's own evaluation is exempt)
    refused = page.evaluate(
        """() => new Promise(resolve => setTimeout(() => {
            try { eval('1'); resolve('ran'); } catch (e) { resolve(e.name); }
        }))"""
    )
    assert refused == "EvalError"


# ---- the playground ------------------------------------------------------------------------------


def test_the_playground_trains_on_the_server_and_draws(open_page):
    page = open_page("#/playground")
    page.select_option("#playground-form [name=data]", "circles")
    page.fill("#playground-form [name=hidden]", "4")
    page.fill("#playground-form [name=epochs]", "60")
    page.click("#playground-form button:text-is('Train')")
    page.wait_for_function(
        "() => document.querySelector('#playground-status').textContent.startsWith('done')"
    )
    status = page.text_content("#playground-status")
    assert "epoch 60 of 60" in status
    accuracy = float(status.split("test accuracy ")[1].split(" %")[0])
    assert 0 <= accuracy <= 100 and not math.isnan(accuracy)
    colours = page.evaluate(
        """() => {
            const c = document.querySelector('#playground-surface');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const seen = new Set();
            for (let i = 0; i < d.length; i += 4 * 97) seen.add(d.slice(i, i + 3).join());
            return seen.size;
        }"""
    )
    assert colours > 20  # a shaded surface and points, not a blank canvas
