"""Header-borne attacks, end to end through `prover prove --file` on real Coq.

The header of the user's own file is trusted as the user's, so the search may use what
it declares and find a "proof". The independent check must still refuse it: coqchk
names every assumption fully qualified (``ProverCheck.Checked.classic``, or
``Attack.classic`` in the user's ``Attack.v``, is not ``Coq.Logic.Classical_Prop.classic``)
and lists unsafe constants, whatever they are called.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq.reading_refusals import polymorphism_refusal
from prover.backends.coq.verify import verify_proof
from search.states import Theorem
from tests.soundness.attacks import HEADER_ATTACKS, HeaderAttack
from tests.soundness.harness import HostileCompletions, openai_flags, read_records, run_prover
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS


def file_text(attack: HeaderAttack) -> str:
    return f"Require Import Arith.\n{attack.header}\n{attack.statement}\nProof.\nAdmitted.\n"


#: Attacks whose file the whole-file checks refuse when it is opened (universe-polymorphic
#: objects, red-team round sixty-nine): no search starts on them.
REFUSED_AT_OPEN = [a for a in HEADER_ATTACKS if polymorphism_refusal(file_text(a)) is not None]
SEARCHED = [a for a in HEADER_ATTACKS if a not in REFUSED_AT_OPEN]


@pytest.mark.slow
@pytest.mark.parametrize("attack", SEARCHED, ids=lambda attack: attack.name)
def test_header_attack_is_found_by_the_search_but_never_recorded_proved(
    attack: HeaderAttack, hostile_server: HostileCompletions, tmp_path: Path
) -> None:
    """The search uses the header's assumption and finds a proof; verification refuses it."""
    hostile_server.tactics = list(attack.tactics)
    source = tmp_path / "Attack.v"
    source.write_text(file_text(attack), encoding="utf-8")
    output = tmp_path / "run"
    completed = run_prover(
        "prove", "--file", str(source), "--theorem", "t", "--output", str(output),
        "--time-limit", "20", "--tactic-timeout", "5", "--no-progress",
        *openai_flags(hostile_server), cwd=tmp_path,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
    [record] = read_records(output / "results.jsonl")
    assert record["stop_reason"] == "proof_found", record["error"]
    assert record["status"] == "failed" and record["verified"] is False
    assert record["error"].startswith("verification failed")
    # the file is checked under its own name (round 120): its objects' full names start so
    assert attack.reason.replace("Checked.", "Attack.", 1) in record["error"]
    assert "coqchk" not in record["checked_by"]


@pytest.mark.parametrize("attack", REFUSED_AT_OPEN, ids=lambda attack: attack.name)
def test_a_polymorphic_header_attack_file_is_refused_before_any_search(
    attack: HeaderAttack, tmp_path: Path
) -> None:
    """`prove --file` refuses the file when it opens the theorem, in one line naming why,
    and records the attempt as an error with no proof."""
    source = tmp_path / "Attack.v"
    source.write_text(file_text(attack), encoding="utf-8")
    output = tmp_path / "run"
    completed = run_prover(
        "prove", "--file", str(source), "--theorem", "t", "--output", str(output),
        "--time-limit", "20", "--no-progress", cwd=tmp_path,
    )  # fmt: skip
    assert completed.returncode == 3, completed.stderr[-2000:]
    [record] = read_records(output / "results.jsonl")
    assert record["status"] == "error" and record["proof"] is None
    assert "universe-polymorphic" in record["error"]


@pytest.mark.parametrize("attack", HEADER_ATTACKS, ids=lambda attack: attack.name)
def test_header_attack_fails_independent_verification(attack: HeaderAttack) -> None:
    """verify_proof alone, on the attack's header, statement and first working tactic."""
    theorem = Theorem(
        name="t", header=f"Require Import Arith.\n{attack.header}", statement=attack.statement
    )
    verifications = [verify_proof(theorem, [tactic], timeout_s=60) for tactic in attack.tactics]
    assert not any(verification.ok for verification in verifications)
    compiled = [v for v in verifications if "coqc" in v.checks]
    assert compiled or not attack.reason, "no tactic compiled: the attack tests coqc only"
    assert all(attack.reason in (v.message or "") for v in compiled)


def test_open_section_is_closed_and_its_hypotheses_stay_in_the_statement() -> None:
    """A section the (trusted) header leaves open is closed after Qed: what is proved is the
    theorem under the section variables its statement needs, no axiom remains (request
    headers on the server may not declare variables at all). A hypothesis the statement does
    not need is out of reach (`Proof using Type.`, red-team round 42): the file could keep it
    out of its theorem, so proving from it could prove a weaker statement than the file's."""
    header = "Require Import Arith.\nSection S.\nVariable n : nat.\nHypothesis one : n = 1.\n"
    theorem = Theorem(name="t", header=header, statement="Theorem t : n = n.")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=60)
    assert verification.ok, verification.message
    assert verification.proof_text.rstrip().endswith("Qed.\nEnd S.")
    contradiction = Theorem(
        name="t",
        header="Require Import Arith.\nSection S.\nVariable contradiction : False.\n",
        statement="Theorem t : 1 = 2.",
    )
    refused = verify_proof(contradiction, ["destruct contradiction."], timeout_s=60)
    assert not refused.ok and "coqc rejected" in (refused.message or "")
    assert "coqchk" in verification.checks
