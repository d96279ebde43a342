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
    for name, (kind, default, s) in settings(TrainConfig).items():
        if name in ("lower", "punct"):  # flags: --no-lower, --punct
            continue
        option = options[name]
        assert option.default == default, name
        if s.choices:
            assert tuple(option.type.choices) == s.choices
        elif kind is str:
            assert option.type is click.STRING, name
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


def test_the_phrase_settings_are_the_same_in_the_command_the_pipeline_and_the_service():
    from w2v.cli.collocations import phrases as phrases_command
    from w2v.config import PhrasesConfig

    options = {p.name: p for p in phrases_command.params if isinstance(p, click.Option)}
    for name, (_, default, s) in settings(PhrasesConfig).items():
        assert options[name].default == default == DEFAULTS["phrases"][name], name
        assert s.help[1:] in options[name].help, name
    assert DEFAULTS["phrases"]["enabled"] is False
    pytest.importorskip("pydantic")
    from pydantic import ValidationError

    from w2v.serve.schemas import PhrasesOptions

    assert set(PhrasesOptions.model_fields) == set(settings(PhrasesConfig))
    assert PhrasesOptions(max_vocab_size=2**30).max_vocab_size == 2**30
    for bad in ({"max_vocab_size": 2**30 + 1}, {"min_count": 0}, {"scoring": "pmi"}):
        with pytest.raises(ValidationError):
            PhrasesOptions(**bad)
        with pytest.raises(ConfigError):
            PhrasesConfig(**bad)
