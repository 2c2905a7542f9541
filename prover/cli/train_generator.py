"""``prover train-generator``: train a learned tactic generator from traced proofs.

    prover train-generator --kind knn|lm --data TRACE_DIR [RUN_DIR ...] --output MODEL_DIR

``--data`` takes the trace directory written by ``prover trace``, then any number of
``prove``/``eval`` run directories whose verified proofs are added to the training rows.
MODEL_DIR/kind.json names the kind and MODEL_DIR/metrics.json holds the offline metrics
(:func:`models.evaluation_metrics.top_k_accuracy` on the trace's test files).

Each kind keeps its flags and its runner in its own functions (``_add_<kind>_flags``,
``_run_<kind>``) so that the kinds are developed independently.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from models.retrieval.settings import KnnTrainingConfig
from search.errors import ConfigError

__all__ = ["KINDS", "register"]

KINDS = ("knn", "lm")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``train-generator`` subcommand to the ``prover`` parser."""
    parser = commands.add_parser(
        "train-generator",
        help="train a knn or lm tactic generator; writes MODEL_DIR with metrics.json",
    )
    parser.add_argument("--kind", required=True, choices=KINDS, help="which generator to train")
    parser.add_argument(
        "--data",
        type=Path,
        nargs="+",
        required=True,
        metavar="DIR",
        help="TRACE_DIR (written by `prover trace`), then optional RUN_DIRs of prove/eval runs",
    )
    parser.add_argument("--output", type=Path, required=True, help="model directory to write")
    _add_knn_flags(parser.add_argument_group("knn kind"))
    # lm kind: `_add_lm_flags(parser.add_argument_group("lm kind"))` is added here.
    parser.set_defaults(handler=_run_train_generator)


def _run_train_generator(arguments: argparse.Namespace) -> int:
    trace, *runs = arguments.data
    if arguments.kind == "knn":
        return _run_knn(arguments, trace=trace, runs=tuple(runs))
    # lm kind: `return _run_lm(arguments, trace=trace, runs=tuple(runs))` is added here.
    raise ConfigError(f"--kind {arguments.kind} is not available in this build")


# ---- knn kind ------------------------------------------------------------------------


def _add_knn_flags(group: argparse._ArgumentGroup) -> None:
    """Flags of ``--kind knn`` (defaults from :class:`KnnTrainingConfig`)."""
    defaults = KnnTrainingConfig(data=Path("."), output=Path("."))
    group.add_argument(
        "--neighbours", type=int, default=defaults.neighbours, help="rows retrieved per state"
    )
    group.add_argument(
        "--aggregation",
        choices=("max", "sum", "auto"),
        default=defaults.aggregation,
        help="merge duplicate tactics by their best row (max) or summed similarity (sum); "
        "auto chooses on valid",
    )
    group.add_argument(
        "--max-valid-rows",
        type=int,
        default=defaults.max_valid_rows,
        help="valid rows sampled for calibration (default %(default)s)",
    )
    group.add_argument(
        "--max-test-rows", type=int, help="test rows sampled for the metrics (default: all)"
    )
    group.add_argument("--seed", type=int, default=defaults.seed, help="sampling seed")


def _run_knn(arguments: argparse.Namespace, *, trace: Path, runs: tuple[Path, ...]) -> int:
    from models.retrieval.training import train_knn

    config = KnnTrainingConfig(
        data=trace,
        runs=runs,
        output=arguments.output,
        neighbours=arguments.neighbours,
        aggregation=arguments.aggregation,
        max_valid_rows=arguments.max_valid_rows,
        max_test_rows=arguments.max_test_rows,
        seed=arguments.seed,
    )
    metrics = train_knn(config)
    summary = {key: metrics[key] for key in ("train_rows", "test_rows", "knn", "most_frequent")}
    print(json.dumps(summary))
    print(f"model: {config.output} (metrics.json inside)")
    return 0


# ---- lm kind: `_add_lm_flags` and `_run_lm` go below ---------------------------------
