"""What the kernel re-check (coqchk) costs per proof, next to coqc and a 10 s attempt.

Takes the proofs a ``prover prove`` run recorded (``results.jsonl``; ``--prove`` runs it
first on miniF2F-Coq), and re-verifies each recorded ``proof_text`` — the exact file the
verifier checked — ``--repeats`` times in a fresh directory, timing the two steps of
:func:`prover.backends.coq.verify.verify_proof` apart: ``coqc`` (compile) and ``coqchk``
(kernel re-check with its context summary). Per proof the median of the repeats is
kept; the figures are medians over proofs, and coqchk's median as a share of the
attempt budget (``--attempt-budget``, 10 s by default). Since verification also prints
the proof term for reading (:mod:`prover.backends.coq.term_reading`), coqc is timed a
second time on the file with that print, and the run's records refused by the reading
(a fixpoint literal in the term) are counted. A third coqc run times the file exactly as
verification compiles it since 2026-12-04: with the split markers, under ``coqc -time``,
and Coq's split compared with the prover's (:mod:`prover.backends.coq.split_check`). A
fourth times that compile as verification runs it since 2026-12-06: under ``strace``, which
records whether coqc reached its stack or memory limit
(:mod:`prover.backends.coq.limit_trace`), as a ratio to the untraced compile; a fifth
times the compile by the bytecode ``coqc.byte`` that verification adds since then (the
header and the statement with ``Abort.``), as a ratio to the rest of verification (the
traced compile and coqchk).

Usage::

    python -m benchmarks.kernel_check_cost --prove --limit 40 --time-limit 10 \\
        --run-dir /work/data/sound/minif2f-valid-40 --output docs/results/kernel_check_cost.json
    python -m benchmarks.kernel_check_cost --run-dir /work/data/sound/minif2f-valid-40
    python -m benchmarks.kernel_check_cost --run-dir DIR --compare-checker coqchk  # fixed vs stock
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from prover.backends.coq.assumptions import parse_context_summary, summary_problem
from prover.backends.coq.bytecode_reading import bytecode_beside
from prover.backends.coq.checker_runs import CHECKED_LIBRARY
from prover.backends.coq.config import FIXED_COQCHK, PROVER_STACK_MB
from prover.backends.coq.limit_trace import (
    bytecode_environment,
    bytecode_stack_problem,
    limits_traced,
)
from prover.backends.coq.placement import name_guard
from prover.backends.coq.proof_source import inspection_closings
from prover.backends.coq.section_opening import (
    PLAIN_OPENING,
    SECTION_OPENING,
    WHOLE_CONTEXT_OPENING,
)
from prover.backends.coq.sentences import split_for_coqtop
from prover.backends.coq.split_check import mark_sentences, split_refusal
from prover.backends.coq.term_reading import (
    inspected_ending,
    inspection_preamble,
    term_problem,
    trusted_fixpoints,
)
from prover.backends.coq.verify import (
    VERIFY_MODULE,
    coqc_command,
    coqchk_command,
)
from search.process import DEFAULT_MEMORY_LIMIT_MB, kill_tree, spawn
from search.workdirs import private_directory


def _parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--run-dir", type=Path, required=True, help="prove run directory")
    parser.add_argument("--prove", action="store_true", help="run prover prove there first")
    parser.add_argument("--split", default="valid")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--attempt-budget", type=float, default=10.0)
    parser.add_argument("--output", type=Path, help="write the figures as JSON here too")
    parser.add_argument(
        "--compare-checker",
        help="also time this coqchk (e.g. the stock 'coqchk') on each file: the ratio of "
        f"{FIXED_COQCHK}'s time to its time",
    )
    return parser.parse_args()


def _prove(arguments: argparse.Namespace) -> None:
    command = [
        sys.executable, "-m", "prover.cli", "prove", "--benchmark", "minif2f-coq",
        "--split", arguments.split, "--limit", str(arguments.limit),
        "--time-limit", str(arguments.time_limit), "--output", str(arguments.run_dir),
        "--force", "--no-progress",
    ]  # fmt: skip
    subprocess.run(command, check=True)


def _timed(
    argv: list[str], directory: Path, *, env: dict[str, str] | None = None
) -> tuple[float, int, str, str]:
    """Run ``argv`` as the verifier does (spawn, memory cap, 5 MB stack): seconds, status,
    stdout, stderr."""
    started = time.monotonic()
    process = spawn(
        argv,
        cwd=directory,
        env=env,
        merge_stderr=False,
        memory_limit_mb=DEFAULT_MEMORY_LIMIT_MB,
        stack_limit_mb=PROVER_STACK_MB,
    )
    try:
        stdout, stderr = process.communicate(timeout=600)
    finally:
        kill_tree(process)
    elapsed = time.monotonic() - started
    return (
        elapsed,
        process.returncode,
        stdout.decode(errors="replace"),
        stderr.decode(errors="replace"),
    )


def with_term_print(proof_text: str, name: str) -> str:
    """``proof_text`` (the file shown to users) as verification compiles it: the notation
    the fold print needs before the header, the theorem's end and the term print after it,
    then the closings with Coq's placement checks
    (:func:`prover.backends.coq.proof_source.build_proof_source`)."""
    position = proof_text.rindex("\nQed.\n")
    before = _name_guarded(proof_text[:position], name)
    fold = trusted_fixpoints(before)
    ending = inspected_ending(name, fold)
    placed = inspection_closings(before, name)
    return inspection_preamble(fold) + before + "\n" + "\n".join([*ending, *placed]) + "\n"


def _name_guarded(before_qed: str, name: str) -> str:
    """``before_qed`` with Coq's check that the theorem's name is free
    (:func:`~prover.backends.coq.placement.name_guard`) right before the statement, the
    sentence before the last ``Proof.`` (inside a section ``Proof using Type.`` or ``All.``), as
    verification writes it."""
    sentences = split_for_coqtop(before_qed)
    openings = (PLAIN_OPENING, SECTION_OPENING, WHOLE_CONTEXT_OPENING)
    proof = max(index for index, sentence in enumerate(sentences) if sentence.code in openings)
    offset = sentences[proof - 1].offset
    guard = name_guard(before_qed[:offset], CHECKED_LIBRARY, name)
    return f"{before_qed[:offset]}{guard}\n{before_qed[offset:]}"


def _compile(
    source: str, directory: Path, coqc: str, *, timed: bool = False, traced: bool = False
) -> tuple[float, str]:
    (directory / f"{VERIFY_MODULE}.v").write_bytes(source.encode("utf-8"))
    command = coqc_command(coqc, timed=timed)
    strace = (shutil.which("strace") or "strace") if traced else None
    with limits_traced(
        command, strace=strace, stack_mb=PROVER_STACK_MB, memory_mb=DEFAULT_MEMORY_LIMIT_MB
    ) as run:
        seconds, status, output, errors = _timed(run.argv, directory)
        limited = run.problem()
    if limited is not None:
        raise RuntimeError(f"the limits trace refused a recorded proof: {limited}")
    if status != 0:
        raise RuntimeError(f"coqc failed on a recorded proof: {(output + errors)[-300:]}")
    return seconds, output


def statement_reading(proof_text: str) -> str:
    """``proof_text`` with its proof replaced by ``Abort.``: the header and statement that
    verification has the bytecode coqc read."""
    sentences = split_for_coqtop(proof_text)
    openings = (PLAIN_OPENING, SECTION_OPENING, WHOLE_CONTEXT_OPENING)
    proof = max(index for index, sentence in enumerate(sentences) if sentence.code in openings)
    end = proof_text.rindex("\nQed.\n") + len("\nQed.")
    opening = sentences[proof]
    return f"{proof_text[: opening.offset]}{opening.code}\nAbort.{proof_text[end:]}"


def _bytecode_s(proof_text: str, coqc: str) -> float:
    """Seconds of the bytecode coqc beside ``coqc`` on the recorded proof's header and
    statement, with the runtime parameters verification gives it; its stack must stay
    below the limit."""
    bytecode = str(bytecode_beside(coqc))
    with private_directory("kernel-cost-") as directory:
        text = statement_reading(proof_text)
        (directory / f"{VERIFY_MODULE}.v").write_bytes(text.encode("utf-8"))
        command = coqc_command(bytecode)
        seconds, status, _, stderr = _timed(command, directory, env=bytecode_environment())
    problem = bytecode_stack_problem(stderr)
    if status != 0 or problem is not None:
        raise RuntimeError(f"coqc.byte refused a recorded proof: {problem or stderr[-300:]!r}")
    return seconds


def _split_checked_s(inspected: str, coqc: str, *, traced: bool = False) -> float:
    """Seconds of coqc on ``inspected`` with the split markers, under ``-time``, and the
    comparison of Coq's split with the prover's (which must agree: the record was verified);
    ``traced``: under strace's record of the limits, which must show neither reached."""
    marked = mark_sentences(inspected, secrets.token_hex(8))
    if isinstance(marked, str):
        raise RuntimeError(f"the split markers refused a recorded proof: {marked}")
    with private_directory("kernel-cost-") as directory:
        started = time.monotonic()
        _, output = _compile(marked.text, directory, coqc, timed=True, traced=traced)
        problem = split_refusal(output, marked)
        seconds = time.monotonic() - started
    if problem is not None:
        raise RuntimeError(f"the split check refused a recorded proof: {problem}")
    return seconds


