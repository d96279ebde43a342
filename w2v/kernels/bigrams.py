"""Unigram and bigram counts as gensim's Phrases keeps them, and their phrase scores (Numba).

gensim counts every token and every bigram (a, b) of a sentence in one dict, the bigram
keyed by the string a + delimiter + b, so that a token holding the delimiter and a bigram
spelling the same string share one count. Here each such string is counted in exactly one
of three tables (w2v.kernels.keytable):

    U  a key table of the tokens without the delimiter ("plain"); a token's id is its
       record's offset // 8
    S  a key table of the strings with the delimiter: tokens holding it, and the bigrams
       that P does not count
    P  a pair table of the bigrams of two plain tokens, keyed by their ids (when `pairs`)

A bigram of plain tokens a, b goes to P unless S already counts the string a + d + b (a
token that spells it); a token new to S that splits into plain a, d, b takes over P's
count of (a, b). With a delimiter that can overlap itself ("__"), a string could split
into plain tokens in two ways, so the caller counts every bigram in S (`pairs` False).

The text is a normalised block (w2v.scan): tokens separated by ASCII whitespace, b"\\n"
ending a line. A *sentence* is a line cut into pieces of at most `max_sentence_len`
tokens (gensim's LineSentence, word2vec.c's MAX_SENTENCE_LENGTH); no bigram spans two.
"""

import math

import numpy as np
from numba import njit

from w2v.kernels.keytable import (
    BATCH,
    EMPTY,
    FNV_OFFSET,
    FNV_PRIME,
    NEWLINE,
    count_of,
    delete_pair,
    find,
    find_pair,
    fnv1a,
    is_space,
    key_hash,
    key_len,
    pair_first,
    pair_key,
    pair_second,
    pair_slot,
    put,
    record_size,
)
from w2v.kernels.prefetch import prefetch_item

# Why count_grams stopped.
DONE = 0  # the whole buffer is counted
ROOM = 1  # the next batch needs room: sizes[NEED_U], sizes[NEED_S] bytes, BATCH pairs
PRUNE = 2  # a sentence ended with more keys than max_keys: prune, then go on

# sizes, int64 [9]: what the tables hold, read and written by count_grams
N_U, USED_U, N_S, USED_S, N_P, N_SPLIT, NEED_U, NEED_S, WORDS = range(9)

# Scoring functions, gensim's names: original_scorer (word2phrase.c's) and npmi_scorer.
DEFAULT = 0
NPMI = 1


@njit(cache=True, nogil=True, inline="always")
def _at(x, k, d):
    """Whether the delimiter d occurs in x at k (the caller knows x[k:k + len(d)] exists,
    or that a space, which no delimiter holds, ends it first)."""
    for j in range(len(d)):
        if x[k + j] != d[j]:
            return False
    return True


@njit(cache=True, nogil=True)
def split_once(x, x0, x1, d):
    """Where d occurs in x[x0:x1] if it occurs exactly once with bytes on both sides (the
    key then splits into plain a, d, b), else -1."""
    at = -1
    k = x0
    while k + len(d) <= x1:
        if _at(x, k, d):
            if at >= 0:
                return -1
            at = k
            k += len(d)
        else:
            k += 1
    return at if x0 < at and at + len(d) < x1 else -1


@njit(cache=True, nogil=True, inline="always")
def _holds(x, x0, x1, d):
    """Whether d occurs in x[x0:x1]."""
    for k in range(x0, x1 - len(d) + 1):
        if _at(x, k, d):
            return True
    return False


@njit(cache=True, nogil=True, inline="always")
def _id_of(u_slots, u_arena, x, x0, x1):
    """The id in U of the token x[x0:x1], or -1."""
    return u_slots[find(u_slots, u_arena, fnv1a(x, x0, x1), x, x0, x1, x, 0, x, 0, 0)]


@njit(cache=True, nogil=True)
def _count_new_split(x, t0, t1, at, dn, u_slots, u_arena, p_keys, p_counts):
    """The count P holds of the bigram that the new S key x[t0:t1] spells (its plain
    tokens x[t0:at] and x[at + dn:t1]), taken out of P (0 if P has none). Writes p_keys,
    p_counts."""
    a = _id_of(u_slots, u_arena, x, t0, at)
    b = _id_of(u_slots, u_arena, x, at + dn, t1)
    if a < 0 or b < 0:
        return 0
    j = find_pair(p_keys, pair_key(a, b))
    if p_keys[j] == EMPTY:
        return 0
    count = p_counts[j]
    delete_pair(p_keys, p_counts, j)
    return count


