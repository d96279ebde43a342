"""The learning-rate schedules: how SGD's rate falls from alpha over a run.

learning_rate(config, words_done, words_total)   # alpha · rate_factor(schedule, p, E)
"""

from __future__ import annotations

from w2v.config import MIN_ALPHA_RATIO, TrainConfig


def rate_factor(schedule: str, progress: float, epochs: int) -> float:
    """The learning rate as a fraction of the starting rate alpha after `progress` p (0..1)
    of the run's words (all E epochs, counted before subsampling):

        word2vec   max(1e-4, 1 − p)                           word2vec.c; gensim with workers=1
        hold       1 while p ≤ 1/E, then max(1e-4, (1 − p) / (1 − 1/E));   E = 1: always 1

    "hold" keeps alpha through the first epoch, then falls linearly to word2vec.c's floor.

    Why. SGD does two jobs in turn: each row of U and V must first travel from its random start
    to where the data puts it, which takes a large total step (the sum of the rates over the
    row's updates); then the noise of those steps must be averaged away, which takes a falling
    rate. Falling is worth it only over data whose words the model has already learned from,
    i.e. after the first pass. word2vec.c falls from the first word, so it anneals before some
    words have been seen once: an occurrence at position x (0..1) of the corpus is trained at
    rates summing to α·((E + 1)/2 − x) over the run. A word near the end of a one-epoch run is
    trained at almost nothing, and every row, on average, at α/2. That costs little when rows
    get many updates (a large corpus, many epochs) and a lot when they get few (few epochs,
    strong subsampling, a small corpus; issue 15). "hold" gives every occurrence its first
    visit at the full rate, and anneals with word2vec.c's linear decay (the fixed-horizon
    choice for SGD's last iterate) only over the E − 1 later passes, which revisit learned
    words: the occurrence at x is trained at α·(1 + E/2 − x) in all, the mean rate is
    α·(E + 1)/(2E) (1, 0.75 and 0.6 of alpha at 1, 2 and 5 epochs, against word2vec.c's 0.5).
    One epoch has no later pass, so its rate stays alpha. (gensim's corpus_file mode with W
    workers, the usual way to train it, lets each worker decay by its own words over the whole
    epoch's: alpha falls 1/W of the way within an epoch and jumps back at the next, a mean of
    α·(2E + 1)/(4E) at W = 2, and one epoch ends at α·(1 − 1/W).)
    """
    if schedule == "word2vec":
        return max(MIN_ALPHA_RATIO, 1.0 - progress)
    if schedule == "hold":
        first = 1.0 / epochs  # the first epoch's share of the run
        if progress <= first:
            return 1.0
        return max(MIN_ALPHA_RATIO, (1.0 - progress) / (1.0 - first))
    raise ValueError(f"unknown learning-rate schedule {schedule!r}")


def learning_rate(config: TrainConfig, words_done: float, words_total: float) -> float:
    """The rate after `words_done` of the run's `words_total` words: config.start_alpha times
    rate_factor(config.schedule, ...). Schedule "word2vec" computes word2vec.c's expression
    exactly as w2v did before schedules existed, so its models are the same to the last bit."""
    progress = words_done / max(words_total, 1)
    return config.start_alpha * rate_factor(config.schedule, progress, config.epochs)
