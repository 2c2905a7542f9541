"""Neighbour-label features: nearest labels, own-group exclusion, storage, the boosted family."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from models.progress import load_progress_predictor
from models.progress.boosted import BoostedSettings
from models.progress.data import RUN_SOURCE_PREFIX, ProgressExample, trace_examples
from models.progress.neighbours import (
    NEIGHBOUR_DIRECTORY,
    NEIGHBOUR_FEATURES,
    NeighbourLabels,
    group_key,
)
from models.progress.training import TrainingConfig, train_progress_model
from search.errors import ConfigError, InputError
from tests.models.progress.conftest import FIXTURE_TRACE

NEAREST = NEIGHBOUR_FEATURES.index("nearest_log_remaining")
SIMILARITY = NEIGHBOUR_FEATURES.index("nearest_similarity")
LENGTH = NEIGHBOUR_FEATURES.index("weighted_log_length")


def example(state: str, remaining: int, *, file: str, total: int = 9) -> ProgressExample:
    """A trace-like training state of ``file``."""
    return ProgressExample(
        state=state,
        proof_so_far=(),
        remaining_steps=remaining,
        theorem=f"{file}:t",
        source="trace:x",
        file=file,
        total_steps=total,
    )


TRAIN = [
    example("n : nat\n⊢ n + 0 = n", 3, file="A.v"),
    example("n : nat\n⊢ n + 0 = n", 5, file="B.v", total=20),
    example("x : R\n⊢ Rsqr x >= 0", 1, file="C.v"),
]


def test_identical_state_reads_its_own_label_and_full_similarity() -> None:
    """A state equal to a training state gets that row's label, similarity 1, its length."""
    labels = NeighbourLabels.build(TRAIN)
    block = labels.features(["x : R\n⊢ Rsqr x >= 0"], 1)
    assert block.shape == (1, len(NEIGHBOUR_FEATURES))
    assert block[0, NEAREST] == pytest.approx(math.log1p(1))
    assert block[0, SIMILARITY] == pytest.approx(1.0)
    assert block[0, LENGTH] == pytest.approx(math.log1p(9))


def test_training_rows_never_see_their_own_group() -> None:
    """With own_rows, row 0 (file A.v) finds B.v's twin state instead of itself."""
    labels = NeighbourLabels.build(TRAIN)
    own = labels.features([TRAIN[0].state], 1, own_rows=[0])
    assert own[0, NEAREST] == pytest.approx(math.log1p(5))
    free = labels.features([TRAIN[0].state], 1)
    assert free[0, NEAREST] == pytest.approx(math.log1p(3))


def test_search_proofs_are_grouped_by_theorem_not_by_run() -> None:
    """Two proofs of one run are different groups; trace rows are grouped by file."""
    run = [
        ProgressExample(
            state="⊢ a",
            proof_so_far=(),
            remaining_steps=1,
            theorem=name,
            source=f"{RUN_SOURCE_PREFIX}run",
            file="run",
        )
        for name in ("p", "q")
    ]
    assert group_key(run[0]) != group_key(run[1])
    assert group_key(TRAIN[0]) == "file:A.v"


def test_state_without_known_features_is_all_missing() -> None:
    """No shared feature: every neighbour column is NaN (missing for the trees)."""
    labels = NeighbourLabels.build(TRAIN[:1])
    block = labels.features(["⊢ completely_unrelated_constant"], 4)
    assert np.isnan(block).all()


def test_saved_labels_load_to_the_same_features(tmp_path: Path) -> None:
    """save/load keeps every array; a missing directory is one InputError naming it."""
    labels = NeighbourLabels.build(TRAIN)
    labels.save(tmp_path / "n")
    loaded = NeighbourLabels.load(tmp_path / "n")
    states = [e.state for e in TRAIN]
    assert np.array_equal(labels.features(states, 2), loaded.features(states, 2), equal_nan=True)
    with pytest.raises(InputError, match="missing"):
        NeighbourLabels.load(tmp_path / "absent")


def test_neighbour_count_is_validated() -> None:
    """A negative or huge k is refused naming the field."""
    for bad in (-1, 10_000, True):
        with pytest.raises(ConfigError, match="neighbours"):
            BoostedSettings(neighbours=bad)  # type: ignore[arg-type]


def test_boosted_model_with_neighbours_trains_saves_and_predicts(tmp_path: Path) -> None:
    """train_progress_model keeps the index beside the booster and the manifest records k."""
    pytest.importorskip("lightgbm")
    output = tmp_path / "model"
    settings = BoostedSettings(rounds=20, min_data_in_leaf=5, feature_bits=12, neighbours=4)
    config = TrainingConfig(data=(FIXTURE_TRACE,), output=output, boosted=settings)
    metrics = train_progress_model(config, trace_examples(FIXTURE_TRACE))
    assert (output / NEIGHBOUR_DIRECTORY / "remaining.npy").is_file()
    assert json.loads((output / "progress_manifest.json").read_text())["neighbours"] == 4
    assert metrics["mae"] >= 0 and metrics["cost"]["ms_per_state"] > 0
    predictor = load_progress_predictor(output)
    predictions = predictor.predict_remaining_steps(["n : nat\n⊢ n + 0 = n"], [[]])
    assert len(predictions) == 1 and predictions[0] >= 0


def test_cli_flag_sets_the_neighbour_count(tmp_path: Path) -> None:
    """``train-progress --neighbours 8`` reaches BoostedSettings; the default is off (0)."""
    from prover.cli.main import build_parser
    from prover.cli.train import training_config_from_arguments

    common = ["train-progress", "--data", str(FIXTURE_TRACE), "--output", str(tmp_path)]
    parser = build_parser()
    config = training_config_from_arguments(parser.parse_args([*common, "--neighbours", "8"]))
    assert config.boosted.neighbours == 8
    assert training_config_from_arguments(parser.parse_args(common)).boosted.neighbours == 0


def test_features_shared_by_every_row_give_no_neighbour() -> None:
    """A state whose only features are in every training row (IDF 0) is all missing."""
    labels = NeighbourLabels.build([TRAIN[0], TRAIN[1]])
    assert np.isnan(labels.features([TRAIN[0].state], 2)).all()
