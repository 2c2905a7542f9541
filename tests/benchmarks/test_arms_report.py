"""The per-arm comparison report: ratios on common proofs, gains and losses, the table."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.arms_report import main, render_markdown, summarize_arms
from prover.attempts.jsonl import JsonlWriter
from tests.benchmarks.records import attempt_record as record


def test_summary_compares_common_proofs_with_the_first_arm() -> None:
    """Expansion ratios use the theorems every arm proved; gains and losses are by name."""
    records = {
        "scores": {
            "a": record("a", proved=True, expansions=1),
            "b": record("b", proved=True, expansions=10),
            "c": record("c", proved=True, expansions=4),
            "d": record("d", proved=False, expansions=30),
        },
        "progress": {
            "a": record("a", proved=True, expansions=1),
            "b": record("b", proved=True, expansions=5),
            "c": record("c", proved=False, expansions=40),
            "d": record("d", proved=True, expansions=7, scorer_s=1.0),
        },
    }
    summary = summarize_arms(records)
    assert summary["commonly_proved"] == 2 and summary["commonly_proved_beyond_root"] == 1
    progress = summary["arms"]["progress"]
    assert progress["proved"] == 3
    assert progress["mean_expansions_common"] == pytest.approx(3.0)
    assert progress["expansion_ratio_common"] == pytest.approx(3.0 / 5.5)
    assert progress["expansion_ratio_common_beyond_root"] == pytest.approx(0.5)
    assert progress["gained"] == ["d"] and progress["lost"] == ["c"]
    assert progress["scorer_share"] == pytest.approx(1.0 / 40.0)
    assert summary["arms"]["scores"]["expansion_ratio_common"] == pytest.approx(1.0)
    table = render_markdown(
        {
            "split": "valid",
            "theorems": 4,
            "load": {"mean": 6, "min": 5, "max": 7},
            "summary": summary,
        }
    )
    assert "| progress | 3 | 0 |" in table and "+1 / −1" in table
    assert table.startswith("minif2f-coq split valid, 4 theorems")


def test_stop_reasons_are_counted_and_stored_arms_compared_from_their_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI reads each arm's shard files; the summary counts every arm's stop reasons."""
    for arm, proved in (("base", False), ("other", True)):
        shard = tmp_path / arm / "shard-0"
        shard.mkdir(parents=True)
        writer = JsonlWriter(shard / "results.jsonl")
        writer.write(record("a", proved=True))
        writer.write(replace(record("b", proved=proved), stop_reason="frontier_empty"))
        writer.close()
    output = tmp_path / "report.json"
    assert main([str(tmp_path / "base"), str(tmp_path / "other"), "--output", str(output)]) == 0
    summary = json.loads(output.read_text(encoding="utf-8"))
    assert summary["arms"][str(tmp_path / "other")]["gained"] == ["b"]
    assert summary["arms"][str(tmp_path / "base")]["stop_reasons"] == {
        "None": 1,
        "frontier_empty": 1,
    }
    assert json.loads(capsys.readouterr().out) == summary
    with pytest.raises(SystemExit, match=r"no results\.jsonl"):
        main([str(tmp_path / "missing")])
