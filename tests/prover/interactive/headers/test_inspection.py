"""The request header inspection: what it prints of each lemma and definition, and how."""

from __future__ import annotations

from prover.interactive.headers import inspected_coq_header


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
