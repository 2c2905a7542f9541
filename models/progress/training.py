"""Train a progress model (state → remaining steps) and measure it on held-out files.

:func:`train_progress_model` takes labelled examples whose ``split`` comes from the
trace (by file): ``train`` rows (plus the prover's own verified proofs, always training
data) are fitted, after optional LeanProgress rebalancing by proof length; ``valid``
files tune (the boosted family's early stopping); ``test`` files are only reported.
``metrics.json`` holds, for valid and test (and for any evaluation-only sets passed in,
such as the states of miniF2F-Coq test proofs), the model beside both constant
predictors (training mean and median) overall and by proof-length bucket, and the
predictor's cost in milliseconds per state. The top-level metric fields are the test
split's.
"""

from __future__ import annotations

import json
import logging
import math
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from models.progress.boosted import BoostedSettings, fit_boosted
from models.progress.data import (
    NO_REBALANCING,
    RUN_SOURCE_PREFIX,
    ProgressExample,
    RebalanceRatios,
    deduplicate,
    examples_by_split,
    rebalance,
    sample_examples,
)
from models.progress.manifest import FAMILIES, INPUT_FORMATS, ProgressManifest
from models.progress.metrics import evaluate_predictions, evaluate_predictor, measure_cost
from models.trace_data import FileFold
from search.errors import ConfigError, InputError
from search.validation import require_output_directory, require_positive

