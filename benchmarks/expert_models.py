"""Expert iteration's models: train a round's knn, progress model and language model, and
turn them into ``prover prove`` flags.

A round retrains every model on the trace plus every earlier round's verified proofs. The
language model (with ``--lm-model``) is fine-tuned each round from the same base
(``--lm-base``, by default the round-0 model) with the same fixed recipe
(``--lm-train-flags``), so that rounds differ only in the proofs they learn from; it is
served on loopback by vLLM while the round searches.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import shlex
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from benchmarks.expert_search import python_prover, run_logged

__all__ = ["RoundModels", "model_figures", "search_flags", "served_language_model", "train_models"]

SERVED_NAME = "lm"


@dataclasses.dataclass(frozen=True, kw_only=True)
class RoundModels:
    """The model directories one round searches with (``language_model`` None without one)."""

    knn: Path
    progress: Path
    language_model: Path | None = None


def _train(command: list[str], log: Path, what: str) -> None:
    if run_logged(command, log) != 0:
        raise SystemExit(f"{what} training failed; see {log}")


def train_models(
    arguments: argparse.Namespace, directory: Path, runs: Sequence[Path]
) -> RoundModels:
    """The round's models, trained on the trace plus ``runs`` (cached in ``directory``).

    Without runs (round 0) the language model is ``--lm-model`` itself: fine-tuning it on
    the trace alone would only repeat what its base learned.
    """
    knn, progress = directory / "knn", directory / "progress"
    data = [str(arguments.trace), *map(str, runs)]
    if not (knn / "kind.json").is_file():
        command = python_prover(
            "train-generator", "--kind", "knn", "--data", *data, "--output", str(knn)
        )
        _train(command, directory / "train-knn.log", "knn")
    if not (progress / "metrics.json").is_file():
        flags = shlex.split(arguments.progress_train_flags)
        command = python_prover(
            "train-progress", "--data", *data, "--output", str(progress), *flags
        )
        _train(command, directory / "train-progress.log", "progress")
    return RoundModels(
        knn=knn, progress=progress, language_model=train_language_model(arguments, directory, runs)
    )


def train_language_model(
    arguments: argparse.Namespace, directory: Path, runs: Sequence[Path]
) -> Path | None:
    """``--lm-base`` fine-tuned on the trace plus ``runs`` by ``--lm-train-flags`` (cached)."""
    if arguments.lm_model is None:
        return None
    if not runs:
        return Path(arguments.lm_model)
    output = directory / "lm"
    if not (output / "kind.json").is_file():
        base = arguments.lm_base or arguments.lm_model
        command = python_prover(
            "train-generator", "--kind", "lm", "--data", str(arguments.trace), *map(str, runs),
            "--init-from", str(base), "--output", str(output),
            *shlex.split(arguments.lm_train_flags),
        )  # fmt: skip
        _train(command, directory / "train-lm.log", "language model")
    return output


def search_flags(
    arguments: argparse.Namespace, models: RoundModels, api_base: str | None
) -> list[str]:
    """The ``prover prove`` flags of a round: its generator, models and budgets.

    With a language model the generator is ``--generator`` joined with ``openai`` (the
    served model), and the knn model moves to ``--knn-model``.
    """
    if models.language_model is None:
        generator = ["--generator", arguments.generator, "--model", str(models.knn)]
    else:
        if api_base is None:
            raise ValueError("search_flags: a language model needs the API base it is served at")
        generator = [
            "--generator", f"{arguments.generator}+openai", "--knn-model", str(models.knn),
            "--api-base", api_base, "--model", SERVED_NAME,
            "--num-samples", str(arguments.lm_samples), "--no-request-seed",
        ]  # fmt: skip
    return [
        "--backend", "coq", *generator, "--progress-model", str(models.progress),
        "--time-limit", str(arguments.time_limit),
        "--tactic-timeout", str(arguments.tactic_timeout),
        "--no-progress", "--force", *shlex.split(arguments.search_flags),
    ]  # fmt: skip


@contextlib.contextmanager
def served_language_model(
    arguments: argparse.Namespace, models: RoundModels, log: Path
) -> Iterator[str | None]:
    """Serve the round's language model on loopback; yields its API base (None without one)."""
    from models.language.vllm_server import served_if_given

    with served_if_given(
        python=arguments.vllm_python,
        model_dir=models.language_model,
        log_path=log,
        served_name=SERVED_NAME,
    ) as server:
        yield None if server is None else server.api_base


def model_figures(models: RoundModels) -> dict[str, Any]:
    """The held-out figures the models' ``metrics.json`` hold (None where absent)."""

    def metrics(directory: Path | None) -> dict[str, Any]:
        path = directory / "metrics.json" if directory is not None else None
        return dict(json.loads(path.read_text())) if path is not None and path.is_file() else {}

    knn, progress = metrics(models.knn), metrics(models.progress)
    language = metrics(models.language_model)
    return {
        "knn_test_top1": (knn.get("knn") or {}).get("top1"),
        "knn_test_top10": (knn.get("knn") or {}).get("top10"),
        "knn_run_rows": knn.get("run_rows"),
        "progress_mae_ratio": progress.get("mae_ratio_to_best_constant"),
        "progress_train_examples_from_runs": progress.get("train_examples_from_runs"),
        "lm_valid_loss": language.get("final_valid_loss"),
        "lm_run_examples": language.get("run_train_examples"),
    }
