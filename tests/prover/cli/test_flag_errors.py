"""A bad flag value is one line naming the flag the user typed, never a config field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from prover.cli.main import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
KNN_TRACE = FIXTURES / "knn_trace"
TRACE = FIXTURES / "trace"

#: (subcommand and its other flags, the bad flag and value, the flag the message must name)
BAD_VALUES: list[tuple[list[str], list[str], str]] = [
    (["prove", "--output", "{out}"], ["--time-limit", "-1"], "--time-limit"),
    (["prove", "--output", "{out}"], ["--tactic-timeout", "0"], "--tactic-timeout"),
    (["prove", "--output", "{out}"], ["--max-expansions", "0"], "--max-expansions"),
    (["prove", "--output", "{out}"], ["--alpha", "2"], "--alpha"),
    (["prove", "--output", "{out}"], ["--progress-n-max", "-1"], "--progress-n-max"),
    (["prove", "--output", "{out}"], ["--max-candidates", "0"], "--min-candidates"),
    (["prove", "--output", "{out}"], ["--temperature", "-1"], "--temperature"),
    (["prove", "--output", "{out}"], ["--request-timeout", "0"], "--request-timeout"),
    (["prove", "--output", "{out}"], ["--memory-limit-mb", "0"], "--memory-limit-mb"),
    (["prove", "--output", "{out}"],
     ["--portfolio-priors", "missing-priors.json"], "--portfolio-priors"),
    (["prove", "--output", "{out}"], ["--max-retries", "-1"], "--max-retries"),
    (["prove", "--output", "{out}"],
     ["--max-concurrent-requests", "0"], "--max-concurrent-requests"),
    (["serve"], ["--prompts-per-request", "0"], "--prompts-per-request"),
    (["eval", "--run-dir", "{out}", "--attempts", "1"], ["--workers", "0"], "--workers"),
    (["eval", "--run-dir", "{out}"], ["--attempts", "0"], "--attempts"),
    (["eval", "--run-dir", "{out}", "--attempts", "1"], ["--time-limit", "-1"], "--time-limit"),
    (["serve"], ["--port", "99999"], "--port"),
    (["serve"], ["--max-search-time", "0"], "--max-search-time"),
    (["serve"], ["--body-timeout", "0"], "--body-timeout"),
    (["assist"], ["--tactic-timeout", "0"], "--tactic-timeout"),
    (["assist"], ["--search-time", "0"], "--search-time"),
    (["assist"], ["--resample-rounds", "-1"], "--resample-rounds"),
    (["serve"], ["--resample-rounds", "-1"], "--resample-rounds"),
    (["train-generator", "--kind", "lm", "--data", str(KNN_TRACE), "--output", "{out}"],
     ["--max-train-s", "-5"], "--max-train-s"),
    (["train-generator", "--kind", "lm", "--data", str(KNN_TRACE), "--output", "{out}"],
     ["--hidden-size", "0"], "--hidden-size"),
    (["train-generator", "--kind", "knn", "--data", str(KNN_TRACE), "--output", "{out}"],
     ["--max-test-rows", "0"], "--max-test-rows"),
    (["train-generator", "--kind", "knn", "--data", str(KNN_TRACE), "--output", "{out}"],
     ["--max-valid-rows", "0"], "--max-valid-rows"),
    (["train-progress", "--data", str(TRACE), "--output", "{out}"],
     ["--tree-learning-rate", "0"], "--tree-learning-rate"),
    (["train-progress", "--data", str(TRACE), "--output", "{out}"],
     ["--num-leaves", "1"], "--num-leaves"),
    (["train-progress", "--data", str(TRACE), "--output", "{out}"],
     ["--test-fold", "2/2"], "--test-fold"),
    (["train-progress", "--data", str(TRACE), "--output", "{out}"],
     ["--test-fold", "first"], "--test-fold"),
    (["train-progress", "--data", str(TRACE), "--output", "{out}"],
     ["--selection-fold", "5/5"], "--selection-fold"),
    (["train-progress", "--family", "transformer", "--data", str(TRACE), "--output", "{out}"],
     ["--learning-rate", "0"], "--learning-rate"),
    (["trace", "--library", "stdlib", "--output", "{out}"], ["--workers", "0"], "--workers"),
    (["trace", "--library", "stdlib", "--output", "{out}"],
     ["--sentence-timeout", "0"], "--sentence-timeout"),
    (["trace", "--library", "stdlib", "--output", "{out}"],
     ["--memory-limit-mb", "0"], "--memory-limit-mb"),
]  # fmt: skip

THEOREM_COMMANDS = ("prove", "eval", "assist")


@pytest.mark.parametrize(
    ("command", "bad", "flag"), BAD_VALUES, ids=[f"{c[0]} {b[0]}" for c, b, _ in BAD_VALUES]
)
def test_bad_flag_value_is_one_line_naming_the_flag(
    command: list[str],
    bad: list[str],
    flag: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Exit 2, one stderr line naming the flag typed, no config field (no snake_case word),
    and nothing written."""
    source = tmp_path / "easy.v"
    source.write_text("Theorem easy : True.\nProof.\nexact I.\nQed.\n")
    output = tmp_path / "out"
    argv = [part.replace("{out}", str(output)) for part in command]
    if argv[0] in THEOREM_COMMANDS:
        argv += ["--file", str(source), "--theorem", "easy"]
    assert main([*argv, *bad]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert flag in line and bad[0] in line, line
    assert not re.search(r"[a-z]_[a-z]", line), line
    assert not output.exists()
