"""Expert iteration: search, keep the verified proofs, retrain the models, evaluate.

Round r uses the knn generator, the progress model and (with ``--lm-model``) the language
model of round r:

1. **evaluate** on miniF2F-Coq *test* (``--workers`` sharded ``prover prove`` runs); test
   proofs are never training data;
2. **search** (rounds before the last) miniF2F-Coq *valid* and a seeded sample of the
   trace's *valid-split* theorems (``prover prove --file F --theorem T``, F the installed
   stdlib source), skipping theorems proved in an earlier round; the round's verified
   proofs are merged into ``OUTPUT/round-r/search/results.jsonl``;
3. **retrain** the models on the trace plus every round's search run:
   ``prover train-generator --kind knn``, ``prover train-progress`` and, with a language
   model, ``prover train-generator --kind lm --init-from LM_BASE`` (benchmarks/expert_models.py).

With ``--lm-model`` the generator is ``--generator`` joined with ``openai``: the round's
language model served by vLLM on loopback (``--vllm-python``) for the round's searches.

The report (``OUTPUT/report.json`` and a table in ``report.md``; each round also as one JSON
line on stdout) gives per round the test solved count (and, with ``--baseline-run``, the
theorems gained and lost against that run), the data added (new theorems proved, labelled
states) and the models' held-out figures from their ``metrics.json``.
Finished steps are kept, so a rerun resumes. Usage (the figures in docs/progress.md and
docs/generators.md)::

    python -m benchmarks.expert_iteration --trace TRACE_DIR --output runs/expert \
        --knn-model KNN_DIR --progress-model PROGRESS_DIR --rounds 2 \
        --search-flags "--alpha 0.5 --progress-n-max 10" --time-limit 10 --tactic-timeout 2
    python -m benchmarks.expert_iteration ... --lm-model LM_DIR --lm-base LM_STDLIB_DIR \
        --lm-train-flags "--run-weight 300 --max-steps 250 --learning-rate 5e-4"
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.expert_models import (
    RoundModels,
    model_figures,
    search_flags,
    served_language_model,
    train_models,
)
from benchmarks.expert_search import (
    records_under,
    run_benchmark,
    run_trace_theorems,
    trace_key,
    trace_theorems,
)
from prover.attempts.jsonl import JsonlWriter, read_records
from prover.attempts.progress_data import record_examples
from prover.attempts.record import AttemptRecord
from prover.data.benchmarks import load_benchmark
from search.errors import InputError

__all__ = ["main"]


def search_round(
    arguments: argparse.Namespace, directory: Path, flags: list[str], solved: set[str]
) -> dict[str, Any]:
    """Search valid and trace theorems not solved yet; merge the proofs into one run dir."""
    merged = directory / "search" / "results.jsonl"
    valid_names = [e.key for e in load_benchmark("minif2f-coq", split="valid")]
    valid_pending = [name for name in valid_names if name not in solved]
    sample = trace_theorems(
        arguments.trace,
        count=arguments.trace_theorems,
        max_proof_length=arguments.max_proof_length,
        seed=arguments.seed,
    )
    rows = [row for row in sample if trace_key(row) not in solved]
    if not merged.is_file():
        valid = run_benchmark(arguments, "valid", valid_pending, directory / "search-valid", flags)
        traced = run_trace_theorems(arguments, rows, directory / "search-trace", flags)
        with JsonlWriter(merged) as writer:
            for record in valid + traced:
                if record.proved:
                    writer.write(record)
    new = [r for r in read_records(merged) if r.name not in solved]
    solved.update(r.name for r in new)
    return {
        "searched_valid": len(valid_pending),
        "searched_trace": len(rows),
        "proved_valid": sum(":" not in r.name for r in new),
        "proved_trace": sum(":" in r.name for r in new),
        "proofs_added": len(new),
        "tactic_steps_added": sum(len(r.proof or ()) for r in new),
        "labelled_states_added": sum(len(record_examples(r, source="x")) for r in new),
    }


def round_has_work(
    arguments: argparse.Namespace, number: int, directory: Path, test_names: Sequence[str]
) -> bool:
    """Whether the round still has a search to run: a test theorem without a record, or
    (before the last round) no merged search results yet."""
    test = directory / "test"
    done = {record.name for record in records_under(test)} if test.is_dir() else set()
    if any(name not in done for name in test_names):
        return True
    return number < arguments.rounds and not (directory / "search" / "results.jsonl").is_file()


def baseline_proved(baseline: Path | None) -> set[str] | None:
    """The theorems the ``--baseline-run`` directory proved (read once), or None without one."""
    return None if baseline is None else {r.name for r in records_under(baseline) if r.proved}


def against_baseline(test: Sequence[AttemptRecord], before: set[str] | None) -> dict[str, Any]:
    """Test theorems proved here and not in the baseline's proved set, and the reverse."""
    if before is None:
        return {}
    now = {r.name for r in test if r.proved}
    return {"beyond_baseline": sorted(now - before), "lost_from_baseline": sorted(before - now)}


