"""The whole pipeline on gcide_wn split into 8 shards, against the same work done by calling
the library directly, in the same run.

    PYTHONPATH=. python scripts/bench_pipeline.py [--epochs 5] [--trainer sgns]

Prints each step's time and peak memory, both totals and the pipeline's overhead.
"""

import argparse
import shutil
import tempfile
from pathlib import Path

from _bench import run_child, unpacked_corpus

PIPELINE = """
import io, contextlib, json, time
from pathlib import Path
from pipelines import config as config_mod, runner
def main(config, run_dir):
    cfg = config_mod.load(config)
    t0 = time.perf_counter()
    report = runner.run(cfg, Path(run_dir), echo=lambda s: None)
    total = time.perf_counter() - t0
    steps = [{'step': r.name, 'seconds': r.seconds, 'peak_rss_mb': r.peak_rss_mb}
             for r in report]
    return {'total': total, 'steps': steps}
"""

DIRECT = """
import time, tempfile
from pathlib import Path
import numpy as np
def main(shard_dir, trainer, epochs):
    import w2v
    from w2v.config import TrainConfig
    from w2v.corpus import encode_files
    from w2v.evaluate import evaluate_analogies, evaluate_pairs, data_path, PAIRS
    from w2v.io.formats import export
    from w2v.vocab import Vocab, count_words
    from w2v.training import train_encoded
    files = sorted(Path(shard_dir).glob('*.txt'))
    t0 = time.perf_counter()
    total = {}
    for f in files:
        counter, _ = count_words(f)
        for w, c in counter.items():
            total[w] = total.get(w, 0) + c
    vocab = Vocab.from_counter(total, min_count=5)
    with tempfile.TemporaryDirectory() as d:
        corpus = encode_files(files, vocab, Path(d) / 'corpus')
        config = TrainConfig(arch=trainer, epochs=int(epochs), workers=2)
        model = train_encoded(corpus, vocab, config)
        model.save(Path(d) / 'model')
        vec = w2v.load(Path(d) / 'model')
        evaluate_analogies(vec, restrict=30000)
        for name in PAIRS:
            evaluate_pairs(vec, data_path(name))
        export(vec, 'word2vec', Path(d) / 'vectors.txt')
    return {'total': time.perf_counter() - t0}
"""

CONFIG = """
[corpus]
paths = ["shards/*.txt"]
[vocab]
min_count = 5
[train]
trainer = "{trainer}"
epochs = {epochs}
workers = 2
[export]
formats = ["word2vec"]
"""


def split(path: Path, out: Path, n: int) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    size = (len(lines) + n - 1) // n
    out.mkdir(parents=True)
    for i in range(n):
        (out / f"part{i}.txt").write_text("".join(lines[i * size : (i + 1) * size]))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--trainer", default="sgns", choices=["sgns", "cbow"])
    ap.add_argument("--shards", type=int, default=8)
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="w2v-bench-pipeline-"))
    try:
        split(unpacked_corpus(), base / "shards", args.shards)
        config = base / "w2v.toml"
        config.write_text(CONFIG.format(trainer=args.trainer, epochs=args.epochs))
        # A first direct run compiles and caches the kernels, so neither side pays for it.
        run_child(DIRECT, str(base / "shards"), args.trainer, "1")
        direct = run_child(DIRECT, str(base / "shards"), args.trainer, str(args.epochs))
        piped = run_child(PIPELINE, str(config), str(base / "run"))
        again = run_child(PIPELINE, str(config), str(base / "run"))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"gcide_wn in {args.shards} shards, {args.trainer}, {args.epochs} epochs, 2 workers")
    print(f"{'step':10}{'seconds':>10}{'peak MB':>10}")
    for s in piped["steps"]:
        print(f"{s['step']:10}{s['seconds']:10.2f}{s['peak_rss_mb']:10.0f}")
    print(f"{'pipeline':10}{piped['total']:10.2f}{piped['peak_rss_mb']:10.0f}  (process peak)")
    print(f"{'direct':10}{direct['total']:10.2f}{direct['peak_rss_mb']:10.0f}  (process peak)")
    overhead = piped["total"] / direct["total"] - 1
    print(f"pipeline overhead: {100 * overhead:+.1f} %  (bar: under 10 %)")
    print(f"second run (nothing to do): {again['total']:.2f} s")


if __name__ == "__main__":
    main()
