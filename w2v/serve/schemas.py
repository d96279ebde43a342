"""The JSON the service reads and writes (pydantic models, which also make its OpenAPI).

Request bodies are validated strictly (BODY): a JSON value of the wrong type is refused
(422), never coerced ("5" or true is not an int, "yes" not a bool); a float field takes a
JSON integer. Their bounds are the library's (TrainConfig, LsaConfig), so a job the schema
accepts does not fail on its options later; dim, epochs and workers are bounded further by
each server (limits.py: 422 past its caps). A job's `phrases` takes `w2v phrases`' options
(PhrasesConfig's bounds), and their combination is checked by PhrasesConfig itself.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from w2v.config import SCHEDULES, SCORINGS, PhrasesConfig, TrainConfig, settings
from w2v.errors import ConfigError
from w2v.lecture.datasets2d import DATASETS
from w2v.lecture.playground import MAX_LAYERS, MAX_LR, MAX_NOISE, MAX_UNITS
from w2v.nn.mlp import HIDDEN_ACTIVATIONS
from w2v.serve.limits import DIM_CEILING, EPOCHS_CEILING, MAX_DIM, MAX_EPOCHS, WORKERS_CEILING

MAX_N = 1000  # results per query
MAX_WORDS = 100  # words per list in a query
MAX_WORD = 200  # characters per word
DEFAULT_N = 10  # results when a query does not say
MAX_COMPLETIONS = 100  # words a completion gives
MAX_MAP = 20_000  # points of a map
DEFAULT_MAP = 100
MAX_PLAYGROUND_POINTS = 2000  # the page draws every one
MAX_PLAYGROUND_EPOCHS = 5000

Method = Literal["add", "mul"]  # analogy: 3CosAdd or 3CosMul
DEFAULT_METHOD: Method = "add"

BODY = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

Word = Annotated[str, StringConstraints(min_length=1, max_length=MAX_WORD)]
WordQ = Annotated[str, Query(min_length=1, max_length=MAX_WORD)]  # a word in a query string
NQ = Annotated[int, Query(ge=1, le=MAX_N, description="number of results")]
ModelName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]


class Error(BaseModel):
    error: str
    suggestions: list[str] = []


ERRORS = {404: {"model": Error}, 422: {"model": Error}}  # routes' error answers, for OpenAPI
UNREADABLE = (
    "the model's files cannot be read now (truncated, being copied in), or a query process "
    "died answering; try again later"
)
MODEL_ERRORS = {**ERRORS, 503: {"model": Error, "description": UNREADABLE}}


class Health(BaseModel):
    status: Literal["ok"]
    models: int
    jobs_running: int


class ModelInfo(BaseModel):
    name: str
    vocab_size: int = Field(description="words in the vocabulary")
    dim: int
    trainer: str | None
    created: str | None
    corpus: str | None = Field(default=None, description="the training corpus's file name")
    tokens: int | None = Field(default=None, description="tokens in the training corpus")


class ModelList(BaseModel):
    models: list[ModelInfo]


class Neighbour(BaseModel):
    word: str
    score: float | None = Field(description="cosine (3CosMul score for method=mul)")


class Neighbours(BaseModel):
    model: str
    results: list[Neighbour]


class WordVector(BaseModel):
    model: str
    word: str
    vector: list[float]


class SimilarQuery(BaseModel):
    """Words nearest to mean(unit(positive)) - mean(unit(negative)), inputs excluded."""

    model_config = BODY
    positive: list[Word] = Field(default=[], max_length=MAX_WORDS)
    negative: list[Word] = Field(default=[], max_length=MAX_WORDS)
    n: int = Field(default=DEFAULT_N, ge=1, le=MAX_N)

    @model_validator(mode="after")
    def _some_words(self):
        if not self.positive and not self.negative:
            raise ValueError("give at least one positive or negative word")
        return self


SGNS_ONLY = ("negative", "sample", "epochs", "alpha", "schedule", "workers", "subwords", "buckets")
BUCKETS_CEILING = 10_000_000  # n-gram rows a job may ask for: buckets · dim · 4 bytes of memory
SVD_ONLY = ("cds", "eig", "neg", "weighting", "dynamic", "add_contexts", "solver")


def train_field(name: str, note: str = "", config_class=TrainConfig, **caps):
    """An optional field for the setting `name` of `config_class` (TrainConfig unless
    said): its bounds and help are the library's (w2v.config), tightened by `caps`
    (le=...) where the service bounds more."""
    _, _, s = settings(config_class)[name]
    bounds = {}
    if s.low is not None:
        bounds["gt" if s.low_open else "ge"] = s.low
    if s.high is not None:
        bounds["lt" if s.high_open else "le"] = s.high
    description = "; ".join(filter(None, (s.help, note)))
    return Field(default=None, description=description, **{**bounds, **caps})


def phrase_field(name: str, **constraints):
    return train_field(name, config_class=PhrasesConfig, **constraints)


class PhrasesOptions(BaseModel):
    """The options of `w2v phrases`; unset ones take the library's defaults (gensim's)."""

    model_config = BODY
    min_count: int | None = phrase_field("min_count")
    threshold: float | None = phrase_field("threshold")
    scoring: Literal[SCORINGS] | None = phrase_field("scoring")
    passes: int | None = phrase_field("passes")
    delimiter: str | None = phrase_field("delimiter", min_length=1, max_length=16)
    max_vocab_size: int | None = phrase_field("max_vocab_size")

    @model_validator(mode="after")
    def _a_config_the_library_takes(self):
        try:
            PhrasesConfig(**self.model_dump(exclude_none=True))
        except ConfigError as e:
            raise ValueError(str(e)) from None
        return self


class TrainOptions(BaseModel):
    """The options of `w2v train` (sgns, cbow) and `w2v svd`; unset ones take the
    library's defaults."""

    model_config = BODY
    dim: int | None = train_field(
        "dim", f"at most the server's --max-dim ({MAX_DIM})", le=DIM_CEILING
    )
    window: int | None = train_field("window")
    min_count: int | None = train_field("min_count")
    negative: int | None = train_field("negative", "sgns, cbow")
    sample: float | None = train_field("sample", "sgns, cbow")
    epochs: int | None = train_field(
        "epochs", f"sgns, cbow; at most the server's --max-epochs ({MAX_EPOCHS})", le=EPOCHS_CEILING
    )
    alpha: float | None = train_field("alpha", "sgns, cbow")
    schedule: Literal[SCHEDULES] | None = train_field("schedule", "sgns, cbow")
    workers: int | None = train_field(
        "workers", "sgns, cbow; at most the server's cores", le=WORKERS_CEILING
    )
    seed: int | None = train_field("seed")
    subwords: str | None = train_field("subwords", "sgns, cbow", max_length=16)
    buckets: int | None = train_field(
        "buckets", f"sgns, cbow; at most {BUCKETS_CEILING:,}", le=BUCKETS_CEILING
    )
    cds: float | None = Field(default=None, gt=0, le=1, description="svd")
    eig: float | None = Field(default=None, ge=0, le=1, description="svd")
    neg: float | None = Field(default=None, ge=1, le=100, description="svd: shift log neg")
    weighting: Literal["uniform", "harmonic"] | None = Field(default=None, description="svd")
    dynamic: bool | None = Field(default=None, description="svd: sampled window radius")
    add_contexts: bool | None = Field(default=None, description="svd: vectors are W + C")
    solver: Literal["randomized", "arpack"] | None = Field(default=None, description="svd")
    phrases: bool | PhrasesOptions | None = Field(
        default=None,
        description="join the corpus's phrases (new york → new_york) before its vocabulary, "
        "as `w2v phrases` finds them: true at its defaults, or its options",
    )

    @model_validator(mode="after")
    def _subwords_the_library_takes(self):
        if self.subwords is not None:
            try:
                TrainConfig(subwords=self.subwords)
            except ConfigError as e:
                raise ValueError(str(e)) from None
        return self


