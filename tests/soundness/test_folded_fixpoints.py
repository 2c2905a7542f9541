"""A trusted header's own fixpoint, unfolded in a proof, is folded back before the reading.

miniF2F's induction problems define ``sum_f``/``sum_n`` in the header, and their proofs
``unfold sum_f in *; lia``: the proof term then holds the header fixpoint's body as a
``fix`` literal, which the term reading refused (2 of the first 180 valid theorems on
2026-12-03). The checked file now prints the term after ``Eval fold``, which puts the
constant back only where a subterm *is* its body, compared as terms: text that merely
prints the same (a local binder named like a constructor) or a rebuilt body stays refused.
"""

from __future__ import annotations

import pytest

from prover.backends.coq.verify import verify_proof
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS
from tests.soundness.test_rebuilt_fixpoints import EXPLOIT_AS_ONE_TACTIC

pytestmark = COQ_TOOLS

SUM_HEADER = (
    "Require Import Lia.\n"
    "Fixpoint sum_n (n : nat) : nat := match n with 0 => 0 | S m => n + sum_n m end.\n"
)
SUM_THEOREM = Theorem(
    name="t", header=SUM_HEADER, statement="Theorem t : forall n, 2 * sum_n n = n * (n + 1)."
)
DOUBLE_HEADER = (
    "Fixpoint double (n : nat) : nat := match n with 0 => 0 | S m => S (S (double m)) end.\n"
)


def _map_theorem() -> Theorem:
    return Theorem(
        name="t", header=DOUBLE_HEADER, statement="Theorem t : (nat -> nat) -> nat -> nat."
    )


def test_a_proof_unfolding_its_header_fixpoint_is_verified() -> None:
    """`unfold sum_n in *; lia` after induction leaves sum_n's body in the term: folded, kept."""
    proof = ["induction n.", "reflexivity.", "unfold sum_n in *; lia."]
    verification = verify_proof(SUM_THEOREM, proof, timeout_s=120)
    assert verification.ok, verification.message
    assert verification.checks == ("admission", "coqc", "coqchk")


def test_the_header_fixpoint_itself_as_a_literal_is_folded() -> None:
    """The body handed over by `eval unfold` is the constant's: it counts."""
    proof = ["intros _; let u := eval unfold double in double in exact u."]
    verification = verify_proof(_map_theorem(), proof, timeout_s=60)
    assert verification.ok, verification.message


def test_a_lookalike_bound_to_a_local_is_refused() -> None:
    """`S` made a `fun` binder prints like the constructor, but the term differs: refused."""
    proof = [
        "intros S; let u := eval unfold double in double in match u with "
        "context C [Datatypes.S] => let v := context C [S] in match v with "
        "context D [Datatypes.S] => let w := context D [S] in exact w end end."
    ]
    verification = verify_proof(_map_theorem(), proof, timeout_s=60)
    assert not verification.ok and "fixpoint literal" in (verification.message or "")


def test_a_rebuilt_header_fixpoint_is_refused() -> None:
    """The header fixpoint with another body put in by `context C[...]`: not the constant."""
    proof = [
        "intros _; let u := eval unfold double in double in match u with "
        "context C [O] => let v := context C [S O] in exact v end."
    ]
    verification = verify_proof(_map_theorem(), proof, timeout_s=60)
    assert not verification.ok and "fixpoint literal" in (verification.message or "")


@pytest.mark.parametrize("fixpoints", [True, False])
def test_abstract_behind_a_header_ltac_never_hides_the_rebuilt_fixpoint(fixpoints: bool) -> None:
    """`Ltac hide t := abstract t.`: with `Defined` refused up front, with `Qed` inlined and read.

    With header fixpoints the theorem is checked with `Defined`, which keeps `t_subproof`
    apart; `hide ltac:(<exploit>)` then had `1 = 2` verified until the header's `abstract`
    was refused on that path.
    """
    header = "Require Import Lia.\n" + (DOUBLE_HEADER if fixpoints else "")
    theorem = Theorem(
        name="t", header=header + "Ltac hide t := abstract t.\n", statement="Theorem t : 1 = 2."
    )
    verification = verify_proof(theorem, [f"hide ltac:({EXPLOIT_AS_ONE_TACTIC})."], timeout_s=120)
    assert not verification.ok and "coqchk" not in verification.checks
    expected = "'abstract' outside a proof step" if fixpoints else "fixpoint literal"
    assert expected in (verification.message or "")
