"""The ``boosted`` progress family: gradient-boosted trees over hashed retrieval features.

The CPU-cheap family beside the transformer. Inputs are :mod:`models.progress.features`
(the retrieval features of every goal, a few counts and, for ``state+proof``, the head
words of the tactics so far); the target is log(1 + remaining steps) (``target`` ``log1p``,
the default) or sqrt(1 + remaining steps) (``sqrt1p``), so that the hundreds-of-steps
proofs of the trace do not dominate the squared loss; predictions are decoded back to
steps, clipped at 0. With ``neighbours`` k > 0 the labels of the k most similar
training states are features too (:mod:`models.progress.neighbours`, kept in
``neighbours/`` beside the booster); with ``file_context`` so are the lengths of the proofs
above the theorem in its file (:mod:`models.progress.file_context`, given to a loaded model
with :meth:`BoostedProgressModel.set_file_context`). LightGBM (the ``models`` extra) fits
it, with early stopping on the trace's *valid* files by the MAE of the de-logged
prediction; the booster is saved as ``booster.txt`` beside the manifest. Prediction runs
single-threaded: the scorer sits inside the search's time budget, beside coqtop.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.progress.data import ProgressExample
from models.progress.features import feature_matrix
from models.progress.file_context import file_context_features
from models.progress.manifest import ManifestProperties, ProgressManifest, check_aligned
from search.errors import ConfigError, InputError

if TYPE_CHECKING:
    from models.progress.neighbours import NeighbourLabels

__all__ = [
    "BOOSTED_TARGETS",
    "BOOSTER_NAME",
    "MAX_NEIGHBOURS",
    "BoostedProgressModel",
    "BoostedSettings",
    "decode_steps",
    "encode_steps",
    "fit_boosted",
]

logger = logging.getLogger(__name__)

BOOSTER_NAME = "booster.txt"
#: Most neighbours summarised per state (each costs a little retrieval time in the search).
MAX_NEIGHBOURS = 256
#: What the trees may learn for remaining steps (:func:`encode_steps`).
BOOSTED_TARGETS = ("log1p", "sqrt1p")


@dataclass(frozen=True, kw_only=True)
class BoostedSettings:
    """LightGBM settings of the boosted family (each is a ``train-progress`` flag).

    Defaults (ours): LightGBM's usual regression settings with early stopping on the
    trace's valid files, except the tree size and the column sampling: 31 leaves of at
    least 100 states and 60 % of the columns per tree, chosen by cross-validation over the
    stdlib trace's train and valid files, its test files left out
    (``benchmarks.progress_sweep --folds 5 --selection``, 2026-12-04; docs/progress.md).
    """

    rounds: int = 600
    learning_rate: float = 0.05
    num_leaves: int = 31
    min_data_in_leaf: int = 100
    feature_fraction: float = 0.6
    early_stopping_rounds: int = 100
    feature_bits: int = 18
    neighbours: int = 0
    file_context: bool = True
    target: str = "log1p"

    def __post_init__(self) -> None:
        for name in ("rounds", "num_leaves", "min_data_in_leaf", "early_stopping_rounds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if (
            isinstance(self.neighbours, bool)
            or not isinstance(self.neighbours, int)
            or not 0 <= self.neighbours <= MAX_NEIGHBOURS
        ):
            raise ConfigError(
                f"neighbours must be an integer in [0, {MAX_NEIGHBOURS}], got {self.neighbours!r}"
            )
        if not isinstance(self.file_context, bool):
            raise ConfigError(f"file_context must be true or false, got {self.file_context!r}")
        if self.num_leaves < 2:  # LightGBM's own lower bound, refused here in one line
            raise ConfigError(f"num_leaves must be at least 2, got {self.num_leaves!r}")
        if not 0 < self.learning_rate <= 1:
            raise ConfigError(f"learning_rate must lie in (0, 1], got {self.learning_rate!r}")
        if not 0 < self.feature_fraction <= 1:
            raise ConfigError(f"feature_fraction must lie in (0, 1], got {self.feature_fraction!r}")
        if not 8 <= self.feature_bits <= 24:
            raise ConfigError(f"feature_bits must lie in [8, 24], got {self.feature_bits!r}")
        if self.target not in BOOSTED_TARGETS:
            raise ConfigError(f"target must be one of {BOOSTED_TARGETS}, got {self.target!r}")


def _lightgbm() -> Any:
    try:
        import lightgbm
    except ModuleNotFoundError as error:
        raise ConfigError(
            "the boosted progress family needs lightgbm (the models extra): "
            ".venv/bin/pip install lightgbm"
        ) from error
    # LightGBM prints its training log; send it to logging so stdout stays the CLI's.
    lightgbm.register_logger(logger)
    return lightgbm


class BoostedProgressModel(ManifestProperties):
    """Remaining-steps predictor of a ``boosted`` model directory."""

    def __init__(self, directory: Path, manifest: ProgressManifest) -> None:
        lightgbm = _lightgbm()
        path = Path(directory) / BOOSTER_NAME
        if not path.is_file():
            raise InputError(f"{directory}: boosted progress model without {BOOSTER_NAME}")
        try:
            self._booster = lightgbm.Booster(model_file=str(path))
        except lightgbm.basic.LightGBMError as error:
            raise InputError(f"{path}: cannot load the booster: {error}") from error
        self.directory = Path(directory)
        self.manifest = manifest
        self._neighbours: NeighbourLabels | None = None
        self._context_features = file_context_features(())
        if manifest.neighbours:
            from models.progress.neighbours import NEIGHBOUR_DIRECTORY, NeighbourLabels

            self._neighbours = NeighbourLabels.load(self.directory / NEIGHBOUR_DIRECTORY)

    @property
    def uses_file_context(self) -> bool:
        """Whether the model was trained with file context (``--file-context``)."""
        return self.manifest.file_context

    def set_file_context(self, proof_lengths: Sequence[int]) -> None:
        """The lengths of the proofs above the theorem now searched (ignored without them).

        Their features are computed here, once per theorem, not on every prediction.
        """
        self._context_features = file_context_features(proof_lengths)

    def predict_remaining_steps(
        self, states: Sequence[str], proofs_so_far: Sequence[Sequence[str]]
    ) -> list[float]:
        """One prediction (≥ 0, not rounded) per state; ``proofs_so_far`` aligns with it."""
        check_aligned(states, proofs_so_far)
        if not states:
            return []
        matrix = feature_matrix(
            states,
            proofs_so_far,
            history=self.manifest.input_format == "state+proof",
            feature_bits=self.manifest.feature_bits,
        )
        if self._neighbours is not None:
            block = self._neighbours.features(states, self.manifest.neighbours)
            matrix = _with_columns(matrix, block)
        if self.manifest.file_context:
            matrix = _with_columns(matrix, _feature_rows([self._context_features] * len(states)))
        outputs = self._booster.predict(matrix, num_threads=1)
        return [float(steps) for steps in decode_steps(self.manifest.target, outputs)]


def fit_boosted(
    settings: BoostedSettings,
    manifest: ProgressManifest,
    train: Sequence[ProgressExample],
    valid: Sequence[ProgressExample],
    output: Path,
    *,
    seed: int,
    threads: int | None,
) -> int:
    """Fit the trees (early stopping on ``valid`` when given), save them; return the trees."""
    import numpy as np

    lightgbm = _lightgbm()
    matrices = _ExampleMatrices(
        settings=settings,
        history=manifest.input_format == "state+proof",
        neighbours=_neighbour_labels(settings, train, output),
    )
    labels = np.asarray([e.remaining_steps for e in train], dtype=np.float64)
    params = _lightgbm_params(settings, seed=seed, threads=threads)
    target = settings.target
    dataset = lightgbm.Dataset(matrices.of(train, training=True), encode_steps(target, labels))
    callbacks: list[Any] = [lightgbm.log_evaluation(period=50)]
    valid_sets: list[Any] = []
    feval = None
    if valid:
        valid_labels = np.asarray([e.remaining_steps for e in valid], dtype=np.float64)
        valid_sets.append(
            lightgbm.Dataset(
                matrices.of(valid), encode_steps(target, valid_labels), reference=dataset
            )
        )
        feval = _steps_mae(target, valid_labels)
        callbacks.append(
            lightgbm.early_stopping(settings.early_stopping_rounds, first_metric_only=False)
        )
        params["metric"] = "None"
    booster = lightgbm.train(
        params,
        dataset,
        num_boost_round=settings.rounds,
        valid_sets=valid_sets,
        feval=feval,
        callbacks=callbacks,
    )
    trees = booster.best_iteration if valid and booster.best_iteration > 0 else settings.rounds
    output.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(output / BOOSTER_NAME), num_iteration=trees)
    logger.info("boosted progress model: %d trees saved in %s", trees, output)
    return int(trees)


@dataclass(frozen=True, kw_only=True)
class _ExampleMatrices:
    """How training examples become a feature matrix: hashed state features, then the
    neighbour-label and file-context columns when the settings ask for them."""

    settings: BoostedSettings
    history: bool
    neighbours: NeighbourLabels | None

    def of(self, examples: Sequence[ProgressExample], *, training: bool = False) -> Any:
        """The CSR matrix of ``examples`` (``training``: neighbours skip each row's own)."""
        states = [e.state for e in examples]
        base = feature_matrix(
            states,
            [e.proof_so_far for e in examples],
            history=self.history,
            feature_bits=self.settings.feature_bits,
        )
        if self.neighbours is not None:
            own_rows = range(len(examples)) if training else None
            base = _with_columns(
                base, self.neighbours.features(states, self.settings.neighbours, own_rows=own_rows)
            )
        if self.settings.file_context:
            rows = [file_context_features(e.earlier_proof_lengths) for e in examples]
            base = _with_columns(base, _feature_rows(rows))
        return base


def _lightgbm_params(
    settings: BoostedSettings, *, seed: int, threads: int | None
) -> dict[str, Any]:
    """LightGBM's parameters: L2 on the encoded target, deterministic for a given seed."""
    return {
        "objective": "l2",
        "learning_rate": settings.learning_rate,
        "num_leaves": settings.num_leaves,
        "min_data_in_leaf": settings.min_data_in_leaf,
        "feature_fraction": settings.feature_fraction,
        "lambda_l2": 1.0,
        "num_threads": threads or 1,
        "seed": seed,
        "deterministic": True,
        "verbose": -1,
    }


def _steps_mae(target: str, labels: Any) -> Any:
    """The early-stopping metric: MAE in steps (the trees predict ``target``)."""
    import numpy as np

    def mae_steps(predictions: Any, _data: Any) -> tuple[str, float, bool]:
        steps = decode_steps(target, predictions)
        return "mae_steps", float(np.abs(steps - labels).mean()), False

    return mae_steps


def encode_steps(target: str, steps: Any) -> Any:
    """What the trees learn for remaining ``steps`` (an array): sqrt(1 + steps) for
    ``sqrt1p``, otherwise log(1 + steps) (``log1p``, and the manifests of boosted models
    written before the target was recorded, which all learned it)."""
    import numpy as np

    values = np.asarray(steps, dtype=np.float64)
    return np.sqrt(1.0 + values) if target == "sqrt1p" else np.log1p(values)


def decode_steps(target: str, outputs: Any) -> Any:
    """Remaining steps (≥ 0, an array) from the trees' ``outputs``; inverse of
    :func:`encode_steps`."""
    import numpy as np

    values = np.asarray(outputs, dtype=np.float64)
    if target == "sqrt1p":
        return np.maximum(np.square(np.maximum(values, 0.0)) - 1.0, 0.0)
    return np.maximum(np.expm1(values), 0.0)


def _neighbour_labels(
    settings: BoostedSettings, train: Sequence[ProgressExample], output: Path
) -> NeighbourLabels | None:
    """The training states' neighbour index (saved in ``output``), or None without one."""
    if not settings.neighbours:
        return None
    from models.progress.neighbours import NEIGHBOUR_DIRECTORY, NeighbourLabels

    labels = NeighbourLabels.build(train)
    labels.save(output / NEIGHBOUR_DIRECTORY)
    logger.info("neighbour index: %d training states", labels.index.num_rows)
    return labels


def _feature_rows(rows: Sequence[Sequence[float]]) -> Any:
    """Dense float32 columns (the file-context features; NaN stays missing)."""
    import numpy as np

    return np.asarray(rows, dtype=np.float32)


def _with_columns(matrix: Any, block: Any) -> Any:
    """``matrix`` (CSR) with the dense ``block`` appended as columns (NaN stays missing)."""
    from scipy import sparse

    return sparse.hstack([matrix, sparse.csr_matrix(block)], format="csr")
