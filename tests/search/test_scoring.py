"""Tests of the default scorer and sampling schedule."""

from __future__ import annotations

import pytest

from search import NodeScorer, SamplingSchedule, ScoreRequest
from search.errors import ConfigError
from search.scoring import CumulativeScorer, FixedSchedule
from search.testing import scripted_state


def test_cumulative_scorer_uses_path_score() -> None:
    """The default priority is the path score, one score per request in order."""
    requests = [
        ScoreRequest(state=scripted_state(name), proof_so_far=(), path_score=value)
        for name, value in (("a", -1.5), ("b", -0.25))
    ]
    scores = CumulativeScorer().score(requests)
    assert [score.priority for score in scores] == [-1.5, -0.25]
    assert all(score.remaining_steps is None for score in scores)


def test_fixed_schedule_ignores_context() -> None:
    """FixedSchedule returns its count whatever the time, depth and predicted steps."""
    schedule = FixedSchedule(7)
    assert schedule.count == 7
    assert schedule.num_candidates(elapsed_fraction=0.0, depth=0, remaining_steps=None) == 7
    assert schedule.num_candidates(elapsed_fraction=0.99, depth=30, remaining_steps=2.0) == 7
    assert schedule == FixedSchedule(7) and schedule != FixedSchedule(8)


@pytest.mark.parametrize("bad", [0, -1, True, 2.5])
def test_fixed_schedule_rejects_bad_counts(bad: object) -> None:
    """Non-positive or non-integer counts raise ConfigError."""
    with pytest.raises(ConfigError, match="num_candidates"):
        FixedSchedule(bad)  # type: ignore[arg-type]


def test_defaults_satisfy_protocols() -> None:
    """The defaults structurally implement NodeScorer and SamplingSchedule."""
    assert isinstance(CumulativeScorer(), NodeScorer)
    assert isinstance(FixedSchedule(1), SamplingSchedule)