@njit(cache=True, nogil=True)
def count_grams(
    buf, pos, state, delim, pairs, max_sentence_len, max_keys, u_slots, u_arena, u_arena64,
    s_slots, s_arena, s_arena64, p_keys, p_counts, sizes,
):  # fmt: skip
    """Count every token of buf[pos:] and every bigram (the token before it in its sentence,
    the token) into U, S and P (gensim's Phrases._learn_vocab), a batch of tokens at a
    time: 1. bound and hash the tokens, prefetch their slots; 2. count the tokens in
    order, then know each bigram's pair key and prefetch its slot; 3. count the bigrams.

    state int64 [4] carries a sentence across calls: [tokens of the current sentence so
    far, start and end in buf of its last token (-1, -1: none), that token's id in U (-1:
    it holds the delimiter)]. sizes (N_U ...) holds the tables' sizes and the words read;
    after ROOM, the room the batch needs. Writes state, sizes and the tables. Returns
    (pos, stop): stop is DONE (pos == len(buf)), ROOM (nothing of the batch at pos is
    counted: grow the tables, call again) or PRUNE (a sentence ended just before pos with
    more than max_keys keys held: gensim prunes there).
    """
    n = len(buf)
    dn = len(delim)
    d0 = delim[0]
    raw, p0, p1, p_id = state[0], state[1], state[2], state[3]
    n_u, used_u, n_s, used_s = sizes[N_U], sizes[USED_U], sizes[N_S], sizes[USED_S]
    n_p, n_split, words = sizes[N_P], sizes[N_SPLIT], sizes[WORDS]
    u_mask = np.uint64(len(u_slots) - 1)
    s_mask = np.uint64(len(s_slots) - 1)
    t0s = np.empty(BATCH, np.int64)
    t1s = np.empty(BATCH, np.int64)
    breaks = np.empty(BATCH, np.bool_)  # a line ends between the token and the one before
    plain = np.empty(BATCH, np.bool_)  # the token does not hold the delimiter
    hashes = np.empty(BATCH, np.uint64)  # of the token's bytes
    a0s = np.empty(BATCH, np.int64)  # the bigram's first token (-1: no bigram), its id
    a1s = np.empty(BATCH, np.int64)
    a_ids = np.empty(BATCH, np.int64)
    b_ids = np.empty(BATCH, np.int64)  # the token's id in U (-1: it holds the delimiter)
    string_hashes = np.empty(BATCH, np.uint64)  # of a bigram S counts
    stop = DONE
    while stop == DONE:
        # 1. a batch of tokens: their bounds and hashes, the room they may need
        m = 0
        q = pos
        while m < BATCH:
            line_break = False
            while q < n and is_space(buf[q]):
                line_break |= buf[q] == NEWLINE
                q += 1
            if q == n:
                break
            t0 = q
            h = FNV_OFFSET  # the token's bounds, hash and first delimiter byte, in one pass
            seen_d0 = False
            while q < n and not is_space(buf[q]):
                h = (h ^ np.uint64(buf[q])) * FNV_PRIME
                seen_d0 |= buf[q] == d0
                q += 1
            t0s[m], t1s[m], breaks[m] = t0, q, line_break
            plain[m] = not seen_d0 or (dn > 1 and not _holds(buf, t0, q, delim))
            hashes[m] = h
            if plain[m]:
                prefetch_item(u_slots, np.int64(h & u_mask))
            else:
                prefetch_item(s_slots, np.int64(h & s_mask))
            m += 1
        # room, at most: a record of 16 bytes and its key's for each token, and for each
        # bigram, whose tokens' bytes are each in two bigrams at most
        need_u = (q - pos) + 16 * m
        need_s = 3 * (q - pos) + (p1 - p0) + (32 + dn) * m
        if (
            2 * (n_u + m) > len(u_slots) or used_u + need_u > len(u_arena)
            or 2 * (n_s + 2 * m) > len(s_slots) or used_s + need_s > len(s_arena)
            or 2 * (n_p + m) > len(p_keys)
        ):  # fmt: skip
            sizes[NEED_U], sizes[NEED_S] = need_u, need_s
            stop = ROOM
            break
        # 2. the tokens, in order; stop where a sentence ends and the keys and the bigrams
        #    yet to count could be more than max_keys: gensim may prune there
        last = m  # the tokens of the batch counted
        ended = False
        for k in range(m):
            t0, t1 = t0s[k], t1s[k]
            if breaks[k] and raw > 0:
                raw, p0, p1, p_id = 0, -1, -1, -1
                if n_u + n_s + n_p + k > max_keys:
                    last, ended, pos = k, True, t0
                    break
            if plain[k]:
                s = find(u_slots, u_arena, hashes[k], buf, t0, t1, delim, 0, buf, 0, 0)
                if u_slots[s] < 0:
                    u_slots[s] = used_u // 8
                    used_u = put(u_arena, u_arena64, used_u, 0, buf, t0, t1, delim, 0, buf, 0, 0)
                    n_u += 1
                b_ids[k] = u_slots[s]
                u_arena64[b_ids[k]] += 1
            else:
                b_ids[k] = -1
                s = find(s_slots, s_arena, hashes[k], buf, t0, t1, delim, 0, buf, 0, 0)
                if s_slots[s] >= 0:
                    s_arena64[s_slots[s]] += 1
                else:
                    at = split_once(buf, t0, t1, delim) if pairs else -1
                    taken = 0
                    if at >= 0:  # it spells a bigram of plain tokens: P's count is now S's
                        n_split += 1
                        taken = _count_new_split(
                            buf, t0, t1, at, dn, u_slots, u_arena, p_keys, p_counts
                        )
                        n_p -= taken > 0
                    s_slots[s] = used_s // 8
                    used_s = put(s_arena, s_arena64, used_s, 1 + taken, buf, t0, t1, delim, 0,
                                 buf, 0, 0)  # fmt: skip
                    n_s += 1
            a0s[k] = p0
            if p0 >= 0:  # the bigram (token before, token): P's slot or S's
                a1s[k], a_ids[k] = p1, p_id
                if pairs and p_id >= 0 and b_ids[k] >= 0:
                    prefetch_item(p_keys, pair_slot(pair_key(p_id, b_ids[k]), len(p_keys) - 1))
                else:
                    string_hashes[k] = key_hash(buf, p0, p1, delim, dn, buf, t0, t1)
                    prefetch_item(s_slots, np.int64(string_hashes[k] & s_mask))
            p0, p1, p_id = t0, t1, b_ids[k]
            raw += 1
            words += 1
            pos = t1
            if raw == max_sentence_len:
                raw, p0, p1, p_id = 0, -1, -1, -1
                if n_u + n_s + n_p + k + 1 > max_keys:
                    last, ended = k + 1, True
                    break
        # 3. the bigrams of the tokens counted
        for k in range(last):
            a0, t0, t1 = a0s[k], t0s[k], t1s[k]
            if a0 < 0:
                continue
            a1 = a1s[k]
            if pairs and a_ids[k] >= 0 and b_ids[k] >= 0:
                key = pair_key(a_ids[k], b_ids[k])
                j = find_pair(p_keys, key)
                if p_keys[j] == key:
                    p_counts[j] += 1
                    continue
                if n_split > 0:  # S may count it: a token spells it
                    h = key_hash(buf, a0, a1, delim, dn, buf, t0, t1)
                    r = s_slots[find(s_slots, s_arena, h, buf, a0, a1, delim, dn, buf, t0, t1)]
                    if r >= 0:
                        s_arena64[r] += 1
                        continue
                p_keys[j], p_counts[j] = key, 1
                n_p += 1
            else:
                h = string_hashes[k]
                s = find(s_slots, s_arena, h, buf, a0, a1, delim, dn, buf, t0, t1)
                if s_slots[s] >= 0:
                    s_arena64[s_slots[s]] += 1
                else:  # with pairs, it holds two delimiters: it spells no plain bigram
                    s_slots[s] = used_s // 8
                    used_s = put(s_arena, s_arena64, used_s, 1, buf, a0, a1, delim, dn,
                                 buf, t0, t1)  # fmt: skip
                    n_s += 1
        if ended:  # a sentence ended at pos: now the count is known
            if n_u + n_s + n_p > max_keys:
                stop = PRUNE
            continue
        if m < BATCH:  # no token left: a line may end in the last spaces
            while pos < n:
                if buf[pos] == NEWLINE and raw > 0:
                    raw, p0, p1, p_id = 0, -1, -1, -1
                    if n_u + n_s + n_p > max_keys:
                        stop = PRUNE
                pos += 1
            break
    state[0], state[1], state[2], state[3] = raw, p0, p1, p_id
    sizes[N_U], sizes[USED_U], sizes[N_S], sizes[USED_S] = n_u, used_u, n_s, used_s
    sizes[N_P], sizes[N_SPLIT], sizes[WORDS] = n_p, n_split, words
    return pos, stop


