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
import dataclasses
import json
from pathlib import Path

from models.language.training.config import LmTrainingConfig
from models.retrieval.settings import KnnTrainingConfig
from models.trace_data import held_out_theorems
from prover.attempts.training_data import verified_proof_steps
from prover.cli.flag_errors import config_from_flags, same_names
from prover.cli.flags import add_training_data_flags
from search.errors import ConfigError

__all__ = ["KINDS", "lm_config_from_arguments", "register"]

KINDS = ("knn", "lm")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``train-generator`` subcommand to the ``prover`` parser."""
    parser = commands.add_parser(
        "train-generator",
        help="train a knn or lm tactic generator; writes MODEL_DIR with metrics.json",
    )
    parser.add_argument("--kind", required=True, choices=KINDS, help="which generator to train")
    add_training_data_flags(parser)
    _add_knn_flags(parser.add_argument_group("knn kind"))
    _add_lm_flags(parser.add_argument_group("lm kind"))
    parser.set_defaults(handler=_run_train_generator)


def _run_train_generator(arguments: argparse.Namespace) -> int:
    trace, *runs = arguments.data
    if arguments.kind == "knn":
        return _run_knn(arguments, trace=trace, runs=tuple(runs))
    if arguments.kind == "lm":
        return _run_lm(arguments, trace=trace, runs=tuple(runs))
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

    fields = same_names(
        "output", "neighbours", "aggregation", "max_valid_rows", "max_test_rows", "seed"
    )
    config = config_from_flags(
        KnnTrainingConfig,
        arguments,
        {"data": "data", "runs": "data", **fields},
        data=trace,
        runs=runs,
    )
    metrics = train_knn(config, verified_proof_steps(runs, held_out=held_out_theorems(trace, runs)))
    summary = {key: metrics[key] for key in ("train_rows", "test_rows", "knn", "most_frequent")}
    print(json.dumps(summary))
    print(f"model: {config.output} (metrics.json inside)")
    return 0


# ---- lm kind ------------------------------------------------------------------------
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
    "threads": (int, "torch CPU threads"),
    "init_from": (
        Path,
        "lm MODEL_DIR or pretrained HF Llama directory to train further (its tokenizer and"
        " sizes are kept)",
    ),
    "run_weight": (int, "times each verified-proof example of the RUN_DIRs is repeated"),
}
#: Flags another kind may define too (same meaning, same default 0).
_SHARED_FLAGS: dict[str, tuple[type, str]] = {
    "seed": (int, "seed of sampling, initialisation and batch order"),
}


def _add_lm_flags(group: argparse._ArgumentGroup) -> None:
    """Flags of ``--kind lm``, one per LmTrainingConfig field, with its defaults."""
    defaults = {f.name: f.default for f in dataclasses.fields(LmTrainingConfig)}
    for name, (kind, text) in {**_LM_FLAGS, **_SHARED_FLAGS}.items():
        default = defaults[name]
        shown = "none" if default is None else default
        try:
            group.add_argument(
                "--" + name.replace("_", "-"),
                type=kind,
                default=default,
                help=f"{text} (default: {shown})",
            )
        except argparse.ArgumentError:
            if name not in _SHARED_FLAGS:
                raise  # only a shared flag may already be defined by another kind


def lm_config_from_arguments(
    arguments: argparse.Namespace, *, trace: Path, runs: tuple[Path, ...]
) -> LmTrainingConfig:
    """The LmTrainingConfig of parsed flags."""
    fields = same_names("output", *_LM_FLAGS, *_SHARED_FLAGS)
    return config_from_flags(
        LmTrainingConfig,
        arguments,
        {"data": "data", "runs": "data", **fields},
        data=trace,
        runs=runs,
    )


def _run_lm(arguments: argparse.Namespace, *, trace: Path, runs: tuple[Path, ...]) -> int:
    from models.language.training.pipeline import train_language_model

    config = lm_config_from_arguments(arguments, trace=trace, runs=runs)
    metrics = train_language_model(
        config, verified_proof_steps(runs, held_out=held_out_theorems(trace, runs))
    )
    summary = {
        key: metrics[key]
        for key in ("train_examples", "parameters", "steps", "stop_reason", "final_valid_loss")
    }
    test = metrics.get("test") or {}
    summary.update({key: test.get(key) for key in ("top1", "top10")})
    print(json.dumps(summary))
    print(f"model: {config.output} (metrics.json, loss_curve.png inside)")
    return 0
