"""The values the assistance service takes and gives: limits, queries, answers, errors.

Plain frozen dataclasses, kept apart from :mod:`prover.interactive.service` so that the web
layer and the CLI can name them without the service's behaviour (and its imports).
"""

from __future__ import annotations

from dataclasses import dataclass

from search.config import SearchConfig
from search.errors import ConfigError, ProverError
from search.validation import require_non_negative_int, require_positive

__all__ = [
    "MAX_CANDIDATES",
    "Health",
    "SearchAnswer",
    "SearchLimits",
    "SearchQuery",
    "ServiceUnavailable",
    "Suggestion",
]

MAX_CANDIDATES = 256
"""Most outputs one ``generate`` call returns."""


class ServiceUnavailable(ProverError):
    """A component the request needs is missing, failed, or busy (HTTP 503)."""


@dataclass(frozen=True, kw_only=True)
class SearchLimits:
    """Bounds of ``search`` budgets and the defaults used when a request gives none.

    ``resample_rounds`` is the server's :attr:`search.config.SearchConfig.resample_rounds`
    for every search: how often a state's last generation stage (a sampling language
    model) is asked again while time is left.
    """

    default_time_limit_s: float = 30.0
    max_time_limit_s: float = 600.0
    max_expansions: int = 100_000
    tactic_timeout_s: float = 5.0
    wait_for_worker_s: float = 60.0
    resample_rounds: int = SearchConfig.resample_rounds

    def __post_init__(self) -> None:
        require_non_negative_int("resample_rounds", self.resample_rounds)
        for name in ("max_time_limit_s", "tactic_timeout_s", "wait_for_worker_s"):
            require_positive(name, getattr(self, name))
        if not 0 < self.default_time_limit_s <= self.max_time_limit_s:
            raise ConfigError(
                f"default_time_limit_s must be in (0, max_time_limit_s={self.max_time_limit_s}], "
                f"got {self.default_time_limit_s!r}"
            )
        if self.max_expansions < 1:
            raise ConfigError(f"max_expansions must be at least 1, got {self.max_expansions!r}")


@dataclass(frozen=True, kw_only=True)
class Suggestion:
    """One ``generate`` output; the progress fields are set only with ``use_reward``."""

    output: str
    score: float
    model_score: float | None = None
    steps_remaining: float | None = None
    reward: float | None = None


@dataclass(frozen=True, kw_only=True)
class Health:
    """What the service has loaded."""

    generator: str
    language: str
    progress_model: bool
    encoder: str | None
    search: bool


@dataclass(frozen=True, kw_only=True)
class SearchQuery:
    """An untrusted ``search`` request: checked by :meth:`AssistService.search`."""

    statement: str
    header: str = ""
    name: str | None = None
    time_limit_s: float | None = None
    max_expansions: int | None = None
    file: str | None = None


@dataclass(frozen=True, kw_only=True)
class SearchAnswer:
    """A ``search`` result; ``status == "proved"`` exactly when ``verified``.

    ``proof`` and ``proof_text`` are set only for a verified proof; ``header_time_s`` is
    the time spent opening the theorem (header loading included), part of ``time_s``;
    ``axioms`` the (standard) axioms the kernel checker listed for a verified proof's file
    (a global summary: what the header and prelude load counts, used or not);
    ``checked_as`` the name of the file the verdict is for (a header's meaning can depend
    on it): the request's ``file``, or else the backend's own checked file.
    """

    status: str
    stop_reason: str
    proof: list[str] | None
    proof_text: str | None
    verified: bool
    expansions: int
    error: str | None
    time_s: float
    header_time_s: float
    axioms: tuple[str, ...] = ()
    checked_as: str | None = None
