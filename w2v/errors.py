"""Errors a user can cause. The command line prints them as one line and exits with status 2.
Warnings of what a user can change (SmallDataWarning) it prints as `w2v: warning: ...`."""


class UserError(Exception):
    """Something the user can fix: a missing file, an empty corpus, a broken model directory."""


class CorpusError(UserError):
    """The corpus cannot be read as text (missing, a directory, binary, empty)."""


class ModelError(UserError):
    """A model directory or vector file is missing, malformed or of an unknown version."""


class ConfigError(UserError):
    """An option or configuration value is out of range or unknown."""


class CheckpointError(UserError):
    """A training checkpoint is damaged, or was written for another corpus or config."""


class UnknownWordError(UserError, KeyError):
    """A query word is not in the vocabulary; the message suggests close words and, when the
    vocabulary was cut at a minimum count, says so."""

    def __init__(
        self, word: str, suggestions: list[str] | None = None, min_count: int | None = None
    ):
        self.word = word
        self.suggestions = list(suggestions or [])
        self.min_count = min_count
        super().__init__(word)

    def __str__(self) -> str:
        msg = f"word {self.word!r} is not in the vocabulary"
        if self.min_count is not None and self.min_count > 1:
            msg += (
                f", which keeps only the words seen at least {self.min_count} times in the "
                "training corpus (train with a lower --min-count to keep rarer ones)"
            )
        if self.suggestions:
            msg += "; did you mean " + ", ".join(self.suggestions) + "?"
        return msg


class SmallDataWarning(UserWarning):
    """Training on too little data to learn from: the message says what to change."""
