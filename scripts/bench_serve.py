"""Throughput and latency of `w2v serve` on the gcide_wn model, idle and while a job trains.

    PYTHONPATH=. /work/venv/bin/python scripts/bench_serve.py [--requests 4000] [--time-limit 20]

Starts `w2v serve -m gcide=MODEL` on 127.0.0.1 (a free port), then drives it from a
separate load-generating process (asyncio, raw keep-alive HTTP/1.1 connections, one
request in flight per connection) at several concurrencies, for `similar` and `analogy`:
requests/s, p50 and p99 latency, errors (any non-200 or broken connection). Each run is
bounded by a request count and a time limit. The same load then runs again while a
training job (sgns on the gcide corpus) occupies the worker. The peer is the library
itself: the same queries as in-process calls of `Vectors` and of gensim `KeyedVectors`,
one thread, to show what the HTTP layer costs.

The model: trained once with `w2v.train` (dim 100, 5 epochs) into $TMPDIR and reused.
Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import REPO, unpacked_corpus

HOST = "127.0.0.1"
WORK = Path(os.environ.get("TMPDIR", "/tmp")) / "w2v-bench-serve"


# ---- the load generator (runs in its own process: `bench_serve.py --client ...`) ------------


class _Connection(asyncio.Protocol):
    """One keep-alive connection with one request in flight: a response is framed by its
    Content-Length only, and the next request (bytes built before the clock starts) goes
    out as soon as it is complete, as in wrk."""

    def __init__(self, run: _Run):
        self.run = run
        self.buffer = b""
        self.done = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport
        self.send()

    def send(self):
        run = self.run
        if run.sent >= run.n or time.perf_counter() >= run.deadline:
            self.transport.close()
            return
        request = run.requests[run.sent % len(run.requests)]
        run.sent += 1
        self.t0 = time.perf_counter()
        self.transport.write(request)

    def data_received(self, data):
        buffer = self.buffer + data
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            self.buffer = buffer
            return
        head = buffer[:end].lower()
        at = head.find(b"content-length:")
        eol = head.find(b"\r\n", at)
        length = int(head[at + 15 : eol if eol >= 0 else end]) if at >= 0 else 0
        if len(buffer) < end + 4 + length:
            self.buffer = buffer
            return
        self.run.latencies.append(time.perf_counter() - self.t0)
        self.run.errors += buffer[9:12] != b"200"
        self.buffer = buffer[end + 4 + length :]
        self.send()

    def connection_lost(self, exc):
        if self.run.sent < self.run.n and time.perf_counter() < self.run.deadline:
            self.run.errors += 1  # closed by the server mid-run
        if not self.done.done():
            self.done.set_result(None)


class _Run:
    def __init__(self, paths: list[str], n: int, limit: float):
        self.requests = [f"GET {p} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode() for p in paths]
        self.n, self.sent, self.errors = n, 0, 0
        self.latencies: list[float] = []
        self.deadline = time.perf_counter() + limit


async def _drive(port: int, paths: list[str], concurrency: int, n: int, limit: float) -> dict:
    run = _Run(paths, n, limit)
    loop = asyncio.get_running_loop()
    cpu0 = time.process_time()
    t0 = time.perf_counter()

    async def connection():
        try:
            _, protocol = await loop.create_connection(lambda: _Connection(run), HOST, port)
            await protocol.done
        except OSError:
            run.errors += 1

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    lat = sorted(run.latencies)

    def q(p):
        return 1000 * lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")

    return {
        "requests": len(lat),
        "seconds": wall,
        "rps": len(lat) / wall,
        "p50_ms": q(0.5),
        "p99_ms": q(0.99),
        "errors": run.errors,
        "client_cpu_ms": 1000 * cpu / max(1, len(lat)),
    }


def client_main(args) -> None:
    paths = json.loads(Path(args.paths).read_text())
    run = asyncio.run
    with contextlib.suppress(ImportError):  # the serve extra's event loop, as the server's
        import uvloop

        run = uvloop.run
    result = run(_drive(args.port, paths, args.concurrency, args.requests, args.limit))
    print(json.dumps(result))


def load(port: int, paths_file: Path, concurrency: int, requests: int, limit: float) -> dict:
    """One bounded run of the load generator in a separate process."""
    cmd = [
        sys.executable,
        __file__,
        "--client",
        "--port",
        str(port),
        "--paths",
        str(paths_file),
        "--concurrency",
        str(concurrency),
        "--requests",
        str(requests),
        "--limit",
        str(limit),
    ]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=limit + 60)
    if r.returncode != 0:
        sys.exit(f"bench: the load generator failed:\n{r.stderr}")
    return json.loads(r.stdout)


# ---- the server and the model -----------------------------------------------------------------


def gcide_model(corpus: Path) -> Path:
    """The gcide_wn model (w2v.train, dim 100, 5 epochs), trained once and reused."""
    out = WORK / "gcide-model"
    if (out / "meta.json").is_file():
        return out
    import w2v

    print("bench: training the gcide_wn model once with w2v.train (about a minute) ...")
    t0 = time.perf_counter()
    model = w2v.train(str(corpus), dim=100, epochs=5, workers=2, seed=1)
    model.save(out)
    print(f"bench: trained in {time.perf_counter() - t0:.0f} s")
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def http(port: int, method: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://{HOST}:{port}{path}", data, method=method)
    req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def start_server(
    model: Path, data_root: Path, *extra: str, models_dir: Path | None = None
) -> tuple[subprocess.Popen, int]:
    port = free_port()
    models_dir = models_dir or WORK / "models"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [
        sys.executable,
        "-m",
        "w2v",
        "serve",
        "-m",
        f"gcide={model}",
        "--models-dir",
        str(models_dir),
        "--data-root",
        str(data_root),
        "--host",
        HOST,
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            http(port, "GET", "/health")
            return proc, port
        except OSError:
            if proc.poll() is not None:
                sys.exit("bench: the server did not start")
            time.sleep(0.1)
    proc.kill()
    sys.exit("bench: the server did not answer /health in 60 s")


def server_cpu_seconds(pid: int) -> tuple[float, float, float]:
    """User + system CPU seconds of the server process, of its query processes and of its
    training worker, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    main, queries, training = 0.0, 0.0, 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)"
        cpu = (int(fields[11]) + int(fields[12])) / tick
        if int(entry) == pid:
            main += cpu
        elif int(fields[1]) == pid and b"w2v.serve.query_process" in cmdline:
            queries += cpu
        elif int(fields[1]) == pid and b"w2v.serve.worker" in cmdline:
            training += cpu
    return main, queries, training


