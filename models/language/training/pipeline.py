"""``train_language_model``: inputs checked, tokenizer, model, training, directory, metrics.

Every input is checked before anything is trained (a trace directory without its manifest,
a run directory without results, an output path that is a file, an empty training set,
an ``init_from`` directory that is neither an lm model nor a pretrained Llama directory:
one :class:`~search.errors.InputError` naming the path). With ``init_from`` the saved or
pretrained model and its tokenizer are trained further (fine-tuning, e.g. on the prover's
own proofs with ``run_weight``) instead of new ones.
The model directory receives the HF files, ``kind.json``, ``loss_curve.png``,
``loss_curve.json`` and ``metrics.json`` (sizes, training run, offline top-k accuracy on
the trace's held-out test files and the most-frequent-tactics baseline).
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from models.language.training.batches import render_prompt
from models.language.training.config import LmTrainingConfig
from models.language.training.evaluation import (
    evaluate_model,
    most_frequent_baseline,
    sample_examples,
)
from models.language.training.examples import TacticDataset, load_dataset
from models.language.training.figures import plot_loss_curve
from models.language.training.loop import train_model
from models.language.training.model import (
    build_model,
    check_model_directory,
    count_parameters,
    load_model_directory,
    save_model_directory,
)
from models.language.training.tokenizer import train_tokenizer
from models.trace_data import TraceStep
from search.errors import InputError

__all__ = ["check_inputs", "train_language_model"]

logger = logging.getLogger(__name__)


def check_inputs(config: LmTrainingConfig, run_steps: Sequence[TraceStep] = ()) -> TacticDataset:
    """The dataset, once the training split is not empty (the config checked the output)."""
    if config.init_from is not None:
        check_model_directory(config.init_from)
    dataset = load_dataset(config.data, run_steps, run_weight=config.run_weight)
    if not dataset.train:
        raise InputError(
            f"{config.data}: no training example (the trace's train split is empty"
            f"{' and the runs hold no verified proof' if config.runs else ''})"
        )
    return dataset


def train_language_model(
    config: LmTrainingConfig, run_steps: Sequence[TraceStep] = ()
) -> dict[str, Any]:
    """Train the model described by ``config``, write its directory, return the metrics.

    ``run_steps`` are the verified proofs of ``config.runs``, read on the prover side.
    """
    dataset = check_inputs(config, run_steps)
    # Idle OpenMP threads sleep instead of spinning: on a shared CPU, spinning threads
    # waiting for a descheduled peer burnt ~3/4 of the CPU time of a step (measured: 9 vs
    # 36 examples per CPU-second with 2 threads). Read once, when torch loads OpenMP.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch

    started = time.monotonic()
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    if config.init_from is not None:
        model, tokenizer = load_model_directory(config.init_from)
    else:
        tokenizer = train_tokenizer(
            _tokenizer_texts(dataset, config),
            vocab_size=config.vocab_size,
            model_max_length=config.max_position_embeddings,
        )
        model = build_model(config, tokenizer)
    tokenizer_s = time.monotonic() - started
    parameters = count_parameters(model)
    logger.info("model: %d parameters, vocabulary %d", parameters, len(tokenizer))
    run = train_model(model, tokenizer, dataset.train, dataset.valid, config)
    manifest = {"parameters": parameters, "vocabulary": len(tokenizer)}
    save_model_directory(model, tokenizer, config.output, manifest=manifest)
    (config.output / "loss_curve.json").write_text(json.dumps(run.curve.to_dict()) + "\n")
    plot_loss_curve(
        run.curve,
        config.output / "loss_curve.png",
        title=f"{parameters / 1e6:.1f}M-parameter tactic LM, {run.steps} steps",
    )
    test = sample_examples(dataset.test, config.eval_examples, seed=config.seed)
    metrics: dict[str, Any] = {
        "kind": "lm",
        **dataset.counts(),
        "parameters": parameters,
        "vocabulary": len(tokenizer),
        "init_from": None if config.init_from is None else str(config.init_from),
        "tokenizer_s": round(tokenizer_s, 2),
        "steps": run.steps,
        "epochs": round(run.epochs, 4),
        "stop_reason": run.stop_reason,
        "train_time_s": round(run.train_time_s, 2),
        "target_tokens": run.target_tokens,
        "dropped_examples": run.dropped_examples,
        "final_train_loss": run.curve.train[-1][2] if run.curve.train else None,
        "final_valid_loss": run.curve.valid[-1][2] if run.curve.valid else None,
        "test": evaluate_model(
            config.output,
            test,
            samples=config.eval_samples,
            temperature=config.eval_temperature,
            max_tokens=config.eval_max_tokens,
            seed=config.seed,
        )
        if test
        else None,
        "baseline_most_frequent": most_frequent_baseline(dataset.train, test) if test else None,
        "total_time_s": round(time.monotonic() - started, 2),
        "config": {key: str(value) for key, value in asdict(config).items()},
    }
    (config.output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def _tokenizer_texts(dataset: TacticDataset, config: LmTrainingConfig) -> list[str]:
    """Prompts and tactics of a seeded sample of the training examples."""
    chosen = list(dataset.train)
    if len(chosen) > config.tokenizer_examples:
        chosen = random.Random(config.seed).sample(chosen, config.tokenizer_examples)
    return [text for e in chosen for text in (render_prompt(e.state), e.tactic)]
