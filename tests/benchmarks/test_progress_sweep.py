"""The progress sweep trains each configuration through the CLI, ranks by valid, resumes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.progress_sweep import main, parse_config
from tests.models.progress.conftest import FIXTURE_TRACE

SMALL = "--rounds 10 --min-data-in-leaf 5 --feature-bits 12 --threads 1"


def test_parse_config_splits_name_and_flags() -> None:
    """NAME=FLAGS gives the name and the shell-split flags; an empty FLAGS is no flag."""
    assert parse_config("wide=--num-leaves 127 --min-data-in-leaf 50") == (
        "wide",
        ["--num-leaves", "127", "--min-data-in-leaf", "50"],
    )
    assert parse_config("default=") == ("default", [])


@pytest.mark.parametrize("text", ["--num-leaves 3", "=--num-leaves 3", "a/b=--rounds 2"])
def test_malformed_config_is_one_line_naming_it(text: str) -> None:
    """A config without a plain NAME= is refused with a message naming it."""
    with pytest.raises(SystemExit, match="expected NAME=FLAGS"):
        parse_config(text)


def test_sweep_trains_ranks_by_valid_and_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two configurations are trained with train-progress, ranked by valid MAE in report.json,
    and a second run reads the existing models instead of training again."""
    pytest.importorskip("lightgbm")
    output = tmp_path / "sweep"
    argv = [
        "--data", str(FIXTURE_TRACE), "--output", str(output), "--common", SMALL,
        "--config", "narrow=--num-leaves 4", "--config", "wide=--num-leaves 31",
    ]  # fmt: skip
    assert main(argv) == 0
    report = json.loads((output / "report.json").read_text())
    rows = report["configs"]
    assert {row["config"] for row in rows} == {"narrow", "wide"}
    assert rows[0]["valid_mae"] <= rows[1]["valid_mae"]
    assert all(row["test_ratio"] is not None and row["trees"] >= 1 for row in rows)
    assert "| narrow |" in (output / "report.md").read_text()
    trained = {
        name: (output / name / "metrics.json").stat().st_mtime_ns for name in ("narrow", "wide")
    }
    capsys.readouterr()
    assert main(argv) == 0
    assert {
        name: (output / name / "metrics.json").stat().st_mtime_ns for name in ("narrow", "wide")
    } == trained


def test_folds_train_each_config_once_per_fold_and_pool_the_ratio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--folds 2 trains fold-0 and fold-1 with --test-fold K/2 and reports each fold's test
    ratio, their mean and range, and the ratio pooled over every fold's test states."""
    pytest.importorskip("lightgbm")
    output = tmp_path / "folds"
    argv = [
        "--data", str(FIXTURE_TRACE), "--output", str(output), "--common", SMALL,
        "--config", "default=", "--folds", "2",
    ]  # fmt: skip
    assert main(argv) == 0
    [row] = json.loads((output / "report.json").read_text())["configs"]
    folds = [
        json.loads((output / "default" / f"fold-{k}" / "metrics.json").read_text()) for k in (0, 1)
    ]
    assert [metrics["test_fold"] for metrics in folds] == ["0/2", "1/2"]
    tests = [metrics["splits"]["test"] for metrics in folds]
    assert row["test_ratios"] == [test["mae_ratio_to_best_constant"] for test in tests]
    assert row["test_ratio_min"] <= row["test_ratio_mean"] <= row["test_ratio_max"]
    model = sum(test["mae"] * test["examples"] for test in tests)
    constant = sum(
        test["mae"] / test["mae_ratio_to_best_constant"] * test["examples"] for test in tests
    )
    assert row["test_ratio_pooled"] == pytest.approx(model / constant)
    assert "| default | 2 |" in (output / "report.md").read_text()


def test_selection_folds_leave_test_out_and_rank_by_the_pooled_ratio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--folds 2 --selection trains with --selection-fold (the trace's test files in no run),
    ranks by the pooled held-out ratio, and a test-fold output is not read as its folds."""
    pytest.importorskip("lightgbm")
    output = tmp_path / "selection"
    argv = [
        "--data", str(FIXTURE_TRACE), "--output", str(output), "--common", SMALL,
        "--config", "narrow=--num-leaves 4", "--config", "wide=--num-leaves 31",
        "--folds", "2", "--selection",
    ]  # fmt: skip
    assert main(argv) == 0
    report = json.loads((output / "report.json").read_text())
    assert report["chosen_on"].startswith("pooled held-out ratio")
    pooled = [row["test_ratio_pooled"] for row in report["configs"]]
    assert pooled == sorted(pooled)
    metrics = json.loads((output / "wide" / "fold-1" / "metrics.json").read_text())
    assert metrics["test_files_left_out"] is True and metrics["test_fold"] == "1/2"
    with pytest.raises(SystemExit, match="other kind of fold"):
        main([arg for arg in argv if arg != "--selection"])


def test_selection_without_folds_is_refused(tmp_path: Path) -> None:
    """--selection alone is one line naming --folds, before anything is trained."""
    argv = ["--data", str(FIXTURE_TRACE), "--output", str(tmp_path / "o"), "--config", "a=",
            "--selection"]  # fmt: skip
    with pytest.raises(SystemExit, match="--selection needs --folds"):
        main(argv)
    assert not (tmp_path / "o").exists()


def test_folds_below_two_are_refused(tmp_path: Path) -> None:
    """--folds 1 is one line naming the flag, before anything is trained."""
    argv = [
        "--data",
        str(FIXTURE_TRACE),
        "--output",
        str(tmp_path / "o"),
        "--config",
        "a=",
        "--folds",
        "1",
    ]
    with pytest.raises(SystemExit, match="--folds must be at least 2"):
        main(argv)
    assert not (tmp_path / "o").exists()