def query_paths(words: list[str], n: int = 10, seed: int = 0) -> dict[str, list[str]]:
    """Request paths over frequent words (the 10,000 most frequent, skipping the top 100)."""
    rng = random.Random(seed)
    pool = words[100:10_100]
    similar = [f"/v1/models/gcide/similar?word={rng.choice(pool)}&n={n}" for _ in range(2000)]
    analogy = [
        "/v1/models/gcide/analogy?a={}&b={}&c={}&n={}".format(*rng.sample(pool, 3), n)
        for _ in range(2000)
    ]
    return {"similar": similar, "analogy": analogy}


def in_process_peer(model: Path, words: list[str], seconds: float = 3.0) -> dict:
    """Queries per second of the library and of gensim, in this process, one thread."""
    from threadpoolctl import threadpool_limits

    import w2v

    vec = w2v.load(model)
    kv = vec.to_gensim()
    pool = words[100:10_100]
    rates = {}
    with threadpool_limits(1):
        for name, fn in (("w2v", vec.most_similar), ("gensim", kv.most_similar)):
            fn(pool[0], topn=10)
            t0, k = time.perf_counter(), 0
            while time.perf_counter() - t0 < seconds:
                fn(pool[k % len(pool)], topn=10)
                k += 1
            rates[name] = k / (time.perf_counter() - t0)
    return rates


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int)
    ap.add_argument("--paths")
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16, 64])
    ap.add_argument("--requests", type=int, default=4000, help="per run")
    ap.add_argument("--limit", "--time-limit", type=float, default=20.0, help="seconds per run")
    ap.add_argument("--model", type=Path, help="serve this model directory instead")
    ap.add_argument("--query-workers", help="passed to w2v serve (default: one per core)")
    ap.add_argument("--scenarios", nargs="+", default=["idle", "training"])
    ap.add_argument("--kinds", nargs="+", default=["similar", "analogy"])
    args = ap.parse_args()
    if args.client:
        args.concurrency = args.concurrency[0]
        return client_main(args)

    import w2v

    print("# load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    WORK.mkdir(parents=True, exist_ok=True)
    corpus = unpacked_corpus()
    model = args.model or gcide_model(corpus)
    vec = w2v.load(model)
    print(f"model: {model} ({len(vec):,} words, dim {vec.dim}, trainer {vec.meta.get('trainer')})")
    peers = in_process_peer(model, vec.words)
    print(
        f"in-process similar, 1 thread: w2v {peers['w2v']:,.0f}/s, gensim {peers['gensim']:,.0f}/s"
    )
    paths = query_paths(vec.words)
    files = {}
    for kind, p in paths.items():
        files[kind] = WORK / f"{kind}-paths.json"
        files[kind].write_text(json.dumps(p))

    extra = ["--query-workers", args.query_workers] if args.query_workers else []
    proc, port = start_server(model, corpus.parent, *extra)
    rows = []
    try:
        for scenario in args.scenarios:
            job = None
            if scenario == "training":
                job = http(
                    port,
                    "POST",
                    "/v1/jobs",
                    {
                        "corpus": corpus.name,
                        "trainer": "sgns",
                        "name": f"bench-{os.getpid()}",
                        "config": {"epochs": 50},
                    },
                )
                while http(port, "GET", f"/v1/jobs/{job['id']}")["state"] == "queued":
                    time.sleep(0.2)
                time.sleep(3)  # past vocabulary counting, into the epochs
            for kind in args.kinds:
                load(port, files[kind], 4, 200, 10)  # warm-up
                for c in args.concurrency:
                    main0, queries0, training0 = server_cpu_seconds(proc.pid)
                    r = load(port, files[kind], c, args.requests, args.limit)
                    main1, queries1, training1 = server_cpu_seconds(proc.pid)
                    r["training_cores"] = (training1 - training0) / r["seconds"]
                    r["main_ms"] = 1000 * (main1 - main0) / r["requests"]
                    r["queries_ms"] = 1000 * (queries1 - queries0) / r["requests"]
                    r["cpu_ms"] = r["main_ms"] + r["queries_ms"]
                    rows.append((scenario, kind, c, r))
                    print(
                        f"{scenario:9s} {kind:8s} c={c:<3d} {r['rps']:8,.0f} req/s  "
                        f"p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms  "
                        f"errors {r['errors']}  server CPU {r['cpu_ms']:.2f} ms/req "
                        f"(main {r['main_ms']:.2f} + queries {r['queries_ms']:.2f})  "
                        f"client CPU {r['client_cpu_ms']:.2f} ms/req  ({r['requests']} requests)"
                        + (f"  training worker {r['training_cores']:.2f} cores" if job else ""),
                        flush=True,
                    )
            if job is not None:
                state = http(port, "GET", f"/v1/jobs/{job['id']}")
                print(
                    f"training job during the runs: state {state['state']}, progress "
                    f"{state['progress']:.2f}, {state['words_per_sec'] or 0:,.0f} words/s"
                )
                http(port, "DELETE", f"/v1/jobs/{job['id']}")
    finally:
        proc.terminate()
        proc.wait(30)
    summarize(rows, peers)
    print("# load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def summarize(rows: list, peers: dict) -> None:
    idle = [r for s, k, _, r in rows if s == "idle" and k == "similar"]
    if idle:
        best = max(r["rps"] for r in idle)
        print(
            f"peak idle similar: {best:,.0f} req/s over HTTP = {best / peers['w2v']:.2f}x the "
            f"in-process w2v rate on one thread, {best / peers['gensim']:.2f}x gensim's"
        )
        runs = [r for s, k, c, r in rows if s == "idle" and k == "similar" and c >= 4]
        if runs:
            cpu = [r["cpu_ms"] for r in runs]
            total = [r["cpu_ms"] + r["client_cpu_ms"] for r in runs]
            print(
                f"server CPU per idle similar request (c >= 4): {min(cpu):.2f}-{max(cpu):.2f} "
                f"ms, {min(total):.2f}-{max(total):.2f} ms with the load generator's, so two "
                f"otherwise idle cores could answer about {2000 / max(total):,.0f}-"
                f"{2000 / min(total):,.0f} req/s (an estimate)"
            )
        bar = any(r["rps"] >= 1000 and r["p99_ms"] < 50 and r["errors"] == 0 for r in idle)
        print(
            f"bar idle (>=1000 similar/s, p99 < 50 ms, 0 errors at some concurrency): "
            f"{'met' if bar else 'MISSED'}"
        )
    busy = [r for s, _, _, r in rows if s == "training"]
    if busy:
        busy_ok = all(r["errors"] == 0 and r["p99_ms"] < 500 for r in busy)
        print(
            f"bar training (0 errors, p99 < 500 ms at every concurrency): "
            f"{'met' if busy_ok else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
