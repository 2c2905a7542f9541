"""Turn a retrieved tactic's rank and similarity into a log-probability-like score.

The search adds generator scores along a path and ``portfolio+knn`` merges knn candidates
with the portfolio's, whose scores are log success rates. Raw similarities have no such
scale, so :class:`Calibration` maps each candidate to ``log P(it is the traced tactic)``,
estimated on the trace's *valid* split as a table over (rank bucket, similarity-ratio bin).
The ratio is the candidate's similarity divided by the query's self-similarity (how close
the nearest evidence is); its bins are the quintiles of the observed ratios plus fixed
edges at 0.8 and 0.95 for near-copies. Each cell is smoothed towards its rank bucket's rate:
``(hits + m * bucket_rate) / (trials + m)``, and capped by the cell of the rank before
it, so a later rank never scores higher at equal similarity. Exact match understates
success (another tactic may work too), so these scores are conservative.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from search.errors import GeneratorError

__all__ = ["RANK_EDGES", "Calibration", "Observation"]

#: Upper bounds (inclusive) of the rank buckets; the last bucket takes every later rank.
RANK_EDGES = (1, 2, 3, 5, 10, 20, 1_000_000)
_RATIO_BINS = 5
#: Fixed extra edges: near-copies of a stored state (a lemma learned from the same file)
#: get their own bins whatever the quantiles are.
_NEAR_EDGES = (0.8, 0.95)
_SMOOTHING = 20.0
_FLOOR = 1e-4


@dataclass(frozen=True, slots=True)
class Observation:
    """One ranked candidate on a valid state: its rank (1-based), ratio and whether it hit."""

    rank: int
    ratio: float
    hit: bool


@dataclass(frozen=True)
class Calibration:
    """A (rank bucket x ratio bin) table of log hit rates."""

    ratio_edges: tuple[float, ...]
    log_rates: tuple[tuple[float, ...], ...]
    observations: int = 0

    @classmethod
    def uncalibrated(cls) -> Calibration:
        """A fallback with Zipf-like rates ``1 / (rank + 1)`` when no valid rows exist."""
        rates = tuple(
            (math.log(1.0 / (edge + 1.0 if edge < 1000 else 50.0)),) for edge in RANK_EDGES
        )
        return cls(ratio_edges=(), log_rates=rates)

    @classmethod
    def fit(cls, observations: Sequence[Observation]) -> Calibration:
        """Estimate the table from valid-split observations."""
        if not observations:
            return cls.uncalibrated()
        ratios = np.array([o.ratio for o in observations], dtype=np.float64)
        quantiles = np.quantile(ratios, np.linspace(0, 1, _RATIO_BINS + 1)[1:-1])
        edges = tuple(float(q) for q in np.unique(np.concatenate((quantiles, _NEAR_EDGES))))
        hits = np.zeros((len(RANK_EDGES), len(edges) + 1))
        trials = np.zeros_like(hits)
        for observation in observations:
            row, column = _bucket(observation.rank), _bin(observation.ratio, edges)
            trials[row, column] += 1
            hits[row, column] += observation.hit
        overall = max(hits.sum() / trials.sum(), _FLOOR)
        table = []
        previous = np.ones(len(edges) + 1)
        for row in range(len(RANK_EDGES)):
            bucket_trials = trials[row].sum()
            bucket_rate = (hits[row].sum() + _SMOOTHING * overall) / (bucket_trials + _SMOOTHING)
            rates = (hits[row] + _SMOOTHING * bucket_rate) / (trials[row] + _SMOOTHING)
            # A later rank never scores above an earlier one with the same similarity.
            previous = np.minimum(rates, previous)
            table.append(tuple(math.log(max(float(r), _FLOOR)) for r in previous))
        return cls(ratio_edges=edges, log_rates=tuple(table), observations=len(observations))

    def score(self, rank: int, ratio: float) -> float:
        """The log hit rate of a candidate at ``rank`` (1-based) with similarity ``ratio``."""
        row = self.log_rates[_bucket(rank)]
        return row[min(_bin(ratio, self.ratio_edges), len(row) - 1)]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready view (written to MODEL_DIR/calibration.json)."""
        return {
            "rank_edges": list(RANK_EDGES),
            "ratio_edges": list(self.ratio_edges),
            "log_rates": [list(row) for row in self.log_rates],
            "observations": self.observations,
        }

    @classmethod
    def load(cls, path: Path) -> Calibration:
        """Read ``calibration.json``; a broken file is a GeneratorError naming it."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            edges = tuple(float(e) for e in data["ratio_edges"])
            rates = tuple(tuple(float(v) for v in row) for row in data["log_rates"])
            observations = int(data.get("observations", 0))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise GeneratorError(f"{path}: unreadable knn calibration: {exc}") from exc
        if len(rates) != len(RANK_EDGES) or any(not row for row in rates):
            raise GeneratorError(f"{path}: calibration table has the wrong shape")
        return cls(ratio_edges=edges, log_rates=rates, observations=observations)


def _bucket(rank: int) -> int:
    for index, edge in enumerate(RANK_EDGES):
        if rank <= edge:
            return index
    return len(RANK_EDGES) - 1


def _bin(ratio: float, edges: tuple[float, ...]) -> int:
    return int(np.searchsorted(np.asarray(edges), ratio, side="right")) if edges else 0
