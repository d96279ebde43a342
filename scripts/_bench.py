"""Helpers shared by the benchmark scripts: the reference corpus, child processes (one-shot
children and the launcher that trains gensim and w2v), peak RSS and RssAnon, and judging a
model with gensim's own evaluation functions."""

from __future__ import annotations

import json
import lzma
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    for c in (
        os.environ.get("W2V_SHARED_DATA"),
        REPO.parent / "shared" / "data",
        Path("/work/shared/data"),
    ):
        if c and Path(c, "gcide_wn.txt.xz").is_file():
            return Path(c)
    sys.exit("bench: ../shared/data/gcide_wn.txt.xz not found (set W2V_SHARED_DATA)")


def unpacked_corpus(name: str = "gcide_wn.txt") -> Path:
    """The benchmark corpus, unpacked once into $TMPDIR (34 MB)."""
    out = Path(os.environ.get("TMPDIR", "/tmp")) / name
    if not out.exists():
        tmp = out.with_suffix(f".part{os.getpid()}")  # two benchmarks may unpack at once
        with lzma.open(shared_data() / f"{name}.xz", "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(tmp, out)
    return out


def repeated(corpus: Path, copies: int) -> Path:
    """`corpus` concatenated `copies` times, written once into $TMPDIR beside it."""
    if copies == 1:
        return corpus
    out = corpus.with_name(f"{corpus.stem}-x{copies}{corpus.suffix}")
    if not out.exists():
        tmp = out.with_suffix(f".part{os.getpid()}")
        with open(tmp, "wb") as dst:
            for _ in range(copies):
                with open(corpus, "rb") as src:
                    shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(tmp, out)
    return out


def run_child(code: str, *args: str) -> dict:
    """Run `code` in a fresh Python; it prints one JSON object last. Adds peak_rss_mb.

    The child's peak resident set is read from its own getrusage at exit, so each measured
    tool is alone in its process.
    """
    wrapper = (
        "import json, resource, sys\n"
        f"{code}\n"
        "result = main(*sys.argv[1:])\n"
        "result['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps(result))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run(
        [sys.executable, "-c", wrapper, *args], capture_output=True, text=True, env=env
    )
    if r.returncode != 0:
        sys.exit(f"bench child failed:\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


# -- trainers in child processes, started by a small launcher -----------------------------
#
# Linux carries the forking process's resident-set high-water mark into a child's ru_maxrss
# across fork and exec, so children of a large (gensim-loaded) benchmark process would all
# report at least its size. A benchmark therefore starts a Launcher first, while it is small,
# and runs every measured child through it.

# The least any process running a Numba kernel holds: numpy, numba (which imports scipy) and
# LLVM's JIT, which loading even a cached function starts (libllvmlite.so alone is ~70 MB).
NUMBA_FLOOR = (
    "import numpy as np\n"
    "from w2v.kernels.wordtable import fnv1a\n"
    "fnv1a(np.frombuffer(b'frog', np.uint8), 0, 4)\n"
)

# Compiles (or loads) the kernels of the vocabulary count in ranges, which a warm-up run on
# a small file does not reach (one range); run as [python, -c, WARM_RANGES, small_file].
WARM_RANGES = (
    "import sys\n"
    "from w2v.scan import count_ranges\n"
    "count_ranges(sys.argv[1], True, False, 1 << 20, 2, min_bytes=64)\n"
)

POLL_SECONDS = 0.01  # how often the launcher reads a child's RssAnon


def rss_anon_mb(pid: int) -> float | None:
    """The anonymous resident memory of `pid` now (RssAnon in /proc/pid/status), in MB:
    heap, stacks and anonymous maps, without file-backed pages such as a memory-mapped
    corpus or the shared libraries' code. None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"RssAnon:"):
                    return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def _drain(stream, into: list[bytes]) -> None:
    into.append(stream.read())


def launcher() -> None:
    """The launcher's loop: one JSON command per stdin line; runs it and answers one JSON line:
    wall time, peak RSS (ru_maxrss from wait4: exact, file-backed pages included) and peak
    RssAnon. The kernel keeps no high-water mark of RssAnon, so the launcher polls it every
    POLL_SECONDS until the child exits: a spike shorter than that can be missed (the trainers'
    big arrays live for the whole run, so their peak is not). Imports nothing heavy, so it
    stays ~10 MB."""
    import threading
    import time

    env = dict(os.environ, PYTHONPATH=str(REPO))
    for line in sys.stdin:
        cmd = json.loads(line)
        t = time.perf_counter()
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err: list[bytes] = []
        reader = threading.Thread(target=_drain, args=(p.stderr, err))
        reader.start()
        anon = 0.0
        while True:
            now = rss_anon_mb(p.pid)  # before wait4: the pid is not reaped yet, so still its own
            anon = max(anon, now or 0.0)
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(POLL_SECONDS)
        wall = time.perf_counter() - t
        reader.join()
        p.returncode = os.waitstatus_to_exitcode(status)
        answer = {
            "wall": wall, "rss": usage.ru_maxrss / 1024, "rss_anon": anon, "rc": p.returncode,
            "err": b"".join(err).decode(errors="replace"),
        }  # fmt: skip
        print(json.dumps(answer), flush=True)


class Launcher:
    """Runs commands in children of a small launcher process (see `launcher`)."""

    def __init__(self):
        self.p = subprocess.Popen(
            [sys.executable, __file__, "--launcher"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip

    def run(self, cmd: list[str]) -> dict:
        """Run cmd; returns {"wall": s, "rss": peak RSS MB, "rss_anon": peak RssAnon MB} of
        that child alone. Exits the benchmark, with the child's stderr, if it fails."""
        self.p.stdin.write(json.dumps(cmd) + "\n")
        self.p.stdin.flush()
        answer = json.loads(self.p.stdout.readline())
        if answer["rc"] != 0:
            sys.exit(f"bench: {' '.join(cmd)} failed ({answer['rc']}):\n{answer['err']}")
        return {k: answer[k] for k in ("wall", "rss", "rss_anon")}

    def close(self) -> None:
        self.p.stdin.close()
        self.p.wait()


def gensim_cmd(corpus: Path, out: Path, **params) -> list[str]:
    """The command that trains gensim's Word2Vec(corpus_file=corpus, **params) in a child
    and writes vectors.npy and words.txt into `out` (see gensim_child)."""
    return [sys.executable, __file__, "--gensim-child", str(corpus), str(out), json.dumps(params)]


def gensim_child(corpus: str, out: str, params: str) -> None:
    """Run inside the child: train gensim, write vectors.npy and words.txt."""
    import numpy as np
    from gensim.models import Word2Vec

    model = Word2Vec(corpus_file=corpus, **json.loads(params))
    Path(out).mkdir(parents=True, exist_ok=True)
    np.save(Path(out, "vectors.npy"), model.wv.vectors)
    Path(out, "words.txt").write_text("\n".join(model.wv.index_to_key), encoding="utf-8")


# -- judging a model with gensim's own evaluation functions ---------------------------------


def load_vectors(out: Path):
    """Either trainer's output (gensim_child's or a w2v model directory) as KeyedVectors."""
    import numpy as np
    from gensim.models import KeyedVectors

    if (out / "words.txt").exists():
        words = (out / "words.txt").read_text(encoding="utf-8").split("\n")
    else:
        import pyarrow.parquet as pq

        words = pq.read_table(out / "vocab.parquet").column("word").to_pylist()
    U = np.load(out / "vectors.npy", allow_pickle=False)
    kv = KeyedVectors(U.shape[1])
    kv.add_vectors(words, U)
    return kv


def evaluate(out: Path) -> dict:
    """gensim's evaluate_word_analogies (Google, restrict 30,000) and evaluate_word_pairs
    Spearman (WordSim353, SimLex-999) of the model in `out`."""
    from gensim.test.utils import datapath

    kv = load_vectors(out)
    acc, _ = kv.evaluate_word_analogies(datapath("questions-words.txt"), restrict_vocab=30000)
    ws = kv.evaluate_word_pairs(datapath("wordsim353.tsv"))[1][0]
    sl = kv.evaluate_word_pairs(datapath("simlex999.txt"))[1][0]
    return {"analogy": acc, "ws353": ws, "simlex": sl}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--launcher"]:
        launcher()
    elif sys.argv[1:2] == ["--gensim-child"]:
        gensim_child(*sys.argv[2:5])
    else:
        sys.exit("usage: _bench.py --launcher | --gensim-child CORPUS OUT PARAMS_JSON")
