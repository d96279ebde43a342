"""SIGKILL w2v's writing commands at random moments and check that nothing is lost.

    PYTHONPATH=. .venv/bin/python scripts/faults.py [--kills 20] [--seed 0] [--only train,svd]

For each command (`w2v train --force`, `w2v import --force`, `w2v svd --force`,
`w2v pipeline run --force`), in a workspace that holds the user's own files beside a
complete earlier output, it runs the command once to time it and to keep its output as the
reference, then `--kills` times: hash the whole workspace, start the command, SIGKILL it
after a random delay in [0, 1.2 × its time], and check

1. the output is whole: byte for byte the earlier output or the reference (the new one);
   meta.json and manifest.json, which hold timestamps, must parse instead;
2. every file outside what w2v owns (the output and its .NAME.tmp-* siblings) is unchanged,
   and nothing new appeared there;
3. a rerun succeeds, leaves no temporary behind and gives the reference output.

Every run is seeded and uses one worker, so a complete output equals the reference. The
output counts the kills by what they interrupted: before the output changed (old), after it
was replaced (new), or not at all (the command had finished).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VOLATILE = {"meta.json", "manifest.json", ".w2v"}  # timestamps, timings, the lock's pid

PIPELINE_TOML = """
[corpus]
paths = ["{corpus}"]

[vocab]
min_count = 3

[train]
dim = {dim}
epochs = 1
workers = 1
seed = 3

[evaluate]
restrict = 5000

[export]
formats = ["word2vec", "parquet", "projector"]
"""


@dataclass
class Case:
    """One command under test: its arguments (run in the workspace), those of the earlier
    output it replaces (another seed or size, so that old and new differ), its output."""

    name: str
    args: list[str]
    earlier: list[str]
    output: str  # relative to the workspace
    counts: Counter = field(default_factory=Counter)


def cases(corpus: str) -> list[Case]:
    train = ["train", corpus, "-o", "model", "--force", "--dim", "16", "--epochs", "2"]
    train += ["--workers", "1", "--min-count", "3"]
    svd = ["svd", corpus, "-o", "svd-model", "--force"]
    pipeline = ["pipeline", "run", "w2v.toml", "--run-dir", "run", "--force"]
    imported = ["import", "vectors.txt", "-o", "imported", "--force"]
    return [
        Case("train", [*train, "--seed", "3"], [*train, "--seed", "4"], "model"),
        Case("import", imported, [*imported, "--limit", "100"], "imported"),
        Case("svd", [*svd, "--dim", "16"], [*svd, "--dim", "12"], "svd-model"),
        Case("pipeline", pipeline, [*pipeline[:2], "earlier.toml", *pipeline[3:]], "run"),
    ]


def make_workspace(root: Path, lines: int = 6000) -> str:
    """The user's files: a corpus, notes, a .git folder, a word2vec file to import, a
    pipeline config. Returns the corpus's name."""
    root.mkdir(parents=True, exist_ok=True)
    from w2v.vocab import default_corpus

    with lzma.open(default_corpus(), "rt", encoding="utf-8") as f:
        text = "".join(next(f) for _ in range(lines))
    (root / "corpus.txt").write_text(text, encoding="utf-8")
    (root / "notes").mkdir(exist_ok=True)
    (root / "notes" / "thesis.tex").write_text("\\section{Embeddings}\n")
    (root / ".git").mkdir(exist_ok=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "w2v.toml").write_text(PIPELINE_TOML.format(corpus="corpus.txt", dim=16))
    (root / "earlier.toml").write_text(PIPELINE_TOML.format(corpus="corpus.txt", dim=12))
    rng = random.Random(0)
    with open(root / "vectors.txt", "w", encoding="utf-8") as f:
        f.write("20000 50\n")
        for i in range(20000):
            f.write(f"w{i} " + " ".join(f"{rng.uniform(-1, 1):.5f}" for _ in range(50)) + "\n")
    return "corpus.txt"


def hashes(root: Path) -> dict[str, str]:
    """Every file and symbolic link under `root`, hidden ones too: its blake2b (a file's
    bytes, a link's target; a Parquet file's table without its metadata, which holds the
    model's timestamped meta)."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_symlink():
            out[str(p.relative_to(root))] = "link:" + os.readlink(p)
        elif p.is_file():
            data = parquet_data(p) if p.suffix == ".parquet" else p.read_bytes()
            out[str(p.relative_to(root))] = hashlib.blake2b(data).hexdigest()
    return out


def parquet_data(path: Path) -> bytes:
    """The table of a Parquet file, without schema metadata, as Arrow IPC bytes (a file
    that is not readable Parquet: its raw bytes)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path).read().replace_schema_metadata(None)
    except (pa.ArrowException, OSError):
        return path.read_bytes()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def owned_by_w2v(rel: str, output: str) -> bool:
    """Whether the workspace path `rel` is the output or one of its temporaries."""
    top = rel.split("/", 1)[0]
    return top == output or top.startswith(f".{output}.tmp-")


