"""Round thirty: a header's `Cd` sent the verifier's prints elsewhere, and decoys were read.

Found by a red-team round (2026-12-05) through `prove --file`: the header wrote decoy
`ProverCheckTerm.out` and `VerifyAssumptions.out` files (`Redirect` may name the reserved
library there) and then ran `Cd "/tmp".`, so the checked file's own prints went to `/tmp`
and the term reading read the decoy: a proof term holding a `fix` literal (the only layer
against coq/coq#20455, which coqchk shares) passed it. Only the `.vo`, written to `/tmp`
as well, stopped the proof at coqchk. Now `Cd` as a command is refused in every header.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import prover.backends.coq.reading_refusals as reading_module
from prover.backends.coq.reading_refusals import reading_refusal
from prover.backends.coq.verify import verify_proof
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS, assert_refused_before_coqc

pytestmark = COQ_TOOLS

DECOYS = (
    "Definition innocent := 0.\n"
    'Redirect "ProverCheckTerm" Print Term innocent.\n'
    'Redirect "VerifyAssumptions" Print Assumptions innocent.\n'
)
#: Unfolding `Nat.add` puts its `fix` into the proof term: refused by the term reading.
FIX_LITERAL = [
    "pose (f := ltac:(let b := eval cbv delta [Nat.add] in Nat.add in exact b)); exact I."
]


def _theorem(header: str) -> Theorem:
    return Theorem(name="t", header=header, statement="Theorem t : True.")


@pytest.mark.parametrize(
    "command",
    ['Cd "/tmp".', "Cd.", 'Time Cd "/tmp".', 'Timeout 5 Fail Cd "a".', '#[local] Cd "b".'],
)
def test_cd_as_a_command_is_refused(command: str) -> None:
    """After any control prefix, `Cd` refuses the header, naming its line."""
    refusal = reading_refusal(f"Definition a := 0.\n{command}\n", "the header")
    assert refusal is not None and "with Cd" in refusal and "(line 2)" in refusal


def test_a_name_cd_is_not_a_command() -> None:
    """Flocq's `Round_odd.v` names a hypothesis `Cd` and rewrites with it: not refused."""
    header = "Hypothesis Cd : True.\nLemma l : True.\nProof. rewrite Cd; exact I... Qed.\n"
    assert reading_refusal(header, "the header") is None


def test_the_round_thirty_header_is_refused_before_coqc() -> None:
    """The decoys plus `Cd`: refused before coqc, and the backend refuses to open it."""
    theorem = _theorem(DECOYS + 'Cd "/tmp".\n')
    assert_refused_before_coqc(theorem, FIX_LITERAL, "changes Coq's working directory")


def test_without_the_refusal_the_term_reading_reads_the_decoy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The control: with the `Cd` rule off, the fix literal passes coqc's stage (the term
    reading read the decoy) and only the moved `.vo` stops it; without the `Cd` the term
    reading refuses the same proof."""
    plain = verify_proof(_theorem(DECOYS), FIX_LITERAL, timeout_s=60)
    assert not plain.ok and "fixpoint literal" in (plain.message or "")
    monkeypatch.setattr(reading_module, "outside_effect_refusal", lambda _sentences, _what: None)
    moved = verify_proof(  # unsandboxed: the sandbox hides pytest's /tmp from coqc
        _theorem(DECOYS + f'Cd "{tmp_path}".\n'), FIX_LITERAL, timeout_s=60, sandbox="off"
    )
    assert not moved.ok and "coqc" in moved.checks
    assert "fixpoint literal" not in (moved.message or "")
    assert (tmp_path / "Checked.vo").is_file()  # where coqchk did not look
