"""The pipeline on gcide_wn split into 8 shards: the single-process runner against a Dask
LocalCluster of 1 and of 2 worker processes (one thread each), in the same run.

    PYTHONPATH=. python scripts/bench_dask.py [--epochs 5] [--rounds 4] [--no-plain]

Per step: seconds and peak memory (the client process; each worker). For training: the
Google-analogy accuracy (restrict 30000) and WordSim353 ρ of every run, the network volume
per round, and, unless --no-plain, the same 2-worker training with Spark MLlib's plain
average (scale_alpha = false). Each configuration runs in a fresh process after a warm-up
pipeline on 2,000 lines in the same process and cluster (Numba caches loaded, workers
started), as a long-lived cluster would be.
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

def run_pipeline(config, run_dir, executor):
    cfg = config_mod.load(config)
    cpu = {}  # step -> this process's CPU seconds when it started and when it ended
    def echo(line):
        m = re.match(r"\\[\\d+/\\d+\\] (\\w+)( \\.\\.\\.|: done)", line)
        if m:
            cpu.setdefault(m.group(1), []).append(time.process_time())
    report = runner.run(cfg, Path(run_dir), echo=echo, executor=executor)
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
    ev = json.loads((Path(run_dir) / 'eval.json').read_text())
    return {'steps': steps, 'analogy': ev['analogies']['accuracy'],
            'ws353': ev['pairs']['wordsim353.tsv']['spearman']}

def main(n_workers, warm_config, config, run_dir, plain_config):
    n_workers = int(n_workers)
    if n_workers == 0:
        run_pipeline(warm_config, run_dir + '-warm', None)
        return run_pipeline(config, run_dir, None)
    from distributed import Client, LocalCluster
    from pipelines.dask.executor import DaskExecutor
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      host='127.0.0.1', dashboard_address=None) as cluster, \\
         Client(cluster) as client:
        make = lambda path: DaskExecutor(client, config_mod.load(path)['dask'],
                                         echo=lambda s: None)
        run_pipeline(warm_config, run_dir + '-warm', make(warm_config))
        result = run_pipeline(config, run_dir, make(config))
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


def split(path: Path, out: Path, n: int) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    size = (len(lines) + n - 1) // n
    out.mkdir(parents=True)
    for i in range(n):
        (out / f"part{i}.txt").write_text("".join(lines[i * size : (i + 1) * size]))


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
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="w2v-bench-dask-"))
    try:
        corpus = unpacked_corpus()
        split(corpus, base / "shards", args.shards)
        (base / "warm").mkdir()
        head = corpus.read_text(encoding="utf-8").splitlines(keepends=True)[:2000]
        (base / "warm" / "part0.txt").write_text("".join(head))
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
                str(base / f"run-{n}"), plain,
            )  # fmt: skip
        load_after = load()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    report(args, results, load_before, load_after)


def report(args, results, load_before, load_after):
    local, one, two = results["local"], results["1 worker"], results["2 workers"]
    print(
        f"gcide_wn in {args.shards} shards; sgns dim 100, {args.epochs} epochs; local runner: "
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
    tok = [r["steps"]["tokenize"]["seconds"] for r in (local, one, two)]
    print(f"  tokenize alone: 2w vs 1w {tok[1] / tok[2]:.2f}x, 2w vs local {tok[0] / tok[2]:.2f}x")

    def cores(r):
        s = [r["steps"][k] for k in ("tokenize", "vocab")]
        return sum(x["cpu"] for x in s) / sum(x["seconds"] for x in s)

    print(
        f"  cores used while counting (CPU s / wall s): local {cores(local):.2f}, "
        f"1 worker {cores(one):.2f}, 2 workers {cores(two):.2f}"
    )
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
