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
