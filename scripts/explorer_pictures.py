"""Screenshots of the explorer's views for README, into docs/explorer-*.png.

    PYTHONPATH=. /work/main/.venv/bin/python scripts/explorer_pictures.py [--out docs]

Serves the gcide_wn model of scripts/bench_serve.py (trained once) with `w2v serve`, opens
each view in Debian's headless chromium (Playwright) and saves it as a palette PNG (256
colours, a few tens of KB). The Jobs view is taken while a job trains on the embedded
corpus, so its progress and loss curve show. Only localhost is contacted.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import REPO, unpacked_corpus
from bench_serve import gcide_model, start_server

SIZE = {"width": 1100, "height": 720}


def drawn(page) -> None:
    page.wait_for_function("() => document.documentElement.dataset.firstView", timeout=60_000)
    time.sleep(0.5)  # the canvases' last frame


def save(page, path: Path) -> None:
    """The viewport as a 256-colour PNG."""
    from PIL import Image

    raw = path.with_suffix(".raw.png")
    page.screenshot(path=raw)
    with Image.open(raw) as image:
        image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(
            path, optimize=True
        )
    raw.unlink()
    print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=REPO / "docs")
    args = ap.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    corpus = unpacked_corpus()
    model = gcide_model(corpus)
    models_dir = Path(tempfile.mkdtemp(prefix="w2v-explorer-pictures-"))
    proc, port = start_server(model, corpus.parent, models_dir=models_dir)
    base = f"http://localhost:{port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True)
            page = browser.new_page(viewport=SIZE)
            views = {
                "neighbours": "#/models/gcide/similar/frog",
                "analogy": "#/models/gcide/analogy/king/man/woman/add",
                "map": "#/models/gcide/map/similar/violin",
                "map-analogy": "#/models/gcide/map/analogy/king/man/woman/add",
                "map-top": "#/models/gcide/map/5000",
            }
            for name, address in views.items():
                page.goto(f"{base}/{address}")
                drawn(page)
                if name == "map-top":  # zoomed in until the words in view are labelled
                    box = page.locator("#map-canvas").bounding_box()
                    page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.45)
                    page.mouse.wheel(0, -2200)
                    time.sleep(0.5)
                save(page, args.out / f"explorer-{name}.png")

            page.goto(f"{base}/#/playground")
            drawn(page)
            page.select_option("#playground-form [name=data]", "circles")
            page.fill("#playground-form [name=epochs]", "300")
            page.click("#playground-form button:text-is('Train')")
            page.wait_for_function(
                "() => document.querySelector('#playground-status').textContent.startsWith('done')",
                timeout=120_000,
            )
            save(page, args.out / "explorer-playground.png")

            page.goto(f"{base}/#/jobs")
            drawn(page)
            page.fill("#job-form [name=name]", "wordnet-cbow")
            page.select_option("#job-form [name=trainer]", "cbow")
            page.fill("#job-form [name=epochs]", "3")
            page.click("#job-form button")
            page.wait_for_selector("#jobs-table tr.job-done", timeout=600_000)
            page.fill("#job-form [name=name]", "wordnet-sgns")
            page.select_option("#job-form [name=trainer]", "sgns")
            page.fill("#job-form [name=epochs]", "5")
            page.click("#job-form button")
            page.wait_for_function(
                """() => [...document.querySelectorAll('#jobs-table progress')]
                         .some(p => p.value > 0.5 && p.value < 1)""",
                timeout=600_000,
            )
            save(page, args.out / "explorer-jobs.png")

            page.goto(f"{base}/#/models")
            drawn(page)
            save(page, args.out / "explorer-models.png")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(models_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
