"""w2v --subwords against gensim's FastText(corpus_file=...), in the same run, and a held-out
test of the vectors of words training never saw.

    PYTHONPATH=. python scripts/bench_subwords.py [--corpus FILE] [--arch sgns|cbow]
                                                  [--heldout 80] [--skip-full]
                                                  [--seeds 1,2,3] [--sides gensim,w2v,plain]
                                                  [--w2v-args="--schedule word2vec"]

1. The whole corpus (default: gcide_wn): gensim `FastText(corpus_file=..., workers=2)` and
   `w2v train --subwords 3-6 --buckets 2000000 --workers 2` at the same settings (dim 100,
   window 5, negative 5, sample 1e-3, epochs 5, min_count 5, n-grams 3-6, 2,000,000 buckets,
   seed 1), alternating which goes first, each in its own child started by _bench.Launcher.
   Wall time is end to end (interpreter, vocabulary, training, writing the words' vectors and
   the n-gram matrix). Both are judged by gensim's own evaluate_word_analogies (Google,
   restrict 30,000; overall and the syntactic sections) and evaluate_word_pairs (WordSim353,
   SimLex-999), on the vocabulary's vectors.
2. Held out: N words of WS353 and SimLex-999 that the corpus holds 20 to 2,000 times,
   drawn with a fixed seed (--draw, default 1), are removed (every occurrence) from a copy
   of the corpus. gensim FastText, w2v --subwords and plain w2v train on that copy; the
   Spearman correlation with the human scores is taken over the pairs with a removed word,
   each word's vector being what the model gives it (gensim: `model.wv[word]`; w2v:
   `vec[word]`, the mean of its n-grams' rows for an unseen word). Plain w2v has no vector
   for a removed word: the line says how many of those pairs it can answer (none).
   With --seeds, part 2 trains each side once per seed (the same seed on both sides in a
   run; the held-out words stay the same fixed draw) and prints each side's mean and range.
   gensim with workers=2 is not deterministic even at a fixed seed, so the range is the
   measure of noise a difference must clear. --sides picks which models part 2 trains;
   --w2v-args passes extra options to every `w2v train` (a variant under test); --keep DIR
   keeps part 2's models (DIR/gensim-1/, DIR/w2v-1/, ...) for a closer look;
   --gensim-workers and --gensim-input iterable train gensim's other ways (one worker; the
   lines through its job queue instead of corpus_file).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import shutil
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import NUMBA_FLOOR, WARM_RANGES, Launcher, evaluate, unpacked_corpus

SETTINGS = {"dim": 100, "window": 5, "negative": 5, "sample": 1e-3, "epochs": 5,
            "min_count": 5, "seed": 1}  # fmt: skip
MINN, MAXN, BUCKETS = 3, 6, 2_000_000
WORKERS = 2
HELDOUT_COUNTS = (20, 2000)  # a held-out word occurs this often in the corpus
SIDES = {"gensim": "gensim FastText", "w2v": "w2v --subwords", "plain": "w2v (plain)"}
BAR = {"analogy": -0.01, "syntactic": -0.01, "ws353": -0.015, "simlex": -0.015}


def pair_files():
    from gensim.test.utils import datapath

    return {"ws353": datapath("wordsim353.tsv"), "simlex": datapath("simlex999.txt")}


def read_pairs(path: str) -> list[tuple[str, str, float]]:
    """(w1, w2, score) lines as gensim's evaluate_word_pairs reads them (comments '#')."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        a, b, s = line.split("\t")[:3]
        out.append((a.lower(), b.lower(), float(s)))
    return out


def choose_heldout(corpus: Path, n: int, draw: int = 1) -> list[str]:
    counts = Counter()
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            counts.update(line.split())
    words = sorted({w for p in pair_files().values() for a, b, _ in read_pairs(p) for w in (a, b)})
    lo, hi = HELDOUT_COUNTS
    fit = [w for w in words if lo <= counts[w] <= hi]
    return sorted(random.Random(draw).sample(fit, min(n, len(fit))))


