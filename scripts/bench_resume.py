"""What checkpoints cost, and what a killed and resumed run scores (issue 19).

    PYTHONPATH=. /work/main/.venv/bin/python scripts/bench_resume.py [--corpus FILE]
        [--workers 2] [--epochs 5] [--every 3s] [--kill-after 0.5] [--runs 2]

On the unpacked ../shared/data/gcide_wn.txt.xz, skip-gram at the defaults (dim 100, window
5, negative 5, min_count 5), 2 workers, one seed, `w2v train` runs one after the other:

  plainN, checkpointN   RUNS pairs, alternating: no checkpoints, then --checkpoint-every
              EVERY (scaled down from a minute to get several in a run of ~30 s); the model
              records how many checkpoints it wrote and the seconds spent writing them
  killed      --checkpoint-every EVERY, SIGKILLed once KILL_AFTER of its training is done
              (read from its checkpoint), then the same command plus --resume

The overhead bar (≤ 3 % of training time at one checkpoint a minute) is judged from the
measured cost of one checkpoint: cost / 60 s. The training times of plain and checkpoint are
shown too, but on a shared machine their difference is mostly noise. Every model is judged
by gensim's evaluate_word_analogies and evaluate_word_pairs (_bench.evaluate); the plain
runs and checkpoint are uninterrupted runs of one seed, so their spread is the run-to-run
noise (Hogwild with 2 workers) against which the resumed run is compared. Peak RSS of plain
and checkpoint shows whether checkpoints cost memory (U and V are written from the arrays).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import REPO, Launcher, evaluate, unpacked_corpus


def train_cmd(corpus: Path, out: Path, workers: int, epochs: int, *more: str) -> list[str]:
    return [sys.executable, "-m", "w2v", "train", str(corpus), "-o", str(out),
            "--workers", str(workers), "--epochs", str(epochs), "--seed", "1", *more]  # fmt: skip


def meta(out: Path) -> dict:
    return json.loads((out / "meta.json").read_text(encoding="utf-8"))


def kill_when(cmd: list[str], state: Path, fraction: float, words_total: int) -> float:
    """Run cmd and SIGKILL it once its checkpoint `state` says `fraction` of the run's
    `words_total` words are done; returns the fraction reached."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None:
        try:
            s = json.loads(state.read_text(encoding="utf-8"))
            done = s["position"]["words_done"] / words_total
        except (OSError, ValueError, KeyError):
            done = 0.0
        if done >= fraction:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return done
        time.sleep(0.05)
    sys.exit("bench: the run ended before it could be killed; lower --kill-after")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--every", default="3s", help="checkpoint interval of the measured runs")
    ap.add_argument("--kill-after", type=float, default=0.5, help="fraction of the run")
    ap.add_argument("--runs", type=int, default=2, help="pairs of uninterrupted runs")
    args = ap.parse_args()
    corpus = args.corpus or unpacked_corpus()
    launcher = Launcher()
    tmp = Path(tempfile.mkdtemp(prefix="bench-resume-"))
    print(f"corpus {corpus} ({corpus.stat().st_size / 1e6:.1f} MB), workers {args.workers}, "
          f"epochs {args.epochs}, checkpoint every {args.every}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
    try:
        rows = {}
        pairs = [
            [(f"plain{i}", ()), (f"checkpoint{i}", ("--checkpoint-every", args.every))]
            for i in range(1, args.runs + 1)
        ]
        for name, more in [run for pair in pairs for run in pair]:
            out = tmp / name
            r = launcher.run(train_cmd(corpus, out, args.workers, args.epochs, *more))
            rows[name] = {"wall": r["wall"], "rss": r["rss"], "meta": meta(out)}
        words_total = args.epochs * rows["plain1"]["meta"]["corpus"]["words"]
        out = tmp / "killed"
        state = tmp / ".killed.checkpoint" / "state.json"
        cmd = train_cmd(corpus, out, args.workers, args.epochs, "--checkpoint-every", args.every)
        killed_at = kill_when(cmd, state, args.kill_after, words_total)
        r = launcher.run([*cmd, "--resume"])
        rows["killed"] = {"wall": r["wall"], "rss": r["rss"], "meta": meta(out)}

        ckpt = [rows[n]["meta"] for n in rows if n.startswith("checkpoint")]
        written = sum(m["checkpoints"]["written"] for m in ckpt)
        spent = sum(m["checkpoints"]["write_seconds"] for m in ckpt)
        per = spent / max(written, 1)
        size = 2 * ckpt[0]["vocab_size"] * ckpt[0]["dim"] * 4 / 1e6
        plain = [rows[n]["meta"]["train_seconds"] for n in rows if n.startswith("plain")]
        train_plain = statistics.mean(plain)
        train_ckpt = statistics.mean(m["train_seconds"] for m in ckpt)
        print(f"\ncheckpoint size (U + V): {size:.1f} MB")
        print(f"checkpoints written: {written} in {len(ckpt)} runs of {train_ckpt:.1f} s "
              f"of training (mean), "
              f"{spent:.2f} s writing them: {per:.3f} s each")  # fmt: skip
        share = spent / sum(m["train_seconds"] for m in ckpt)
        print(f"overhead at the measured interval: {share:.2%} of training time")
        print(f"overhead at one checkpoint a minute: {per / 60:.2%} of training time "
              f"(bar: at most 3 %)")  # fmt: skip
        ratio = train_ckpt / train_plain
        print(f"training time (means), plain {train_plain:.1f} s, checkpoint {train_ckpt:.1f} s "
              f"(ratio {ratio:.3f}; mostly noise on a shared machine)")  # fmt: skip
        resumed = rows["killed"]["meta"]["checkpoints"]["resumed_at"]
        print(f"killed at {killed_at:.0%} of the run (last checkpoint: epoch {resumed['epoch']}, "
              f"chunk {resumed['chunk']}); the resumed run trained the rest in "
              f"{rows['killed']['meta']['train_seconds']:.1f} s")  # fmt: skip
        print(f"\n{'run':11} {'wall s':>7} {'train s':>8} {'peak MB':>8} {'analogy':>8} "
              f"{'WS353':>7} {'SimLex':>7}  loss per epoch")  # fmt: skip
        scores = {}
        for name, row in rows.items():
            e = scores[name] = evaluate(tmp / name)
            loss = " ".join(f"{x:.4f}" for x in row["meta"]["loss"])
            print(f"{name:11} {row['wall']:7.1f} {row['meta']['train_seconds']:8.1f} "
                  f"{row['rss']:8.0f} {e['analogy']:8.4f} {e['ws353']:7.4f} {e['simlex']:7.4f}"
                  f"  {loss}")  # fmt: skip
        whole = [scores[n] for n in rows if n != "killed"]
        print(
            "uninterrupted runs' range (the run-to-run noise of Hogwild training, one seed) "
            "and where the killed-and-resumed run falls:"
        )
        for k in ("analogy", "ws353", "simlex"):
            lo, hi = min(s[k] for s in whole), max(s[k] for s in whole)
            x = scores["killed"][k]
            where = "inside" if lo <= x <= hi else f"outside by {min(abs(x - lo), abs(x - hi)):.4f}"
            print(f"  {k:8} {lo:.4f} .. {hi:.4f} (spread {hi - lo:.4f}); resumed {x:.4f}, {where}")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        launcher.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
