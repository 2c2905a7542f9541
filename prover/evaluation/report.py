"""``prover report DIR [DIR2]``: an HTML report of one eval run, or two runs side by side.

The report is a single self-contained file (figures are inline PNGs): the pass@k curve,
solved theorems by source (amc, aime, imo, mathd, ...), histograms of time and
expansions, a per-theorem table with the proofs, and pictures of a few search graphs.
"""

from __future__ import annotations

import html
import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from prover.attempts.database import DATABASE_NAME, ResultsDatabase
from prover.attempts.record import AttemptRecord
from prover.attempts.run_directory import linked_run_files_refusal, replace_file
from search.errors import InputError

__all__ = ["RunData", "load_run", "render_report", "write_report"]

logger = logging.getLogger(__name__)

#: How many search graphs the report draws.
GRAPH_PICTURES = 3


@dataclass(frozen=True, kw_only=True)
class RunData:
    """What the report needs from one run directory."""

    run_dir: Path
    label: str
    attempts: int
    theorem_names: list[str]
    records: list[AttemptRecord]
    summary: dict[str, Any]
    graphs: list[tuple[str, int, str]]
    verified_here: bool = False
    """The records are those the calling ``prover eval`` verified or produced itself."""


def load_run(
    run_dir: Path,
    *,
    records: Sequence[AttemptRecord] | None = None,
    attempts: int | None = None,
) -> RunData:
    """Read a run directory's database and summary (raises InputError naming DIR if absent,
    or holding a link where a run file belongs: :func:`linked_run_files_refusal`).

    ``records`` and ``attempts``, when given, stand for the database's rows and its stored
    configuration: ``prover eval`` passes the records it verified or produced itself and its
    own ``--attempts``, which are what its summary counts (round eighty-four edited the
    stored configuration's attempts, which its hash does not cover).
    """
    own = records is not None
    if not (run_dir / DATABASE_NAME).exists():
        raise InputError(f"{run_dir} is not an eval run directory (no {DATABASE_NAME})")
    refusal = linked_run_files_refusal(run_dir)
    if refusal is not None:
        raise InputError(refusal)
    with ResultsDatabase(run_dir) as database:
        records = list(records) if records is not None else database.records()
        config = database.stored_config() or {}
        attempts = attempts or int(config.get("attempts") or _max_attempt(records))
        proved = sorted((r for r in records if r.proved), key=lambda r: -r.num_nodes)
        graphs: list[tuple[str, int, str]] = []
        for record in proved:
            graph = database.graph(record.name, record.attempt)
            if graph is not None and len(graphs) < GRAPH_PICTURES:
                graphs.append((record.name, record.attempt, graph))
    summary_path = run_dir / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    names = list(dict.fromkeys(r.name for r in records))
    return RunData(
        run_dir=run_dir,
        label=run_dir.name or str(run_dir),
        attempts=attempts,
        theorem_names=names,
        records=records,
        summary=summary,
        graphs=graphs,
        verified_here=own,
    )


def _max_attempt(records: Sequence[AttemptRecord]) -> int:
    return max((r.attempt + 1 for r in records), default=1)


def write_report(
    run_dirs: Sequence[Path],
    *,
    output: Path | None = None,
    own_records: Sequence[AttemptRecord] | None = None,
    own_attempts: int | None = None,
) -> Path:
    """Render one run's report (or a comparison of two) to ``output`` or DIR/report.html;
    ``own_records`` and ``own_attempts`` replace the first directory's rows and stored
    attempts (see :func:`load_run`). A target that is a symbolic link is refused."""
    runs = [
        load_run(path, records=own_records, attempts=own_attempts) if index == 0 else load_run(path)
        for index, path in enumerate(run_dirs)
    ]
    if len(runs) == 2 and runs[0].label == runs[1].label:
        runs = [replace(run, label=str(run.run_dir)) for run in runs]
    default_name = "report.html" if len(runs) == 1 else f"compare-{runs[1].label}.html"
    target = output or runs[0].run_dir / default_name.replace("/", "_")
    if target.is_symlink():
        raise InputError(f"{target} is a symbolic link; the report is not written through it")
    for note in unchecked_notes(runs):
        logger.warning("%s", note)
    replace_file(target, render_report(runs))
    return target


def render_report(runs: Sequence[RunData]) -> str:
    """The HTML text of the report."""
    from prover.evaluation.figures import bar_figure, graph_figure, histogram_figure, passk_figure
    from prover.evaluation.passk import mean_pass_at_k
    from prover.evaluation.summary import theorem_outcomes, theorem_source

    all_names = list(dict.fromkeys(n for run in runs for n in run.theorem_names))
    outcomes = {
        run.label: {
            o.name: o for o in theorem_outcomes(all_names, run.records, attempts=run.attempts)
        }
        for run in runs
    }
    curves = {
        run.label: [
            (k, mean_pass_at_k([(run.attempts, o.proved) for o in outcomes[run.label].values()], k))
            for k in range(1, run.attempts + 1)
        ]
        for run in runs
    }
    sources = sorted({theorem_source(n) for n in all_names})
    solved_by_source = {
        run.label: [
            float(
                sum(
                    o.proved > 0
                    for o in outcomes[run.label].values()
                    if theorem_source(o.name) == s
                )
            )
            for s in sources
        ]
        for run in runs
    }
    sections = [
        _summary_table(runs, curves),
        _figure("pass@k", passk_figure(curves)),
        _figure(
            "Solved theorems by source",
            bar_figure(sources, solved_by_source, title="solved by source", ylabel="theorems"),
        ),
    ]
    for run in runs:
        times = [r.time_s for r in run.records]
        expansions = [float(r.expansions) for r in run.records]
        sections.append(
            _figure(
                f"{run.label}: time per attempt",
                histogram_figure(times, title="time per attempt", xlabel="seconds"),
            )
        )
        sections.append(
            _figure(
                f"{run.label}: expansions per attempt",
                histogram_figure(expansions, title="expansions per attempt", xlabel="expansions"),
            )
        )
    sections.append(_theorem_table(all_names, runs, outcomes))
    for run in runs:
        for name, attempt, graph in run.graphs:
            title = f"{run.label}: search graph of {name} (attempt {attempt})"
            sections.append(_figure(title, graph_figure(graph, title=title)))
    title = " vs ".join(run.label for run in runs)
    return _PAGE.format(title=html.escape(title), body="\n".join(sections))


