"""The pipeline on gcide_wn split into 8 shards: the single-process runner against a Dask
LocalCluster of 1 and of 2 worker processes (one thread each), in the same run.

    PYTHONPATH=. python scripts/bench_dask.py [--epochs 5] [--rounds 4] [--no-plain] [--copies 1]
                                              [--repeats 4]

Per step: seconds, CPU seconds and peak memory (the client process; each worker); for the
counting steps on Dask, where the step's wall time goes (Dask's task stream). For training: the
Google-analogy accuracy (restrict 30000) and WordSim353 ρ of every run, the network volume
per round, and, unless --no-plain, the same 2-worker training with Spark MLlib's plain
average (scale_alpha = false). Each configuration runs in a fresh process after a warm-up
pipeline on 2,000 lines, in as many shards, in the same process and cluster (every worker
has run every kind of task: Numba caches loaded, modules imported), as a long-lived cluster
would be. Then tokenize + vocab run --repeats more times on the same cluster; the counting
bar is checked on the first run and on the best run of each configuration.
"""

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from _bench import run_child, unpacked_corpus

CHILD = """
import json, re, time
from pathlib import Path
from pipelines import config as config_mod, runner

class Timed:
    # the executor, recording when each of its steps starts and ends (time.time(): the
    # clock of Dask's task stream) and the client's CPU seconds during the step
    def __init__(self, executor):
        self.executor, self.span, self.cpu = executor, {}, {}
    def __getattr__(self, name):
        method = getattr(self.executor, name)
        if name not in runner.NAMES:
            return method
        def step(*args):
            t0, c0 = time.time(), time.process_time()
            try:
                return method(*args)
            finally:
                self.span[name] = (t0, time.time())
                self.cpu[name] = time.process_time() - c0
        return step

def run_pipeline(config, run_dir, executor):
    cfg = config_mod.load(config)
    cpu = {}  # step -> this process's CPU seconds when it started and when it ended
    def echo(line):
        m = re.match(r"\\[\\d+/\\d+\\] (\\w+)( \\.\\.\\.|: done)", line)
        if m:
            cpu.setdefault(m.group(1), []).append(time.process_time())
    if executor is None:
        report = runner.run(cfg, Path(run_dir), echo=echo)
        stream = []
    else:
        from distributed import get_task_stream
        executor = Timed(executor)
        with get_task_stream(executor.client) as ts:
            report = runner.run(cfg, Path(run_dir), echo=echo, executor=executor)
        stream = ts.data
    manifest = json.loads((Path(run_dir) / 'manifest.json').read_text())
    steps = {}
    for r in report:
        if r.state != 'ran':
            continue
        stats = manifest['steps'][r.name]['stats'] or {}
        steps[r.name] = {'seconds': r.seconds, 'client_mb': r.peak_rss_mb,
                         'workers_mb': stats.get('worker_peak_mb'), 'stats': stats,
                         'cpu': cpu[r.name][1] - cpu[r.name][0]
                                + sum(stats.get('worker_cpu_s') or [])}
        if stream and r.name in executor.span:
            steps[r.name]['tasks'] = tasks_of(stream, *executor.span[r.name])
            steps[r.name]['client_cpu'] = executor.cpu[r.name]
    ev = json.loads((Path(run_dir) / 'eval.json').read_text())
    return {'steps': steps, 'analogy': ev['analogies']['accuracy'],
            'ws353': ev['pairs']['wordsim353.tsv']['spearman']}

def tasks_of(stream, t0, t1):
    # the compute spans of the tasks that ran between t0 and t1: {worker: [(start, seconds)]},
    # start relative to t0
    out = {}
    for t in stream:
        for s in t['startstops']:
            if s['action'] == 'compute' and t0 <= s['start'] <= t1:
                out.setdefault(t['worker'], []).append((s['start'] - t0, s['stop'] - s['start']))
    return {w: sorted(v) for w, v in sorted(out.items())}

def count_again(config, run_dir, executor, repeats):
    # tokenize + vocab run `repeats` more times into run_dir (the steps themselves, as the
    # runner calls them): [(wall seconds, CPU seconds of the client and the workers,
    # tokenize's wall seconds)]
    from pipelines.steps import tokenize, vocab
    cfg = config_mod.load(config)
    Path(run_dir).mkdir(parents=True, exist_ok=True)
    out = []
    for _ in range(repeats):
        wall = cpu = 0.0
        for step in (tokenize, vocab):
            if step is vocab:
                tok = wall
            ins, outs = step.inputs(cfg, Path(run_dir)), step.outputs(cfg, Path(run_dir))
            t0, c0 = time.perf_counter(), time.process_time()
            if executor is None:
                stats = step.run(ins, outs, step.settings(cfg))
            else:
                stats = getattr(executor, step.NAME)(ins, outs, step.settings(cfg))
            wall += time.perf_counter() - t0
            cpu += time.process_time() - c0 + sum(stats.get('worker_cpu_s') or [])
        out.append((wall, cpu, tok))
    return out

def main(n_workers, warm_config, config, run_dir, plain_config, repeats):
    n_workers, repeats = int(n_workers), int(repeats)
    if n_workers == 0:
        run_pipeline(warm_config, run_dir + '-warm', None)
        result = run_pipeline(config, run_dir, None)
        result['counting'] = count_again(config, run_dir + '-again', None, repeats)
        return result
    from distributed import Client, LocalCluster
    from pipelines.dask.executor import DaskExecutor
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      host='127.0.0.1', dashboard_address=None) as cluster, \\
         Client(cluster) as client:
        make = lambda path: DaskExecutor(client, config_mod.load(path)['dask'],
                                         echo=lambda s: None)
        run_pipeline(warm_config, run_dir + '-warm', make(warm_config))
        result = run_pipeline(config, run_dir, make(config))
        result['counting'] = count_again(config, run_dir + '-again', make(config), repeats)
        if plain_config != '-':
            result['plain'] = run_pipeline(plain_config, run_dir, make(plain_config))
    return result
"""

