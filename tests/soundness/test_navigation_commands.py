"""Round fifteen: a `Reset` put the theorem back inside a closed `Module Type`.

Found by a red-team round (2026-12-04) against the split check: in coqc, `Reset G.` goes
back to right after `G`'s definition, inside a `Module Type M` (holding `Axiom ax : 1 = 2`)
that the file had closed, while the prover's in-order reading saw an ordinary `Module M`
open. coqc prints no `-time` line for a `Reset`, and replays the file up to there; the Ltac
profiler's table, printed again by a replayed `Show Ltac Profile`, held the missing line
(`Chars A - B [` from a `Tactic Notation "Chars" "A" "-" "B" "["`); and a notation whose
token was the marker's path answered the placement check. `1 = 2` verified, through
`prove --file` too. Now navigation commands are refused, the reserved name is refused in
strings and comments too, and the split check accepts a range seen before only as the
replay at a proof's end of that proof's own sentences.
"""

from __future__ import annotations

import pytest

import prover.backends.coq.proof_source as proof_source_module
import prover.backends.coq.split_check as split_module
import prover.backends.coq.verify as verify_module
from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.backends.coq.placement import placed_closings
from prover.backends.coq.reading_refusals import reading_refusal
from prover.backends.coq.verify import verify_proof
from search.errors import StatementError
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS
from tests.soundness.split_attacks import expected_ranges, switch_off_the_assumptions_print

pytestmark = COQ_TOOLS

STATEMENT = "Theorem t : 1 = 2."
PROOF = ["exact ax."]


def _header(first: tuple[int, int], second: tuple[int, int]) -> str:
    return (
        "Set Ltac Profiling.\nShow Ltac Profile.\n"
        f'Tactic Notation "Chars" "{first[0]}" "-" "{first[1]}" "[" := idtac.\n'
        f'Tactic Notation "Chars" "{second[0]}" "-" "{second[1]}" "[" := idtac.\n'
        "Notation \"'Checked.M.ProverCheckPlaced' x\" := Set (at level 0, x name).\n"
        "Module Type M.\nAxiom ax : 1 = 2.\nDefinition G := 0.\nEnd M.\n"
        "Module K.\nDefinition G2 := 0.\nEnd K.\n"
        f"Goal True. Chars {first[0]} - {first[1]} [. exact I. Qed.\n"
        "Reset G2.\nModule M.\n"
        f"Goal True. Chars {second[0]} - {second[1]} [. exact I. Qed.\n"
        "Reset G.\n"
    )


def _attack() -> Theorem:
    first, second = (1000, 1008), (2000, 2007)
    for _ in range(5):  # the ranges are written into the header: iterate to a fixed point
        first, second = expected_ranges(_header(first, second), STATEMENT, PROOF, b"Reset")
    header = _header(first, second)
    assert expected_ranges(header, STATEMENT, PROOF, b"Reset") == [first, second]
    return Theorem(name="t", header=header, statement=STATEMENT)


def test_the_round_fifteen_header_is_refused_before_coqc() -> None:
    """It names ProverCheck (in a notation string) and uses Reset: refused before coqc, and
    the backend refuses to open it."""
    theorem = _attack()
    verification = verify_proof(theorem, PROOF, timeout_s=60)
    assert not verification.ok and "coqc" not in verification.checks
    assert "holds ProverCheck" in (verification.message or "")
    assert "uses Reset" in str(reading_refusal(theorem.header, "the header"))
    with (
        CoqEnvironment(CoqConfig()) as environment,
        pytest.raises(StatementError, match="uses Reset"),
    ):
        environment.open(theorem)


@pytest.mark.parametrize(
    "command", ["Reset a.", "Reset Initial.", "Undo.", "Restart.", "Abort All.", "Back 1."]
)
def test_every_navigation_command_is_refused(command: str) -> None:
    """coqc runs them without a -time line (Back and BackTo it forbids in files)."""
    header = f"Definition a := 0.\nGoal True.\nidtac.\n{command}\n"
    assert "uses" in str(reading_refusal(header, "the header"))


def _placed_with_check(header: str, marker: str, library: str) -> list[str]:
    """The placement checks as they were in round fifteen (``Check`` of the marker's path,
    which the round's notation answered; now ``Print Term``, which takes a name)."""
    closings = placed_closings(header, library, marker)
    return [sentence.replace("Print Term ", "Check ") for sentence in closings]


def test_without_the_refusals_before_coqc_the_split_check_refuses_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the reading refusals and the reserved-name check switched off and the old
    placement check, Coq's replay for the Reset shows ranges from before the current proof,
    so the split check refuses (it skipped every range seen before, and `1 = 2` verified)."""
    monkeypatch.setattr(split_module, "sentences_refusal", lambda *_args, **_kwargs: None)
    monkeypatch.setattr(verify_module, "target_refusal", lambda *_args, **_kwargs: None)
    monkeypatch.setattr(verify_module, "_reserved_name", lambda *_args: None)
    monkeypatch.setattr(proof_source_module, "_placed", _placed_with_check)
    switch_off_the_assumptions_print(monkeypatch)
    verification = verify_proof(_attack(), PROOF, timeout_s=60)
    assert not verification.ok and verification.checks == ("admission",)
    assert "again, from before the current proof" in (verification.message or "")
