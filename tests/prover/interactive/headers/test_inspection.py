"""The request header inspection: what it prints of each lemma and definition, and how."""

from __future__ import annotations

from prover.backends.coq.proof_source import build_proof_source
from prover.interactive.headers import inspected_coq_header
from prover.interactive.headers.inspection import without_inspection


def test_each_term_is_printed_whole_with_every_match_branch_named() -> None:
    """A definition's print comes with Printing All, unbounded depth and no default match
    clause (as the theorem's own print), and the settings are restored after it."""
    header = "Definition pred' (n : nat) : nat := match n with O => O | S m => m end.\n"
    inspected = inspected_coq_header(header)
    print_at = inspected.index('Redirect "ProverCheckHeader1" Print Term pred\'.')
    before, after = inspected[:print_at], inspected[print_at:]
    assert before.rstrip().endswith(
        "Set Printing All.\nSet Printing Depth 1000000000.\n"
        "Unset Printing Allow Match Default Clause."
    )
    assert after.index("Set Printing Allow Match Default Clause.") < after.index(
        "Unset Printing All."
    )
    assert "Fail Check pred'." in before


def test_the_shown_file_is_the_users_header_then_the_verified_rest() -> None:
    """The answer's file opens with the request's header, none of the inspection's
    sentences, and keeps the statement and proof exactly as compiled."""
    header = "Lemma helper : True.\nProof. exact I. Qed.\n"
    inspected = inspected_coq_header(header)
    source = build_proof_source(
        header=inspected, statement="Theorem t : True.", tactics=["exact helper."]
    )
    shown = without_inspection(source, inspected=inspected, header=header)
    assert shown.startswith(header.rstrip())
    assert "Redirect" not in shown and "Fail Check" not in shown and "Printing" not in shown
    assert shown.endswith(source[source.index("Theorem t : True.") :])


def test_a_file_not_opening_with_the_inspected_header_is_shown_as_compiled() -> None:
    """Without the inspected header at its start, the compiled text is shown unchanged."""
    inspected = inspected_coq_header("Definition d := 0.\n")
    source = "Theorem t : True.\nProof.\nexact I.\nQed.\n"
    assert without_inspection(source, inspected=inspected, header="Definition d := 0.") == source
