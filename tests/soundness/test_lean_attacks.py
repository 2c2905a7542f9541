"""Lean attacks end to end: a hostile completions server and `prove --backend lean-repl` (fake)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.soundness.harness import HostileCompletions, openai_flags, read_records, run_prover

REPOSITORY = Path(__file__).resolve().parents[2]
FAKE_REPL = REPOSITORY / "tests" / "fakes" / "fake_lean_repl.py"
BENCHMARK = ("--benchmark", "minif2f-lean4", "--split", "test", "--names", "mathd_algebra_478")

LEAN_ATTACKS = (
    "sorry",
    "exact sorry",
    "admit",
    "native_decide",
    "decide; exact Lean.ofReduceBool _ _ rfl",
    "set_option debug.skipKernelTC true in nlinarith",
    "attribute [local simp] mul_comm in nlinarith",
    # a completion is cut at its first newline, so these arrive as "skip"; the admission
    # unit tests cover the multi-line forms
    "skip\ntheorem mathd_algebra_478 : True := trivial",
    "skip\n  axiom cheat : False",
    "@[implemented_by id] def f : Nat := 0",
    "unsafe def f : False := f",
    'macro "win" : tactic => `(tactic| sorry)',
    'elab "win" : tactic => pure ()',
    "run_tac pure ()",
    "open Classical in nlinarith",
    "skip\n#exit",
    "skip\r#exit",
    "nlinarith\x0b#exit",
)


def prove(
    server: HostileCompletions, tactics: tuple[str, ...], directory: Path
) -> dict[str, object]:
    """`prover prove --backend lean-repl` on the fake REPL with the server proposing ``tactics``."""
    server.tactics = list(tactics)
    output = directory / "run"
    completed = run_prover(
        "prove", "--backend", "lean-repl", "--lean-repl-cmd", f"{sys.executable} {FAKE_REPL}",
        # the fake lives in the checkout, which the sandbox's private /tmp may hide
        "--sandbox", "off",
        *BENCHMARK, "--output", str(output), "--time-limit", "20", "--no-progress",
        *openai_flags(server), cwd=directory,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
    [record] = read_records(output / "results.jsonl")
    assert server.requests
    return record


@pytest.mark.slow
def test_control_a_genuine_lean_proof_is_recorded(
    hostile_server: HostileCompletions, tmp_path: Path
) -> None:
    """Control: the recorded proof goes through, with the checks named."""
    record = prove(hostile_server, ("sorry", "nlinarith"), tmp_path)
    assert record["status"] == "proved"
    assert record["checked_by"] == ["admission", "lean-repl", "print-axioms"]


@pytest.mark.slow
def test_lean_attacks_never_end_proved(hostile_server: HostileCompletions, tmp_path: Path) -> None:
    """Every Lean attack proposed at every state: the theorem is not proved."""
    hostile_server.tactics = list(LEAN_ATTACKS)
    record = prove(hostile_server, LEAN_ATTACKS, tmp_path)
    assert record["status"] != "proved"