def remove_words(corpus: Path, words: set[str], out: Path) -> int:
    """Copy `corpus` without any occurrence of `words`; returns the tokens removed."""
    removed = 0
    with open(corpus, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as g:
        for line in f:
            tokens = line.split()
            kept = [t for t in tokens if t not in words]
            removed += len(tokens) - len(kept)
            g.write(" ".join(kept) + "\n")
    return removed


def gensim_child(corpus: str, out: str, params: str, words: str) -> None:
    """Train gensim FastText; write vectors.npy, words.txt, ngrams.npy (what w2v writes) and
    the vectors gensim gives the words in `words` (a JSON list) as asked.npy."""
    import numpy as np
    from gensim.models import FastText

    params = json.loads(params)
    if params.pop("input", "file") == "iterable":  # gensim's job queue: one global rate
        from gensim.models.word2vec import LineSentence

        model = FastText(sentences=LineSentence(corpus, max_sentence_length=10_000), **params)
    else:
        model = FastText(corpus_file=corpus, **params)
    Path(out).mkdir(parents=True, exist_ok=True)
    np.save(Path(out, "vectors.npy"), model.wv.vectors)
    np.save(Path(out, "ngrams.npy"), model.wv.vectors_ngrams)
    Path(out, "words.txt").write_text("\n".join(model.wv.index_to_key), encoding="utf-8")
    asked = json.loads(words)
    np.save(
        Path(out, "asked.npy"),
        np.array([model.wv[w] for w in asked], np.float32).reshape(
            len(asked), model.wv.vector_size
        ),
    )


def gensim_cmd(
    corpus: Path,
    out: Path,
    arch: str,
    words: list[str],
    seed: int,
    workers: int = WORKERS,
    gensim_input: str = "file",
) -> list[str]:
    s = SETTINGS | {"seed": seed}
    params = dict(
        sg=1 if arch == "sgns" else 0, vector_size=s["dim"], window=s["window"],
        negative=s["negative"], sample=s["sample"], epochs=s["epochs"], min_count=s["min_count"],
        seed=s["seed"], workers=workers, min_n=MINN, max_n=MAXN, bucket=BUCKETS,
        input=gensim_input,
    )  # fmt: skip
    return [sys.executable, __file__, "--gensim-child", str(corpus), str(out),
            json.dumps(params), json.dumps(words)]  # fmt: skip


def w2v_cmd(
    corpus: Path, out: Path, arch: str, subwords: bool, seed: int, extra: list[str]
) -> list[str]:
    cmd = [sys.executable, "-m", "w2v", "train", str(corpus), "-o", str(out), "--force",
           "--arch", arch, "--workers", str(WORKERS)]  # fmt: skip
    for k, v in (SETTINGS | {"seed": seed}).items():
        cmd += [f"--{k.replace('_', '-')}", str(v)]
    if subwords:
        cmd += ["--subwords", f"{MINN}-{MAXN}", "--buckets", str(BUCKETS)]
    return cmd + extra


def syntactic(out: Path) -> float:
    """Accuracy over the Google set's syntactic (gram*) sections, restrict 30,000."""
    from _bench import load_vectors
    from gensim.test.utils import datapath

    kv = load_vectors(out)
    _, sections = kv.evaluate_word_analogies(datapath("questions-words.txt"), restrict_vocab=30000)
    gram = [s for s in sections if s["section"].startswith("gram")]
    right = sum(len(s["correct"]) for s in gram)
    return right / max(1, right + sum(len(s["incorrect"]) for s in gram))


def heldout_score(vectors: dict, pairs: list[tuple[str, str, float]]) -> tuple[float, int]:
    """Spearman of cos(u_a, u_b) against the human scores over the pairs both of whose
    words have a vector in `vectors` (word → float32 [dim]); and how many those are."""
    import numpy as np
    from scipy.stats import spearmanr

    model, human = [], []
    for a, b, s in pairs:
        if a in vectors and b in vectors:
            u, v = vectors[a], vectors[b]
            model.append(float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))))
            human.append(s)
    return (float(spearmanr(model, human)[0]) if len(model) > 2 else float("nan")), len(model)


