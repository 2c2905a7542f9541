"""Measure the Coq portfolio's priors on miniF2F-Coq **valid** theorems with real coqtop.

For every valid theorem whose statement loads in Coq 8.16, one ``coqtop -emacs``
session opens the statement, runs ``intros.``, reads the root goal, asks
:func:`models.portfolio.coq.coq_proposals` for every instantiated tactic and runs
each one as ``Timeout T tactic.`` (``Undo.`` after each success). A proposal
*closes* when coqtop answers ``No more goals`` (or completes the focused
subproof). Per family, the prior is ``log((closed + 10 * base) / (trials + 10))``,
where ``base`` is the pooled closing rate of all closing families (shrinkage towards
the mean, so small samples do not dominate); families that never close on their
own keep the fixed structural priors of :data:`models.portfolio.coq.COQ_STRUCTURAL_PRIORS`.

Usage::

    .venv/bin/python benchmarks/portfolio_priors.py [--workers 2] [--timeout-s 1]

The test split is never read. Writes ``models/portfolio/priors.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import select
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
if str(REPOSITORY) not in sys.path:
    sys.path.insert(0, str(REPOSITORY))

from models.portfolio.coq import COQ_STRUCTURAL_PRIORS, coq_proposals  # noqa: E402
from search.states import Goal, Hypothesis  # noqa: E402

DATA = REPOSITORY / "prover" / "data" / "statements" / "minif2f_coq.jsonl"
OUTPUT = REPOSITORY / "models" / "portfolio" / "priors.json"
# Most miniF2F-Coq headers import neither Lia nor Lra; the Coq backend is expected
# to load them (they add no axioms), so the measurement does too.
PRELUDE = "From Coq Require Import Lia Lra.\n"
PROMPT_END = "</prompt>"
# Shrinkage: each family starts with this many pseudo-trials at the pooled closing
# rate, so a family tried on 8 goals cannot outrank one tried on 200 by luck.
PSEUDO_TRIALS = 10
# Ends a multi-sentence chunk: its answer ("No object of reference ...") names it.
SENTINEL = "Locate portfolio_sentinel."
_PROMPT = re.compile(r"<prompt>(\S+) < (\d+) \|([^|]*)\| \d+ < </prompt>$")


class CoqtopSession:
    """One ``coqtop -emacs`` process spoken to sentence by sentence."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            ["coqtop", "-emacs", "-quiet"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.read(wall_s=30)

    def send(self, text: str, *, wall_s: float, until: str | None = None) -> str:
        """Send ``text``; return the output up to a prompt (after ``until``, if given)."""
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode("utf-8") + b"\n")
        self.process.stdin.flush()
        return self.read(wall_s=wall_s, until=until)

    def read(self, *, wall_s: float, until: str | None = None) -> str:
        """Read until the output ends with a prompt and contains ``until``."""
        assert self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        output = b""
        deadline = time.monotonic() + wall_s
        while (remaining_s := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([descriptor], [], [], remaining_s)
            if not ready:
                break
            chunk = os.read(descriptor, 65536)
            if not chunk:
                break
            output += chunk
            text = output.decode("utf-8", "replace")
            if text.rstrip().endswith(PROMPT_END) and (until is None or until in text):
                return text
        raise TimeoutError(f"coqtop gave no prompt within {wall_s} s")

    def close(self) -> None:
        """Kill the process (by its own pid) and reap it."""
        self.process.kill()
        self.process.wait()


def parse_first_goal(output: str) -> Goal | None:
    """The first goal of a coqtop goal display, or None when there is none."""
    lines = output.split("\n")
    try:
        start = next(i for i, line in enumerate(lines) if re.match(r"\d+ goals? \(ID", line))
        bar = next(i for i in range(start, len(lines)) if lines[i].strip().startswith("====="))
    except StopIteration:
        return None
    hypotheses: list[tuple[list[str], str]] = []
    for line in lines[start + 1 : bar]:
        if not line.strip():
            continue
        match = re.match(r"  ([\w', ]+?) : (.*)$", line)
        if match and not line.startswith("   "):
            names = [name.strip() for name in match.group(1).split(",")]
            hypotheses.append((names, match.group(2)))
        elif hypotheses:
            hypotheses[-1] = (hypotheses[-1][0], hypotheses[-1][1] + " " + line.strip())
    conclusion: list[str] = []
    for line in lines[bar + 1 :]:
        if not line.strip() or line.startswith("<prompt>"):
            break
        conclusion.append(line.strip())
    return Goal(
        hypotheses=tuple(Hypothesis(names=tuple(n), type=t) for n, t in hypotheses),
        conclusion=" ".join(conclusion),
    )


@dataclass(frozen=True, kw_only=True)
class Trial:
    """One proposal run on one root goal."""

    family: str
    tactic: str
    outcome: str  # "closed", "applied", "failed"


def _classify(output: str) -> str:
    """Map coqtop's answer to one tactic onto closed / applied / failed."""
    if "Error:" in output:
        return "failed"
    if "No more goals" in output or "This subproof is complete" in output:
        return "closed"
    return "applied"


def _open(session: CoqtopSession, record: dict[str, str]) -> Goal | None:
    """Load the header and statement, run ``intros``, and return the root goal."""
    source = f"{record['header']}\n{PRELUDE}{record['formal_statement']}\nProof.\n{SENTINEL}"
    output = session.send(source, wall_s=60, until="portfolio_sentinel")
    match = _PROMPT.search(output.rstrip())
    if match is None or not match.group(3) or "Error:" in output:
        return None
    session.send("intros.", wall_s=10)
    return parse_first_goal(session.send("Show.", wall_s=10))


def measure_theorem(record: dict[str, str], timeout_s: int) -> tuple[str, list[Trial] | None]:
    """Run every proposal on one theorem's root goal; None when it does not load."""
    session = CoqtopSession()
    try:
        goal = _open(session, record)
        if goal is None:
            return record["name"], None
        trials: list[Trial] = []
        for proposal in coq_proposals(goal, header=record["header"]):
            output = session.send(f"Timeout {timeout_s} {proposal.tactic}.", wall_s=timeout_s + 30)
            outcome = _classify(output)
            if outcome != "failed":
                session.send("Undo.", wall_s=10)
            trials.append(Trial(family=proposal.family, tactic=proposal.tactic, outcome=outcome))
        return record["name"], trials
    except TimeoutError:
        return record["name"], None
    finally:
        session.close()


def summarise(results: list[tuple[str, list[Trial] | None]], timeout_s: int) -> dict[str, object]:
    """Per-family counts and smoothed log priors, plus provenance."""
    counts: dict[str, Counter[str]] = {}
    closed_theorems: set[str] = set()
    for name, trials in results:
        for trial in trials or []:
            counts.setdefault(trial.family, Counter())[trial.outcome] += 1
            if trial.outcome == "closed":
                closed_theorems.add(name)
    closing = [c for family, c in counts.items() if family not in COQ_STRUCTURAL_PRIORS]
    base_rate = sum(c["closed"] for c in closing) / max(1, sum(sum(c.values()) for c in closing))
    families: dict[str, dict[str, float | int | str]] = {}
    for family, counter in sorted(counts.items()):
        trials_count = sum(counter.values())
        structural = family in COQ_STRUCTURAL_PRIORS
        shrunk = (counter["closed"] + PSEUDO_TRIALS * base_rate) / (trials_count + PSEUDO_TRIALS)
        prior = COQ_STRUCTURAL_PRIORS[family] if structural else math.log(shrunk)
        families[family] = {
            "kind": "structural (fixed prior)" if structural else "closing (measured prior)",
            "trials": trials_count,
            "closed": counter["closed"],
            "applied": counter["applied"],
            "prior": round(prior, 4),
        }
    loaded = [name for name, trials in results if trials is not None]
    return {
        "description": "Coq portfolio priors, measured on miniF2F-Coq valid root goals",
        "generated_by": "benchmarks/portfolio_priors.py",
        "coq_version": "8.16.1",
        "split": "valid",
        "prelude": PRELUDE.strip(),
        "tactic_timeout_s": timeout_s,
        "smoothing": (
            f"prior = log((closed + {PSEUDO_TRIALS} * base_rate) / (trials + {PSEUDO_TRIALS}));"
            " structural families fixed"
        ),
        "base_rate": round(base_rate, 4),
        "num_theorems": len(results),
        "num_theorems_loaded": len(loaded),
        "num_theorems_closed_by_some_proposal": len(closed_theorems),
        "families": families,
    }


def main(argv: list[str] | None = None) -> int:
    """Measure, print a table, and write the JSON file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout-s", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="only the first N theorems")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    arguments = parser.parse_args(argv)
    records = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    records = [r for r in records if r["split"] == "valid"][: arguments.limit]
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=arguments.workers) as pool:
        results = list(pool.map(measure_theorem, records, [arguments.timeout_s] * len(records)))
    summary = summarise(results, arguments.timeout_s)
    summary["elapsed_s"] = round(time.monotonic() - started, 1)
    arguments.output.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    families = summary["families"]
    assert isinstance(families, dict)
    ranked = sorted(families.items(), key=lambda item: -float(item[1]["closed"]))
    for family, row in ranked:
        print(f"{family:28} {row['closed']:4}/{row['trials']:<4} prior {row['prior']}")
    print({k: v for k, v in summary.items() if k != "families"})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
