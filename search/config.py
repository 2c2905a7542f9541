"""The search's budgets and knobs, as one frozen, validated value."""

from __future__ import annotations

from dataclasses import dataclass

from search.errors import ConfigError
from search.validation import require_non_negative_int, require_positive

__all__ = ["SearchConfig"]


@dataclass(frozen=True, kw_only=True)
class SearchConfig:
    """Separate, explicit budgets for one proof search.

    Attributes:
        time_limit_s: wall-clock budget for the whole theorem (``time.monotonic``).
        max_expansions: stop after this many node expansions (``None``: no limit).
        tactic_timeout_s: budget of a single tactic; a hanging tactic is cut here.
        max_depth: nodes this many tactics deep are not expanded further.
        num_candidates: candidates requested per expansion by the fixed schedule.
        expansion_batch_size: frontier nodes popped and sent to the generator together.
        seed: base seed; generator requests derive theirs from it deterministically.
        resample_rounds: rounds a node's last generation stage is asked again, behind its
            children, for fresh samples (0: never; a round with no new tactic ends them).
    """

    time_limit_s: float = 60.0
    max_expansions: int | None = None
    tactic_timeout_s: float = 5.0
    max_depth: int = 50
    num_candidates: int = 32
    expansion_batch_size: int = 1
    seed: int = 0
    resample_rounds: int = 0

    def __post_init__(self) -> None:
        require_positive("time_limit_s", self.time_limit_s)
        require_positive("tactic_timeout_s", self.tactic_timeout_s)
        for name in ("max_depth", "num_candidates", "expansion_batch_size"):
            _require_positive_int(name, getattr(self, name))
        if self.max_expansions is not None:
            _require_positive_int("max_expansions", self.max_expansions)
        for name in ("seed", "resample_rounds"):
            require_non_negative_int(name, getattr(self, name))


def _require_positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")
