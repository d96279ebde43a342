"""Errors a user can cause. The command line prints them as one line and exits with status 2."""


class UserError(Exception):
    """Something the user can fix: a missing file, an empty corpus, a broken model directory."""


class CorpusError(UserError):
    """The corpus cannot be read as text (missing, a directory, binary, empty)."""


class ModelError(UserError):
    """A model directory or vector file is missing, malformed or of an unknown version."""


class ConfigError(UserError):
    """An option or configuration value is out of range or unknown."""


class UnknownWordError(UserError, KeyError):
    """A query word is not in the vocabulary; the message suggests close words."""

    def __init__(self, word: str, suggestions: list[str] | None = None):
        self.word = word
        self.suggestions = list(suggestions or [])
        super().__init__(word)

    def __str__(self) -> str:
        msg = f"word {self.word!r} is not in the vocabulary"
        if self.suggestions:
            msg += "; did you mean " + ", ".join(self.suggestions) + "?"
        return msg
