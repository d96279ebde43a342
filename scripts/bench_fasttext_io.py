"""Reading a fastText .bin: w2v's read_facebook against gensim's load_facebook_model.

The model: gensim FastText trained on gcide_wn (dim 100, 1 epoch, 2,000,000 buckets, skip-gram)
and saved with save_facebook_model, so the file is as large as fastText's own defaults make
it (the n-gram rows dominate). It is built once into $TMPDIR (a few minutes) and reused.

Each tool runs alone in a child of a small launcher (scripts/_bench.py), --repeats times,
alternating, the file in the page cache first. Both do the same work: read the model, make
every vocabulary word's vector (gensim's adjust_vectors happens inside its load; w2v's
word_vectors is facebook_to_vectors) and the vectors of 1,000 words outside the vocabulary.
Reported: median wall seconds, peak RSS (ru_maxrss; file-backed pages included, so w2v's
memory-mapped matrix pages count once touched) and peak RssAnon (memory of its own).

    python scripts/bench_fasttext_io.py [--repeats 3] [--model PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bench  # noqa: E402

UNSEEN = [f"{w}{s}" for w in ("frog", "naïve", "über", "toad", "kingdom") for s in range(200)]


def build(path: Path) -> None:
    """Train gensim FastText on gcide_wn and save it as a Facebook .bin."""
    from gensim.models.fasttext import FastText, save_facebook_model

    corpus = _bench.unpacked_corpus()
    model = FastText(
        corpus_file=str(corpus), vector_size=100, epochs=1, min_count=5, sg=1,
        bucket=2_000_000, min_n=3, max_n=6, workers=2,
    )  # fmt: skip
    tmp = path.with_suffix(f".part{os.getpid()}")
    save_facebook_model(model, str(tmp))
    os.replace(tmp, path)


def child(tool: str, path: str) -> None:
    """Inside a measured child: read, every word vector, the unseen words' vectors."""
    import numpy as np

    if tool == "w2v":
        from w2v.io.fasttext import facebook_to_vectors, read_facebook

        fb = read_facebook(path)
        U = facebook_to_vectors(fb)["vectors"]
        unseen = np.stack([fb.vector(w) for w in UNSEEN])
    else:
        from gensim.models.fasttext import load_facebook_model

        model = load_facebook_model(path)
        U = model.wv.vectors
        unseen = np.stack([model.wv[w] for w in UNSEEN])
    print(f"{tool}: {U.shape} {float(U.sum()):.6g} {float(unseen.sum()):.6g}", file=sys.stderr)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def check(path: Path) -> str:
    """The largest difference between the two tools' vectors, vocabulary and unseen."""
    import numpy as np
    from gensim.models.fasttext import load_facebook_model

    from w2v.io.fasttext import facebook_to_vectors, read_facebook

    fb = read_facebook(path)
    model = load_facebook_model(str(path))
    assert fb.words == model.wv.index_to_key
    U = facebook_to_vectors(fb)["vectors"]
    keep = [i for i, w in enumerate(fb.words) if w != "</s>"]  # see w2v.io.fasttext: EOS
    vocab = float(np.abs(U[keep] - model.wv.vectors[keep]).max())
    unseen = max(float(np.abs(fb.vector(w) - model.wv[w]).max()) for w in UNSEEN)
    return f"max |w2v - gensim|: vocabulary {vocab:.2g}, {len(UNSEEN)} unseen words {unseen:.2g}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--model", type=Path, default=None, help="a .bin to read instead")
    a = ap.parse_args()
    path = a.model or Path(os.environ.get("TMPDIR", "/tmp")) / "gcide_wn_fasttext.bin"
    if not path.exists():
        print(f"building {path} (gensim FastText on gcide_wn) ...", flush=True)
        build(path)
    with open(path, "rb") as f:  # into the page cache, for both alike
        while f.read(64 << 20):
            pass

    from w2v.io.fasttext import read_facebook

    fb = read_facebook(path)
    print(f"model: {path} ({path.stat().st_size / 1e6:.0f} MB): {fb.nwords:,} words, "
          f"{fb.bucket:,} buckets, dim {fb.dim}, version {fb.version}")  # fmt: skip
    del fb
    print(f"load average before: {_load()}")
    launcher = _bench.Launcher()
    runs: dict[str, list[dict]] = {"w2v": [], "gensim": []}
    try:
        for _ in range(a.repeats):
            for tool in runs:
                cmd = [sys.executable, __file__, "--child", tool, str(path)]
                runs[tool].append(launcher.run(cmd))
    finally:
        launcher.close()
    print(f"load average after: {_load()}")
    print(f"{'tool':8} {'wall s (median)':>16} {'all runs':>24} {'peak RSS MB':>12} "
          f"{'peak RssAnon MB':>16}")  # fmt: skip
    med = {}
    for tool, rs in runs.items():
        med[tool] = statistics.median(r["wall"] for r in rs)
        walls = " ".join(f"{r['wall']:.2f}" for r in rs)
        rss = max(r["rss"] for r in rs)
        anon = max(r["rss_anon"] for r in rs)
        print(f"{tool:8} {med[tool]:16.2f} {walls:>24} {rss:12.0f} {anon:16.0f}")
    print(f"wall ratio gensim / w2v: {med['gensim'] / med['w2v']:.1f}x")
    rss = {t: max(r["rss"] for r in rs) for t, rs in runs.items()}
    anon = {t: max(r["rss_anon"] for r in rs) for t, rs in runs.items()}
    print(f"peak RSS w2v / gensim: {rss['w2v'] / rss['gensim']:.2f}; "
          f"peak RssAnon w2v / gensim: {anon['w2v'] / anon['gensim']:.2f}")  # fmt: skip
    print(check(path))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
