"""``prover train-generator``: train a learned tactic generator from traced proofs.

    prover train-generator --kind lm --data TRACE_DIR [RUN_DIR ...] --output MODEL_DIR

``--data`` names the trace directory first (``prover trace`` output), then any prove/eval
run directories whose verified proofs join the training data. Each kind adds its own
flags (``_add_<kind>_flags``) and runs through its own ``_run_<kind>``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

from models.language.training.config import LmTrainingConfig

__all__ = ["lm_config_from_arguments", "register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``train-generator`` subcommand to the ``prover`` parser."""
    parser = commands.add_parser(
        "train-generator",
        help="train a tactic generator (--kind lm: a small language model) from a trace",
    )
    parser.add_argument("--kind", required=True, choices=("lm",), help="generator kind")
    parser.add_argument(
        "--data",
        type=Path,
        nargs="+",
        required=True,
        metavar="DIR",
        help="TRACE_DIR [RUN_DIR ...]: a `prover trace` directory, then run directories",
    )
    parser.add_argument("--output", type=Path, required=True, help="model directory to write")
    _add_lm_flags(parser)
    parser.set_defaults(handler=_run)


def _run(arguments: argparse.Namespace) -> int:
    runners = {"lm": _run_lm}
    return runners[arguments.kind](arguments)


# ------------------------------------------------------------------ --kind lm
_LM_FLAGS: dict[str, tuple[type, str]] = {
    "max_train_s": (float, "stop training after this many seconds (checked every step)"),
    "max_steps": (int, "stop after this many optimizer steps"),
    "epochs": (float, "passes over the training examples"),
    "batch_size": (int, "examples per step"),
    "learning_rate": (float, "peak AdamW learning rate (warmup, then cosine)"),
    "min_learning_rate_ratio": (float, "final learning rate as a fraction of the peak"),
    "weight_decay": (float, "AdamW weight decay"),
    "warmup_steps": (int, "linear warmup steps"),
    "vocab_size": (int, "byte-level BPE vocabulary size"),
    "tokenizer_examples": (int, "training examples the tokenizer learns from"),
    "hidden_size": (int, "model width"),
    "num_layers": (int, "transformer layers"),
    "num_heads": (int, "attention heads (hidden/heads must be a vLLM CPU head size)"),
    "intermediate_size": (int, "MLP width"),
    "max_length": (int, "tokens per training sequence (prompt + tactic)"),
    "max_tactic_tokens": (int, "longer tactics are left out"),
    "max_position_embeddings": (int, "context length the saved model declares"),
    "valid_every_steps": (int, "held-out loss every N steps"),
    "valid_examples": (int, "valid examples of the held-out loss"),
    "log_every_steps": (int, "log the train loss every N steps"),
    "eval_examples": (int, "test examples of the offline top-k accuracy (0 skips it)"),
    "eval_samples": (int, "completions sampled per test state"),
    "eval_temperature": (float, "sampling temperature of the evaluation"),
    "eval_max_tokens": (int, "token limit of an evaluated completion"),
    "seed": (int, "seed of sampling, initialisation and batch order"),
    "threads": (int, "torch CPU threads"),
}


def _add_lm_flags(parser: argparse.ArgumentParser) -> None:
    """The ``--kind lm`` flags, one per LmTrainingConfig field, with its defaults."""
    group = parser.add_argument_group("language model (--kind lm)")
    defaults = {f.name: f.default for f in dataclasses.fields(LmTrainingConfig)}
    for name, (kind, text) in _LM_FLAGS.items():
        default = defaults[name]
        shown = "none" if default is None else default
        group.add_argument(
            "--" + name.replace("_", "-"),
            type=kind,
            default=default,
            help=f"{text} (default: {shown})",
        )


def lm_config_from_arguments(arguments: argparse.Namespace) -> LmTrainingConfig:
    """The LmTrainingConfig of parsed flags (``--data``'s first path is the trace)."""
    data: list[Path] = list(arguments.data)
    values: dict[str, Any] = {name: getattr(arguments, name) for name in _LM_FLAGS}
    return LmTrainingConfig(data=data[0], runs=tuple(data[1:]), output=arguments.output, **values)


def _run_lm(arguments: argparse.Namespace) -> int:
    from models.language.training.pipeline import train_language_model

    config = lm_config_from_arguments(arguments)
    metrics = train_language_model(config)
    summary = {
        key: metrics[key]
        for key in ("train_examples", "parameters", "steps", "stop_reason", "final_valid_loss")
    }
    test = metrics.get("test") or {}
    summary.update({key: test.get(key) for key in ("top1", "top10")})
    print(json.dumps(summary))
    print(f"model: {config.output} (metrics.json, loss_curve.png inside)")
    return 0
