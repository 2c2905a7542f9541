"""How the prover opens a proof: `Proof.`, or in a section `Proof using Type.` and clearing."""

from __future__ import annotations

from prover.backends.coq.section_opening import proof_opening, section_variable_names


def test_section_variable_names_are_read_in_order_once() -> None:
    """Variables, hypotheses, context binders and lets of a section, in order, each once."""
    text = (
        "Variables a b : nat.\nHypothesis H : a = b.\nContext {A : Type} (R : A -> A -> Prop).\n"
        "Let c := a + b.\nVariable a : nat.\nLemma l : True. Proof. exact I. Qed.\n"
    )
    assert section_variable_names(text) == ["a", "b", "H", "A", "R", "c"]
    assert proof_opening("Section S.\n" + text) == (
        "Proof using Type.",
        "(try clear c); (try clear R); (try clear A); (try clear H); (try clear b); (try clear a).",
    )
    assert proof_opening("Section S.\n") == ("Proof using Type.",)
    assert proof_opening("Module M.\n" + text) == ("Proof.",)


def test_names_inside_types_and_instance_binders_are_not_read() -> None:
    """Round 46: a `let` or `forall` binder inside a variable's type, `Let Fixpoint`'s keyword
    and an instance binder without `:` give no name to clear."""
    text = (
        "Variable p : (let y : nat := 0 in y) = 0.\nLet Fixpoint f (n : nat) : nat := 0.\n"
        "Variable g : forall (H : nat), H = H.\nContext `{Equivalence nat eq} (u : nat).\n"
    )
    assert section_variable_names(text) == ["p", "f", "g", "u"]


def test_a_whole_context_theorem_opens_with_proof_using_all_in_a_section_only() -> None:
    """A theorem the file's bare `Admitted.` grants every section variable opens with
    `Proof using All.` and clears nothing; outside a section it opens with `Proof.`."""
    text = "Variable a : nat.\nHypothesis H : a = 0.\n"
    assert proof_opening("Section S.\n" + text, whole_context=True) == ("Proof using All.",)
    assert proof_opening("Module M.\n" + text, whole_context=True) == ("Proof.",)
