"""LmTrainingConfig validation: sizes vLLM can serve, bounds that make sense."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.language.training.config import LmTrainingConfig
from search.errors import ConfigError


def make(**overrides: object) -> LmTrainingConfig:
    """A config with the given fields changed."""
    return LmTrainingConfig(data=Path("trace"), output=Path("model"), **overrides)  # type: ignore[arg-type]


def test_defaults_are_valid_and_servable() -> None:
    """The default model has a 64-wide head, one vLLM's CPU attention supports."""
    config = make()
    assert config.head_size == 64 and config.max_train_s is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"hidden_size": 96, "num_heads": 4}, "head sizes"),
        ({"hidden_size": 100, "num_heads": 3}, "multiple of num_heads"),
        ({"max_train_s": 0.0}, "max_train_s"),
        ({"max_steps": 0}, "max_steps"),
        ({"batch_size": True}, "batch_size"),
        ({"max_tactic_tokens": 400, "max_length": 384}, "max_tactic_tokens"),
        ({"max_position_embeddings": 128}, "max_position_embeddings"),
        ({"vocab_size": 100}, "vocab_size"),
        ({"eval_examples": -1}, "eval_examples"),
        ({"min_learning_rate_ratio": 1.5}, "min_learning_rate_ratio"),
    ],
)
def test_bad_values_name_their_field(overrides: dict[str, object], field: str) -> None:
    """Each invalid value is a ConfigError whose message names the field."""
    with pytest.raises(ConfigError, match=field):
        make(**overrides)
