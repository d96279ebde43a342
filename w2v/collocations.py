"""Phrases: frequent collocations joined into single tokens ("new york" → "new_york").

    model = w2v.phrases("corpus.txt", passes=2)        # PhraseModel
    model.top(5); model["the new york times".split()]  # ['the', 'new_york_times']
    model.write("corpus.txt", "phrased.txt"); model.save("phrases.parquet")

A pass counts every token and every bigram of the corpus as gensim's `Phrases` does, the
bigram (a, b) counted as the string a + delimiter + b (w2v.bigram_counts.GramCounts, over
the Numba kernels), fed by the same streaming scanner as the vocabulary
(w2v.scan.iter_blocks). Memory is bounded: when a sentence ends with more than
`max_vocab_size` strings held, those counted fewer than min_reduce times are dropped and
min_reduce grows by one, as gensim prunes. Each string that splits at the delimiter into
a, ..., b is scored as `Phrases.export_phrases` scores it; those scoring above
`threshold` are the pass's phrases (a PhraseTable). Applying a pass joins them left to
right as gensim's `FrozenPhrases` does. A second pass counts the text the first one
joined, so it finds phrases of phrases.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from w2v.bigram_counts import GramCounts, PhraseTable
from w2v.config import PhrasesConfig
from w2v.errors import ConfigError, CorpusError
from w2v.tokens import ReadStats, iter_sentences

FORMAT = "w2v-phrases"  # the mark of a saved PhraseModel (w2v.io.phrase_file)
_SENTENCE_BLOCK = 1 << 20  # bytes of token lists gathered into one block


@dataclass
class PhraseModel:
    """The phrases found by each pass (`tables`), how they were found (`config`), how the
    text was read (`lower`, `punct`: apply it to text read the same way) and what each
    pass saw (`stats`: lines, words, keys, pruned keys, min_reduce, phrases)."""

    config: PhrasesConfig
    tables: list[PhraseTable]
    lower: bool = True
    punct: bool = False
    stats: list[dict] = field(default_factory=list)

    def __len__(self) -> int:
        return sum(len(t) for t in self.tables)

    def join_blocks(self, blocks: Iterable[bytes]) -> Iterator[bytes]:
        """Normalised blocks with the phrases of every pass joined, pass after pass."""
        for table in self.tables:
            blocks = table.join(blocks)
        return iter(blocks)

    def __getitem__(self, sentence: list[str]) -> list[str]:
        """A sentence (tokens without whitespace) with its phrases joined, as gensim's
        FrozenPhrases of each pass, one after the other, give it."""
        blocks: Iterable[bytes] = [" ".join(sentence).encode("utf-8")]
        for table in self.tables:
            blocks = table.join(blocks, max_sentence_len=len(sentence) + 1)
        return b"".join(blocks).decode("utf-8").split()

    def transform(self, sentences: Iterable[list[str]]) -> Iterator[list[str]]:
        """Token lists (tokens without whitespace) with their phrases joined; a list longer
        than MAX_SENTENCE_LEN comes out in pieces, as every corpus reader cuts it."""
        for block in self.join_blocks(sentence_blocks(sentences, ReadStats())):
            yield from (line.split() for line in block.decode("utf-8").splitlines() if line)

    def top(self, n: int | None = None) -> list[tuple[str, float, int, int]]:
        """(phrase, score, count, pass) of the n best-scoring phrases of all passes, best
        first (ties: the earlier pass, then the first found)."""
        scores = np.concatenate([t.scores for t in self.tables] + [np.empty(0)])
        firsts = np.cumsum([0] + [len(t) for t in self.tables])  # pass p's rows start here
        rows = []
        for k in np.argsort(-scores, kind="stable")[:n]:
            p = int(np.searchsorted(firsts, k, side="right")) - 1
            t, i = self.tables[p], int(k - firsts[p])
            rows.append((t.phrase(i), float(t.scores[i]), int(t.counts[i]), p + 1))
        return rows

    def phrases(self, npass: int | None = None) -> dict[str, float]:
        """phrase → score of pass `npass` (1-based; gensim's export_phrases of that pass),
        or of every pass."""
        tables = self.tables if npass is None else [self.tables[npass - 1]]
        return {t.phrase(i): float(t.scores[i]) for t in tables for i in range(len(t))}

    def summary(self) -> dict:
        """What a model trained on the joined text records of them (meta.json)."""
        return {
            "config": dataclasses.asdict(self.config),
            "lower": self.lower,
            "punct": self.punct,
            "phrases": [len(t) for t in self.tables],
        }

    def write(self, corpus, output, force: bool = False) -> dict:
        """Write the text file `corpus` with its phrases joined to the file `output`
        (atomically; an existing one only with `force`): its tokens as the model reads
        them, one space apart, a line per sentence. Returns what was read (lines,
        invalid_utf8)."""
        from w2v.io.atomic import atomic_file, refuse_existing
        from w2v.scan import iter_blocks, prefetch

        refuse_existing(output, force)
        read = ReadStats()
        blocks = prefetch(iter_blocks(corpus, self.lower, self.punct, read))
        with atomic_file(output) as f:
            for block in self.join_blocks(blocks):
                f.write(block)
        return {"lines": read.lines, "invalid_utf8": read.invalid_utf8}

    def save(self, path, force: bool = False) -> None:
        """Rows (phrase, score, count, pass) in a Parquet file, the settings in its
        metadata (w2v.io.phrase_file), for `PhraseModel.load` and `w2v train --phrases-from`."""
        from w2v.io.phrase_file import write_phrases

        write_phrases(path, self, force)

    @classmethod
    def load(cls, path) -> PhraseModel:
        from w2v.io.phrase_file import read_phrases

        return read_phrases(path)


def sentence_blocks(sentences: Iterable[list[str]], read: ReadStats) -> Iterator[bytes]:
    """Token lists as normalised blocks (tokens one space apart, a line each), cut as
    iter_sentences cuts them."""
    lines: list[str] = []
    size = 0
    for tokens in iter_sentences(sentences, stats=read):
        lines.append(" ".join(tokens))
        size += len(lines[-1]) + 1
        if size >= _SENTENCE_BLOCK:
            yield ("\n".join(lines) + "\n").encode("utf-8")
            lines, size = [], 0
    if lines:
        yield ("\n".join(lines) + "\n").encode("utf-8")


def _is_paths(corpus) -> bool:
    return isinstance(corpus, list | tuple) and all(
        isinstance(p, str | os.PathLike) for p in corpus
    )


def corpus_blocks(corpus, lower: bool, punct: bool, read: ReadStats) -> Iterator[bytes]:
    """The normalised blocks of a corpus: a text file, a list of them (each file's last
    line ends with it) or an iterable of token lists (taken as they are)."""
    from w2v.scan import iter_blocks

    if isinstance(corpus, str | os.PathLike):
        yield from iter_blocks(corpus, lower, punct, read)
    elif _is_paths(corpus):
        for path in corpus:
            yield from iter_blocks(path, lower, punct, read)
            yield b"\n"
    else:
        yield from sentence_blocks(corpus, read)


def phrases(corpus, *, lower: bool = True, punct: bool = False, **settings) -> PhraseModel:
    """Find the phrases of `corpus` (a text file, .gz/.bz2/.xz too, a list of them, or an
    iterable of token lists) with the PhrasesConfig fields as keywords: min_count=5,
    threshold=10.0, scoring="default" or "npmi", passes=1 or 2, delimiter="_",
    max_vocab_size=40_000_000. `lower` and `punct` say how files are tokenized.

    The phrases and their scores are gensim's: `Phrases(sentences, **settings)` without
    connector words, then `export_phrases()`; pass 2 is the same over the sentences joined
    by the first pass's `freeze()`. CorpusError if the corpus has no tokens.
    """
    from w2v.scan import prefetch

    config = PhrasesConfig.from_kwargs(**settings)
    model = PhraseModel(config, [], lower=lower, punct=punct)
    if not isinstance(corpus, str | os.PathLike | list | tuple) and iter(corpus) is corpus:
        corpus = list(corpus)  # a one-shot iterator of token lists: read once per pass
    size = _text_bytes(corpus)
    for _ in range(config.passes):
        counts = GramCounts(config.delimiter, config.max_vocab_size, size)
        read = ReadStats()
        for block in prefetch(model.join_blocks(corpus_blocks(corpus, lower, punct, read))):
            counts.add(block)
        counts.finish()
        if counts.words == 0:
            raise CorpusError(f"corpus {_name(corpus)!r} is empty (no tokens)")
        model.tables.append(counts.phrases(config))
        model.stats.append(
            {
                "lines": read.lines,
                "invalid_utf8": read.invalid_utf8,
                "words": counts.words,
                "keys": counts.n,
                "pruned_keys": counts.pruned,
                "min_reduce": counts.min_reduce,
                "phrases": len(model.tables[-1]),
            }
        )
        del counts
    return model


def _text_bytes(corpus) -> int:
    """About how many bytes of text the corpus files hold (0 for token lists): compressed
    files count four times their size."""
    from w2v.io.compressed import COMPRESSED

    paths = [corpus] if isinstance(corpus, str | os.PathLike) else corpus
    if not _is_paths(paths):
        return 0
    total = 0
    for p in map(Path, paths):
        if p.is_file():
            total += p.stat().st_size * (4 if p.suffix.lower() in COMPRESSED else 1)
    return total


def _name(corpus) -> str:
    if isinstance(corpus, str | os.PathLike):
        return str(corpus)
    return ", ".join(map(str, corpus)) if _is_paths(corpus) else "corpus"


def phrase_model(spec, corpus, lower: bool, punct: bool) -> PhraseModel | None:
    """The phrases `w2v.train(..., phrases=spec)` applies: None or False, none; True, those
    of `corpus` at the default settings; a dict of PhrasesConfig settings, those of
    `corpus` found with them; a PhraseModel, itself; a path, the model saved there
    (`w2v phrases --save`), which must have read its text as `lower` and `punct` say."""
    if spec is None or spec is False:
        return None
    if not isinstance(spec, bool | dict | PhraseModel | str | os.PathLike):
        raise ConfigError(
            f"phrases must be True, a dict of phrase settings, a PhraseModel or the path of "
            f"saved phrases, not {spec!r}"
        )
    if spec is True:
        return phrases(corpus, lower=lower, punct=punct)
    if isinstance(spec, dict):
        return phrases(corpus, lower=lower, punct=punct, **spec)
    model = spec if isinstance(spec, PhraseModel) else PhraseModel.load(spec)
    if (model.lower, model.punct) != (lower, punct):
        raise ConfigError(
            f"the phrases were found in text read with lower={model.lower}, "
            f"punct={model.punct}; read the corpus the same way (--no-lower, --punct)"
        )
    return model


__all__ = ["PhraseModel", "PhraseTable", "PhrasesConfig", "phrase_model", "phrases"]
