"""The learned-generators benchmark: arms it refuses, and the flags of the resampled arm."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from benchmarks.learned_generators import RESAMPLED, arm_flags, main


def test_language_model_arm_without_a_model_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An lm arm without --lm-model: one line naming the arm, exit 2, nothing written."""
    output = tmp_path / "out"
    with pytest.raises(SystemExit) as stopped:
        main(["minif2f", "--arms", "portfolio,portfolio+knn+lm", "--output", str(output)])
    assert stopped.value.code == 2
    assert "arm 'portfolio+knn+lm' needs --lm-model" in capsys.readouterr().err
    assert not output.exists()


def test_resampled_arm_takes_its_round_count_from_its_name_or_the_flag() -> None:
    """ARM-resampled:N is ARM's flags plus --resample-rounds N (the flag's value without :N)."""
    arguments = argparse.Namespace(
        knn_model=Path("knn"), lm_samples=16, lm_temperature=1.0, lm_no_seed=True,
        resample_rounds=8,
    )  # fmt: skip
    base = arm_flags("portfolio+knn+late-lm", arguments, "http://127.0.0.1:1/v1")
    flags = arm_flags(f"portfolio+knn+late-lm{RESAMPLED}:32", arguments, "http://127.0.0.1:1/v1")
    assert flags == [*base, "--resample-rounds", "32"]
    flags = arm_flags(f"portfolio+late-lm{RESAMPLED}", arguments, "http://127.0.0.1:1/v1")
    assert flags[flags.index("--late-parts") + 1] == "openai"
    assert flags[-2:] == ["--resample-rounds", "8"]
    with pytest.raises(SystemExit, match="resample count must be a number"):
        arm_flags(f"portfolio+late-lm{RESAMPLED}:many", arguments, None)
    with pytest.raises(SystemExit, match="unknown arm"):
        arm_flags(f"nosuch{RESAMPLED}", arguments, None)