@njit(cache=True, nogil=True)
def count_splits(s_arena, used, delim):
    """How many keys of S split once into plain tokens (split_once): after a pruning."""
    count = 0
    o = 0
    while o < used:
        n = key_len(s_arena, o)
        count += split_once(s_arena, o + 8, o + 8 + n, delim) >= 0
        o += record_size(n)
    return count


@njit(cache=True, nogil=True, inline="always")
def _score(scoring, min_count, len_vocab, N, c_a, c_b, c_ab):
    """gensim's original_scorer or npmi_scorer (see score_keys)."""
    if scoring == DEFAULT:
        return (c_ab - min_count) / float(c_a * c_b) * len_vocab
    if c_ab < min_count:
        return -np.inf
    p_a = c_a / N
    p_b = c_b / N
    p_ab = c_ab / N
    return math.log(p_ab / (p_a * p_b)) / -math.log(p_ab)


@njit(cache=True, nogil=True, inline="always")
def _passed_over(scoring, min_count, c_ab):
    """Whether a key counted c_ab times cannot score above a threshold: at most 0 with
    the default scoring (whose threshold is > 0), −inf with npmi."""
    return c_ab < min_count or (scoring == DEFAULT and c_ab == min_count)


@njit(cache=True, nogil=True, inline="always")
def _first_and_last(arena, a, end, delim):
    """Where the first delimiter of the key arena[a:end] starts (-1: none) and where the
    last one ends, occurrences taken left to right as str.split takes them."""
    first, last = -1, -1
    k = a
    while k + len(delim) <= end:
        if _at(arena, k, delim):
            if first < 0:
                first = k
            last = k + len(delim)
            k += len(delim)
        else:
            k += 1
    return first, last


