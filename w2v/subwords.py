"""Character n-grams of words, hashed into buckets as fastText does (Bojanowski et al. 2017).

A word w is seen through G_w, the character n-grams of "<w>" with minn ≤ n ≤ maxn (the
marks "<" and ">" tell prefixes and suffixes from the inside of a word; "<" and ">" alone are
not n-grams), each hashed by 32-bit FNV-1a over its UTF-8 bytes into one of B buckets:

    bucket(g) = FNV-1a(utf8(g)) mod B

A vocabulary word also has a row of its own; its vector is the mean of its row and its
n-grams' rows, and a word outside the vocabulary gets the mean of its n-grams' rows alone
(fastText's getWordVector). A character is a UTF-8 lead byte with its continuation bytes,
so n counts characters, not bytes. The hash sign-extends each byte before the xor, as
fastText's `uint32_t(int8_t(c))` does; gensim's `ft_hash_bytes` agrees. Same words, same
settings, same buckets: models move between w2v, fastText and gensim.

    table = subword_table(["frog", "frogs"], minn=3, maxn=6, buckets=2_000_000)
    table.rows(1)            # int32 bucket indices of the n-grams of "<frogs>"
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

BOW, EOW = "<", ">"
FNV_OFFSET = 2166136261
FNV_PRIME = 16777619
_LOW32 = 0xFFFFFFFF


def fnv1a(data: bytes) -> int:
    """fastText's 32-bit FNV-1a of `data`, each byte sign-extended (int8) before the xor."""
    h = FNV_OFFSET
    for b in data:
        h = ((h ^ (b | 0xFFFFFF00 if b >= 0x80 else b)) * FNV_PRIME) & _LOW32
    return h


def ngrams(word: str, minn: int, maxn: int) -> list[bytes]:
    """The UTF-8 n-grams of "<word>", minn ≤ n ≤ maxn characters, in fastText's order (by
    start character, then by length)."""
    data = (BOW + word + EOW).encode("utf-8")
    found = []
    for i in range(len(data)):
        if data[i] & 0xC0 == 0x80:  # a continuation byte starts no character
            continue
        j, n = i, 1
        while j < len(data) and n <= maxn:
            j += 1
            while j < len(data) and data[j] & 0xC0 == 0x80:
                j += 1
            if n >= minn and not (n == 1 and (i == 0 or j == len(data))):
                found.append(data[i:j])
            n += 1
    return found


def ngram_buckets(word: str, minn: int, maxn: int, buckets: int) -> np.ndarray:
    """The buckets of the n-grams of `word`, int64 [|G_w|], in the order of `ngrams`."""
    return np.array([fnv1a(g) % buckets for g in ngrams(word, minn, maxn)], dtype=np.int64)


class SubwordTable(NamedTuple):
    """The n-gram buckets of a list of words, as compressed rows: word i's buckets are
    buckets[offsets[i]:offsets[i + 1]] (int64 [W + 1] and int32 [nnz])."""

    offsets: np.ndarray
    buckets: np.ndarray

    def rows(self, i: int) -> np.ndarray:
        return self.buckets[self.offsets[i] : self.offsets[i + 1]]


def subword_table(words: Sequence[str], minn: int, maxn: int, buckets: int) -> SubwordTable:
    """The n-gram buckets of every word of `words` (minn ≤ maxn; maxn 0: no n-grams)."""
    if buckets < 1 or buckets > 2**31 - 1:
        raise ValueError(f"buckets must be in 1..2^31-1, not {buckets}")
    encoded = [(BOW + w + EOW).encode("utf-8") for w in words]
    starts = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum([len(e) for e in encoded], out=starts[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    offsets = np.zeros(len(encoded) + 1, np.int64)
    if maxn == 0:
        return SubwordTable(offsets, np.zeros(0, np.int32))
    from w2v.kernels.ngrams import fill_buckets  # here: querying a model needs no Numba

    n = fill_buckets(data, starts, minn, maxn, buckets, offsets, np.zeros(0, np.int32))
    out = np.empty(n, np.int32)
    fill_buckets(data, starts, minn, maxn, buckets, offsets, out)
    return SubwordTable(offsets, out)


def ngram_mean(ngrams: np.ndarray, word: str, minn: int, maxn: int) -> np.ndarray | None:
    """float32 [dim]: the mean of the rows of `ngrams` (float32 [buckets, dim]) at the
    buckets of `word`'s n-grams, summed in float32 and divided, as gensim's
    FastTextKeyedVectors.get_vector does for a word outside the vocabulary (fastText's
    getWordVector); None if the word has no n-gram. Reads only those rows of a memory map."""
    rows = ngram_buckets(word, minn, maxn, ngrams.shape[0]) if ngrams.shape[0] else []
    if len(rows) == 0:
        return None
    return np.asarray(ngrams[rows]).sum(axis=0, dtype=np.float32) / np.float32(len(rows))


def check_subword_settings(subwords) -> dict:
    """{"minn", "maxn", "buckets"} as ints, or ValueError saying what is wrong: 0 ≤ minn ≤
    maxn with buckets ≥ 1, or maxn 0 (no n-grams, as a fastText model may have)."""
    if not isinstance(subwords, dict) or set(subwords) != {"minn", "maxn", "buckets"}:
        raise ValueError(f"subwords must be {{minn, maxn, buckets}}, got {subwords!r}")
    minn, maxn, buckets = (subwords[k] for k in ("minn", "maxn", "buckets"))
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (minn, maxn, buckets)):
        raise ValueError(f"subwords' minn, maxn and buckets must be integers, got {subwords!r}")
    if not (maxn == 0 and minn >= 0 and buckets >= 0) and not (
        1 <= minn <= maxn and 1 <= buckets <= 2**31 - 1
    ):
        raise ValueError(
            f"subwords need 1 ≤ minn ≤ maxn and 1 ≤ buckets < 2^31 (or maxn 0), got {subwords!r}"
        )
    return {"minn": minn, "maxn": maxn, "buckets": buckets}
