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

__all__ = ["main", "parse_config", "summarize"]


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


def render(rows: Sequence[dict[str, Any]]) -> str:
    """A Markdown table, best valid MAE first."""

    def figure(value: Any, digits: int) -> str:
        return "–" if value is None else f"{value:.{digits}f}"

    lines = [
        "| config | trees | valid MAE | valid ratio | test MAE | test ratio | train s | ms/state |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['config']} | {row['trees']} | {figure(row['valid_mae'], 3)} "
            f"| {figure(row['valid_ratio'], 3)} | {figure(row['test_mae'], 3)} "
            f"| {figure(row['test_ratio'], 3)} | {figure(row['train_time_s'], 0)} "
            f"| {figure(row['ms_per_state'], 2)} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Train (or read) every configuration, then write the ranked report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="+", required=True, help="TRACE_DIR [RUN_DIR ...]")
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--config", action="append", required=True, help="NAME=FLAGS")
    parser.add_argument("--common", default="", help="flags given to every configuration")
    arguments = parser.parse_args(argv)
    configs = [parse_config(text) for text in arguments.config]
    if len({name for name, _ in configs}) != len(configs):
        raise SystemExit("--config names must be distinct")
    common = shlex.split(arguments.common)
    arguments.output.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, flags in configs:
        model = arguments.output / name
        if not (model / "metrics.json").is_file():
            _train(arguments.data, model, [*common, *flags], arguments.output / f"{name}.log")
        metrics = json.loads((model / "metrics.json").read_text())
        rows.append({**summarize(name, metrics), "flags": " ".join([*common, *flags])})
        print(json.dumps(rows[-1]), flush=True)
    rows.sort(key=lambda row: float("inf") if row["valid_mae"] is None else row["valid_mae"])
    report = {"data": arguments.data, "chosen_on": "valid", "configs": rows}
    (arguments.output / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (arguments.output / "report.md").write_text(render(rows))
    print(render(rows), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