@njit(cache=True, nogil=True)  # not fastmath: the scores must be gensim's to the last bit
def score_keys(
    delim, scoring, min_count, threshold, len_vocab, corpus_words, u_slots, u_arena,
    u_arena64, s_arena, s_arena64, s_used, offsets, scores,
):  # fmt: skip
    """The phrases among the keys of S as gensim's Phrases.export_phrases finds them: a
    key that splits at the delimiter (left to right, as str.split) into parts a, ..., b,
    whose first part a and last part b (tokens without the delimiter, so in U) are counted
    c_a and c_b times, the key c_ab times, scores, with m = min_count, |V| = len_vocab
    (keys of U, S and P) and N = corpus_words (tokens counted),

        default (word2phrase.c's):  (c_ab − m) / (c_a · c_b) · |V|
        npmi (Bouma 2009):          ln(p_ab / (p_a · p_b)) / −ln p_ab,  p_x = c_x / N,
                                    −inf when c_ab < m,

    and is a phrase when that is above `threshold`. Their record offsets and scores go to
    offsets (int64) and scores (float64), with room for every key; returns how many."""
    N = float(corpus_words)
    n_phrases = 0
    o = 0
    while o < s_used:
        n = key_len(s_arena, o)
        a, end = o + 8, o + 8 + n
        c_ab = s_arena64[o // 8]
        if not _passed_over(scoring, min_count, c_ab):
            first, last = _first_and_last(s_arena, a, end, delim)
            if first >= 0:
                c_a = count_of(u_slots, u_arena, u_arena64, fnv1a(s_arena, a, first), s_arena,
                               a, first)  # fmt: skip
                c_b = count_of(u_slots, u_arena, u_arena64, fnv1a(s_arena, last, end),
                               s_arena, last, end)  # fmt: skip
                if c_a > 0 and c_b > 0:
                    score = _score(scoring, min_count, len_vocab, N, c_a, c_b, c_ab)
                    if score > threshold:
                        offsets[n_phrases], scores[n_phrases] = o, score
                        n_phrases += 1
        o += record_size(n)
    return n_phrases


@njit(cache=True, nogil=True)  # not fastmath, as score_keys
def score_pairs(
    scoring, min_count, threshold, len_vocab, corpus_words, u_arena64, p_keys, p_counts,
    keys, scores,
):  # fmt: skip
    """The phrases among the bigrams of P, scored as score_keys scores keys: a bigram's
    tokens are its parts, their counts read from U by id. Their pair keys and scores go to
    keys (uint64) and scores (float64), with room for every pair; returns how many."""
    N = float(corpus_words)
    n_phrases = 0
    for j in range(len(p_keys)):
        key, c_ab = p_keys[j], p_counts[j]
        if key == EMPTY or _passed_over(scoring, min_count, c_ab):
            continue
        c_a = u_arena64[pair_first(key)]
        c_b = u_arena64[pair_second(key)]
        score = _score(scoring, min_count, len_vocab, N, c_a, c_b, c_ab)
        if score > threshold:
            keys[n_phrases], scores[n_phrases] = key, score
            n_phrases += 1
    return n_phrases


@njit(cache=True, nogil=True)
def pair_records(keys, p_keys, p_counts, u_arena, delim, out_arena, out_arena64, offsets):
    """Records (count, a + delim + b) of the bigrams keys[i] of P (a and b tokens of U) back
    to back in out_arena (room for them), their offsets written to offsets (int64 [P]).
    Returns the bytes used."""
    used = 0
    for i in range(len(keys)):
        a = 8 * pair_first(keys[i]) + 8
        b = 8 * pair_second(keys[i]) + 8
        count = p_counts[find_pair(p_keys, keys[i])]
        offsets[i] = used
        used = put(out_arena, out_arena64, used, count, u_arena, a, a + key_len(u_arena, a - 8),
                   delim, len(delim), u_arena, b, b + key_len(u_arena, b - 8))  # fmt: skip
    return used
