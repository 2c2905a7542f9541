"""A subproof that ``abstract`` keeps apart after ``Defined``: its term must be read or refused.

Found by a red-team probe (2026-12-04, the third that day): a ``/search`` header redefined
the library hook ``Zify.zify_pre_hook`` (``Ltac ... ::=``), which every ``lia`` runs, to
build the rebuilt fixpoint; a header lemma ended with ``Defined.`` and proved by ``auto with
zarith.`` (whose library hint runs ``abstract lia``) kept that fixpoint in ``bad_subproof``,
which ``Print Term bad`` only names, and ``1 = 2`` by ``exact (bad tt).`` was verified
(admission, coqc, coqchk). So did a theorem's own ``auto with zarith.`` on the ``Defined``
path a header fixpoint (or Coquelicot's ``Cpow``) selects. Now a request may not redefine
a tactic, and a print that names such a subproof refuses the proof.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq.verify import verify_proof
from prover.interactive.headers import HeaderRefused, inspected_coq_header
from prover.interactive.statements import request_theorem
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS, assert_coqc_and_coqchk_accept, is_coq_816
from tests.soundness.test_rebuilt_fixpoints import _BODY, _D, _PT0, _XV0

pytestmark = COQ_TOOLS

#: The exploit of test_rebuilt_fixpoints as one Ltac expression, run by the hook only when
#: a `unit` hypothesis is present (so that its own `lia` does not recurse into it).
HOOK = (
    "Ltac Zify.zify_pre_hook ::= try (match goal with H : unit |- _ => exfalso; "
    "destruct (exist (fun b : bool => b = true) true eq_refl) as [BV Hb]; "
    f"destruct (exist (fun x : ZMicromega.ZArithProof => x = {_XV0}) _ eq_refl) as [XV Hx]; "
    "let u := eval unfold ZMicromega.xhyps_of_pt in ZMicromega.xhyps_of_pt in "
    "match u with context C [@List.fold_left (list nat) ZMicromega.ZArithProof] => "
    f'let v := context C [{_BODY}] in let X := fresh "X" in pose (X := v); '
    f'let E := fresh "E" in assert (E : forall base, X base nil {_PT0} = cons 0 (X (S base) nil '
    f"(match (if BV then XV else {_D}) with ZMicromega.EnumProof _ _ (cons y _) => y "
    f"| _ => {_D} end))) by (intro; reflexivity); "
    "rewrite Hb, Hx in E; "
    f'let L := fresh "L" in assert (L : forall k base, k <= length (X base nil {_PT0})); '
    "[ intros k; induction k as [|k IHk]; intros base; "
    "[apply le_0_n | rewrite E; apply le_n_S; apply IHk] "
    f"| exact (Nat.nle_succ_diag_l _ (L (S (length (X 0 nil {_PT0}))) 0)) ] end end)."
)
HEADER = "\n".join(
    [
        "Require Import Lia ZArith.",
        HOOK,
        "Lemma bad : unit -> 1 = 2.",
        "Proof.",
        "auto with zarith.",
        "Defined.",
    ]
)


def _trusted(header: str, name: str = "t") -> Theorem:
    return Theorem(name=name, header=header + "\n", statement=f"Theorem {name} : 1 = 2.")


def test_the_hidden_subproof_proves_false_past_coqc_and_coqchk(tmp_path: Path) -> None:
    """Control: with the hook, coqc and coqchk accept `1 = 2` by `exact (bad tt).`."""
    if not is_coq_816():
        pytest.skip("the guard checker bug is known on Coq 8.16; this Coq may have it fixed")
    assert_coqc_and_coqchk_accept(tmp_path, _trusted(HEADER), ["exact (bad tt)."])


def test_a_request_redefining_a_tactic_is_refused() -> None:
    """`Ltac Zify.zify_pre_hook ::= ...` never reaches Coq in a request."""
    with pytest.raises(HeaderRefused, match="'::=' \\(redefining an existing tactic\\)"):
        request_theorem(language="coq", header=HEADER, statement="Theorem t : 1 = 2.", name=None)


def test_the_reading_refuses_a_header_lemma_naming_its_subproof() -> None:
    """With the rule above bypassed, the print `bad = ... bad_subproof` refuses the proof."""
    theorem = _trusted(inspected_coq_header(HEADER + "\n"))
    verification = verify_proof(theorem, ["exact (bad tt)."], timeout_s=180)
    assert not verification.ok and "coqchk" not in verification.checks
    assert "'bad_subproof', a subproof that 'abstract' kept apart" in (verification.message or "")


def test_the_reading_refuses_a_theorem_naming_its_subproof_on_the_defined_path() -> None:
    """A header fixpoint puts the theorem on the `Defined` path: `t_subproof` refuses it."""
    header = "Fixpoint twice (n : nat) : nat := n.\n" + HEADER.replace("unit -> ", "")
    header = header.split("\nLemma bad")[0]
    statement = "Theorem t (u : unit) : 1 = 2."
    theorem = Theorem(name="t", header=header + "\n", statement=statement)
    verification = verify_proof(theorem, ["auto with zarith."], timeout_s=180)
    assert not verification.ok and "coqchk" not in verification.checks
    assert "'t_subproof'" in (verification.message or "")


def test_a_qed_proof_through_the_zarith_hint_still_counts() -> None:
    """After `Qed` the subproof is inlined (its binder keeps the name): not refused."""
    theorem = Theorem(
        name="t",
        header="Require Import ZArith Lia.\n",
        statement="Theorem t : forall n : nat, n * 2 = n + n.",
    )
    verification = verify_proof(theorem, ["intros n.", "auto with zarith."], timeout_s=120)
    assert verification.ok, verification.message