class JobRequest(BaseModel):
    model_config = BODY
    corpus: str | None = Field(
        default=None,
        max_length=1024,
        description="a file under the server's --data-root; none: the embedded corpus",
    )
    trainer: Literal["sgns", "cbow", "svd"] = "sgns"
    name: ModelName | None = Field(default=None, description="the model's name when done")
    config: TrainOptions = TrainOptions()

    @model_validator(mode="after")
    def _options_fit_trainer(self):
        given = self.config.model_dump(exclude_none=True)
        foreign = SGNS_ONLY if self.trainer == "svd" else SVD_ONLY
        wrong = [k for k in foreign if k in given]
        if wrong:
            raise ValueError(f"{', '.join(wrong)} cannot be used with trainer {self.trainer}")
        return self


class Job(BaseModel):
    id: int
    name: str
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    trainer: str
    corpus: str | None
    config: dict
    progress: float = Field(description="fraction done, 0 to 1")
    epoch: int | None
    epochs: int | None
    words_done: int | None
    words_total: int | None
    words_per_sec: float | None = Field(description="the last rate measured (kept when done)")
    loss: float | None
    eta_seconds: float | None = Field(description="seconds left; null unless running")
    error: str | None
    created: str
    started: str | None
    finished: str | None


class JobList(BaseModel):
    jobs: list[Job]