__all__ = ["TrainingConfig", "evaluate_predictions", "train_progress_model"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class TrainingConfig:
    """Everything ``prover train-progress`` needs; each field is the flag of the same name.

    ``data`` (the trace directory, then run directories) is recorded in metrics.json; the
    examples themselves are passed to :func:`train_progress_model`. ``test_fold`` (None:
    the trace's own split) is the cross-validation fold the examples were split by; it is
    recorded, and the caller reads the trace with it.
    """

    data: tuple[Path, ...]
    output: Path
    family: str = "boosted"
    input_format: str = "state+proof"
    rebalance: RebalanceRatios = field(default_factory=lambda: NO_REBALANCING)
    max_train_examples: int | None = None
    seed: int = 0
    threads: int | None = None
    boosted: BoostedSettings = field(default_factory=BoostedSettings)
    backbone: str | None = None
    epochs: float = 1.0
    max_steps: int | None = None
    batch_size: int = 16
    learning_rate: float = 2e-4
    weight_decay: float = 0.01
    warmup_ratio: float = 0.03
    max_length: int = 128
    num_layers: int | None = None
    test_fold: FileFold | None = None

    def __post_init__(self) -> None:
        if not self.data:
            raise ConfigError("data must name the trace directory")
        if self.family not in FAMILIES:
            raise ConfigError(f"family must be one of {', '.join(FAMILIES)}, got {self.family!r}")
        if self.input_format not in INPUT_FORMATS:
            raise ConfigError(
                f"input_format must be one of {', '.join(INPUT_FORMATS)}, got {self.input_format!r}"
            )
        require_positive("epochs", self.epochs)
        require_positive("learning_rate", self.learning_rate)
        for name in ("batch_size", "max_length"):
            _require_count(name, getattr(self, name))
        for name in ("num_layers", "max_steps", "max_train_examples", "threads"):
            if getattr(self, name) is not None:
                _require_count(name, getattr(self, name))
        if not 0.0 <= self.warmup_ratio < 1.0:
            raise ConfigError(f"warmup_ratio must lie in [0, 1), got {self.warmup_ratio!r}")
        if self.family == "transformer" and self.boosted.target != "log1p":
            raise ConfigError(
                f"target {self.boosted.target!r} is for the boosted family; the transformer "
                "learns the standardised log(1 + steps)"
            )
        require_output_directory(self.output, "model directory")


def _require_count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")


def train_progress_model(
    config: TrainingConfig,
    examples: Sequence[ProgressExample],
    *,
    reported: Mapping[str, Sequence[ProgressExample]] | None = None,
) -> dict[str, Any]:
    """Fit, save the model + manifest + ``metrics.json`` in ``config.output``; return metrics.

    ``reported`` maps a name to evaluation-only examples (never trained on). Raises
    :class:`InputError` naming the data when no training or no held-out example is left,
    before anything is written.
    """
    where = ", ".join(map(str, config.data))
    splits = examples_by_split(deduplicate(examples))
    before = len(splits["train"])
    train = rebalance(splits["train"], config.rebalance, seed=config.seed)
    train = sample_examples(train, config.max_train_examples, seed=config.seed)
    if not train:
        raise InputError(
            f"{where}: no training example ({before} before rebalancing with "
            f"{config.rebalance.describe() or 'none'}; the trace's train split and the "
            "runs' verified proofs are the training data)"
        )
    if not splits["valid"] and not splits["test"]:
        raise InputError(f"{where}: no held-out example (the trace has no valid or test files)")
    manifest = _manifest(config, train)
    started = time.monotonic()
    if config.family == "boosted":
        trees = fit_boosted(
            config.boosted,
            manifest,
            train,
            splits["valid"],
            config.output,
            seed=config.seed,
            threads=config.threads,
        )
        manifest = _with(manifest, trees=trees)
    else:
        from models.progress.transformer_training import fit_transformer

        fit_transformer(config, manifest, train, config.output)
    manifest.write(config.output)
    train_time_s = time.monotonic() - started
    metrics = _held_out_metrics(config, manifest, splits, reported or {})
    metrics.update(
        family=config.family,
        train_examples=len(train),
        train_theorems=len({e.theorem for e in train}),
        train_files=len({e.file for e in train}),
        train_examples_from_runs=sum(e.source.startswith(RUN_SOURCE_PREFIX) for e in train),
        train_examples_before_rebalancing=before,
        rebalance=config.rebalance.describe() or "none",
        test_fold=config.test_fold.describe() if config.test_fold else None,
        test_files_left_out=bool(config.test_fold and config.test_fold.without_test),
        train_time_s=round(train_time_s, 2),
        manifest=asdict(manifest),
        config={k: str(v) for k, v in asdict(config).items()},
    )
    (config.output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def _manifest(config: TrainingConfig, train: Sequence[ProgressExample]) -> ProgressManifest:
    labels = [e.remaining_steps for e in train]
    logs = [math.log1p(label) for label in labels]
    transformer = config.family == "transformer"
    backbone = ""
    if transformer:
        from models.progress.model import resolve_backbone

        backbone = str(resolve_backbone(config.backbone))
    return ProgressManifest(
        family=config.family,
        input_format=config.input_format,
        n_max=max(labels),
        label_mean=statistics.fmean(labels),
        label_std=max(1.0, statistics.pstdev(labels)),
        label_min=min(labels),
        label_max=max(labels),
        label_median=statistics.median(labels),
        train_examples=len(train),
        backbone=backbone,
        max_length=config.max_length if transformer else 0,
        feature_bits=0 if transformer else config.boosted.feature_bits,
        neighbours=0 if transformer else config.boosted.neighbours,
        file_context=not transformer and config.boosted.file_context,
        target="log1p" if transformer else config.boosted.target,
        target_mean=statistics.fmean(logs),
        target_std=max(1e-6, statistics.pstdev(logs)),
    )


def _with(manifest: ProgressManifest, **changes: Any) -> ProgressManifest:
    return ProgressManifest(**{**asdict(manifest), **changes})


def _held_out_metrics(
    config: TrainingConfig,
    manifest: ProgressManifest,
    splits: Mapping[str, Sequence[ProgressExample]],
    reported: Mapping[str, Sequence[ProgressExample]],
) -> dict[str, Any]:
    """Metrics per held-out set (test at top level) and the predictor's cost on test."""
    from models.progress.model import load_progress_predictor

    if config.threads is not None and config.family == "transformer":
        import torch

        torch.set_num_threads(config.threads)
    predictor = load_progress_predictor(config.output)

    def evaluate(examples: Sequence[ProgressExample]) -> dict[str, Any]:
        return evaluate_predictor(
            predictor, examples, constant=manifest.label_mean, median=manifest.label_median
        )

    held_out = {name: evaluate(splits[name]) for name in ("valid", "test") if splits[name]}
    metrics: dict[str, Any] = dict(held_out.get("test") or held_out["valid"])
    metrics["splits"] = held_out
    metrics["reported"] = {name: evaluate(examples) for name, examples in reported.items()}
    metrics["cost"] = measure_cost(predictor, splits["test"] or splits["valid"])
    return metrics