def markdown(rounds: Sequence[dict[str, Any]]) -> str:
    """The per-round table of ``report.md``."""
    columns = (
        "round", "test_proved", "beyond_baseline", "proved_valid", "proved_trace",
        "proofs_added", "labelled_states_added", "knn_test_top1", "progress_mae_ratio",
        "lm_valid_loss", "wall_s",
    )  # fmt: skip
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for entry in rounds:
        cells = [entry.get(column, "") for column in columns]
        cells = [len(c) if isinstance(c, list) else c for c in cells]
        cells = [f"{c:.3f}" if isinstance(c, float) else str(c) for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def earlier_wall_times(report: Path) -> dict[int, float]:
    """Round number -> wall seconds recorded by an earlier run of the same output (resume)."""
    if not report.is_file():
        return {}
    rounds = json.loads(report.read_text()).get("rounds", [])
    return {int(entry["round"]): float(entry.get("wall_s", 0.0)) for entry in rounds}


def round_models(
    arguments: argparse.Namespace, number: int, directory: Path, runs: Sequence[Path]
) -> RoundModels:
    """Round 0 with ``--knn-model`` and ``--progress-model`` uses them; otherwise trains."""
    if number == 0 and arguments.knn_model and arguments.progress_model:
        return RoundModels(
            knn=arguments.knn_model,
            progress=arguments.progress_model,
            language_model=arguments.lm_model,
        )
    return train_models(arguments, directory, runs)


def parser() -> argparse.ArgumentParser:
    """The command line of the loop."""
    command_line = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    command_line.add_argument("--trace", type=Path, required=True)
    command_line.add_argument("--output", type=Path, required=True)
    command_line.add_argument("--rounds", type=int, default=2, help="search+retrain rounds")
    command_line.add_argument("--knn-model", type=Path, help="round-0 knn (default: trained)")
    command_line.add_argument("--progress-model", type=Path, help="round-0 progress model")
    command_line.add_argument("--generator", default="portfolio+knn")
    command_line.add_argument(
        "--search-flags", default="", help="more prove flags (alpha, sampling)"
    )
    command_line.add_argument(
        "--progress-train-flags", default="", help="more train-progress flags"
    )
    command_line.add_argument("--trace-theorems", type=int, default=60, help="sampled per run")
    command_line.add_argument(
        "--max-proof-length",
        type=int,
        default=5,
        help="sample trace theorems whose human proof has at most N tactics",
    )
    command_line.add_argument("--time-limit", type=float, default=10.0)
    command_line.add_argument("--tactic-timeout", type=float, default=2.0)
    command_line.add_argument("--workers", type=int, default=2)
    command_line.add_argument("--seed", type=int, default=0)
    command_line.add_argument(
        "--baseline-run",
        type=Path,
        help="a test run (e.g. the portfolio's) to list the theorems each round adds or loses",
    )
    language = command_line.add_argument_group("language model (optional)")
    language.add_argument("--lm-model", type=Path, help="round-0 language model (lm directory)")
    language.add_argument(
        "--lm-base", type=Path, help="the model each round fine-tunes from (default: --lm-model)"
    )
    language.add_argument(
        "--lm-train-flags", default="", help="more train-generator --kind lm flags (the recipe)"
    )
    language.add_argument("--lm-samples", type=int, default=16, help="completions per state")
    language.add_argument("--vllm-python", default=".venv-vllm/bin/python")
    return command_line


def check_language_model_flags(arguments: argparse.Namespace) -> str | None:
    """What is wrong with the language-model flags, in one line (None when nothing is).

    Checked before anything starts: a later round fine-tunes ``--lm-base`` (or
    ``--lm-model``) with ``--init-from``, which takes only an lm directory.
    """
    from models.language.training.model import check_model_directory

    if arguments.lm_model is None:
        extra = [flag for flag in ("lm_base", "lm_train_flags") if getattr(arguments, flag)]
        return f"--{extra[0].replace('_', '-')} needs --lm-model" if extra else None
    if arguments.rounds < 1:
        return None
    try:
        check_model_directory(Path(arguments.lm_base or arguments.lm_model))
    except InputError as error:
        return str(error)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the rounds and write the report."""
    command_line = parser()
    arguments = command_line.parse_args(argv)
    problem = check_language_model_flags(arguments)
    if problem is not None:
        command_line.error(problem)
    test_names = [e.key for e in load_benchmark("minif2f-coq", split="test")]
    runs: list[Path] = []
    solved: set[str] = set()
    rounds: list[dict[str, Any]] = []
    earlier = earlier_wall_times(arguments.output / "report.json")
    baseline = baseline_proved(arguments.baseline_run)
    for number in range(arguments.rounds + 1):
        directory = arguments.output / f"round-{number}"
        started = time.monotonic()
        models = round_models(arguments, number, directory, runs)
        entry: dict[str, Any] = {
            "round": number,
            "knn_model": str(models.knn),
            "progress_model": str(models.progress),
            "lm_model": None if models.language_model is None else str(models.language_model),
            "training_runs": [str(run) for run in runs],
        }
        # A resumed round whose searches are all cached starts no vLLM server.
        searched = models
        if not round_has_work(arguments, number, directory, test_names):
            searched = dataclasses.replace(models, language_model=None)
        with served_language_model(arguments, searched, directory / "vllm.log") as api_base:
            flags = search_flags(arguments, searched, api_base)
            test = run_benchmark(arguments, "test", test_names, directory / "test", flags)
            entry.update(
                test_theorems=len(test),
                test_proved=sum(r.proved for r in test),
                test_errors=sum(r.status == "error" for r in test),
                **against_baseline(test, baseline),
                **model_figures(models),
            )
            if number < arguments.rounds:
                entry.update(search_round(arguments, directory, flags, solved))
                runs.append(directory / "search")
        # A resumed round adds to the time its earlier runs spent.
        entry["wall_s"] = round(earlier.get(number, 0.0) + time.monotonic() - started, 1)
        rounds.append(entry)
        report = {"command": " ".join(map(shlex.quote, sys.argv)), "rounds": rounds}
        (arguments.output / "report.json").write_text(json.dumps(report, indent=2) + "\n")
        (arguments.output / "report.md").write_text(markdown(rounds))
        print(json.dumps(entry), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
