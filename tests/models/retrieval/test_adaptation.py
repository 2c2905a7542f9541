"""Refilling a retrieved tactic's hypothesis names from the current context."""

from __future__ import annotations

from models.retrieval.adaptation import adapt_tactic, tactic_identifiers
from models.retrieval.state_text import parse_state_text


def goal(text: str):  # type: ignore[no-untyped-def]
    """The first goal of a rendered state."""
    return parse_state_text(text)[0]


SOURCE = goal("a b : nat\nHa : 0 < a\nHb : 0 < b\n⊢ 0 < a * b")


def test_missing_hypotheses_are_renamed_by_type_and_position() -> None:
    """Ha/Hb become the target's hypotheses with the same types, in the same order."""
    target = goal("u v : nat\nHu : 0 < u\nHv : 0 < v\n⊢ 0 < u * v")
    assert adapt_tactic("exact Ha.", source=SOURCE, target=target) == "exact Hu."
    assert adapt_tactic("exact Hb.", source=SOURCE, target=target) == "exact Hv."
    assert (
        adapt_tactic("apply Nat.mul_pos_pos; [exact Ha | exact Hb].", source=SOURCE, target=target)
        == "apply Nat.mul_pos_pos; [exact Hu | exact Hv]."
    )


def test_type_similarity_beats_position() -> None:
    """A hypothesis is refilled by the most similar type even if elsewhere in the context."""
    source = goal("x : R\nHx : 0 <= x\nn : nat\n⊢ 0 <= x * x")
    target = goal("Hy : 0 <= y\ny : R\nk : nat\n⊢ 0 <= y * y")
    assert adapt_tactic("apply Rmult_le_pos; exact Hx.", source=source, target=target) == (
        "apply Rmult_le_pos; exact Hy."
    )


def test_names_present_or_introduced_are_kept() -> None:
    """Hypotheses the target has and names the tactic introduces are left alone."""
    target = goal("a b : nat\nHa : 0 < a\nHb : 0 < b\n⊢ 0 < b * a")
    assert adapt_tactic("exact Ha.", source=SOURCE, target=target) == "exact Ha."
    intro_source = goal("⊢ forall n : nat, n + 0 = n")
    intro_target = goal("⊢ forall m : nat, m + 0 = m")
    assert (
        adapt_tactic("intros n IHn.", source=intro_source, target=intro_target) == "intros n IHn."
    )


def test_a_present_name_of_an_unrelated_type_is_refilled() -> None:
    """Coq's automatic names clash: H0 holding an unrelated type is replaced by a related one."""
    source = goal("x : R\nH : 0 < x\nH0 : x = 2\n⊢ x * x = 4")
    target = goal("y : R\nH0 : 0 < y\nH1 : y = 2\n⊢ y * y = 4")
    assert adapt_tactic("rewrite H0; ring.", source=source, target=target) == "rewrite H1; ring."


def test_swapped_names_are_refilled_together() -> None:
    """Two clashing names whose types are swapped in the target are exchanged in one pass."""
    source = goal("x : R\nH : x = 2\nH0 : 0 < x\n⊢ 0 < x * x")
    target = goal("x : R\nH : 0 < x\nH0 : x = 2\n⊢ 0 < x * x")
    assert adapt_tactic("rewrite H; apply H0.", source=source, target=target) == (
        "rewrite H0; apply H."
    )


def test_a_clashing_name_without_a_related_hypothesis_is_kept() -> None:
    """With nothing related to refill it, a present name stays (the tactic is not dropped)."""
    source = goal("x : R\nH : x = 2\n⊢ x * x = 4")
    target = goal("P : Prop\nH : P\n⊢ P")
    assert adapt_tactic("rewrite H.", source=source, target=target) == "rewrite H."


def test_a_variable_is_refilled_only_by_a_variable_of_its_type() -> None:
    """x : R is not refilled by a hypothesis that merely mentions R; y : R is taken instead."""
    source = goal("x : R\n⊢ 0 <= x * x")
    target = goal("f : R -> R\nH : forall t : R, f t = t\ny : R\n⊢ 0 <= y * y")
    assert adapt_tactic("pose proof (pow2_ge_0 x); nra.", source=source, target=target) == (
        "pose proof (pow2_ge_0 y); nra."
    )
    lone = goal("f : R -> R\nH : forall t : R, f t = t\n⊢ f 0 = 0")
    assert adapt_tactic("pose proof (pow2_ge_0 x); nra.", source=source, target=lone) is None


def test_unfillable_tactic_is_dropped() -> None:
    """A hypothesis with no type-sharing counterpart makes the tactic unusable (None)."""
    target = goal("P Q : Prop\n⊢ P -> Q")
    assert adapt_tactic("exact Ha.", source=SOURCE, target=target) is None


def test_qualified_names_are_not_identifiers_to_rename() -> None:
    """Only unqualified identifiers count; parts of Nat.add do not."""
    assert tactic_identifiers("rewrite Nat.add_comm in H; exact H.1") == [
        "rewrite",
        "in",
        "H",
        "exact",
    ]