def measure(
    proof_text: str, name: str, *, coqc: str, coqchk: str
) -> tuple[float, float, float, float, float, float]:
    """Seconds of coqc, of coqchk, of coqc with the term print and its reading, of coqc
    on the file verification compiles (term print, placement checks, split markers), and of
    that compile under strace's record of the limits, as verification runs it, and of the
    bytecode coqc's compile of it.

    Each in a fresh private directory; the reading and the split check must accept the
    proof (the record was verified with them).
    """
    with private_directory("kernel-cost-") as directory:
        coqc_s, _ = _compile(proof_text, directory, coqc)
        coqchk_s, status, _, summary_text = _timed(coqchk_command(coqchk), directory)
    summary = parse_context_summary(summary_text)
    if status != 0 or isinstance(summary, str) or summary_problem(summary):
        raise RuntimeError(f"coqchk refused a recorded proof: {summary_text[-300:]}")
    inspected = with_term_print(proof_text, name)
    with private_directory("kernel-cost-") as directory:
        started = time.monotonic()
        _compile(inspected, directory, coqc)
        problem = term_problem(directory)
        printed_s = time.monotonic() - started
    if problem is not None:
        raise RuntimeError(f"the term reading refused a recorded proof: {problem}")
    split_checked_s = _split_checked_s(inspected, coqc)
    traced_s = _split_checked_s(inspected, coqc, traced=True)
    return coqc_s, coqchk_s, printed_s, split_checked_s, traced_s, _bytecode_s(proof_text, coqc)


