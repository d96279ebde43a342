"""TrainConfig is the one source of every training setting: `w2v train`'s options, the
pipeline's [train] defaults and the service's job schema agree with it."""

import click
import pytest

from pipelines.config import DEFAULTS
from w2v.cli.train import train as train_command
from w2v.config import TrainConfig, settings
from w2v.errors import ConfigError


def test_each_option_of_w2v_train_has_the_fields_default_and_bounds():
    options = {p.name: p for p in train_command.params if isinstance(p, click.Option)}
    for name, (_, default, s) in settings(TrainConfig).items():
        if name in ("lower", "punct"):  # flags: --no-lower, --punct
            continue
        option = options[name]
        assert option.default == default, name
        if s.choices:
            assert tuple(option.type.choices) == s.choices
        else:
            assert (option.type.min, option.type.max) == (s.low, s.high), name
            assert (option.type.min_open, option.type.max_open) == (s.low_open, s.high_open)
        assert s.help[1:] in option.help, name


def test_the_pipelines_train_defaults_are_the_libraries():
    t = TrainConfig()
    for key in ("dim", "window", "negative", "sample", "epochs", "seed"):
        assert DEFAULTS["train"][key] == getattr(t, key), key
    assert DEFAULTS["train"]["trainer"] == t.arch
    assert DEFAULTS["vocab"]["min_count"] == t.min_count


def test_the_service_takes_every_value_the_library_takes():
    """The service capped seeds at 2^32 - 1 while TrainConfig took up to 2^64 - 1."""
    pytest.importorskip("pydantic")
    from pydantic import ValidationError

    from w2v.serve.schemas import TrainOptions

    assert TrainOptions(seed=2**64 - 1).seed == 2**64 - 1
    TrainConfig(seed=2**64 - 1)
    for bad in ({"seed": 2**64}, {"window": 1001}, {"sample": 1.0}, {"alpha": 0.0}):
        with pytest.raises(ValidationError):
            TrainOptions(**bad)
        with pytest.raises(ConfigError):
            TrainConfig(**bad)
