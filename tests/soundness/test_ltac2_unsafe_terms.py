"""Ltac2's ``Constr.Unsafe`` builds the ill-formed fixpoint of coq/coq#20455 without ``fix``.

Refusing the word ``fix`` is not enough once Ltac2 is loaded: ``Constr.Unsafe.make
(Constr.Unsafe.Fix ...)`` turns a plain ``fun issue n => ...`` into the fixpoint that
Coq 8.16.1's guard checker (kernel and coqchk alike) wrongly accepts, so one tactic
proves ``1 = 2`` past both re-checks. Admission therefore refuses ``ltac2``, ``Ltac2``
and ``Unsafe`` in tactics, and a ``/search`` request may not name them (so it cannot
load Ltac2); a trusted header may still load Ltac2, its tactics are refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from prover.backends.coq.admission import check_coq_tactic
from prover.backends.coq.verify import verify_proof
from prover.interactive.headers import HeaderRefused
from prover.interactive.statements import request_theorem
from search.outcomes import TacticError
from search.states import Theorem
from tests.soundness.attacks import LTAC2_HEADER, LTAC2_UNSAFE_FALSE
from tests.soundness.kernel_controls import COQ_TOOLS, assert_coqc_and_coqchk_accept, is_coq_816

pytestmark = COQ_TOOLS

LTAC2_THEOREM = Theorem(name="t", header=LTAC2_HEADER, statement="Theorem t : 1 = 2.")


def test_the_kernel_and_coqchk_accept_the_fixpoint_ltac2_builds(tmp_path: Path) -> None:
    """Control: admission bypassed, the Ltac2 tactic passes `1 = 2` through coqc and coqchk."""
    if not is_coq_816():
        pytest.skip("the guard checker bug is known on Coq 8.16; this Coq may have it fixed")
    assert not re.search(r"\b(?:fix|cofix)\b", LTAC2_UNSAFE_FALSE)
    assert_coqc_and_coqchk_accept(tmp_path, LTAC2_THEOREM, [LTAC2_UNSAFE_FALSE])


def test_the_ltac2_exploit_is_refused_by_admission() -> None:
    """With a trusted header that loads Ltac2, the exploit tactic never reaches coqc."""
    verification = verify_proof(LTAC2_THEOREM, [LTAC2_UNSAFE_FALSE], timeout_s=60)
    assert not verification.ok
    assert "coqc" not in verification.checks
    assert "Ltac2" in (verification.message or "")


@pytest.mark.parametrize(
    "tactic",
    [
        LTAC2_UNSAFE_FALSE,
        "exact ltac2:(exact I).",
        "refine ltac2:(Control.refine (fun () => constr:(I))).",
        "let c := Constr.Unsafe.make (Constr.Unsafe.Rel 1) in exact $c.",
        "Ltac2.Notations.exact0 false (fun () => '(eq_refl 1)).",
    ],
)
def test_ltac2_is_refused_in_tactics(tactic: str) -> None:
    """The `ltac2:(...)` quotation, `Constr.Unsafe` and `Ltac2.` names: refused as Ltac2."""
    checked = check_coq_tactic(tactic)
    assert isinstance(checked, TacticError) and "Ltac2" in checked.message


@pytest.mark.parametrize(
    "tactic", ["exact unsafe_lemma.", 'idtac "Constr.Unsafe".', "apply ltac_lemma."]
)
def test_names_merely_resembling_ltac2_stay_admissible(tactic: str) -> None:
    """Lowercase `unsafe_lemma`, a string, `ltac_lemma`: no Ltac2, admitted."""
    assert check_coq_tactic(tactic) == tactic


@pytest.mark.parametrize(
    ("header", "statement"),
    [
        (LTAC2_HEADER, "Theorem t : 1 = 2."),
        ("Require Import Ltac2.Ltac2.\n", "Theorem t : 1 = 2."),
        ("From Ltac2 Require Export Constr.\n", "Theorem t : True."),
        ("Definition x : True := ltac2:(exact I).\n", "Theorem t : True."),
        ("Lemma l : True.\nProof.\nexact ltac2:(exact I).\nQed.\n", "Theorem t : True."),
        ("", "Theorem t : ltac2:(exact True)."),
    ],
)
def test_server_requests_may_not_load_or_use_ltac2(header: str, statement: str) -> None:
    """A /search request naming Ltac2 (a Require, a quotation) is refused before Coq sees it."""
    with pytest.raises(HeaderRefused, match="Ltac2"):
        request_theorem(language="coq", header=header, statement=statement, name=None)
