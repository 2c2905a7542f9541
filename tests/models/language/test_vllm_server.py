"""The optional server of the benchmarks: nothing started without a model, a real start with one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from models.language.vllm_server import served_if_given
from search.errors import GeneratorError


def test_no_model_starts_nothing(tmp_path: Path) -> None:
    """Without a model directory the block runs with None and no log folder is made."""
    log = tmp_path / "logs" / "vllm.log"
    with served_if_given(python="unused", model_dir=None, log_path=log, served_name="lm") as server:
        assert server is None
    assert not log.parent.exists()


def test_a_model_starts_a_server_and_its_failure_is_reported(tmp_path: Path) -> None:
    """With a model the server is really started (here a Python without vLLM, which exits)."""
    log = tmp_path / "logs" / "vllm.log"
    with (
        pytest.raises(GeneratorError, match="vllm serve exited"),
        served_if_given(python=sys.executable, model_dir=tmp_path, log_path=log, served_name="lm"),
    ):
        pass
    assert "vllm" in log.read_text()


def test_the_dtype_reaches_the_server_command(tmp_path: Path) -> None:
    """`dtype` is the server's --dtype (a stand-in for Python prints its arguments, then exits)."""
    stand_in = tmp_path / "python"
    stand_in.write_text('#!/bin/sh\necho "$@"\nexit 1\n')
    stand_in.chmod(0o755)
    log = tmp_path / "vllm.log"
    with (
        pytest.raises(GeneratorError, match="vllm serve exited"),
        served_if_given(
            python=str(stand_in),
            model_dir=tmp_path,
            log_path=log,
            served_name="lm",
            dtype="float32",
        ),
    ):
        pass
    assert "--dtype float32" in log.read_text()
