"""A sweep of the boosted progress model's settings, chosen on the trace's valid files.

Each ``--config NAME=FLAGS`` is one ``prover train-progress`` run (the CLI the users run,
in a fresh process) into ``OUTPUT/NAME``; a configuration whose ``metrics.json`` already
exists is read, not retrained, so an interrupted sweep resumes. The report ranks the
configurations by **valid** MAE (valid also drives early stopping, so it is not a clean
held-out figure) and shows the test files' MAE and its ratio to the better constant beside
it; test never chooses. Usage (the figures in docs/progress.md)::

    python -m benchmarks.progress_sweep --data TRACE_DIR --output runs/progress-sweep \
        --config "default=" --config "leaves127=--num-leaves 127 --min-data-in-leaf 50" \
        --common "--threads 1"

With ``--folds N`` each configuration is trained N times, once per cross-validation fold
by file (``train-progress --test-fold K/N`` into ``OUTPUT/NAME/fold-K``), so that every
trace file is held out once: the report gives the test ratio of each fold, their mean,
min and max, and the pooled ratio (the model's absolute error summed over every fold's
test states, over the better constant's, each fold's constants being its own training
labels'). The trace's own 5 % test split is a few dozen files; the folds show how far a
ratio read on it moves with the files drawn.

Those folds hold every file out, the trace's test files included, so they measure and must
not choose. ``--folds N --selection`` is the cross-validation that may choose: each fold is
``train-progress --selection-fold K/N``, the trace's test files are left out of every run,
fold K of the train and valid files is held out, and the report ranks the configurations
by their **pooled held-out ratio** (``chosen_on``), not by valid. Train the chosen one on
the trace's own split afterwards for its test figure.

Writes ``OUTPUT/report.json`` and ``OUTPUT/report.md``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main", "parse_config", "summarize", "summarize_folds"]


def parse_config(text: str) -> tuple[str, list[str]]:
    """``NAME=FLAGS`` as (name, flag list); exits with one line on a malformed one."""
    name, separator, flags = text.partition("=")
    if not separator or not name or not name.replace("-", "").replace("_", "").isalnum():
        raise SystemExit(f"--config {text!r}: expected NAME=FLAGS with a plain NAME")
    return name, shlex.split(flags)


def summarize(name: str, metrics: dict[str, Any]) -> dict[str, Any]:
    """The row of one configuration: valid and test MAE, ratios, trees, time, cost."""
    splits = metrics.get("splits", {})
    row: dict[str, Any] = {"config": name, "trees": metrics.get("manifest", {}).get("trees")}
    for split in ("valid", "test"):
        figures = splits.get(split) or {}
        row[f"{split}_mae"] = figures.get("mae")
        row[f"{split}_ratio"] = figures.get("mae_ratio_to_best_constant")
    row["train_time_s"] = metrics.get("train_time_s")
    row["ms_per_state"] = metrics.get("cost", {}).get("ms_per_state")
    return row


def summarize_folds(name: str, folds: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The row of one configuration over its folds' metrics (fold K at index K)."""
    rows = [summarize(name, metrics) for metrics in folds]
    ratios = [row["test_ratio"] for row in rows if row["test_ratio"] is not None]
    tests = [metrics.get("splits", {}).get("test") or {} for metrics in folds]
    model_error = constant_error = 0.0
    for test in tests:
        if test.get("mae_ratio_to_best_constant"):
            model_error += test["mae"] * test["examples"]
            constant_error += test["mae"] / test["mae_ratio_to_best_constant"] * test["examples"]
    valid = [row["valid_mae"] for row in rows if row["valid_mae"] is not None]
    return {
        "config": name,
        "folds": len(folds),
        "trees": [row["trees"] for row in rows],
        "valid_mae": sum(valid) / len(valid) if valid else None,
        "test_ratios": ratios,
        "test_ratio_mean": sum(ratios) / len(ratios) if ratios else None,
        "test_ratio_min": min(ratios, default=None),
        "test_ratio_max": max(ratios, default=None),
        "test_ratio_pooled": model_error / constant_error if constant_error else None,
        "test_examples": [test.get("examples", 0) for test in tests],
        "train_time_s": sum(row["train_time_s"] or 0.0 for row in rows),
        "ms_per_state": max((row["ms_per_state"] or 0.0 for row in rows), default=None),
    }


def _train(data: Sequence[str], output: Path, flags: Sequence[str], log: Path) -> None:
    """One ``prover train-progress`` run; raises SystemExit naming the log on failure."""
    command = [
        sys.executable, "-m", "prover.cli.main", "train-progress",
        "--data", *data, "--output", str(output), *flags,
    ]  # fmt: skip
    with log.open("w") as stream:
        completed = subprocess.run(command, stdout=stream, stderr=subprocess.STDOUT, check=False)
    if completed.returncode != 0:
        raise SystemExit(
            f"train-progress failed for {output.name} (exit {completed.returncode}); see {log}"
        )


