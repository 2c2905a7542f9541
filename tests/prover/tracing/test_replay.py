"""Replaying Coq sources in a real coqtop: the constructs fixture against a hand-written trace."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from prover.tracing import SourceTrace, trace_source
from prover.tracing.records import TracedStep

pytestmark = [
    pytest.mark.coq,
    pytest.mark.skipif(shutil.which("coqtop") is None, reason="coqtop not installed"),
]

FIXTURE = Path(__file__).parent / "fixtures" / "constructs.v"

AB = "a b : nat\n"
N_POSITIVE = "n : nat\npositive : 0 < n\n"

# (theorem, tactic, state before it); remaining steps follow from the order.
EXPECTED_STEPS = [
    ("bullets", "intros a b.", "⊢ forall a b : nat, a + 0 = a /\\ b = b /\\ 0 + b = b"),
    ("bullets", "split.", AB + "⊢ a + 0 = a /\\ b = b /\\ 0 + b = b"),
    ("bullets", "lia.", AB + "⊢ a + 0 = a"),
    ("bullets", "split.", AB + "⊢ b = b /\\ 0 + b = b"),
    ("bullets", "reflexivity.", AB + "⊢ b = b"),
    ("bullets", "simpl.", AB + "⊢ 0 + b = b"),
    ("bullets", "reflexivity.", AB + "⊢ b = b"),
    ("braces_and_selector", "split.", N_POSITIVE + "⊢ n <> 0 /\\ n >= 1"),
    ("braces_and_selector", "lia.", N_POSITIVE + "⊢ n >= 1"),
    ("braces_and_selector", "lia.", N_POSITIVE + "⊢ n <> 0"),
    (
        "with_default",
        "intros m; split; auto with arith.",
        "⊢ forall m : nat, m <= m /\\ S m <= S (S m)",
    ),
    ("spans_lines", "intros x y.", "⊢ forall x y : nat, x + y = y + x"),
    ("spans_lines", "finish.", "x y : nat\n⊢ x + y = y + x"),
    ("string_with_period", 'idtac "a. b."; reflexivity.', "⊢ length (listing 1 2) = 2"),
    ("positive_pred_obligation_1", "destruct k.", "k : nat\nh : 0 < k\n⊢ S (Init.Nat.pred k) = k"),
    ("positive_pred_obligation_1", "inversion h.", "h : 0 < 0\n⊢ S (Init.Nat.pred 0) = 0"),
    (
        "positive_pred_obligation_1",
        "reflexivity.",
        "k : nat\nh : 0 < S k\n⊢ S (Init.Nat.pred (S k)) = S k",
    ),
]

EXPECTED_THEOREMS = [
    ("bullets", "traced", None, 7),
    ("braces_and_selector", "traced", None, 3),
    ("with_default", "traced", None, 1),
    ("spans_lines", "traced", None, 2),
    ("string_with_period", "traced", None, 1),
    ("given_up", "skipped", "Admitted", None),
    ("in_term_mode", "skipped", "term-mode proof", None),
    ("proof_term", "skipped", "term-mode proof", None),
    ("positive_pred_obligation_1", "traced", None, 3),
    ("renamed_benchmark_statement", "skipped", "miniF2F statement", None),
]


@pytest.fixture(scope="module")
def fixture_trace() -> SourceTrace:
    return trace_source(FIXTURE.read_text(encoding="utf-8"), file="constructs.v")


def test_fixture_replays_without_error(fixture_trace: SourceTrace) -> None:
    """The whole fixture replays: no file-level error."""
    assert fixture_trace.error is None


def test_fixture_steps_match_the_hand_written_trace(fixture_trace: SourceTrace) -> None:
    """States, tactics and order of every step are exactly the expected ones."""
    got = [(s.theorem, s.tactic, s.state) for s in fixture_trace.steps]
    assert got == EXPECTED_STEPS


def test_remaining_steps_count_down_to_one(fixture_trace: SourceTrace) -> None:
    """step, remaining_steps and proof_length agree; bullets and braces are not steps."""
    by_theorem: dict[str, list[TracedStep]] = {}
    for step in fixture_trace.steps:
        by_theorem.setdefault(step.theorem, []).append(step)
    for steps in by_theorem.values():
        length = len(steps)
        assert [s.step for s in steps] == list(range(length))
        assert [s.remaining_steps for s in steps] == list(range(length, 0, -1))
        assert {s.proof_length for s in steps} == {length}
        assert all(s.num_goals == 1 and s.library == "source" for s in steps)


def test_goals_outside_a_bullet_or_brace_are_kept_apart(fixture_trace: SourceTrace) -> None:
    """Inside a focus the goals waiting outside it are recorded (conclusions), not in state."""
    got = [(s.theorem, s.tactic, s.unfocused) for s in fixture_trace.steps[:10]]
    assert got == [
        ("bullets", "intros a b.", ""),
        ("bullets", "split.", ""),
        ("bullets", "lia.", "⊢ b = b /\\ 0 + b = b"),
        ("bullets", "split.", ""),
        ("bullets", "reflexivity.", "⊢ 0 + b = b"),
        ("bullets", "simpl.", ""),
        ("bullets", "reflexivity.", ""),
        ("braces_and_selector", "split.", ""),
        ("braces_and_selector", "lia.", "⊢ n <> 0"),
        ("braces_and_selector", "lia.", ""),
    ]
    first_bullet = fixture_trace.steps[2]
    assert first_bullet.whole_state == AB + "⊢ a + 0 = a\n\n⊢ b = b /\\ 0 + b = b"


def test_fixture_declarations_and_reasons(fixture_trace: SourceTrace) -> None:
    """Every proof-bearing declaration is listed with its status and reason."""
    got = [(t.theorem, t.status, t.reason, t.proof_length) for t in fixture_trace.theorems]
    assert got == EXPECTED_THEOREMS
    endings = {t.theorem: t.ending for t in fixture_trace.theorems}
    assert endings["spans_lines"] == "Defined" and endings["bullets"] == "Qed"


def test_rejected_tactic_skips_only_its_proof() -> None:
    """A tactic Coq rejects skips that proof with Coq's error; later proofs still use it."""
    source = (
        "Lemma broken : 1 = 2.\nProof.\n  reflexivity.\nQed.\n"
        "Lemma after : 1 = 2 -> True.\nProof.\n  intros _.\n  exact I.\nQed.\n"
        "Lemma uses_broken : 1 = 2.\nProof.\n  exact broken.\nQed.\n"
    )
    trace = trace_source(source)
    assert trace.error is None
    statuses = {t.theorem: (t.status, t.reason) for t in trace.theorems}
    assert statuses["broken"][0] == "skipped"
    assert "line 3" in str(statuses["broken"][1]) and "Unable to unify" in str(
        statuses["broken"][1]
    )
    assert statuses["after"] == ("traced", None)
    assert statuses["uses_broken"] == ("traced", None)


