"""The per-arm comparison report: ratios on common proofs, gains and losses, the table."""

from __future__ import annotations

import pytest

from benchmarks.arms_report import render_markdown, summarize_arms
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
