"""An --output that is a file, or lies under one, is one error line before any work starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.cli.main import main

FIXTURE_TRACE = Path(__file__).resolve().parents[2] / "fixtures" / "knn_trace"
TINY_LM = [
    "--max-steps", "1", "--vocab-size", "320", "--hidden-size", "64", "--num-heads", "2",
    "--num-layers", "1", "--intermediate-size", "128", "--max-length", "128",
    "--max-tactic-tokens", "32", "--eval-examples", "0",
]  # fmt: skip
COMMANDS = {
    "trace": ["trace", "--source", str(FIXTURE_TRACE / "sources" / "Arith1.v")],
    "knn": ["train-generator", "--kind", "knn", "--data", str(FIXTURE_TRACE)],
    "lm": ["train-generator", "--kind", "lm", "--data", str(FIXTURE_TRACE), *TINY_LM],
    "progress": ["train-progress", "--data", str(FIXTURE_TRACE), "--family", "boosted"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("where", ["file", "under-file"])
def test_output_that_cannot_be_a_directory_is_one_line(
    tmp_path: Path, command: str, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """trace, train-generator (knn, lm) and train-progress refuse such an --output: exit 2,
    one `prover: error:` line naming it, the file untouched."""
    blocker = tmp_path / "blocker"
    blocker.write_text("keep me\n")
    output = blocker if where == "file" else blocker / "model"
    status = main([*COMMANDS[command], "--output", str(output)])
    error = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(error) == 1 and error[0].startswith("prover: error: ") and str(output) in error[0]
    assert blocker.read_text() == "keep me\n"