class Completions(BaseModel):
    model: str
    words: list[str] = Field(description="the most frequent words with the prefix, first first")


class WordMap(BaseModel):
    model: str
    words: list[str]
    x: list[float] = Field(description="first principal axis of the words' unit vectors")
    y: list[float] = Field(description="second principal axis")
    scores: list[float | None] = Field(
        description="cosines of the neighbours (of the answers, for an analogy)"
    )
    explained: list[float] = Field(description="fraction of the variance each axis keeps")
    query: list[float] | None = Field(
        default=None, description="analogy: where c + (a - b) falls on the map"
    )


Dataset = Literal[DATASETS]  # type: ignore[valid-type]
Activation = Literal[HIDDEN_ACTIVATIONS]  # type: ignore[valid-type]


class PlaygroundRequest(BaseModel):
    """A run of `w2v playground` on the server (w2v.lecture.playground.train_playground)."""

    model_config = BODY
    data: Dataset = "xor"
    hidden: list[Annotated[int, Field(ge=1, le=MAX_UNITS)]] = Field(
        default=[8, 8], max_length=MAX_LAYERS, description="hidden layer sizes; []: one neuron"
    )
    activation: Activation = "tanh"
    lr: float = Field(default=0.1, gt=0, le=MAX_LR)
    batch: int = Field(default=10, ge=1, le=MAX_PLAYGROUND_POINTS)
    epochs: int = Field(default=200, ge=1, le=MAX_PLAYGROUND_EPOCHS)
    noise: float = Field(default=0.1, ge=0, le=MAX_NOISE)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    points: int = Field(default=500, ge=4, le=MAX_PLAYGROUND_POINTS)


class EpochScores(BaseModel):
    epoch: int
    train_loss: float
    train_acc: float
    test_loss: float
    test_acc: float


class Surface(BaseModel):
    epoch: int
    size: int = Field(description="G: the grid has G x G points")
    extent: float = Field(description="the grid spans [-extent, extent] on both axes")
    p: str = Field(
        description="base64 of G*G bytes, round(255 p(y = 1 | x)); row i (bottom up) at "
        "x2 = grid[i], column j at x1 = grid[j]"
    )


class PlaygroundPoints(BaseModel):
    train: list[list[float]] = Field(description="[x1, x2, label] rows")
    test: list[list[float]]


class PlaygroundRun(BaseModel):
    id: int
    state: Literal["running", "done", "failed", "cancelled"]
    error: str | None
    params: dict
    epochs: int
    epoch: int = Field(description="the last epoch trained")
    history: list[EpochScores] = Field(description="scores of the epochs after `since`")
    points: PlaygroundPoints | None = Field(description="the data set (only when since is 0)")
    surface: Surface | None = Field(description="the latest decision surface")
