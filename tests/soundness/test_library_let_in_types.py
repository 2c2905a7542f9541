"""A proof term may not match on a library type whose constructor holds let-ins (round 26).

coq/coq#22378 shifts the relevance of the variables bound outside a ``match`` by the
number of let-ins in the matched constructor's context. The standard library's
``ConstructiveReals`` structure has six (manifest fields), and ``Require Import Reals``
loads it with a closed value, so one tactic proved ``0 = 1`` past coqc and coqchk under a
plain miniF2F-Coq header, and a request's header lemmas did the same through ``/search``.
"""

from __future__ import annotations

from pathlib import Path

from prover.backends.coq.admission import check_coq_tactic
from prover.backends.coq.verify import verify_proof
from prover.interactive.statements import request_theorem
from search.outcomes import TacticError
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS, assert_coqc_and_coqchk_accept

pytestmark = COQ_TOOLS

_SIDE = "(fun (x y : nat) (s1 s2 s3 s4 s5 s6 : (forall P : SProp, P -> P)) " + (
    "(i : ConstructiveReals.ConstructiveReals) => "
    "match i with {{| ConstructiveReals.CRcarrier := _ |}} => {} end)"
)
ONE_TACTIC = (
    "exact (f_equal (fun F => F 0 1 (fun P p => p) (fun P p => p) (fun P p => p) "
    "(fun P p => p) (fun P p => p) (fun P p => p) ConstructiveRcomplete.CRealConstructive) "
    f"(eq_refl : {_SIDE.format('x')} = {_SIDE.format('y')}))."
)
"""Round twenty-six's single tactic: the two matches compare `x` with `y` as irrelevant."""

REALS = Theorem(name="t", header="Require Import Reals.\n", statement="Theorem t : 0 = 1.")

HEADER_LEMMAS = """Require Import Coq.Reals.Abstract.ConstructiveReals.
Require Import Coq.Reals.Cauchy.ConstructiveRcomplete.
Definition sU : SProp := forall P : SProp, P -> P.
Definition stt : sU := fun P p => p.
Definition lft : nat -> nat -> sU -> sU -> sU -> sU -> sU -> sU -> ConstructiveReals -> nat.
Proof.
intros x y s1 s2 s3 s4 s5 s6 i.
destruct i.
exact x.
Defined.
Definition rgt : nat -> nat -> sU -> sU -> sU -> sU -> sU -> sU -> ConstructiveReals -> nat.
Proof.
intros x y s1 s2 s3 s4 s5 s6 i.
destruct i.
exact y.
Defined.
Definition coll : lft = rgt := eq_refl.
"""


def test_one_tactic_under_require_reals_proves_zero_eq_one_past_coqc_and_coqchk(
    tmp_path: Path,
) -> None:
    """Control: the admitted tactic really proves `0 = 1` past coqc and coqchk."""
    assert not isinstance(check_coq_tactic(ONE_TACTIC), TacticError)
    assert_coqc_and_coqchk_accept(tmp_path, REALS, [ONE_TACTIC])


def test_the_one_tactic_proof_is_refused_by_verification() -> None:
    """The proof term names ConstructiveReals: refused, naming the kernel bug."""
    verification = verify_proof(REALS, [ONE_TACTIC])
    assert not verification.ok
    assert verification.message is not None and "coq/coq#22378" in verification.message


def test_header_lemmas_matching_on_the_structure_are_refused_as_a_request() -> None:
    """Through the request route the header's definitions do the match: their prints refuse."""
    theorem = request_theorem(
        language="coq", header=HEADER_LEMMAS, statement="Theorem t : lft = rgt.", name=None
    )
    verification = verify_proof(theorem, ["exact coll."])
    assert not verification.ok
    assert verification.message is not None and "ConstructiveReals" in verification.message


def test_an_ordinary_reals_proof_still_counts() -> None:
    """Control: a lra proof over the classical reals names no such type and counts."""
    theorem = Theorem(
        name="t",
        header="Require Import Reals Lra.\nOpen Scope R_scope.\n",
        statement="Theorem t : forall x : R, x + 0 = x.",
    )
    verification = verify_proof(theorem, ["intros.", "lra."])
    assert verification.ok, verification.message
