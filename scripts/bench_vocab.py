"""Vocabulary build (and encoding) of gcide_wn against gensim's build_vocab scan.

    PYTHONPATH=. python scripts/bench_vocab.py [--runs 2] [--copies 10]

w2v is timed three ways: build_vocab alone; build_vocab then encode (two reads); and the
one read `w2v train` makes of a plain-text file (w2v.corpus.RecordedText: the count records
the tokens, the corpus is encoded from the record).

Each measurement runs in its own process (peak RSS is that process's own), alternating
gensim and w2v. Prints words/s for both and the ratio gensim time / our time.
"""

import argparse
import statistics

from _bench import repeated, run_child, unpacked_corpus

OURS = """
import time, tempfile
import w2v
import w2v.corpus, w2v.scan  # the library's imports, outside the timer as gensim's are
def main(path):
    t0 = time.perf_counter()
    vocab = w2v.build_vocab(path, min_count=5)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        corpus = w2v.encode(path, vocab, d + '/enc')
        t2 = time.perf_counter()
        kept = corpus.n_tokens
    return {'vocab_s': t1 - t0, 'encode_s': t2 - t1, 'words': len(vocab),
            'tokens': vocab.stats['tokens'], 'kept': kept}
"""

ONE_READ = """
import time, tempfile
import w2v
import w2v.corpus, w2v.scan, w2v.vocab
from w2v.config import available_workers
def main(path):
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        text = w2v.corpus.RecordedText.count(
            path, d, True, False, w2v.vocab.MAX_TABLE, available_workers()
        )
        vocab = text.vocab(5)
        corpus = text.encode(d + '/enc')
        t1 = time.perf_counter()
        kept = corpus.n_tokens
    return {'both_s': t1 - t0, 'words': len(vocab), 'kept': kept}
"""

GENSIM = """
import time, logging
from gensim.models import Word2Vec
def main(path):
    t0 = time.perf_counter()
    model = Word2Vec(vector_size=100, min_count=5, workers=2)
    model.build_vocab(corpus_file=path)
    t1 = time.perf_counter()
    return {'vocab_s': t1 - t0, 'words': len(model.wv), 'tokens': model.corpus_total_words}
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument(
        "--copies", type=int, default=1, help="the corpus N times over (10: 60 M tokens)"
    )
    args = ap.parse_args()
    path = str(repeated(unpacked_corpus(), args.copies))
    ours, theirs, once = [], [], []
    for _ in range(args.runs):
        theirs.append(run_child(GENSIM, path))
        ours.append(run_child(OURS, path))
        once.append(run_child(ONE_READ, path))
    o_vocab = statistics.median(r["vocab_s"] for r in ours)
    o_enc = statistics.median(r["encode_s"] for r in ours)
    g_vocab = statistics.median(r["vocab_s"] for r in theirs)
    tokens = ours[0]["tokens"]
    o_once = statistics.median(r["both_s"] for r in once)
    assert ours[0]["words"] == theirs[0]["words"], "vocabularies differ"
    assert (once[0]["words"], once[0]["kept"]) == (ours[0]["words"], ours[0]["kept"])
    assert tokens == theirs[0]["tokens"], "token counts differ"
    print(f"corpus: {path}  tokens {tokens:,}  vocabulary (min count 5) {ours[0]['words']:,}")
    print(f"runs: {args.runs} each, alternating; medians")
    print(f"{'':24}{'seconds':>10}{'M words/s':>12}{'peak RSS MB':>14}")
    print(
        f"{'gensim build_vocab':24}{g_vocab:10.2f}{tokens / g_vocab / 1e6:12.2f}"
        f"{max(r['peak_rss_mb'] for r in theirs):14.0f}"
    )
    print(
        f"{'w2v build_vocab':24}{o_vocab:10.2f}{tokens / o_vocab / 1e6:12.2f}"
        f"{max(r['peak_rss_mb'] for r in ours):14.0f}"
    )
    print(
        f"{'w2v vocab + encode':24}{o_vocab + o_enc:10.2f}{tokens / (o_vocab + o_enc) / 1e6:12.2f}"
    )
    print(
        f"{'w2v one read (both)':24}{o_once:10.2f}{tokens / o_once / 1e6:12.2f}"
        f"{max(r['peak_rss_mb'] for r in once):14.0f}"
    )
    print(
        f"ratio gensim/w2v, vocabulary: {g_vocab / o_vocab:.2f}x   "
        f"vocabulary + encoding: {g_vocab / (o_vocab + o_enc):.2f}x, "
        f"in one read (as w2v train does): {g_vocab / o_once:.2f}x"
    )


if __name__ == "__main__":
    main()