def test_command_rejected_outside_a_proof_stops_the_file() -> None:
    """An unknown import stops the replay with Coq's message; earlier proofs are kept."""
    source = (
        "Lemma first : True.\nProof. exact I. Qed.\n"
        "Require Import NoSuchLibrary.\n"
        "Lemma second : True.\nProof. exact I. Qed.\n"
    )
    trace = trace_source(source)
    assert trace.error is not None and "line 3" in trace.error and "NoSuchLibrary" in trace.error
    assert [t.theorem for t in trace.theorems] == ["first"]
    assert [s.theorem for s in trace.steps] == ["first"]


def test_uppercase_tactic_is_not_a_training_step() -> None:
    """A step the search would reject (here Unshelve) skips the proof with that reason."""
    source = (
        "Lemma shelved : exists n : nat, n = n.\nProof.\n"
        "  eexists ?[m].\n  Unshelve.\n  2: exact 0.\n  reflexivity.\nQed.\n"
    )
    trace = trace_source(source)
    assert trace.error is None and trace.steps == []
    (status,) = trace.theorems
    assert status.status == "skipped" and "Unshelve" in str(status.reason)


def test_nested_proof_stops_the_file_with_a_clear_message() -> None:
    """A lemma opened inside a proof (Nested Proofs Allowed) stops the file, naming it."""
    source = (
        "Set Nested Proofs Allowed.\nLemma before : True.\nProof. exact I. Qed.\n"
        "Lemma outer : True.\nProof.\n  Lemma inner : True.\n  Proof. exact I. Qed.\n"
        "  exact I.\nQed.\n"
    )
    trace = trace_source(source)
    assert trace.error is not None and "nested proofs" in trace.error and "line 6" in trace.error
    assert [(t.theorem, t.status) for t in trace.theorems] == [
        ("before", "traced"),
        ("outer", "skipped"),
    ]
