"""The learned-generators benchmark refuses a language-model arm it cannot serve."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.learned_generators import main


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