def is_temporary(rel: str) -> bool:
    """Whether a path is in a temporary of w2v's (.NAME.tmp-*), at any depth."""
    return any(part.startswith(".") and ".tmp-" in part for part in rel.split("/"))


def output_state(tree: dict[str, str], output: str) -> dict[str, str]:
    """The output's files (temporaries left out), volatile ones as 'volatile'."""
    prefix = output + "/"
    return {
        k: ("volatile" if k.rsplit("/", 1)[-1] in VOLATILE else v)
        for k, v in tree.items()
        if k.startswith(prefix) and not is_temporary(k)
    }


def check_volatile(root: Path, output: str) -> None:
    """The timestamped JSON files of the output parse (the mark is plain text)."""
    for p in (root / output).rglob("*.json"):
        json.loads(p.read_text(encoding="utf-8"))


def w2v(root: Path, args: list[str]) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, "-m", "w2v", *args],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the kill reaches every child
    )


def run_whole(root: Path, args: list[str]) -> float:
    t0 = time.perf_counter()
    p = w2v(root, args)
    _, err = p.communicate()
    if p.returncode != 0:
        raise SystemExit(f"faults: `w2v {' '.join(args)}` failed: {err.decode()[-400:]}")
    return time.perf_counter() - t0


def kill_after(root: Path, args: list[str], delay: float) -> bool:
    """Start `w2v ARGS`, SIGKILL its process group after `delay` s; whether it was still
    running then."""
    p = w2v(root, args)
    try:
        p.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        return True


def problems_after_kill(root: Path, case: Case, before: dict, old: dict, new: dict) -> list[str]:
    after = hashes(root)
    found = []
    mine = {k for k in before if not owned_by_w2v(k, case.output)}
    for k in sorted(mine):
        if after.get(k) != before[k]:
            found.append(f"user file {k} changed or vanished")
    for k in sorted(set(after) - set(before)):
        if not owned_by_w2v(k, case.output):
            found.append(f"new file {k} outside what w2v owns")
    state = output_state(after, case.output)
    if state == old:
        case.counts["old intact"] += 1
    elif state == new:
        case.counts["new complete"] += 1
    elif case.name == "pipeline" and pipeline_consistent(state, old, new):
        case.counts["steps mixed, each whole"] += 1
    else:
        found.append(f"output {case.output} is neither the old nor the new one")
    try:
        check_volatile(root, case.output)
    except ValueError as e:
        found.append(f"a JSON file of {case.output} does not parse: {e}")
    return found


def pipeline_consistent(state: dict, old: dict, new: dict) -> bool:
    """A run killed between steps: each step's output (a top-level entry of the run
    directory) is whole, the old one or the new one."""

    def by_entry(s: dict) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for k, v in s.items():
            entry = k.split("/")[1]
            out.setdefault(entry, {})[k] = v
        return out

    o, n, s = by_entry(old), by_entry(new), by_entry(state)
    return set(s) == set(n) and all(s[e] in (o.get(e), n[e]) for e in s)


def run_case(root: Path, case: Case, kills: int, rng: random.Random) -> list[str]:
    """Kill `case` `kills` times; the problems found (empty: every check held)."""
    seconds = run_whole(root, case.args)  # timed, and the reference
    new = output_state(hashes(root), case.output)
    run_whole(root, case.args)
    if output_state(hashes(root), case.output) != new:
        return ["two complete runs differ: the outputs cannot be compared"]
    problems = []
    for k in range(kills):
        run_whole(root, case.earlier)  # the earlier output, complete
        old = output_state(hashes(root), case.output)
        before = hashes(root)
        delay = rng.uniform(0, 1.2 * seconds)
        case.counts["killed" if kill_after(root, case.args, delay) else "finished first"] += 1
        found = problems_after_kill(root, case, before, old, new)
        run_whole(root, case.args)
        after = hashes(root)
        if output_state(after, case.output) != new:
            found.append("the rerun's output is not the reference")
        left = [k for k in after if owned_by_w2v(k, case.output) and is_temporary(k)]
        if left:
            found.append(f"the rerun left temporaries: {left[:2]}")
        problems += [f"kill {k + 1} at {delay:.2f} s: {p}" for p in found]
        case.counts["rerun ok"] += not found
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default="", help="comma-separated: train,import,svd,pipeline")
    ap.add_argument("--workspace", type=Path, help="default: a new temporary directory")
    args = ap.parse_args(argv)
    import tempfile

    root = args.workspace or Path(tempfile.mkdtemp(prefix="w2v-faults-"))
    corpus = make_workspace(root)
    rng = random.Random(args.seed)
    chosen = [c for c in cases(corpus) if not args.only or c.name in args.only.split(",")]
    failed = 0
    for case in chosen:
        t0 = time.perf_counter()
        problems = run_case(root, case, args.kills, rng)
        counts = ", ".join(f"{k} {v}" for k, v in sorted(case.counts.items()))
        print(f"{case.name:9s} {args.kills} kills in {time.perf_counter() - t0:.0f} s: {counts}")
        for p in problems:
            print(f"  PROBLEM {p}")
        failed += bool(problems)
    print(f"{len(chosen) - failed} of {len(chosen)} commands lost nothing")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
