"""The search-arm comparison: arm parsing and the per-arm summary against the first arm."""

from __future__ import annotations

import argparse

import pytest

from benchmarks.progress_search import parse_arm, render_markdown, summarize_arms
from tests.benchmarks.records import attempt_record as record


def test_arm_is_name_equals_flags() -> None:
    """NAME=FLAGS splits the flags shell-style; an arm without '=' is refused."""
    arm = parse_arm("progress=--progress-model 'a b' --alpha 0.5")
    assert arm.name == "progress"
    assert arm.flags == ("--progress-model", "a b", "--alpha", "0.5")
    assert parse_arm("scores=").flags == ()
    with pytest.raises(argparse.ArgumentTypeError):
        parse_arm("no-flags")


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
