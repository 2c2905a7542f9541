"""Tests of the Lean REPL backend's configuration: the command line and the limits."""

from __future__ import annotations

import pytest

from prover.backends.lean.repl_config import LeanReplConfig, parse_repl_command
from search.errors import ConfigError


def test_repl_command_parsing_and_validation() -> None:
    """--lean-repl-cmd is split shell-style; empty commands and bad limits are ConfigErrors."""
    assert parse_repl_command("lake env '/opt/repl dir/repl'") == (
        "lake",
        "env",
        "/opt/repl dir/repl",
    )
    with pytest.raises(ConfigError):
        parse_repl_command("   ")
    with pytest.raises(ConfigError, match="memory_limit_mb"):
        LeanReplConfig(memory_limit_mb=10)