def _figure(caption: str, data_uri: str) -> str:
    safe = html.escape(caption)
    return f'<figure><img alt="{safe}" src="{data_uri}"><figcaption>{safe}</figcaption></figure>'


def _summary_table(runs: Sequence[RunData], curves: dict[str, list[tuple[int, float]]]) -> str:
    rows = []
    for run in runs:
        summary = run.summary
        points = dict(curves[run.label])
        passk = ", ".join(f"pass@{k}: {100 * points[k]:.1f}%" for k in sorted({1, run.attempts}))
        rows.append(
            "<tr>"
            f"<td>{html.escape(run.label)}</td><td>{len(run.theorem_names)}</td>"
            f"<td>{run.attempts}</td><td>{passk}</td>"
            f"<td>{_solved(run)}</td>"
            f"<td>{summary.get('num_startup_failures', '')}</td>"
            f"<td>{summary.get('error_attempts', '')}</td>"
            f"<td>{html.escape(json.dumps(summary.get('budget', {})))}</td></tr>"
        )
    head = (
        "<tr><th>run</th><th>theorems</th><th>attempts</th><th>pass@k</th><th>solved</th>"
        "<th>backend start failures</th><th>error attempts</th><th>budget</th></tr>"
    )
    notes = "".join(
        f"<p><strong>{html.escape(note)}</strong></p>" for note in unchecked_notes(runs)
    )
    return f"<h2>Summary</h2><table>{head}{''.join(rows)}</table>{notes}"


def _solved(run: RunData) -> int:
    """Theorems with a proved attempt among the run's first ``attempts``, from its records
    (not ``summary.json``, which anything may have written: round eighty-four)."""
    return len({r.name for r in run.records if r.proved and r.attempt < run.attempts})


def unchecked_notes(runs: Sequence[RunData]) -> list[str]:
    """One sentence per run whose counts are its database's rows, not verified again (a
    run directory is only files, which anything may have edited: red-team round eighty),
    and one per run holding proofs that another version of the verifier accepted
    (:mod:`prover.evaluation.reverify` re-checks all of them when ``prover eval`` resumes
    the run)."""
    from prover.backends.verifier_identity import verifier_fingerprint

    current = verifier_fingerprint()
    notes = []
    for run in runs:
        if not run.verified_here and any(record.proved for record in run.records):
            notes.append(
                f"{run.run_dir}: counts as recorded in its {DATABASE_NAME}, not verified "
                "again by this report; prover eval with the run's flags re-verifies every "
                "stored proof before it counts"
            )
        unchecked = sum(record.proved and record.verifier != current for record in run.records)
        if unchecked:
            notes.append(
                f"{run.run_dir}: {unchecked} proof(s) were accepted by another version of the "
                "verifier and are counted unchecked; rerun its prover eval command to re-check them"
            )
    return notes


def _theorem_table(
    names: Sequence[str], runs: Sequence[RunData], outcomes: dict[str, dict[str, Any]]
) -> str:
    head = "<tr><th>theorem</th>" + "".join(
        f"<th>{html.escape(run.label)}: proved/n</th><th>proof</th>" for run in runs
    )
    rows = []
    for name in names:
        cells = [f"<td>{html.escape(name)}</td>"]
        for run in runs:
            outcome = outcomes[run.label][name]
            css = "ok" if outcome.proved else ("err" if outcome.startup_failed else "")
            cells.append(f'<td class="{css}">{outcome.proved}/{outcome.attempts}</td>')
            proof = html.escape(outcome.best_proof or "")
            cells.append(f"<td><pre>{proof}</pre></td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    counts = Counter(tuple(outcomes[run.label][n].proved > 0 for run in runs) for n in names)
    note = ""
    if len(runs) == 2:
        note = (
            f"<p>solved by both: {counts[(True, True)]}, only {html.escape(runs[0].label)}: "
            f"{counts[(True, False)]}, only {html.escape(runs[1].label)}: "
            f"{counts[(False, True)]}, neither: {counts[(False, False)]}</p>"
        )
    return f"<h2>Theorems</h2>{note}<table>{head}</tr>{''.join(rows)}</table>"


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>prover eval report: {title}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; font-size: 0.85em; }}
td, th {{ border: 1px solid #ccc; padding: 2px 6px; vertical-align: top; }}
td.ok {{ background: #dff5df; }} td.err {{ background: #f8dcdc; }}
pre {{ margin: 0; white-space: pre-wrap; max-width: 40em; }}
figure {{ display: inline-block; margin: 0.5em; }}
</style></head>
<body><h1>prover eval report: {title}</h1>
{body}
</body></html>
"""
