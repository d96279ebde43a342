"""Intrinsic evaluation: analogy accuracy and word-pair correlation, as gensim computes them.

    w2v.evaluate_analogies(vec)   # Google analogies, 3CosAdd over the 30,000 most frequent words
    w2v.evaluate_pairs(vec)       # WordSim353 (or SimLex-999): Pearson and Spearman vs humans

The numbers equal gensim's `evaluate_word_analogies` / `evaluate_word_pairs` on the same
vectors (case folding to upper case with the most frequent variant winning, `restrict`,
quadruples or pairs with an unknown word skipped, dummy4unknown off), but the analogy
questions are answered in batches: one matrix product per chunk of questions instead of one
matrix-vector product each. Where two candidates' batched scores are too close for float32
rounding to decide, that question is recomputed exactly as gensim does.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import numpy as np

from w2v.errors import UserError
from w2v.ranking import argsort_desc, topk_rows

ANALOGIES = "questions-words.txt"
PAIRS = ("wordsim353.tsv", "simlex999.txt")

# Analogy: gensim takes the top 5 of most_similar(topn=5), which fetches 5 + 3 candidates.
_TOPN, _FETCH = 5, 8
# Batched and exact scores differ by float32 rounding (~1e-7); closer calls are redone.
_TIE = 1e-5
_CHUNK_BYTES = 32 << 20


def data_path(name: str) -> Path:
    """Path of an evaluation set shipped in w2v/data (questions-words.txt, wordsim353.tsv,
    simlex999.txt)."""
    return Path(str(resources.files("w2v") / "data" / name))


def _ok_vocab(vec, restrict: int | None, case_insensitive: bool) -> dict[str, int]:
    """Key -> row over the first `restrict` words; with case folding the most frequent
    (lowest row) variant of each upper-cased key wins, as in gensim."""
    words = vec.words[:restrict] if restrict else vec.words
    if case_insensitive:
        return {w.upper(): i for i, w in reversed(list(enumerate(words)))}
    return {w: i for i, w in reversed(list(enumerate(words)))}


_MAX_LINE = 1 << 20  # an analogy or a word pair is a few words; a longer line is neither


def _open_lines(path: str | os.PathLike, universal_newlines: bool) -> list[str]:
    """The file's lines with their ends: split at "\n" only (gensim reads analogies in
    binary mode) or at any of "\n", "\r", "\r\n" (it reads pairs in text mode). A line
    is read up to _MAX_LINE characters (bytes in binary mode), and refused if longer."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"evaluation file {str(p)!r} does not exist")
    try:
        if universal_newlines:
            with open(p, encoding="utf-8") as f:
                return _bounded_lines(f, p, "characters")
        with open(p, "rb") as f:
            return [line.decode("utf-8") for line in _bounded_lines(f, p, "bytes")]
    except UnicodeDecodeError as e:
        raise UserError(f"evaluation file {str(p)!r} is not UTF-8 text: {e}") from e


def _bounded_lines(f, path: Path, unit: str) -> list:
    lines = []
    for line in iter(lambda: f.readline(_MAX_LINE + 1), f.read(0)):
        if len(line) > _MAX_LINE:
            raise UserError(
                f"evaluation file {str(path)!r}: line {len(lines) + 1} is longer than "
                f"{_MAX_LINE:,} {unit}"
            )
        lines.append(line)
    return lines


def _parse_analogies(lines, path, ok, case_insensitive):
    """Sections [(name, [(a, b, c, d) keys in vocab])], number of questions, number with OOV."""
    sections, questions, oov = [], 0, 0
    for line_no, line in enumerate(lines):
        if line.startswith(": "):
            sections.append((line.lstrip(": ").strip(), []))
            continue
        if not sections:
            raise UserError(f"missing ': section' header before line {line_no + 1} of {path}")
        words = line.split()
        if len(words) != 4:
            continue  # gensim skips a line that is not four words
        if case_insensitive:
            words = [w.upper() for w in words]
        questions += 1
        if all(w in ok for w in words):
            sections[-1][1].append(tuple(words))
        else:
            oov += 1
    return sections, questions, oov


