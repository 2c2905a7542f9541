"""Flags map to configs in one place, and every default comes from the config dataclass."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from models.progress.config import ScoringConfig
from models.registry import GeneratorConfig
from prover.backends.factory import BackendConfig
from prover.cli.flags import (
    add_generator_flags,
    add_search_flags,
    backend_config_from_arguments,
    generator_config_from_arguments,
    scoring_config_from_arguments,
    search_config_from_arguments,
)
from prover.cli.main import main
from search.config import SearchConfig
from search.errors import ConfigError


def _parse(*flags: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_search_flags(parser)
    return parser.parse_args(list(flags))


def test_no_flags_give_exactly_the_config_defaults() -> None:
    """With no flag given, every mapped config equals the dataclass's own defaults."""
    arguments = _parse()
    assert search_config_from_arguments(arguments) == SearchConfig()
    assert generator_config_from_arguments(arguments) == GeneratorConfig()
    assert scoring_config_from_arguments(arguments) == ScoringConfig()
    assert backend_config_from_arguments(arguments) == BackendConfig()


def test_memory_cap_left_to_each_backend_unless_given() -> None:
    """Without --memory-limit-mb the Lean REPL keeps its own 16 GB cap, Coq its 8 GB."""
    from prover.backends.coq.config import CoqConfig
    from prover.backends.lean.repl_config import LeanReplConfig

    assert backend_config_from_arguments(_parse()).memory_limit_mb is None
    assert LeanReplConfig().memory_limit_mb == 16384
    assert CoqConfig().memory_limit_mb == 8192
    assert (
        backend_config_from_arguments(_parse("--memory-limit-mb", "4096")).memory_limit_mb == 4096
    )


def test_lean_repl_command_is_split_shell_style() -> None:
    """--lean-repl-cmd is split once, in the CLI, into the argv the backend runs."""
    arguments = _parse("--backend", "lean-repl", "--lean-repl-cmd", "python3 'my repl.py' -v")
    assert backend_config_from_arguments(arguments).lean_repl_command == (
        "python3",
        "my repl.py",
        "-v",
    )
    with pytest.raises(ConfigError, match="cannot be split"):
        backend_config_from_arguments(_parse("--lean-repl-cmd", "python3 'unclosed"))


def test_unclosed_quote_in_repl_command_is_one_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`prover prove --lean-repl-cmd "x 'y"` ends with one error line and exit status 2."""
    status = main(
        [
            "prove", "--backend", "lean-repl", "--lean-repl-cmd", "python3 'unclosed",
            "--benchmark", "minif2f-lean4", "--split", "valid", "--output", str(tmp_path / "o"),
        ]
    )  # fmt: skip
    error = capsys.readouterr().err
    assert status == 2
    assert error.count("\n") == 1 and "--lean-repl-cmd" in error and "Traceback" not in error


def test_flags_round_trip_into_config() -> None:
    """Generator flags become the GeneratorConfig fields of the same name."""
    parser = argparse.ArgumentParser()
    add_generator_flags(parser)
    arguments = parser.parse_args(
        [
            "--generator",
            "portfolio+openai",
            "--api-base",
            "http://h:1/v1",
            "--model",
            "m",
            "--num-samples",
            "8",
            "--temperature",
            "0.5",
            "--score",
            "sum",
            "--portfolio-weight",
            "-1.5",
            "--request-timeout",
            "9",
            "--template",
            "deepseek",
        ]
    )
    config = generator_config_from_arguments(arguments)
    assert config == GeneratorConfig(
        name="portfolio+openai",
        api_base="http://h:1/v1",
        model="m",
        num_samples=8,
        temperature=0.5,
        score="sum",
        portfolio_weight=-1.5,
        request_timeout_s=9.0,
        template="deepseek",
    )


def test_no_request_seed_turns_the_request_seed_off() -> None:
    """`--no-request-seed` maps to GeneratorConfig.request_seed=False (default True)."""
    assert generator_config_from_arguments(_parse("--no-request-seed")).request_seed is False
    assert generator_config_from_arguments(_parse()).request_seed is True


def test_late_parts_flag_is_a_comma_separated_tuple() -> None:
    """`--late-parts openai` maps to GeneratorConfig.late_parts=("openai",) (default none)."""
    arguments = _parse(
        "--generator", "portfolio+openai", "--api-base", "http://h:1/v1", "--model", "m",
        "--late-parts", "openai",
    )  # fmt: skip
    assert generator_config_from_arguments(arguments).late_parts == ("openai",)
    assert generator_config_from_arguments(_parse()).late_parts == ()


def test_resample_rounds_flag_reaches_the_search_config() -> None:
    """--resample-rounds N becomes SearchConfig.resample_rounds (default 0: never)."""
    assert search_config_from_arguments(_parse()).resample_rounds == 0
    assert search_config_from_arguments(_parse("--resample-rounds", "4")).resample_rounds == 4
