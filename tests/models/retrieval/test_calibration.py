"""Rank/similarity calibration into log hit rates."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from models.retrieval.calibration import Calibration, Observation
from search.errors import GeneratorError


def observations() -> list[Observation]:
    """Rank 1 with high ratio hits 60%, rank 1 with low ratio 20%, rank 5 hits 5%."""
    rows = []
    for index in range(100):
        rows.append(Observation(rank=1, ratio=0.9, hit=index < 60))
        rows.append(Observation(rank=1, ratio=0.1, hit=index < 20))
        rows.append(Observation(rank=5, ratio=0.5, hit=index < 5))
    return rows


def test_fitted_rates_follow_the_data() -> None:
    """Scores are near the observed log hit rates of their cells."""
    calibration = Calibration.fit(observations())
    assert calibration.score(1, 0.9) == pytest.approx(math.log(0.6), abs=0.12)
    assert calibration.score(1, 0.1) == pytest.approx(math.log(0.2), abs=0.2)
    assert calibration.score(1, 0.9) > calibration.score(1, 0.1) > calibration.score(5, 0.5)


def test_later_ranks_never_score_above_earlier_ones() -> None:
    """Within a ratio bin the table is non-increasing in rank, even for empty buckets."""
    calibration = Calibration.fit(observations())
    for ratio in (0.05, 0.5, 0.95):
        scores = [calibration.score(rank, ratio) for rank in (1, 2, 3, 5, 10, 20, 500)]
        assert scores == sorted(scores, reverse=True)


def test_round_trip_and_broken_file(tmp_path: Path) -> None:
    """The JSON form loads back identical; a broken file is a GeneratorError naming it."""
    import json

    calibration = Calibration.fit(observations())
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(calibration.to_json()))
    assert Calibration.load(path) == calibration
    path.write_text("{}")
    with pytest.raises(GeneratorError, match=r"calibration\.json"):
        Calibration.load(path)


def test_without_observations_scores_still_decrease() -> None:
    """The uncalibrated fallback is a decreasing, finite rate table."""
    fallback = Calibration.fit([])
    assert fallback.score(1, 0.5) > fallback.score(3, 0.5) > fallback.score(100, 0.5)
