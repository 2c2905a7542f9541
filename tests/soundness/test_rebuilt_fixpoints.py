"""A fixpoint rebuilt by Ltac from a library one, with the model's body: no word to refuse.

Found by a red-team probe (2026-12-03, the fifth): with only ``Require Import Lia.``,
``eval unfold ZMicromega.xhyps_of_pt`` hands Ltac a library fixpoint, and ``context C[...]``
puts the model's own body (the coq/coq#20455 pattern) into it. Every tactic passes admission
(no ``fix`` written), and coqc and coqchk accept the proof of ``1 = 2``. Verification now
reads the proof term: a ``fix``/``cofix`` literal in it refuses the proof.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq.admission import check_coq_tactic
from prover.backends.coq.verify import verify_proof
from prover.interactive.headers import HeaderRefused, inspected_coq_header
from prover.interactive.statements import request_theorem
from search.outcomes import TacticError
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS, assert_coqc_and_coqchk_accept, is_coq_816

pytestmark = COQ_TOOLS

_W = "(@RingMicromega.PsatzZ BinNums.Z)"
_D = "ZMicromega.DoneProof"
_PT0 = f"(ZMicromega.EnumProof {_W} {_W} (cons {_D} nil))"
_XV0 = f"ZMicromega.EnumProof {_W} {_W} (cons {_PT0} nil)"
_BODY = (
    "(fun (g : list nat -> ZMicromega.ZArithProof -> list nat) "
    "(l : list ZMicromega.ZArithProof) (acc : list nat) => match l with nil => acc "
    "| cons sub _ => cons 0 (let f (b : bool) (x : ZMicromega.ZArithProof) := g nil "
    "(match (if b then x else sub) with ZMicromega.EnumProof _ _ (cons y _) => y "
    "| _ => sub end) in f BV XV) end)"
)
EXPLOIT = [
    "destruct (exist (fun b : bool => b = true) true eq_refl) as [BV Hb].",
    f"destruct (exist (fun x : ZMicromega.ZArithProof => x = {_XV0}) _ eq_refl) as [XV Hx].",
    "let u := eval unfold ZMicromega.xhyps_of_pt in ZMicromega.xhyps_of_pt in "
    "match u with context C [@List.fold_left (list nat) ZMicromega.ZArithProof] => "
    f"let v := context C [{_BODY}] in pose (X := v) end.",
    f"assert (E : forall base, X base nil {_PT0} = cons 0 (X (S base) nil "
    f"(match (if BV then XV else {_D}) with ZMicromega.EnumProof _ _ (cons y _) => y "
    f"| _ => {_D} end))) by (intro; reflexivity).",
    "rewrite Hb, Hx in E.",
    f"assert (L : forall k base, k <= length (X base nil {_PT0})).",
    "induction k; intros base; [apply le_0_n | rewrite E; apply le_n_S; apply IHk].",
    f"exfalso; specialize (L (S (length (X 0 nil {_PT0}))) 0); lia.",
]
FALSE_THEOREM = Theorem(name="t", header="Require Import Lia.\n", statement="Theorem t : 1 = 2.")


def test_every_exploit_tactic_passes_admission() -> None:
    """No word of the exploit is refused: admission cannot stop it."""
    assert all(not isinstance(check_coq_tactic(tactic), TacticError) for tactic in EXPLOIT)


def test_the_rebuilt_fixpoint_proves_false_past_coqc_and_coqchk(tmp_path: Path) -> None:
    """Control: the kernel and coqchk accept the proof of `1 = 2` with no axiom."""
    if not is_coq_816():
        pytest.skip("the guard checker bug is known on Coq 8.16; this Coq may have it fixed")
    assert_coqc_and_coqchk_accept(tmp_path, FALSE_THEOREM, EXPLOIT)


def test_verification_refuses_a_proof_term_with_a_fixpoint_literal() -> None:
    """The proof term holds the rebuilt `fix`: verification refuses it before coqchk."""
    verification = verify_proof(FALSE_THEOREM, EXPLOIT, timeout_s=120)
    assert not verification.ok and "coqchk" not in verification.checks
    assert "fixpoint literal" in (verification.message or "")


def test_a_proof_without_fixpoint_literals_still_counts() -> None:
    """Induction through `nat_ind` and `lia` leave no literal: the proof is verified."""
    theorem = Theorem(
        name="u", header="Require Import Lia.\n", statement="Theorem u : forall n : nat, n + 0 = n."
    )
    verification = verify_proof(theorem, ["intros n.", "induction n; simpl; lia."], timeout_s=60)
    assert verification.ok, verification.message


def test_a_request_header_lemma_is_inspected_too() -> None:
    """A /search header lemma proved by the exploit, then used by the theorem: refused.

    The theorem's own term holds only the name `bad`; the header lemma's term is printed
    after its Qed (the request's header gains the inspection) and read as well.
    """
    header = "Require Import Lia.\nLemma bad : 1 = 2.\nProof.\n" + "\n".join(EXPLOIT) + "\nQed.\n"
    theorem = request_theorem(
        language="coq", header=header, statement="Theorem t : 1 = 2.", name=None
    )
    verification = verify_proof(theorem, ["exact bad."], timeout_s=120)
    assert not verification.ok and "coqchk" not in verification.checks
    assert "term of a header lemma or definition holds a fixpoint literal" in (
        verification.message or ""
    )
    clean = request_theorem(
        language="coq",
        header="Lemma fine : 1 = 1.\nProof.\nreflexivity.\nQed.\n",
        statement="Theorem t : 1 = 1.",
        name=None,
    )
    assert verify_proof(clean, ["exact fine."], timeout_s=60).ok


@pytest.mark.parametrize(
    "tactic", ["abstract lia.", "transparent_abstract (exact I).", "all: abstract auto."]
)
def test_abstract_is_refused_since_its_subproof_term_is_not_read(tactic: str) -> None:
    """`abstract` would move the term into `t_subproof`, which the term reading skips."""
    checked = check_coq_tactic(tactic)
    assert isinstance(checked, TacticError) and "auxiliary constant" in checked.message


def test_a_term_nested_past_the_print_depth_is_still_read() -> None:
    """60 `apply id` put the rebuilt fix past Coq's default print depth (50): still refused."""
    deep = ["do 60 apply (@id (1 = 2))."]
    verification = verify_proof(FALSE_THEOREM, [*deep, *EXPLOIT], timeout_s=180)
    assert not verification.ok and "coqchk" not in verification.checks
    assert "fixpoint literal" in (verification.message or "")
    header = "Require Import Lia.\nLemma bad : 1 = 2.\nProof.\n" + "\n".join([*deep, *EXPLOIT])
    theorem = request_theorem(
        language="coq", header=header + "\nQed.\n", statement="Theorem t : 1 = 2.", name=None
    )
    verification = verify_proof(theorem, ["exact bad."], timeout_s=180)
    assert not verification.ok and "fixpoint literal" in (verification.message or "")


EXPLOIT_AS_ONE_TACTIC = "; ".join(tactic.rstrip(".") for tactic in EXPLOIT[:5]) + (
    f"; assert (L : forall k base, k <= length (X base nil {_PT0})); "
    "[induction k; intros base; [apply le_0_n | rewrite E; apply le_n_S; apply IHk] | "
    f"exfalso; specialize (L (S (length (X 0 nil {_PT0}))) 0); lia]"
)
"""The exploit as one tactic, to run where a sentence cannot be split (``ltac:(...)``)."""
_EXPLOIT_WITHOUT_K = [
    tactic.replace("forall k base, k <=", "forall m base, m <=")
    .replace("induction k;", "induction m;")
    .replace("IHk", "IHm")
    for tactic in EXPLOIT
]
"""The exploit with its bound ``k`` renamed, beside a class field named ``k``."""
_CLASS = "Require Import Lia.\nClass K := { k : 1 = 2 }.\n"
_HIDDEN_TERMS = {
    "definition body": (
        f"Require Import Lia.\nDefinition bad : 1 = 2 := ltac:({EXPLOIT_AS_ONE_TACTIC}).\n",
        "exact bad.",
    ),
    "abstract behind an Ltac, Defined": (
        "Require Import Lia.\nLtac hide t := abstract t.\nDefinition bad : 1 = 2.\nProof.\n"
        f"hide ltac:({EXPLOIT_AS_ONE_TACTIC}).\nDefined.\n",
        "exact bad.",
    ),
    "anonymous instance": (
        _CLASS + "Instance : K.\nProof.\nconstructor.\n" + "\n".join(_EXPLOIT_WITHOUT_K),
        "exact k.",
    ),
}
"""Seventh and eighth probes: where a header built the fixpoint, and the theorem's proof."""


@pytest.mark.parametrize("where", sorted(_HIDDEN_TERMS))
def test_a_fixpoint_built_where_no_term_was_read_passes_the_kernel(where: str) -> None:
    """Control: a Definition body, an abstract subproof, an anonymous instance, unprinted."""
    if not is_coq_816():
        pytest.skip("the guard checker bug is known on Coq 8.16; this Coq may have it fixed")
    header, proof = _HIDDEN_TERMS[where]
    header += "\nQed.\n" if where == "anonymous instance" else ""
    theorem = Theorem(name="t", header=header, statement="Theorem t : 1 = 2.")
    verification = verify_proof(theorem, [proof], timeout_s=180)
    assert verification.ok and "coqchk" in verification.checks


@pytest.mark.parametrize("where", sorted(_HIDDEN_TERMS))
def test_a_request_header_may_not_build_a_term_where_none_is_read(where: str) -> None:
    """A /search header with `ltac:(...)` in a definition, `abstract`, or an unnamed instance."""
    header, _ = _HIDDEN_TERMS[where]
    header += "\nQed.\n" if where == "anonymous instance" else ""
    with pytest.raises(HeaderRefused, match=r"ltac:\(\.\.\.\)' outside|'abstract'|no name"):
        request_theorem(language="coq", header=header, statement="Theorem t : 1 = 2.", name=None)


def test_header_definitions_and_named_instances_are_read_too() -> None:
    """Past the word rules, a definition's body and a named instance's term are printed."""
    header, _ = _HIDDEN_TERMS["definition body"]
    theorem = Theorem(name="t", header=inspected_coq_header(header), statement="Theorem t : 1 = 2.")
    verification = verify_proof(theorem, ["exact bad."], timeout_s=180)
    assert not verification.ok and "header lemma or definition holds a fixpoint" in str(
        verification.message
    )
    named = _CLASS + "Instance i : K.\nProof.\nconstructor.\n" + "\n".join(_EXPLOIT_WITHOUT_K)
    theorem = request_theorem(
        language="coq", header=named + "\nQed.\n", statement="Theorem t : 1 = 2.", name=None
    )
    verification = verify_proof(theorem, ["exact k."], timeout_s=180)
    assert not verification.ok and "fixpoint literal" in (verification.message or "")


def test_a_request_with_ordinary_definitions_is_still_verified() -> None:
    """Printing a header's definitions and instances refuses nothing ordinary."""
    header = (
        "Definition two := 1 + 1.\nClass C := { c : nat }.\nInstance ci : C := {| c := two |}.\n"
        "Lemma two_eq : two = 2.\nProof.\nreflexivity.\nQed.\n"
    )
    theorem = request_theorem(
        language="coq", header=header, statement="Theorem t : c = 2.", name=None
    )
    verification = verify_proof(theorem, ["exact two_eq."], timeout_s=120)
    assert verification.ok, verification.message