def checker_seconds(proof_text: str, *, coqc: str, coqchk: str) -> float:
    """Seconds of ``coqchk`` alone on ``proof_text`` compiled in a fresh directory (it must
    accept the file: the record was verified)."""
    with private_directory("kernel-cost-") as directory:
        _compile(proof_text, directory, coqc)
        seconds, status, _, summary_text = _timed(coqchk_command(coqchk), directory)
    if status != 0:
        raise RuntimeError(f"{coqchk} refused a recorded proof: {summary_text[-300:]}")
    return seconds


def _figures(rows: list[dict[str, Any]], budget_s: float) -> dict[str, Any]:
    coqc = [row["coqc_s"] for row in rows]
    coqchk = [row["coqchk_s"] for row in rows]
    shares = [row["coqchk_s"] / (row["coqc_s"] + row["coqchk_s"]) for row in rows]
    print_ratios = [row["coqc_with_term_print_s"] / row["coqc_s"] for row in rows]
    split_ratios = [row["coqc_split_checked_s"] / row["coqc_with_term_print_s"] for row in rows]
    traced_ratios = [row["coqc_traced_s"] / row["coqc_split_checked_s"] for row in rows]
    bytecode_ratios = [
        row["coqc_bytecode_s"] / (row["coqc_traced_s"] + row["coqchk_s"]) for row in rows
    ]
    median_coqchk = statistics.median(coqchk)
    return {
        "proofs": len(rows),
        "median_coqc_s": round(statistics.median(coqc), 4),
        "median_coqc_with_term_print_s": round(
            statistics.median(row["coqc_with_term_print_s"] for row in rows), 4
        ),
        "median_term_print_ratio": round(statistics.median(print_ratios), 4),
        "max_term_print_ratio": round(max(print_ratios), 4),
        "median_coqc_split_checked_s": round(
            statistics.median(row["coqc_split_checked_s"] for row in rows), 4
        ),
        "median_split_check_ratio": round(statistics.median(split_ratios), 4),
        "max_split_check_ratio": round(max(split_ratios), 4),
        "median_coqc_traced_s": round(statistics.median(row["coqc_traced_s"] for row in rows), 4),
        "median_trace_ratio": round(statistics.median(traced_ratios), 4),
        "max_trace_ratio": round(max(traced_ratios), 4),
        "median_coqc_bytecode_s": round(
            statistics.median(row["coqc_bytecode_s"] for row in rows), 4
        ),
        "median_bytecode_ratio": round(statistics.median(bytecode_ratios), 4),
        "max_bytecode_ratio": round(max(bytecode_ratios), 4),
        "median_coqchk_s": round(median_coqchk, 4),
        "max_coqchk_s": round(max(coqchk), 4),
        "median_coqchk_share_of_verification": round(statistics.median(shares), 4),
        "attempt_budget_s": budget_s,
        "median_coqchk_share_of_attempt": round(median_coqchk / budget_s, 4),
    }


