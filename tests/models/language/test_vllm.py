"""The in-process vLLM generator's checks that run before any engine loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.language.completions import SamplingSettings
from models.language.prompts import get_template
from models.language.vllm import VllmGenerator
from search.errors import ConfigError


def test_max_tokens_filling_the_context_is_a_config_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """max_tokens >= max_model_len leaves no prompt room: ConfigError before vLLM loads."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # restored after the test
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ConfigError, match="max_tokens"):
        VllmGenerator(
            model=str(tmp_path),
            template=get_template("reprover"),
            language="coq",
            sampling=SamplingSettings(max_tokens=1024),
            max_model_len=1024,
        )
