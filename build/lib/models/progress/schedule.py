"""A dynamic sampling budget: candidates per expansion from time used and predicted steps.

DS-Prover (arXiv 2312.14188) chooses the number of tactics sampled per expansion from
the remaining time relative to the total budget, but publishes no formula. The schedule
here is **our own design, inspired by DS-Prover**:

* time: k(f) falls linearly from ``max_candidates`` at the start (f = 0, explore widely)
  to ``min_candidates`` when the budget is spent (f = 1, spend what is left on the
  best-ranked tactics of more nodes); ``direction="increasing"`` reverses it;
* predicted progress: a node the progress model puts within ``near_steps`` of a finished
  proof gets ``max_candidates`` whatever the time, so every closing tactic is tried on
  states that look almost done.

Always ``min_candidates ≤ k ≤ max_candidates``. Each choice is logged at DEBUG level and
counted in :attr:`DynamicSchedule.histogram`.
"""

from __future__ import annotations

import logging
from collections import Counter

from search.errors import ConfigError

__all__ = ["DIRECTIONS", "DynamicSchedule"]

logger = logging.getLogger(__name__)

DIRECTIONS = ("decreasing", "increasing")


class DynamicSchedule:
    """A :class:`~search.protocols.SamplingSchedule` whose width follows the elapsed fraction.

    Not a dataclass: the protocol's ``num_candidates`` method would clash with a field.
    """

    def __init__(
        self,
        *,
        min_candidates: int,
        max_candidates: int,
        direction: str = "decreasing",
        near_steps: float | None = 1.5,
    ) -> None:
        for name, value in (("min_candidates", min_candidates), ("max_candidates", max_candidates)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if min_candidates > max_candidates:
            raise ConfigError(
                f"min_candidates ({min_candidates}) must not exceed max_candidates "
                f"({max_candidates})"
            )
        if direction not in DIRECTIONS:
            raise ConfigError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
        if near_steps is not None and not near_steps >= 0:
            raise ConfigError(f"near_steps must be non-negative, got {near_steps!r}")
        self.min_candidates = min_candidates
        self.max_candidates = max_candidates
        self.direction = direction
        self.near_steps = near_steps
        self.histogram: Counter[int] = Counter()

    def width_at(self, elapsed_fraction: float) -> int:
        """The time-only width k(f), linear between the bounds and rounded."""
        fraction = min(1.0, max(0.0, elapsed_fraction))
        if self.direction == "increasing":
            fraction = 1.0 - fraction
        span = self.max_candidates - self.min_candidates
        return self.max_candidates - round(span * fraction)

    def num_candidates(
        self, *, elapsed_fraction: float, depth: int, remaining_steps: float | None
    ) -> int:
        """k for one expansion: ``max_candidates`` near a proof, else :meth:`width_at`."""
        near = (
            self.near_steps is not None
            and remaining_steps is not None
            and remaining_steps <= self.near_steps
        )
        count = self.max_candidates if near else self.width_at(elapsed_fraction)
        self.histogram[count] += 1
        logger.debug(
            "k=%d (elapsed %.2f, depth %d, predicted steps %s)",
            count,
            elapsed_fraction,
            depth,
            remaining_steps,
        )
        return count

    def __repr__(self) -> str:
        return (
            f"DynamicSchedule(min_candidates={self.min_candidates}, "
            f"max_candidates={self.max_candidates}, direction={self.direction!r}, "
            f"near_steps={self.near_steps!r})"
        )
