"""What the explorer page costs, measured in a headless Chromium (Debian's, via Playwright).

    PYTHONPATH=. /work/main/.venv/bin/python scripts/bench_explorer.py [--loads 5] [--rounds 3]

1. First view: `w2v serve` on the gcide_wn model of scripts/bench_serve.py (trained once),
   warmed by one page load; then the page is opened `--loads` times, each in a fresh browser
   context (empty cache), at /#/models/gcide/similar/frog and at /#/models/gcide/map (the
   5,000 most frequent words), and its own measure is printed: performance.now() when the
   view has been drawn (main.js sets data-first-view), i.e. from the start of the
   navigation. Printed, not asserted (shared machine: seconds are noise, see DESIGN.md).
2. What a page open costs the queries: bench_serve.py's load generator (similar queries,
   keep-alive connections) against the same server, alternately with no browser and with
   one browser session open on the Jobs view (which polls the server every second; the
   other views are silent once drawn), `--rounds` times each; requests/s of each and
   their ratio. The browser runs on the same 2 cores as the server, as it would on a
   user's laptop, so its own CPU is part of what it costs.

Only 127.0.0.1 / localhost is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import unpacked_corpus
from bench_serve import WORK, gcide_model, load, query_paths, start_server

VIEWS = {"similar frog": "#/models/gcide/similar/frog", "map, 5000 words": "#/models/gcide/map"}


def first_view(browser, base: str, address: str) -> float:
    """The page's own first-view time (ms) in a fresh context."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{base}/{address}")
        page.wait_for_function("() => document.documentElement.dataset.firstView", timeout=60_000)
        return float(page.evaluate("document.documentElement.dataset.firstView"))
    finally:
        context.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loads", type=int, default=5, help="page loads per view")
    ap.add_argument("--rounds", type=int, default=3, help="query runs without and with a page")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--requests", type=int, default=6000, help="per query run")
    ap.add_argument("--limit", type=float, default=10.0, help="seconds per query run")
    args = ap.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("bench: Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    import w2v

    print("# load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    WORK.mkdir(parents=True, exist_ok=True)
    corpus = unpacked_corpus()
    model = gcide_model(corpus)
    vec = w2v.load(model)
    print(f"model: {model} ({len(vec):,} words, dim {vec.dim})")
    paths_file = WORK / "explorer-similar-paths.json"
    paths_file.write_text(json.dumps(query_paths(vec.words)["similar"]))
    models_dir = Path(tempfile.mkdtemp(prefix="w2v-bench-explorer-"))
    proc, port = start_server(model, corpus.parent, models_dir=models_dir)
    base = f"http://localhost:{port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True)
            for address in VIEWS.values():  # warm the server: models read, caches filled
                first_view(browser, base, address)
            for name, address in VIEWS.items():
                times = [first_view(browser, base, address) for _ in range(args.loads)]
                print(
                    f"first view, {name}: median {statistics.median(times):.0f} ms "
                    f"(page's own measure; runs {', '.join(f'{t:.0f}' for t in times)} ms)"
                )
            load(port, paths_file, 4, 200, 10)  # warm-up of the query path
            rates = {"no browser": [], "one page open (Jobs view)": []}
            for _ in range(args.rounds):
                for setting in rates:
                    context = None
                    if setting != "no browser":
                        context = browser.new_context()
                        page = context.new_page()
                        page.goto(f"{base}/#/jobs")
                        page.wait_for_function("() => document.documentElement.dataset.firstView")
                        time.sleep(1)
                    r = load(port, paths_file, args.concurrency, args.requests, args.limit)
                    rates[setting].append(r["rps"])
                    print(
                        f"  {setting:26s} similar c={args.concurrency}: {r['rps']:7,.0f} req/s  "
                        f"p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  "
                        f"errors {r['errors']}",
                        flush=True,
                    )
                    if context is not None:
                        context.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(models_dir, ignore_errors=True)
    without, with_page = (statistics.median(v) for v in rates.values())
    print(
        f"query rate, median of {args.rounds}: {without:,.0f} req/s without a browser, "
        f"{with_page:,.0f} req/s with one page open: {with_page / without:.3f}x"
    )
    print("# load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
