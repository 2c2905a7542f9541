"""``ScoringConfig``: how the search scores nodes and sizes expansions (CLI → scorer, schedule).

Light on purpose (no torch): the prove and eval commands import it at start-up;
:func:`build_scoring` loads the progress model only when one is configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from models.progress.manifest import read_manifest
from models.progress.protocol import ProgressPredictor
from models.progress.schedule import DIRECTIONS as SAMPLING_DIRECTIONS
from models.progress.scorer import DEFAULT_ALPHA
from search.config import SearchConfig
from search.errors import ConfigError
from search.protocols import NodeScorer, SamplingSchedule
from search.validation import require_probability

__all__ = [
    "FRONTIER_MODES",
    "SAMPLING_DIRECTIONS",
    "SAMPLING_MODES",
    "ScoringConfig",
    "build_scoring",
]

SAMPLING_MODES = ("fixed", "dynamic")
FRONTIER_MODES = ("single", "alternating")


@dataclass(frozen=True, kw_only=True)
class ScoringConfig:
    """Node priority and sampling budget of a search run.

    Attributes:
        progress_model: ``--progress-model``: a directory written by ``prover
            train-progress``; None keeps the plain cumulative log-prob priority.
        alpha: ``--alpha``: weight of the progress term (LeanProgress's α, default 0.2).
        n_max: ``--progress-n-max``: N_max of the progress term N = −2·min(n̂, N_max)/N_max;
            None uses the model's (the largest training label). With the trace's
            hundreds-of-steps proofs that makes N nearly flat over the short proofs a
            search finds, so it is tuned with α on valid.
        sampling: ``--sampling``: ``fixed`` (``--num-candidates`` per expansion) or
            ``dynamic`` (:class:`~models.progress.schedule.DynamicSchedule`).
        min_candidates / max_candidates: ``--min-candidates`` / ``--max-candidates``,
            the bounds of the dynamic schedule (max defaults to ``--num-candidates``).
        sampling_direction: ``--sampling-direction``: ``decreasing`` (wide first, narrowing
            as the time budget is spent) or ``increasing`` (narrow first, widening).
        frontier: ``--frontier``: ``single`` (one queue by the mixed priority) or
            ``alternating`` (expansions taken in turn from that queue and from one by the
            path score alone; needs a progress model, without which both are one order).
    """

    progress_model: Path | None = None
    alpha: float = DEFAULT_ALPHA
    n_max: float | None = None
    sampling: str = "fixed"
    min_candidates: int = 4
    max_candidates: int | None = None
    sampling_direction: str = "decreasing"
    frontier: str = "single"

    def __post_init__(self) -> None:
        require_probability("alpha", self.alpha)
        if self.n_max is not None and not self.n_max > 0:
            raise ConfigError(f"n_max must be positive, got {self.n_max!r}")
        if self.sampling not in SAMPLING_MODES:
            raise ConfigError(f"sampling must be fixed or dynamic, got {self.sampling!r}")
        if self.min_candidates < 1:
            raise ConfigError(f"min_candidates must be positive, got {self.min_candidates!r}")
        if self.max_candidates is not None and self.max_candidates < self.min_candidates:
            raise ConfigError(
                f"max_candidates ({self.max_candidates}) must be at least "
                f"min_candidates ({self.min_candidates})"
            )
        if self.sampling_direction not in SAMPLING_DIRECTIONS:
            raise ConfigError(
                f"sampling_direction must be one of {', '.join(SAMPLING_DIRECTIONS)}, "
                f"got {self.sampling_direction!r}"
            )
        if self.frontier not in FRONTIER_MODES:
            raise ConfigError(f"frontier must be single or alternating, got {self.frontier!r}")
        if self.frontier == "alternating" and self.progress_model is None:
            raise ConfigError("frontier alternating needs a progress model (--progress-model)")
        if self.progress_model is not None:
            read_manifest(self.progress_model)  # a wrong directory stops before any run starts


def build_scoring(
    scoring: ScoringConfig, search: SearchConfig, *, predictor: ProgressPredictor | None = None
) -> tuple[NodeScorer | None, SamplingSchedule | None]:
    """The scorer and schedule for the engine; None means the engine's defaults.

    ``predictor`` is an already loaded progress model (the server shares one between its
    searches); without it ``scoring.progress_model`` is loaded here, if configured.
    """
    scorer: NodeScorer | None = None
    schedule: SamplingSchedule | None = None
    if predictor is None and scoring.progress_model is not None:
        from models.progress.model import load_progress_predictor

        predictor = load_progress_predictor(scoring.progress_model)
    if predictor is not None:
        from models.progress.scorer import ProgressScorer

        scorer = ProgressScorer(
            predictor,
            alpha=scoring.alpha,
            n_max=scoring.n_max,
            alternate=scoring.frontier == "alternating",
        )
    if scoring.sampling == "dynamic":
        from models.progress.schedule import DynamicSchedule

        maximum = scoring.max_candidates or max(search.num_candidates, scoring.min_candidates)
        schedule = DynamicSchedule(
            min_candidates=scoring.min_candidates,
            max_candidates=maximum,
            direction=scoring.sampling_direction,
        )
    return scorer, schedule