def _figure(value: Any, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def render_folds(rows: Sequence[dict[str, Any]]) -> str:
    """The Markdown table of a cross-validated sweep, best mean valid MAE first."""
    lines = [
        "| config | folds | mean valid MAE | test ratio per fold | mean | min–max | pooled "
        "| train s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        per_fold = ", ".join(_figure(ratio, 3) for ratio in row["test_ratios"])
        lines.append(
            f"| {row['config']} | {row['folds']} | {_figure(row['valid_mae'], 3)} | {per_fold} "
            f"| {_figure(row['test_ratio_mean'], 3)} | {_figure(row['test_ratio_min'], 3)}–"
            f"{_figure(row['test_ratio_max'], 3)} | {_figure(row['test_ratio_pooled'], 3)} "
            f"| {_figure(row['train_time_s'], 0)} |"
        )
    return "\n".join(lines) + "\n"


def render(rows: Sequence[dict[str, Any]]) -> str:
    """A Markdown table, best valid MAE first."""
    lines = [
        "| config | trees | valid MAE | valid ratio | test MAE | test ratio | train s | ms/state |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['config']} | {row['trees']} | {_figure(row['valid_mae'], 3)} "
            f"| {_figure(row['valid_ratio'], 3)} | {_figure(row['test_mae'], 3)} "
            f"| {_figure(row['test_ratio'], 3)} | {_figure(row['train_time_s'], 0)} "
            f"| {_figure(row['ms_per_state'], 2)} |"
        )
    return "\n".join(lines) + "\n"


def _rank(row: dict[str, Any], *, by_pooled_ratio: bool) -> float:
    """A configuration's sort key: valid MAE, or (``--selection``) its pooled held-out ratio."""
    value = row.get("test_ratio_pooled") if by_pooled_ratio else row["valid_mae"]
    return float("inf") if value is None else float(value)


def main(argv: Sequence[str] | None = None) -> int:
    """Train (or read) every configuration, then write the ranked report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="+", required=True, help="TRACE_DIR [RUN_DIR ...]")
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--config", action="append", required=True, help="NAME=FLAGS")
    parser.add_argument("--common", default="", help="flags given to every configuration")
    parser.add_argument(
        "--folds",
        type=int,
        help="train each configuration once per cross-validation fold by file (N >= 2)",
    )
    parser.add_argument(
        "--selection",
        action="store_true",
        help="with --folds: leave the trace's test files out and rank by the pooled ratio",
    )
    arguments = parser.parse_args(argv)
    if arguments.folds is not None and arguments.folds < 2:
        raise SystemExit(f"--folds must be at least 2, got {arguments.folds}")
    if arguments.selection and not arguments.folds:
        raise SystemExit("--selection needs --folds N")
    configs = [parse_config(text) for text in arguments.config]
    if len({name for name, _ in configs}) != len(configs):
        raise SystemExit("--config names must be distinct")
    common = shlex.split(arguments.common)
    arguments.output.mkdir(parents=True, exist_ok=True)
    fold_flag = "--selection-fold" if arguments.selection else "--test-fold"
    rows = []
    for name, flags in configs:
        runs: list[tuple[Path, list[str]]] = [(arguments.output / name, [])]
        if arguments.folds:
            runs = [
                (arguments.output / name / f"fold-{k}", [fold_flag, f"{k}/{arguments.folds}"])
                for k in range(arguments.folds)
            ]
        folds = []
        for model, fold_flags in runs:
            if not (model / "metrics.json").is_file():
                log = model.with_name(f"{model.name}.log")
                model.parent.mkdir(parents=True, exist_ok=True)
                _train(arguments.data, model, [*common, *flags, *fold_flags], log)
            metrics = json.loads((model / "metrics.json").read_text())
            if bool(metrics.get("test_files_left_out")) != arguments.selection:
                raise SystemExit(
                    f"{model}: trained with the other kind of fold; use another --output"
                )
            folds.append(metrics)
        row = summarize_folds(name, folds) if arguments.folds else summarize(name, folds[0])
        rows.append({**row, "flags": " ".join([*common, *flags])})
        print(json.dumps(rows[-1]), flush=True)
    chosen_on = "pooled held-out ratio, test files left out" if arguments.selection else "valid"
    rows.sort(key=lambda row: _rank(row, by_pooled_ratio=arguments.selection))
    report = {
        "data": arguments.data,
        "chosen_on": chosen_on,
        "folds": arguments.folds,
        "configs": rows,
    }
    table = render_folds(rows) if arguments.folds else render(rows)
    (arguments.output / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (arguments.output / "report.md").write_text(table)
    print(table, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
