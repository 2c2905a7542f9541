"""Coq 8.16.1's guard checker accepts an ill-formed fixpoint (coq/coq#20455): proof of False.

The kernel and coqchk share the guard checker, so neither re-check catches the bug: a
fixpoint built by untrusted text (a tactic, a server request's header or statement) can
prove anything with no axiom. Admission therefore refuses ``fix``/``cofix`` in tactics,
and the server's whitelist refuses them, and ``Fixpoint``/``CoFixpoint``, in requests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq.admission import check_coq_tactic
from prover.backends.coq.verify import verify_proof
from prover.interactive.headers import HeaderRefused
from prover.interactive.statements import request_theorem
from search.outcomes import TacticError
from search.states import Theorem
from tests.soundness.attacks import GUARD_BUG_FALSE, GUARD_BUG_HEADER
from tests.soundness.kernel_controls import COQ_TOOLS, assert_coqc_and_coqchk_accept, is_coq_816

pytestmark = COQ_TOOLS

FALSE_THEOREM = Theorem(name="t", header="Require Import Arith.\n", statement="Theorem t : 1 = 2.")
EXPLOIT = f"exact (False_ind _ ({GUARD_BUG_FALSE}))."
HEADER_FIXPOINT = GUARD_BUG_HEADER


def test_the_kernel_and_coqchk_accept_the_ill_formed_fixpoint(tmp_path: Path) -> None:
    """Admission bypassed, coqc and coqchk pass `1 = 2` with no axiom: only admission holds."""
    if not is_coq_816():
        pytest.skip("the guard checker bug is known on Coq 8.16; this Coq may have it fixed")
    assert_coqc_and_coqchk_accept(tmp_path, FALSE_THEOREM, [EXPLOIT])


def test_the_ill_formed_fixpoint_is_refused_by_admission() -> None:
    """The exploit, as one tactic, never reaches coqc: `fix` is refused by admission."""
    verification = verify_proof(FALSE_THEOREM, [EXPLOIT], timeout_s=60)
    assert not verification.ok
    assert "coqc" not in verification.checks
    assert "fix" in (verification.message or "")


@pytest.mark.parametrize(
    "tactic",
    [
        "fix f 1.",
        "cofix c.",
        "all: fix f 1.",
        "refine (fix f (n : nat) : nat := n).",
        "exact ltac:(cofix c).",
        "(fix f 1).",
        "exact (fun n => (fix\tf (m : nat) : nat := m) n).",
        "coinduction proof.",
    ],
)
def test_local_fixpoints_are_refused_in_tactics(tactic: str) -> None:
    """Every way a tactic text writes a fixpoint (fix/cofix tactics and terms, `coinduction`)."""
    checked = check_coq_tactic(tactic)
    assert isinstance(checked, TacticError) and "fix" in checked.message


@pytest.mark.parametrize(
    "tactic",
    ["apply Fix.", "induction n using nat_ind.", "exact fix_point.", 'idtac "fix".', "exact I."],
)
def test_names_merely_containing_fix_stay_admissible(tactic: str) -> None:
    """`Fix` (well-founded recursion, a global), `fix_point` and strings are no fixpoints."""
    assert check_coq_tactic(tactic) == tactic


@pytest.mark.parametrize(
    ("header", "statement"),
    [
        (HEADER_FIXPOINT, "Theorem t : 1 = 2."),
        (f"Definition issue : False := {GUARD_BUG_FALSE}.\n", "Theorem t : 1 = 2."),
        ("", f"Theorem t : let contradiction := {GUARD_BUG_FALSE} in 1 = 2."),
        ("Lemma l : False.\nProof.\n" + EXPLOIT + "\nQed.\n", "Theorem t : 1 = 2."),
        ("CoFixpoint c : nat := 0.\n", "Theorem t : True."),
        ("Require Import Streams.\nLtac c := coinduction p.\n", "Theorem t : True."),
    ],
)
def test_server_requests_may_not_build_fixpoints(header: str, statement: str) -> None:
    """A /search request's header or statement with a fixpoint is refused before Coq sees it."""
    with pytest.raises(HeaderRefused, match="fix"):
        request_theorem(language="coq", header=header, statement=statement, name=None)


def test_the_header_fixpoint_would_prove_false() -> None:
    """Control: the refused header really is the exploit (coqc and coqchk accept it as a file)."""
    if not is_coq_816():
        pytest.skip("the guard checker bug is known on Coq 8.16; this Coq may have it fixed")
    theorem = Theorem(name="t", header=HEADER_FIXPOINT, statement="Theorem t : 1 = 2.")
    verification = verify_proof(theorem, ["destruct (issue 1 I)."], timeout_s=60)
    assert verification.ok, verification.message