CONFIG = """
[corpus]
paths = ["{shards}/*.txt"]
[vocab]
min_count = 5
[train]
trainer = "sgns"
dim = 100
window = 5
negative = 5
sample = 1e-3
epochs = {epochs}
workers = 2
seed = 1
[evaluate]
restrict = 30000
pairs = ["default"]
[export]
formats = []
[dask]
rounds_per_epoch = {rounds}
scale_alpha = {scale}
"""


def split(path: Path, out: Path, n: int, copies: int = 1) -> None:
    """`path` cut into n shards of consecutive lines; each shard's text repeated `copies`
    times (a larger corpus with the same vocabulary, to see how counting scales with size)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    size = (len(lines) + n - 1) // n
    out.mkdir(parents=True)
    for i in range(n):
        (out / f"part{i}.txt").write_text("".join(lines[i * size : (i + 1) * size]) * copies)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def mb(x) -> str:
    if x is None:
        return "-"
    if isinstance(x, list):
        return "/".join(f"{v:.0f}" for v in x)
    return f"{x:.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=4, help="[dask] rounds_per_epoch")
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--no-plain", action="store_true", help="skip the plain-average training")
    ap.add_argument(
        "--copies", type=int, default=1, help="each shard's text this many times (default 1)"
    )
    ap.add_argument(
        "--repeats", type=int, default=4, help="extra runs of tokenize + vocab (best is kept)"
    )
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="w2v-bench-dask-"))
    try:
        corpus = unpacked_corpus()
        split(corpus, base / "shards", args.shards, args.copies)
        # As many shards as the measured corpus: every worker runs a task of every step.
        head = corpus.read_text(encoding="utf-8").splitlines(keepends=True)[:2000]
        (base / "head.txt").write_text("".join(head))
        split(base / "head.txt", base / "warm", args.shards)
        configs = {}
        for name, shards, epochs, scale in (
            ("bench", "shards", args.epochs, "true"),
            ("plain", "shards", args.epochs, "false"),
            ("warm", "warm", 1, "true"),
        ):
            configs[name] = base / f"{name}.toml"
            configs[name].write_text(
                CONFIG.format(shards=shards, epochs=epochs, rounds=args.rounds, scale=scale)
            )
        load_before = load()
        results = {}
        for label, n in (("local", 0), ("1 worker", 1), ("2 workers", 2)):
            plain = str(configs["plain"]) if n == 2 and not args.no_plain else "-"
            results[label] = run_child(
                CHILD, str(n), str(configs["warm"]), str(configs["bench"]),
                str(base / f"run-{n}"), plain, str(args.repeats),
            )  # fmt: skip
        load_after = load()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    report(args, results, load_before, load_after)


def breakdown(one, two):
    """Where the counting steps' wall time goes on Dask: before the first task (client:
    path check, graph), the tasks (per worker: how many, busy seconds, CPU seconds of the
    process), idle workers between the first and last task, after the last one (client:
    results, probes, files)."""
    print("\nwhere the counting steps' wall time goes (Dask task stream; seconds)")
    print(f"{'step':10}{'workers':>8}{'wall':>7}{'before':>8}{'tasks':>7}{'after':>7}{'idle':>7}"
          f"{'client cpu':>11}   per worker: tasks, busy s; cpu s")  # fmt: skip
    for step in ("tokenize", "vocab"):
        for n, r in ((1, one), (2, two)):
            st = r["steps"][step]
            tasks = st["tasks"]
            spans = [(a, a + d) for v in tasks.values() for a, d in v]
            first, last = min(a for a, _ in spans), max(b for _, b in spans)
            busy = [sum(d for _, d in v) for v in tasks.values()]
            idle = (last - first) * n - sum(busy)
            cpu = st["stats"].get("worker_cpu_s") or []
            per = "  ".join(f"{len(v)}, {b:.2f}" for v, b in zip(tasks.values(), busy, strict=True))
            per += "; cpu s " + "/".join(f"{c:.2f}" for c in cpu)
            print(
                f"{step:10}{n:8}{st['seconds']:7.3f}{first:8.3f}{last - first:7.3f}"
                f"{st['seconds'] - last:7.3f}{idle:7.3f}{st['client_cpu']:11.3f}   {per}"
            )


def report(args, results, load_before, load_after):
    local, one, two = results["local"], results["1 worker"], results["2 workers"]
    print(
        f"gcide_wn{f' x {args.copies}' if args.copies > 1 else ''} in {args.shards} shards; "
        f"sgns dim 100, {args.epochs} epochs; local runner: "
        f"1 process, 2 Numba threads; Dask: LocalCluster, 1 thread per worker; "
        f"rounds_per_epoch {args.rounds}"
    )
    print(f"load average (1, 5, 15 min) before: {load_before}; after: {load_after}  (2 cores)")
    print("\nwall seconds, CPU seconds of all processes, peak MB (client / each worker)")
    print(f"{'step':10}{'local s':>9}{'1w s':>8}{'2w s':>8}{'local cpu':>11}{'1w cpu':>8}"
          f"{'2w cpu':>8}   local | 1w | 2w peak MB")  # fmt: skip
    for step in local["steps"]:
        a, b, c = (r["steps"].get(step, {}) for r in (local, one, two))
        print(
            f"{step:10}{a.get('seconds', 0):9.2f}{b.get('seconds', 0):8.2f}"
            f"{c.get('seconds', 0):8.2f}{a.get('cpu', 0):11.2f}{b.get('cpu', 0):8.2f}"
            f"{c.get('cpu', 0):8.2f}   {mb(a.get('client_mb'))} | "
            f"{mb(b.get('client_mb'))}/{mb(b.get('workers_mb'))} | "
            f"{mb(c.get('client_mb'))}/{mb(c.get('workers_mb'))}"
        )

    def counting(r):
        return r["steps"]["tokenize"]["seconds"] + r["steps"]["vocab"]["seconds"]

    print(
        f"\ncounting (tokenize + vocab): local {counting(local):.2f} s, 1 worker "
        f"{counting(one):.2f} s, 2 workers {counting(two):.2f} s"
    )
    print(
        f"  2 workers vs 1 worker: {counting(one) / counting(two):.2f}x faster (bar: >= 1.6x); "
        f"vs local runner: {counting(local) / counting(two):.2f}x (bar: >= 1.0x)"
    )
    best = [min([counting(r)] + [w for w, *_ in r["counting"]]) for r in (local, one, two)]
    runs = 1 + len(local["counting"])
    print(
        f"  best of {runs} runs: local {best[0]:.2f} s, 1 worker {best[1]:.2f} s, 2 workers "
        f"{best[2]:.2f} s: 2w vs 1w {best[1] / best[2]:.2f}x (bar: >= 1.6x), 2w vs local "
        f"{best[0] / best[2]:.2f}x (bar: >= 1.0x)"
    )
    for label, r in (("local", local), ("1 worker", one), ("2 workers", two)):
        tv = [(r["steps"]["tokenize"]["seconds"], r["steps"]["vocab"]["seconds"])]
        tv += [(t, w - t) for w, _, t in r["counting"]]
        print(
            f"    {label:10} runs (tokenize + vocab): "
            + ", ".join(f"{t:.2f}+{v:.2f}" for t, v in tv)
        )
    cpu = [sorted(c for _, c, _ in r["counting"]) for r in (local, one, two)]
    if all(cpu):
        print(
            "  CPU seconds of the repeats (median): "
            f"local {cpu[0][len(cpu[0]) // 2]:.2f}, 1 worker {cpu[1][len(cpu[1]) // 2]:.2f}, "
            f"2 workers {cpu[2][len(cpu[2]) // 2]:.2f}"
        )
    tok = [r["steps"]["tokenize"]["seconds"] for r in (local, one, two)]
    print(f"  tokenize alone: 2w vs 1w {tok[1] / tok[2]:.2f}x, 2w vs local {tok[0] / tok[2]:.2f}x")

    def cores(r):
        s = [r["steps"][k] for k in ("tokenize", "vocab")]
        return sum(x["cpu"] for x in s) / sum(x["seconds"] for x in s)

    print(
        f"  cores used while counting (CPU s / wall s): local {cores(local):.2f}, "
        f"1 worker {cores(one):.2f}, 2 workers {cores(two):.2f}"
    )
    breakdown(one, two)
    print(f"\n{'training':34}{'seconds':>9}{'analogy':>9}{'ws353':>8}")
    rows = [("local runner (2 threads, Hogwild)", local), ("Dask, 1 worker", one)]
    rows.append(("Dask, 2 workers", two))
    if "plain" in two:
        rows.append(("Dask, 2 workers, plain average", two["plain"]))
    for label, r in rows:
        print(
            f"{label:34}{r['steps']['train']['seconds']:9.1f}{r['analogy']:9.4f}{r['ws353']:8.4f}"
        )
    d_an = 100 * (two["analogy"] - local["analogy"])
    d_ws = two["ws353"] - local["ws353"]
    print(
        f"2 workers - local: analogy {d_an:+.2f} points (bar: within 1.5), "
        f"ws353 {d_ws:+.4f} (bar: within 0.02)"
    )
    st = two["steps"]["train"]["stats"]
    print(
        f"network per round (2 workers, {st['rounds']} rounds): weights scattered "
        f"{st['scattered_mb_per_round']:.1f} MB, rows returned {st['returned_mb_per_round']:.1f} MB"
    )


if __name__ == "__main__":
    main()
