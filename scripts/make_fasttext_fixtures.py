"""Make tests/data/fasttext/: small models written by Facebook's own fastText and the
vectors fastText itself gives, so that tests/test_fasttext_io.py checks w2v against fastText
(not only against gensim) without fastText installed.

    skipgram.bin     unsupervised skip-gram (format version 12, "</s>" in the vocabulary,
                     words beyond ASCII, n-grams of 2-5 characters, 2,000 buckets, dim 4),
                     trained on the first 300 KB of gcide_wn (scripts/_bench.py)
    expected.tsv     "word<TAB>vocab|unseen<TAB>v1 ... v4": fastText's get_word_vector of
                     every vocabulary word, then of UNSEEN, at 9 significant digits (float32
                     exactly)
    supervised.ftz   a classifier, quantized (w2v refuses it; gensim's test data has a
                     supervised .bin, pang_lee_polarity_fasttext.bin)

Needs the `fasttext` bindings (pip install fasttext==0.9.3, a C++ compiler builds them):

    PYTHONPATH=/path/to/fasttext python scripts/make_fasttext_fixtures.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import fasttext

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "tests" / "data" / "fasttext"
NON_ASCII = "naïve café über Straße ёлка čeština 日本語 façade"
UNSEEN = [
    "frogs",
    "unfrog",
    "naïvely",
    "cafés",
    "überall",
    "ёлки",
    "čeští",
    "日本",
    "Straßen",
    "zzqx",
    "é",
]


def train(kind: str, corpus: str, out: str) -> None:
    """In a fresh process: after one failed training fastText's process fails every other."""
    if kind == "skipgram":
        model = fasttext.train_unsupervised(
            corpus, model="skipgram", dim=4, bucket=2000, minn=2, maxn=5, minCount=3,
            epoch=1, thread=1, verbose=0,
        )  # fmt: skip
    else:
        model = fasttext.train_supervised(corpus, dim=4, thread=1, verbose=0)
        model.quantize(input=corpus, qnorm=True, cutoff=256, retrain=False)
    model.save_model(out)


def _train(kind: str, corpus: Path, out: Path) -> None:
    # fastText 0.9.3 stops at "Encountered NaN" on some corpora and settings, and in a
    # process that imported scripts/_bench.py: each training runs in a fresh child
    for _ in range(3):
        cmd = [sys.executable, __file__, "--train", kind, str(corpus), str(out)]
        if subprocess.run(cmd, env=dict(os.environ), stderr=subprocess.DEVNULL).returncode == 0:
            return
    sys.exit(f"fastText kept encountering NaN training {kind}")


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import _bench

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp, "corpus.txt")
        with open(_bench.unpacked_corpus(), "rb") as f:
            # fastText 0.9.3 stops at "Encountered NaN" on some smaller corpora
            text = f.read(300_000).decode("utf-8", errors="ignore")
        corpus.write_text(text + f"\n{NON_ASCII}\n" * 6, encoding="utf-8")
        skipgram = OUT / "skipgram.bin"
        _train("skipgram", corpus, skipgram)
        model = fasttext.load_model(str(skipgram))
        rows = [(w, "vocab") for w in model.words] + [(w, "unseen") for w in UNSEEN]
        assert "</s>" in model.words, "the vocabulary lacks </s>"
        assert not set(UNSEEN) & set(model.words), set(UNSEEN) & set(model.words)
        with open(OUT / "expected.tsv", "w", encoding="utf-8") as f:
            for word, kind in rows:
                values = " ".join(f"{x:.9g}" for x in model.get_word_vector(word).tolist())
                f.write(f"{word}\t{kind}\t{values}\n")

        labelled = Path(tmp, "labelled.txt")
        tokens = text.split()
        lines = [f"__label__{i % 3} {' '.join(tokens[8 * i : 8 * i + 8])}" for i in range(3000)]
        labelled.write_text("\n".join(lines) + "\n", encoding="utf-8")
        _train("supervised", labelled, OUT / "supervised.ftz")
    for p in sorted(OUT.iterdir()):
        print(f"{p.relative_to(REPO)}: {p.stat().st_size:,} bytes")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--train"]:
        train(*sys.argv[2:5])
    else:
        main()
