"""A real eval run shared by the eval and re-verification tests: `t : 1 = 1`, proved."""

from __future__ import annotations

from pathlib import Path

from prover.cli.main import main


def proved_one_equals_one(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """A file proving `t : 1 = 1` and an eval run of it (proved): (file, run dir, argv)."""
    source = tmp_path / "T.v"
    source.write_text("Theorem t : 1 = 1.\nProof.\nreflexivity.\nQed.\n")
    run_dir = tmp_path / "run"
    arguments = [
        "eval", "--file", str(source), "--theorem", "t", "--attempts", "1", "--time-limit", "10",
        "--run-dir", str(run_dir), "--no-progress", "--no-report",
    ]  # fmt: skip
    assert main(arguments) == 0
    return source, run_dir, arguments