def evaluate_analogies(
    vec,
    path: str | os.PathLike | None = None,
    restrict: int | None = 30000,
    case_insensitive: bool = True,
) -> dict:
    """Accuracy on "a b c d" analogy questions (a is to b as c is to d), 3CosAdd:
    the answer is the best of the nearest words to b - a + c among the first `restrict`
    words, skipping a, b and c. Questions with a word outside those `restrict` are skipped.
    UserError if the file holds no question, or none that can be asked: as evaluate_pairs
    (and gensim's evaluate_word_pairs) does, where gensim's evaluate_word_analogies divides
    by zero on the first and returns an accuracy of 0.0 on the second.

    Returns {"accuracy", "correct", "total", "questions", "oov", "oov_ratio" (percent, as
    gensim), "semantic", "syntactic", "sections": [{"section", "correct", "total",
    "accuracy"}], "restrict", "path"}.
    """
    path = Path(path) if path is not None else data_path(ANALOGIES)
    ok = _ok_vocab(vec, restrict, case_insensitive)
    sections, questions, oov = _parse_analogies(
        _open_lines(path, False), path, ok, case_insensitive
    )
    if not questions:
        raise UserError(
            f"no analogy questions in {path}: it should hold ': section' lines, each followed "
            f"by questions of four words 'a b c d'"
        )
    if oov == questions:  # as evaluate_pairs: an accuracy over no questions would read as 0
        within = f"the {restrict} most frequent words" if restrict else "the vocabulary"
        raise UserError(
            f"none of the {questions} analogy questions in {path} can be asked: each has a "
            f"word outside {within}"
        )
    quads = [q for _, qs in sections for q in qs]
    hits = _answer(vec, quads, ok, restrict, case_insensitive)
    out_sections, start = [], 0
    for name, qs in sections:
        c = int(hits[start : start + len(qs)].sum())
        out_sections.append(
            {"section": name, "correct": c, "total": len(qs), "accuracy": _ratio(c, len(qs))}
        )
        start += len(qs)

    def part(syntactic: bool) -> float:
        chosen = [s for s in out_sections if s["section"].startswith("gram") == syntactic]
        return _ratio(sum(s["correct"] for s in chosen), sum(s["total"] for s in chosen))

    correct = int(hits.sum())
    return {
        "accuracy": _ratio(correct, len(quads)),
        "correct": correct,
        "total": len(quads),
        "questions": questions,
        "oov": oov,
        "oov_ratio": float(oov) / questions * 100 if questions else 0.0,
        "semantic": part(False),
        "syntactic": part(True),
        "sections": out_sections,
        "restrict": restrict,
        "path": str(path),
    }


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def _answer(vec, quads, ok, restrict, case_insensitive) -> np.ndarray:
    """bool [n]: whether each question's prediction (gensim's rule) is its expected word."""
    hits = np.zeros(len(quads), dtype=bool)
    if not quads:
        return hits
    end = min(restrict or len(vec), len(vec))
    A, B, C = (np.array([ok[q[k]] for q in quads]) for k in range(3))
    N = vec.normed
    Nr = N[:end]
    # gensim's mean of +b +c -a: a float32 running sum, then / 3 in float64, then unit.
    m = N[B].copy()
    m += N[C].astype(np.float64)
    m += -1.0 * N[A].astype(np.float64)
    m = m / np.float64(3.0)
    norm = np.sqrt(np.einsum("ij,ij->i", m, m))
    norm[norm == 0] = 1.0  # gensim's unitvec leaves a zero vector as it is (all cosines 0)
    Q = (m * (1.0 / norm)[:, None]).astype(np.float32)
    step = max(1, _CHUNK_BYTES // (4 * end))
    k = min(_FETCH + 1, end)
    for s in range(0, len(quads), step):
        S = Q[s : s + step] @ Nr.T  # [b, end] cosines
        part = topk_rows(S, k)
        close = -np.diff(np.take_along_axis(S, part, axis=1), axis=1) < _TIE  # [b, k - 1]
        first_close = np.where(close.any(axis=1), close.argmax(axis=1), k).tolist()
        for r in range(len(part)):
            n = s + r
            inputs = (A[n], B[n], C[n])
            hit, last = _judge(vec, quads[n], ok, part[r, :_FETCH], inputs, case_insensitive)
            if first_close[r] <= last:  # an order that float32 rounding could flip
                exact = argsort_desc(vec._cosines(Q[n], end), _FETCH)
                hit, _ = _judge(vec, quads[n], ok, exact, inputs, case_insensitive)
            hits[n] = hit
    return hits


def _judge(vec, quad, ok, candidates, inputs, case_insensitive) -> tuple[bool, int]:
    """gensim's rule: of the first 5 candidates that are not input rows, predict the first
    whose key is not an input key (else the last one looked at). Returns whether that is
    the expected word, and the position in `candidates` of the last one looked at."""
    a, b, c, expected = quad
    ignore = {a, b, c}
    predicted, last, seen = None, 0, 0
    for pos, j in enumerate(candidates):
        if j in inputs:
            continue
        w = vec.words[j]
        predicted, last, seen = (w.upper() if case_insensitive else w), pos, seen + 1
        if (predicted in ok and predicted not in ignore) or seen == _TOPN:
            break
    return predicted == expected, last


def evaluate_pairs(
    vec,
    path: str | os.PathLike | None = None,
    restrict: int | None = 300000,
    case_insensitive: bool = True,
    delimiter: str = "\t",
) -> dict:
    """Correlation of cos(u_a, u_b) with human scores on "a<TAB>b<TAB>score" lines
    ('#' starts a comment); pairs with a word outside the first `restrict` are skipped.

    Returns {"pearson", "pearson_pvalue", "spearman", "spearman_pvalue", "pairs" (used),
    "oov" (skipped), "oov_ratio" (percent, as gensim), "path"}. A correlation is undefined
    (nan, as scipy and gensim give, but without scipy's warning) with fewer than two pairs
    or a constant input (a model whose vectors are all zero); Pearson's also with a nearly
    constant one, which scipy would compute inaccurately.
    """
    from scipy import stats

    path = Path(path) if path is not None else data_path(PAIRS[0])
    ok = _ok_vocab(vec, restrict, case_insensitive)
    gold, left, right, oov = [], [], [], 0
    for line in _open_lines(path, True):
        if not line or line.startswith("#"):
            continue
        fields = line.split(delimiter)
        if len(fields) != 3:
            continue
        if case_insensitive:
            fields = [f.upper() for f in fields]
        try:
            sim = float(fields[2])
        except ValueError:
            continue
        a, b = fields[0], fields[1]
        if a not in ok or b not in ok:
            oov += 1
            continue
        gold.append(sim)
        left.append(ok[a])
        right.append(ok[b])
    if not gold:
        raise UserError(
            f"no valid similarity judgements in {path}: wrong format, or every pair has a word "
            f"outside the vocabulary"
        )
    model = np.array([vec._similarity(i, j) for i, j in zip(left, right, strict=True)])
    gold = np.asarray(gold, np.float64)
    model = model.astype(np.float64)
    nan = (float("nan"), float("nan"))
    defined = len(gold) >= 2 and not (_constant(gold) or _constant(model))
    accurate = not (_near_constant(gold) or _near_constant(model))
    pearson = stats.pearsonr(gold, model) if defined and accurate else nan
    spearman = stats.spearmanr(gold, model) if defined else nan
    return {
        "pearson": float(pearson[0]),
        "pearson_pvalue": float(pearson[1]),
        "spearman": float(spearman[0]),
        "spearman_pvalue": float(spearman[1]),
        "pairs": len(gold),
        "oov": oov,
        "oov_ratio": float(oov) / (len(gold) + oov) * 100,
        "path": str(path),
    }


def _constant(x: np.ndarray) -> bool:
    return bool(np.all(x == x[0]))


def _near_constant(x: np.ndarray) -> bool:
    """scipy.stats.pearsonr's test for NearConstantInputWarning: ‖x − x̄‖ < ε^¾ |x̄|."""
    mean = x.mean()
    return bool(np.linalg.norm(x - mean) < np.finfo(np.float64).eps ** 0.75 * abs(mean))
