"""Query, evaluation and load speed of w2v against gensim on the same 48,578-word vectors.

    PYTHONPATH=. /work/venv/bin/python scripts/bench_query.py [--queries 1000] [--repeat 3]

The vectors are gensim skip-gram vectors of gcide_wn.txt (the data README's configuration:
dim 100, window 5, negative 5, sample 1e-3, min-count 5, 5 epochs, 2 workers), trained once
and cached in $W2V_BENCH_CACHE (default /tmp/w2v-bench-query) as word2vec text and gensim's
native format, then imported into a w2v model directory with `w2v import`'s reader. Both
libraries then answer the same questions on the same float32 matrix, in this process, one
after the other; the ratio column is gensim's time over ours. Files are in the page cache
for both (each load is timed several times and the best is kept).
"""

from __future__ import annotations

import argparse
import lzma
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("W2V_BENCH_CACHE", "/tmp/w2v-bench-query"))


def shared_data() -> Path:
    for d in (os.environ.get("W2V_SHARED_DATA"), REPO.parent / "shared" / "data"):
        if d and Path(d, "gcide_wn.txt.xz").is_file():
            return Path(d)
    return Path("/work/shared/data")


def prepare() -> tuple[Path, Path, Path]:
    """(word2vec text file, gensim native file, w2v model directory), made once."""
    from w2v.io.formats import read_word2vec

    CACHE.mkdir(parents=True, exist_ok=True)
    text, native, model = CACHE / "gcide_wn.vec.txt", CACHE / "gcide_wn.kv", CACHE / "model"
    if not (text.is_file() and native.is_file()):
        corpus = CACHE / "gcide_wn.txt"
        if not corpus.is_file():
            with lzma.open(shared_data() / "gcide_wn.txt.xz") as src, open(corpus, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        from gensim.models import Word2Vec

        print(f"training gensim on {corpus} (once; cached in {CACHE}) ...", flush=True)
        w2v_model = Word2Vec(
            corpus_file=str(corpus), sg=1, vector_size=100, window=5, negative=5,
            sample=1e-3, min_count=5, epochs=5, workers=2, seed=1,
        )  # fmt: skip
        w2v_model.wv.save_word2vec_format(str(text))
        w2v_model.wv.save(str(native))
    if not model.is_dir():
        read_word2vec(text).save(model)
    return text, native, model


def best(fn, repeat: int) -> tuple[float, object]:
    """Fastest of `repeat` runs of fn(), and its result."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def row(label: str, ours: float, theirs: float, note: str = "") -> float:
    ratio = theirs / ours
    print(f"{label:<44} {ours:>9.4f} s {theirs:>9.4f} s {ratio:>8.1f}x  {note}")
    return ratio


def fresh_process(args: list[str], repeat: int) -> list[float]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    text, native, model_dir = prepare()

    import gensim
    from gensim.models import KeyedVectors
    from gensim.test.utils import datapath

    import w2v

    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(
        f"w2v {w2v.__version__}, gensim {gensim.__version__}, numpy {np.__version__}, "
        f"OPENBLAS_NUM_THREADS={threads}, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'':<44} {'w2v':>11} {'gensim':>11} {'ratio':>9}")

    # ---- load -------------------------------------------------------------------------
    t_text, kv = best(lambda: KeyedVectors.load_word2vec_format(str(text)), 1)
    t_ours, vec = best(lambda: w2v.load(model_dir), 5)
    t_native, _ = best(lambda: KeyedVectors.load(str(native), mmap="r"), 5)
    print(f"vectors: {len(vec):,} words x {vec.dim}")
    bars = {
        "load vs gensim text load (>= 10x)": row("load (ours mmap vs gensim text)", t_ours, t_text)
    }
    row("load (ours mmap vs gensim native mmap)", t_ours, t_native)

    def first_query_ours():
        v = w2v.load(model_dir)
        return v.most_similar("frog")

    def first_query_gensim():
        k = KeyedVectors.load(str(native), mmap="r")
        return k.most_similar("frog")

    row(
        "load + first most_similar (mmap, both)",
        best(first_query_ours, 5)[0],
        best(first_query_gensim, 5)[0],
    )

    # ---- most_similar -----------------------------------------------------------------
    rng = np.random.default_rng(0)
    words = [vec.words[i] for i in rng.choice(len(vec), size=args.queries, replace=False)]
    ours, theirs = [], []
    vec.most_similar(words[0])  # norms computed once, outside the timing, for both
    kv.most_similar(words[0])
    _ = vec.normed  # the batch path's normalised matrix, likewise
    # Query by query, ours then gensim's, `repeat` rounds; each total is the sum over the
    # queries of their best time, so a burst of load on this shared machine hits both alike.
    t_ours_q = np.full((args.repeat, len(words)), np.inf)
    t_gensim_q = np.full((args.repeat, len(words)), np.inf)
    for r in range(args.repeat):
        for i, w in enumerate(words):
            t = time.perf_counter()
            ours_i = vec.most_similar(w)
            t_ours_q[r, i] = time.perf_counter() - t
            t = time.perf_counter()
            theirs_i = kv.most_similar(w)
            t_gensim_q[r, i] = time.perf_counter() - t
            if r == 0:
                ours.append(ours_i)
                theirs.append(theirs_i)
    t_single, t_gensim = t_ours_q.min(axis=0).sum(), t_gensim_q.min(axis=0).sum()
    same = sum(o == g for o, g in zip(ours, theirs, strict=True))
    bars["single queries (>= 1x)"] = row(
        f"{args.queries} most_similar, one by one (*)", t_single, t_gensim,
        f"identical lists (words and scores): {same}/{len(words)}",
    )  # fmt: skip
    print(
        f"{'':<44} (plain totals of round 1: w2v {t_ours_q[0].sum():.4f} s, "
        f"gensim {t_gensim_q[0].sum():.4f} s)"
    )
    t_batch, batch = best(lambda: vec.most_similar_batch(words, topn=10), args.repeat)
    same_words = sum(
        [w for w, _ in o] == [w for w, _ in g] for o, g in zip(batch, theirs, strict=True)
    )
    gap = max(
        abs(a[1] - b[1])
        for o, g in zip(batch, theirs, strict=True)
        for a, b in zip(o, g, strict=True)
    )
    bars["batched vs gensim loop (>= 5x)"] = row(
        f"{args.queries} most_similar, batched (gensim: loop*)", t_batch, t_gensim,
        f"same words: {same_words}/{len(words)}, max score diff {gap:.1e}",
    )  # fmt: skip

    # ---- analogies over the whole Google set ------------------------------------------
    qw = datapath("questions-words.txt")
    t_a, ours_a = best(lambda: w2v.evaluate_analogies(vec, qw, restrict=30000), 1)
    t_ga, theirs_a = best(lambda: kv.evaluate_word_analogies(qw, restrict_vocab=30000), 1)
    row(
        "Google analogies, restrict 30000", t_a, t_ga,
        f"accuracy {ours_a['accuracy']:.6f} vs {theirs_a[0]:.6f} ({ours_a['total']} questions)",
    )  # fmt: skip
    for name in ("wordsim353.tsv", "simlex999.txt"):
        t_p, p = best(lambda n=name: w2v.evaluate_pairs(vec, datapath(n)), 1)
        t_gp, gp = best(lambda n=name: kv.evaluate_word_pairs(datapath(n)), 1)
        row(
            f"pairs {name}", t_p, t_gp,
            f"spearman {p['spearman']:.6f} vs {gp[1][0]:.6f}, "
            f"pearson {p['pearson']:.6f} vs {gp[0][0]:.6f}",
        )  # fmt: skip

    # ---- the command line, from a fresh process ---------------------------------------
    cmd = [sys.executable, "-m", "w2v", "similar", "frog", "-m", str(model_dir)]
    ours_cli = fresh_process(cmd, 5)
    peer = (
        "from gensim.models import KeyedVectors;"
        f"kv = KeyedVectors.load({str(native)!r}, mmap='r');"
        "print('\\n'.join(f'{w}\\t{s:.6f}' for w, s in kv.most_similar('frog')))"
    )
    gensim_cli = fresh_process([sys.executable, "-c", peer], 5)
    bare = fresh_process([sys.executable, "-c", "import numpy"], 5)
    row(
        "`w2v similar frog`, fresh process (best of 5)", min(ours_cli), min(gensim_cli),
        f"median {statistics.median(ours_cli):.3f} s vs {statistics.median(gensim_cli):.3f} s; "
        f"python -c 'import numpy' alone {min(bare):.3f} s",
    )  # fmt: skip

    print()
    print("(*) sum over the queries of each query's best of", args.repeat, "interleaved rounds")
    print(f"`w2v similar frog` (best of 5): {min(ours_cli):.3f} s (bar: about 1 s)")
    for bar, ratio in bars.items():
        need = float(bar.split(">= ")[1].rstrip("x)"))
        print(f"bar {bar}: {ratio:.1f}x -> {'met' if ratio >= need else 'MISSED'}")


if __name__ == "__main__":
    main()
