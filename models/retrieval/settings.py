"""Settings of knn retrieval and knn training (light: no numpy, read by the CLI parser)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from search.errors import ConfigError
from search.validation import require_output_directory

__all__ = ["AGGREGATIONS", "KnnTrainingConfig", "RetrievalSettings"]

AGGREGATIONS = ("max", "sum")
#: Postings budget per query; above it the index answers from the rarest features' rows.
DEFAULT_MAX_POSTINGS = 300_000


@dataclass(frozen=True, kw_only=True)
class RetrievalSettings:
    """How neighbours become candidates.

    Attributes:
        neighbours: rows retrieved per state before tactics are merged.
        aggregation: ``max`` (a tactic ranks by its nearest row, as Tactician) or ``sum``
            (by the summed similarity of every row proposing it: a vote).
        max_postings: the index reads at most this many postings per query and re-ranks
            the best candidates found (``None``: always exact); see ``FeatureIndex.top_k``.
    """

    neighbours: int = 32
    aggregation: str = "max"
    max_postings: int | None = DEFAULT_MAX_POSTINGS

    def __post_init__(self) -> None:
        if isinstance(self.neighbours, bool) or self.neighbours < 1:
            raise ConfigError(f"neighbours must be a positive integer, got {self.neighbours!r}")
        if self.max_postings is not None and self.max_postings < 1:
            raise ConfigError(f"max_postings must be positive or None, got {self.max_postings!r}")
        if self.aggregation not in AGGREGATIONS:
            raise ConfigError(
                f"aggregation must be one of {', '.join(AGGREGATIONS)}, got {self.aggregation!r}"
            )


@dataclass(frozen=True, kw_only=True)
class KnnTrainingConfig:
    """``prover train-generator --kind knn`` settings.

    Attributes:
        data: the trace directory (``manifest.json``, ``steps.jsonl.gz``).
        runs: run directories whose verified proofs are added to the training rows.
        output: the model directory to write.
        neighbours: rows retrieved per state.
        aggregation: ``max``, ``sum`` or ``auto`` (chosen on valid by top-1 accuracy).
        max_valid_rows: valid rows (whole files, in order) for the choice and the calibration.
        max_test_rows: test rows sampled for the metrics (``None``: all).
        seed: seed of both samples.
    """

    data: Path
    output: Path
    runs: tuple[Path, ...] = ()
    neighbours: int = 32
    aggregation: str = "auto"
    max_valid_rows: int = 5000
    max_test_rows: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.aggregation not in (*AGGREGATIONS, "auto"):
            raise ConfigError(f"aggregation must be max, sum or auto, got {self.aggregation!r}")
        RetrievalSettings(neighbours=self.neighbours)
        if self.max_valid_rows < 1:  # the aggregation choice and the calibration need rows
            raise ConfigError(f"max_valid_rows must be positive, got {self.max_valid_rows!r}")
        if self.max_test_rows is not None and self.max_test_rows < 1:
            raise ConfigError(f"max_test_rows must be positive, got {self.max_test_rows!r}")
        require_output_directory(self.output, "model directory")
