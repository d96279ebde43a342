"""w2v.subwords: fastText's character n-grams and FNV-1a buckets, checked against gensim's."""

import pytest
from gensim.models.fasttext import ft_ngram_hashes
from gensim.models.fasttext_inner import compute_ngrams_bytes, ft_hash_bytes

from w2v.subwords import fnv1a, ngram_buckets, ngrams, subword_table

WORDS = ["frog", "héllo", "日本語テキスト", "a", "", "ab", "naïveté", "x" * 40, "</s>", "😀ok"]


def test_fnv1a_sign_extends_bytes_as_fasttext_does():
    for w in WORDS:
        data = w.encode("utf-8")
        assert fnv1a(data) == ft_hash_bytes(data)
    assert fnv1a(b"") == 2166136261
    assert fnv1a("é".encode()) != fnv1a(bytes(b & 0x7F for b in "é".encode()))


@pytest.mark.parametrize("minn, maxn", [(3, 6), (1, 3), (2, 2)])
def test_ngrams_are_characters_of_the_marked_word(minn, maxn):
    for w in WORDS:
        assert ngrams(w, minn, maxn) == compute_ngrams_bytes(w, minn, maxn)
    assert ngrams("ab", 1, 2) == [b"<a", b"a", b"ab", b"b", b"b>"]  # no "<" or ">" alone
    assert ngrams("é", 3, 3) == ["<é>".encode()]  # three characters, four bytes


@pytest.mark.parametrize("minn, maxn, buckets", [(3, 6, 2_000_000), (2, 4, 1000), (4, 4, 7)])
def test_the_table_gives_gensims_buckets(minn, maxn, buckets):
    table = subword_table(WORDS, minn, maxn, buckets)
    assert table.offsets[0] == 0 and table.offsets[-1] == len(table.buckets)
    for i, w in enumerate(WORDS):
        expected = ft_ngram_hashes(w, minn, maxn, buckets)
        assert list(table.rows(i)) == expected == list(ngram_buckets(w, minn, maxn, buckets))


def test_maxn_zero_means_no_ngrams_and_bad_buckets_are_refused():
    table = subword_table(WORDS, 3, 0, 100)
    assert len(table.buckets) == 0 and list(table.offsets) == [0] * (len(WORDS) + 1)
    with pytest.raises(ValueError, match="buckets"):
        subword_table(WORDS, 3, 6, 0)
