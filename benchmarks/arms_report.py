"""The per-arm comparison of a search-arm benchmark: figures against the first arm, and a table.

``benchmarks.progress_search`` writes it as ``report.json`` and ``report.md``, and
``benchmarks.learned_generators`` puts it in its summary; the expansion ratios are taken on
the theorems every arm proved, so that an arm is not charged for the harder theorems only it
proves. On arms already run (each a folder of ``results.jsonl`` files, shards included)::

    python -m benchmarks.arms_report RUN/ARM_A RUN/ARM_B [--output report.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.cached_results import result_files
from prover.attempts.jsonl import read_records
from prover.attempts.record import AttemptRecord

__all__ = ["main", "render_markdown", "summarize_arms"]


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def summarize_arms(records: dict[str, dict[str, AttemptRecord]]) -> dict[str, Any]:
    """Per-arm figures, with ratios and gains against the first arm."""
    arms = list(records)
    reference = arms[0]
    proved = {arm: {n for n, r in records[arm].items() if r.proved} for arm in arms}
    common = set.intersection(*proved.values()) if arms else set()
    deep = {n for n in common if records[reference][n].expansions > 1}
    summary: dict[str, Any] = {"reference": reference, "commonly_proved": len(common),
                               "commonly_proved_beyond_root": len(deep), "arms": {}}  # fmt: skip
    for arm in arms:
        mine = records[arm]
        done = [r for r in mine.values() if r.proved]
        total_time = sum(r.time_s for r in mine.values())
        on_common = _mean([mine[n].expansions for n in common])
        on_deep = _mean([mine[n].expansions for n in deep])
        reference_common = _mean([records[reference][n].expansions for n in common])
        reference_deep = _mean([records[reference][n].expansions for n in deep])
        summary["arms"][arm] = {
            "theorems": len(mine),
            "proved": len(done),
            "errors": sum(r.status == "error" for r in mine.values()),
            "proved_beyond_root": sum(r.expansions > 1 for r in done),
            "mean_expansions_per_proof": _mean([r.expansions for r in done]),
            "mean_expansions_common": on_common,
            "expansion_ratio_common": on_common / reference_common
            if on_common is not None and reference_common
            else None,
            "mean_expansions_common_beyond_root": on_deep,
            "expansion_ratio_common_beyond_root": on_deep / reference_deep
            if on_deep is not None and reference_deep
            else None,
            "stop_reasons": dict(Counter(str(r.stop_reason) for r in mine.values())),
            "gained": sorted(proved[arm] - proved[reference]),
            "lost": sorted(proved[reference] - proved[arm]),
            "median_time_to_proof_s": statistics.median(r.time_s for r in done) if done else None,
            "scorer_share": sum(r.scorer_time_s for r in mine.values()) / total_time
            if total_time
            else 0.0,
            "generator_share": sum(r.generator_time_s for r in mine.values()) / total_time
            if total_time
            else 0.0,
        }
    return summary


def render_markdown(report: dict[str, Any]) -> str:
    """The comparison table in Markdown."""
    summary = report["summary"]
    lines = [
        f"{report.get('benchmark', 'minif2f-coq')} split {report['split']}, "
        f"{report['theorems']} theorems, "
        f"load average {report['load']['mean']} (min {report['load']['min']}, "
        f"max {report['load']['max']}); commonly proved {summary['commonly_proved']} "
        f"({summary['commonly_proved_beyond_root']} beyond the root expansion)",
        "",
        "| arm | proved | errors | mean exp./proof | mean exp., common (ratio) "
        "| common beyond root (ratio) | gained / lost | median time to proof | scorer share |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def number(value: Any, digits: int = 2) -> str:
        return "–" if value is None else f"{value:.{digits}f}"

    for arm, row in summary["arms"].items():
        lines.append(
            f"| {arm} | {row['proved']} | {row['errors']} "
            f"| {number(row['mean_expansions_per_proof'])} "
            f"| {number(row['mean_expansions_common'])} ({number(row['expansion_ratio_common'])}) "
            f"| {number(row['mean_expansions_common_beyond_root'])} "
            f"({number(row['expansion_ratio_common_beyond_root'])}) "
            f"| +{len(row['gained'])} / −{len(row['lost'])} "
            f"| {number(row['median_time_to_proof_s'])} s | {100 * row['scorer_share']:.1f} % |"
        )
    return "\n".join(lines) + "\n"


def arm_records(folder: Path) -> dict[str, AttemptRecord]:
    """The records of one arm's folder (every ``results.jsonl`` below it), by theorem name."""
    files = result_files(folder)
    if not files:
        raise SystemExit(f"{folder}: no results.jsonl below it")
    return {record.name: record for path in files for record in read_records(path)}


def main(argv: Sequence[str] | None = None) -> int:
    """Print (``--output``: also write) the comparison of stored arms against the first."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("arms", type=Path, nargs="+", help="arm folders, the reference first")
    parser.add_argument("--output", type=Path)
    arguments = parser.parse_args(argv)
    summary = summarize_arms({str(folder): arm_records(folder) for folder in arguments.arms})
    text = json.dumps(summary, indent=2) + "\n"
    if arguments.output is not None:
        arguments.output.write_text(text, encoding="utf-8")
    print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
