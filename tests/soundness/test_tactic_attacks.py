"""Tactic-borne attacks, end to end: a hostile completions server drives the real CLI on real Coq.

Every attack of :data:`TACTIC_ATTACKS` is proposed by an OpenAI-compatible server on
loopback to ``python -m prover.cli prove --generator openai`` (and, all together, to
``prover eval`` over miniF2F-Coq theorems); none may end ``proved``. The same tactics
are also handed straight to the independent verifier, as if a search had accepted them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq.verify import verify_proof
from search.states import Theorem
from tests.soundness.attacks import TACTIC_ATTACKS, TacticAttack
from tests.soundness.harness import HostileCompletions, openai_flags, read_records, run_prover
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS

FALSE_FILE = "Require Import Arith.\n\nTheorem t : 1 = 2.\nProof.\nAdmitted.\n"
FALSE_THEOREM = Theorem(name="t", header="Require Import Arith.\n", statement="Theorem t : 1 = 2.")
ALL_TACTICS = tuple(dict.fromkeys(t for attack in TACTIC_ATTACKS for t in attack.tactics))
EVAL_THEOREMS = "aime_1983_p9,aime_1984_p5,aime_1988_p3"


def prove_file(
    server: HostileCompletions, tactics: tuple[str, ...], directory: Path, text: str = FALSE_FILE
) -> dict[str, object]:
    """Run ``prover prove --file`` on ``text`` with the server proposing ``tactics``."""
    server.tactics = list(tactics)
    source = directory / "Attack.v"
    source.write_text(text, encoding="utf-8")
    output = directory / "run"
    completed = run_prover(
        "prove", "--file", str(source), "--theorem", "t", "--output", str(output),
        "--time-limit", "20", "--tactic-timeout", "5", "--no-progress", *openai_flags(server),
        cwd=directory,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
    [record] = read_records(output / "results.jsonl")
    assert server.requests, "the hostile server was never asked: the test would prove nothing"
    return record


@pytest.mark.slow
def test_the_harness_records_a_genuine_proof(
    hostile_server: HostileCompletions, tmp_path: Path
) -> None:
    """Control: through the same server and CLI a true statement is proved by all checks."""
    text = "Require Import Arith.\n\nTheorem t : 2 + 2 = 4.\nProof.\nAdmitted.\n"
    record = prove_file(hostile_server, ("admit.", "reflexivity."), tmp_path, text)
    assert record["status"] == "proved" and record["verified"] is True
    assert record["checked_by"] == ["admission", "coqc", "coqchk", "names"]


@pytest.mark.slow
@pytest.mark.parametrize("attack", TACTIC_ATTACKS, ids=lambda attack: attack.name)
def test_tactic_attack_never_ends_proved(
    attack: TacticAttack, hostile_server: HostileCompletions, tmp_path: Path
) -> None:
    """`prove --generator openai` with a hostile server: the false theorem is not proved."""
    record = prove_file(hostile_server, attack.tactics, tmp_path)
    assert record["status"] != "proved"
    assert record["verified"] is False


@pytest.mark.slow
def test_redirect_through_a_hidden_boundary_writes_no_file(
    hostile_server: HostileCompletions, tmp_path: Path
) -> None:
    """`idtac.(**)Redirect "/abs/path" Print nat.` never reaches Coq: no file appears."""
    target = tmp_path / "written-by-attack"
    tactic = f'idtac.(**)Redirect "{target}" Print nat.'
    record = prove_file(
        hostile_server, (tactic, f'idtac. Redirect "{target}" Print nat.'), tmp_path
    )
    assert record["status"] != "proved"
    assert not list(tmp_path.glob("written-by-attack*"))


@pytest.mark.slow
def test_eval_with_every_attack_tactic_solves_nothing(
    hostile_server: HostileCompletions, tmp_path: Path
) -> None:
    """`prover eval` on three miniF2F-Coq theorems, every attack tactic proposed: pass@1 is 0."""
    hostile_server.tactics = list(ALL_TACTICS)
    run = tmp_path / "eval"
    completed = run_prover(
        "eval", "--benchmark", "minif2f-coq", "--split", "valid", "--names", EVAL_THEOREMS,
        "--attempts", "1", "--run-dir", str(run), "--no-progress", "--time-limit", "20",
        "--tactic-timeout", "5", *openai_flags(hostile_server), cwd=tmp_path,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "pass@1 0.0%" in completed.stdout
    records = read_records(run / "results.jsonl")
    assert len(records) == 3
    assert all(record["status"] != "proved" for record in records)
    assert hostile_server.requests


@pytest.mark.parametrize("tactic", ALL_TACTICS)
def test_each_attack_tactic_alone_fails_independent_verification(tactic: str) -> None:
    """As if a search had accepted it: the verifier rejects every attack tactic on 1 = 2."""
    verification = verify_proof(FALSE_THEOREM, [tactic], timeout_s=60)
    assert not verification.ok
    assert "coqchk" not in verification.checks


@pytest.mark.parametrize("attack", TACTIC_ATTACKS, ids=lambda attack: attack.name)
def test_each_attack_as_a_whole_script_fails_independent_verification(attack: TacticAttack) -> None:
    """The attack's tactics in sequence, as one proof script, are rejected by the verifier."""
    verification = verify_proof(FALSE_THEOREM, list(attack.tactics), timeout_s=60)
    assert not verification.ok
