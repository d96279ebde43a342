"""Phrases on gcide_wn: w2v.phrases against gensim's Phrases at gensim's defaults.

    PYTHONPATH=. python scripts/bench_phrases.py [--runs 2] [--top 30]

The job is the one `w2v phrases CORPUS -o joined.txt` does: find the phrases (min_count 5,
threshold 10, default scoring, max_vocab_size 40 M, no connector words) and write the corpus
with them joined. gensim takes its fastest path: Phrases(LineSentence), freeze() (which is
export_phrases()) and the frozen model applied to LineSentence. Each run is a fresh process
(peak RSS is its own), gensim and w2v alternating; the imports are outside the timers.
Prints the times, the ratio, whether the phrases, their scores and the joined texts agree,
and the top-scoring phrases.
"""

import argparse
import hashlib
import json
import os
import statistics
import tempfile

from _bench import run_child, unpacked_corpus

GENSIM = """
import json, time
from gensim.models.phrases import Phrases
from gensim.models.word2vec import LineSentence
def main(path, out, phrases_out):
    t0 = time.perf_counter()
    model = Phrases(LineSentence(path))
    t1 = time.perf_counter()
    frozen = model.freeze()  # export_phrases()
    t2 = time.perf_counter()
    with open(out, 'w', encoding='utf-8') as f:
        for sentence in frozen[LineSentence(path)]:
            f.write(' '.join(sentence) + '\\n')
    t3 = time.perf_counter()
    with open(phrases_out, 'w') as f:
        json.dump(frozen.phrasegrams, f)
    return {'learn_s': t1 - t0, 'score_s': t2 - t1, 'write_s': t3 - t2, 'total_s': t3 - t0,
            'phrases': len(frozen.phrasegrams), 'keys': len(model.vocab)}
"""

OURS = """
import json, time
import w2v, w2v.collocations, w2v.scan  # the library's imports, outside the timer as gensim's
def main(path, out, phrases_out):
    t0 = time.perf_counter()
    model = w2v.phrases(path)  # counting and scoring
    t1 = time.perf_counter()
    model.write(path, out, force=True)
    t2 = time.perf_counter()
    with open(phrases_out, 'w') as f:
        json.dump(model.phrases(), f)
    return {'learn_s': t1 - t0, 'write_s': t2 - t1, 'total_s': t2 - t0,
            'phrases': len(model), 'keys': model.stats[0]['keys']}
"""


def text_digest(path) -> str:
    """SHA-1 of a text's lines as token lists (gensim writes no empty line)."""
    h = hashlib.sha1()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                h.update((" ".join(line.split()) + "\n").encode())
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args()
    path = str(unpacked_corpus())
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as d:
        files = {k: os.path.join(d, k) for k in ("g.txt", "g.json", "w.txt", "w.json")}
        for _ in range(args.runs):
            theirs.append(run_child(GENSIM, path, files["g.txt"], files["g.json"]))
            ours.append(run_child(OURS, path, files["w.txt"], files["w.json"]))
        with open(files["g.json"]) as f:
            g = json.load(f)
        with open(files["w.json"]) as f:
            w = json.load(f)
        same_text = text_digest(files["g.txt"]) == text_digest(files["w.txt"])
    med = {k: statistics.median(r[k] for r in theirs) for k in ("learn_s", "score_s", "write_s")}
    g_total = statistics.median(r["total_s"] for r in theirs)
    o_learn = statistics.median(r["learn_s"] for r in ours)
    o_write = statistics.median(r["write_s"] for r in ours)
    o_total = statistics.median(r["total_s"] for r in ours)
    print(f"corpus: {path}  (gensim's defaults: min_count 5, threshold 10, default scoring)")
    print(f"runs: {args.runs} each, alternating, one process per run; medians")
    print(f"{'':10}{'count s':>9}{'score s':>9}{'write s':>9}{'total s':>9}{'peak RSS MB':>13}")
    g_rss = max(r["peak_rss_mb"] for r in theirs)
    o_rss = max(r["peak_rss_mb"] for r in ours)
    print(
        f"{'gensim':10}{med['learn_s']:9.2f}{med['score_s']:9.2f}{med['write_s']:9.2f}"
        f"{g_total:9.2f}{g_rss:13.0f}"
    )
    print(f"{'w2v':10}{o_learn:9.2f}{'(in count)':>9}{o_write:9.2f}{o_total:9.2f}{o_rss:13.0f}")
    g_find = med["learn_s"] + med["score_s"]
    print(
        f"ratio gensim/w2v: total {g_total / o_total:.1f}x, finding the phrases "
        f"{g_find / o_learn:.1f}x, writing {med['write_s'] / o_write:.1f}x; "
        f"peak RSS w2v/gensim {o_rss / g_rss:.2f}"
    )
    print(f"unigrams + bigrams counted: gensim {theirs[0]['keys']:,}, w2v {ours[0]['keys']:,}")
    diff = max((abs(g[p] - w[p]) for p in g.keys() & w.keys()), default=0.0)
    print(
        f"phrases: gensim {len(g):,}, w2v {len(w):,}; same set: {set(g) == set(w)}; "
        f"largest score difference {diff:.3g}; joined texts identical: {same_text}"
    )
    print(f"the {args.top} top-scoring phrases (w2v's score; gensim's is the same):")
    best = sorted(w.items(), key=lambda kv: -kv[1])[: args.top]
    for phrase, score in best:
        print(f"  {phrase:32}{score:14.6f}{g.get(phrase, float('nan')):14.6f}")


if __name__ == "__main__":
    main()
