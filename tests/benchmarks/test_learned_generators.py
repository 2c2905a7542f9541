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
    """RESAMPLED:N passes --resample-rounds N; the bare arm passes --resample-rounds."""
    arguments = argparse.Namespace(
        knn_model=Path("knn"), lm_samples=16, lm_temperature=1.0, lm_no_seed=True,
        resample_rounds=8,
    )  # fmt: skip
    flags = arm_flags(f"{RESAMPLED}:32", arguments, "http://127.0.0.1:1/v1")
    assert flags[flags.index("--resample-rounds") + 1] == "32"
    assert flags[flags.index("--late-parts") + 1] == "openai"
    flags = arm_flags(RESAMPLED, arguments, "http://127.0.0.1:1/v1")
    assert flags[flags.index("--resample-rounds") + 1] == "8"
    with pytest.raises(SystemExit, match="resample count must be a number"):
        arm_flags(f"{RESAMPLED}:many", arguments, None)
