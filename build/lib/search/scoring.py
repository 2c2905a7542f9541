"""Default node scorer and sampling schedule.

:class:`CumulativeScorer` is ReProver's priority: the sum of the candidate scores
along the path (``cumulative_logprob``). :class:`FixedSchedule` asks for the same
number of candidates at every expansion, as ReProver does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from search.errors import ConfigError
from search.protocols import NodeScore, ScoreRequest

__all__ = ["CumulativeScorer", "FixedSchedule"]


@dataclass(frozen=True, kw_only=True)
class CumulativeScorer:
    """Priority = path score (sum of candidate scores from the root); no step prediction."""

    def score(self, requests: Sequence[ScoreRequest]) -> list[NodeScore]:
        """One :class:`NodeScore` per request, with ``priority = path_score``."""
        return [NodeScore(priority=request.path_score) for request in requests]


class FixedSchedule:
    """Request the same number of candidates at every expansion (ReProver's behaviour).

    Not a dataclass: the protocol's ``num_candidates`` method would clash with a
    field of that name, so the count is kept in :attr:`count`.
    """

    __slots__ = ("_count",)

    def __init__(self, num_candidates: int) -> None:
        if (
            isinstance(num_candidates, bool)
            or not isinstance(num_candidates, int)
            or num_candidates < 1
        ):
            raise ConfigError(f"num_candidates must be a positive integer, got {num_candidates!r}")
        self._count = num_candidates

    @property
    def count(self) -> int:
        """The fixed number of candidates."""
        return self._count

    def num_candidates(
        self, *, elapsed_fraction: float, depth: int, remaining_steps: float | None
    ) -> int:
        """The fixed count, whatever the time used, depth and predicted steps."""
        return self._count

    def __repr__(self) -> str:
        return f"FixedSchedule({self._count})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FixedSchedule) and other.count == self._count

    def __hash__(self) -> int:
        return hash(("FixedSchedule", self._count))