def w2v_vectors(out: Path, words: list[str]) -> dict:
    import w2v

    vec = w2v.load(out)
    return {w: vec[w] for w in words if vec.has_vector(w)}


def gensim_vectors(out: Path, words: list[str]) -> dict:
    import numpy as np

    asked = np.load(out / "asked.npy")
    return dict(zip(words, asked, strict=True))


def report(name: str, r: dict) -> str:
    return (f"{name:<16} {r['wall']:7.1f} s  anon {r['rss_anon']:6.0f} MB | analogy "
            f"{r['analogy']:.4f} syntactic {r['syntactic']:.4f} | WS353 {r['ws353']:.4f} "
            f"SimLex {r['simlex']:.4f}")  # fmt: skip


def main() -> None:
    launcher = Launcher()  # first, while this process is small
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, help="text corpus (default: unpacked gcide_wn)")
    ap.add_argument("--arch", default="sgns", choices=("sgns", "cbow"))
    ap.add_argument("--heldout", type=int, default=80, help="words removed for the held-out test")
    ap.add_argument("--skip-full", action="store_true", help="only the held-out test")
    ap.add_argument("--skip-heldout", action="store_true", help="only the whole corpus")
    ap.add_argument(
        "--seeds",
        default=str(SETTINGS["seed"]),
        help="comma-separated seeds: part 2 runs once per seed (part 1: the first)",
    )
    ap.add_argument(
        "--sides",
        default=",".join(SIDES),
        help=f"comma-separated models part 2 trains, of {','.join(SIDES)}",
    )
    ap.add_argument("--w2v-args", default="", help="extra options for every w2v train")
    ap.add_argument("--draw", type=int, default=1, help="seed of the held-out words' draw")
    ap.add_argument("--keep", type=Path, help="keep part 2's models here (side-seed/)")
    ap.add_argument(
        "--gensim-workers", type=int, default=WORKERS, help="gensim's workers (1: no Hogwild)"
    )
    ap.add_argument(
        "--gensim-input",
        choices=("file", "iterable"),
        default="file",
        help="gensim reads corpus_file (its workers each walk a part of the file, each decaying"
        " its own rate) or an iterable of lines (one job queue, one global rate)",
    )
    args = ap.parse_args()
    seeds = [int(x) for x in args.seeds.split(",")]
    sides = args.sides.split(",")
    if not set(sides) <= set(SIDES):
        ap.error(f"--sides: choose from {','.join(SIDES)}")
    extra = shlex.split(args.w2v_args)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    corpus = args.corpus or unpacked_corpus()
    import gensim
    import numba

    print(f"corpus {corpus} ({corpus.stat().st_size / 1e6:.1f} MB); gensim {gensim.__version__}, "
          f"numba {numba.__version__}, cores {os.cpu_count()}, load average "
          f"{os.getloadavg()[0]:.2f}; arch {args.arch}; {SETTINGS}; n-grams {MINN}-{MAXN}, "
          f"{BUCKETS:,} buckets; workers {WORKERS} (gensim {args.gensim_workers}, "
          f"input {args.gensim_input}); "
          f"seeds {seeds}; w2v extra {extra}")  # fmt: skip
    floor = launcher.run([sys.executable, "-c", NUMBA_FLOOR])
    print(f"Numba runtime floor: peak RssAnon {floor['rss_anon']:.0f} MB")
    pairs = {k: read_pairs(p) for k, p in pair_files().items()}
    with tempfile.TemporaryDirectory(prefix="bench-subwords-") as tmp:
        tmp = Path(tmp)
        small = tmp / "small.txt"  # compile w2v's kernels once, so that no timed run pays
        small.write_text("the cat sat on the mat\n" * 50)
        launcher.run([sys.executable, "-c", WARM_RANGES, str(small)])
        for extra in (["--subwords", "3-6", "--buckets", "1000"], []):
            launcher.run([sys.executable, "-m", "w2v", "train", str(small), "-o", str(tmp / "warm"),
                          "--force", "--arch", args.arch, "--min-count", "1", "--epochs", "1",
                          "--workers", str(WORKERS), *extra])  # fmt: skip
        if not args.skip_full:
            print("\n1. the whole corpus (end-to-end wall time; gensim's evaluation functions)")
            results = {}
            for name in ("gensim", "w2v") if os.getpid() % 2 else ("w2v", "gensim"):
                out = tmp / f"full-{name}"
                workers = args.gensim_workers
                cmd = (gensim_cmd(corpus, out, args.arch, [], seeds[0], workers, args.gensim_input)
                       if name == "gensim"
                       else w2v_cmd(corpus, out, args.arch, True, seeds[0], extra))  # fmt: skip
                run = launcher.run(cmd)
                results[name] = run | evaluate(out) | {"syntactic": syntactic(out)}
                print(report(name if name == "gensim" else "w2v --subwords", results[name]),
                      f"(ran {'first' if len(results) == 1 else 'second'}; load "
                      f"{os.getloadavg()[0]:.2f})", flush=True)  # fmt: skip
                shutil.rmtree(out)
            g, w = results["gensim"], results["w2v"]
            print(f"speed: gensim / w2v wall = {g['wall'] / w['wall']:.2f}x (bar: ≥ 3)")
            for k in BAR:
                d = w[k] - g[k]
                print(f"  {k:<10} w2v − gensim {d:+.4f}  {'ok' if d >= BAR[k] else 'MISSED'}"
                      f" (bar {BAR[k]:+})")  # fmt: skip

        if args.skip_heldout:
            return finish(launcher)
        print(f"\n2. held out: {args.heldout} words of WS353/SimLex removed from the corpus"
              + (f" (draw {args.draw})" if args.draw != 1 else ""))  # fmt: skip
        heldout = choose_heldout(corpus, args.heldout, args.draw)
        cut = tmp / "heldout.txt"
        removed = remove_words(corpus, set(heldout), cut)
        print(f"held-out words ({len(heldout)}, {removed:,} tokens removed): {' '.join(heldout)}")
        with_removed = {
            k: [p for p in ps if p[0] in heldout or p[1] in heldout] for k, ps in pairs.items()
        }
        words = sorted({w for ps in with_removed.values() for a, b, _ in ps for w in (a, b)})
        print("pairs with a removed word: "
              + ", ".join(f"{k} {len(ps)}" for k, ps in with_removed.items()))  # fmt: skip
        rhos = {}  # (side, pair set) → [spearman per seed]
        for seed in seeds:
            if len(seeds) > 1:
                print(f"seed {seed}")
            for side in sides:
                name = SIDES[side]
                out = tmp / "heldout-model"
                if side == "gensim":
                    cmd = gensim_cmd(
                        cut, out, args.arch, words, seed, args.gensim_workers, args.gensim_input
                    )
                    run = launcher.run(cmd)
                    vectors = gensim_vectors(out, words)
                else:
                    run = launcher.run(w2v_cmd(cut, out, args.arch, side == "w2v", seed, extra))
                    vectors = w2v_vectors(out, words)
                unseen = sum(w in vectors for w in heldout)
                line = []
                for k, ps in with_removed.items():
                    rho, n = heldout_score(vectors, ps)
                    rhos.setdefault((side, k), []).append(rho)
                    line.append(f"{k} spearman {rho:.4f} on {n}/{len(ps)} pairs")
                print(f"{name:<16} {run['wall']:7.1f} s | vectors for {unseen}/{len(heldout)} "
                      f"removed words | {'; '.join(line)} (load {os.getloadavg()[0]:.2f})",
                      flush=True)  # fmt: skip
                if args.keep:
                    shutil.move(out, args.keep / f"{side}-{seed}")
                else:
                    shutil.rmtree(out)
        if len(seeds) > 1:
            print(f"over seeds {seeds}: mean [min, max]")
            for side in sides:
                print(f"{SIDES[side]:<16} " + "; ".join(
                    f"{k} {statistics.fmean(r):.4f} [{min(r):.4f}, {max(r):.4f}]"
                    for k in with_removed for r in [rhos[side, k]]))  # fmt: skip
    finish(launcher)


def finish(launcher) -> None:
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    launcher.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--gensim-child"]:
        gensim_child(*sys.argv[2:6])
    else:
        main()