def main() -> int:
    """Measure and print the figures (and write them with ``--output``)."""
    arguments = _parse_arguments()
    if arguments.prove:
        _prove(arguments)
    coqc, coqchk = shutil.which("coqc"), shutil.which(FIXED_COQCHK)
    if coqc is None or coqchk is None:
        print(f"coqc/{FIXED_COQCHK} not found (bash scripts/build_coqchk.sh)", file=sys.stderr)
        return 2
    compared = shutil.which(arguments.compare_checker) if arguments.compare_checker else None
    if arguments.compare_checker and compared is None:
        print(f"{arguments.compare_checker} not found", file=sys.stderr)
        return 2
    records = [
        json.loads(line)
        for line in (arguments.run_dir / "results.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    proved = [r for r in records if r["status"] == "proved" and r.get("proof_text")]
    rows = []
    for record in proved:
        timings = [
            measure(record["proof_text"], record["name"], coqc=coqc, coqchk=coqchk)
            for _ in range(arguments.repeats)
        ]
        row = {
            "name": record["name"],
            "coqc_s": statistics.median(t[0] for t in timings),
            "coqchk_s": statistics.median(t[1] for t in timings),
            "coqc_with_term_print_s": statistics.median(t[2] for t in timings),
            "coqc_split_checked_s": statistics.median(t[3] for t in timings),
            "coqc_traced_s": statistics.median(t[4] for t in timings),
            "coqc_bytecode_s": statistics.median(t[5] for t in timings),
        }
        if compared is not None:
            row["compared_coqchk_s"] = statistics.median(
                checker_seconds(record["proof_text"], coqc=coqc, coqchk=compared)
                for _ in range(arguments.repeats)
            )
        rows.append(row)
    if not rows:
        print(f"no proved record with a proof_text in {arguments.run_dir}", file=sys.stderr)
        return 1
    refused = [r["name"] for r in records if "fixpoint literal" in (r.get("error") or "")]
    report = {
        "run_dir": str(arguments.run_dir),
        "attempts": len(records),
        "refused_by_term_reading": refused,
        "per_proof": rows,
    }
    report.update(_figures(rows, arguments.attempt_budget))
    if compared is not None:
        ratios = [row["coqchk_s"] / row["compared_coqchk_s"] for row in rows]
        report["compared_checker"] = compared
        report["median_compared_coqchk_s"] = round(
            statistics.median(row["compared_coqchk_s"] for row in rows), 4
        )
        report["median_checker_ratio"] = round(statistics.median(ratios), 4)
        report["max_checker_ratio"] = round(max(ratios), 4)
    text = json.dumps(report, indent=2)
    print(json.dumps({k: v for k, v in report.items() if k != "per_proof"}, indent=2))
    if arguments.output is not None:
        arguments.output.parent.mkdir(parents=True, exist_ok=True)
        arguments.output.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
