"""Tests of the comparison between a run's own records and the database's rows."""

from __future__ import annotations

import dataclasses

from prover.attempts.record import AttemptRecord
from prover.evaluation.summary import unmatched_rows


def test_rows_that_differ_from_the_runs_own_records_are_each_named() -> None:
    """Same records (times rounded as stored) match; a rewritten row, a proved row the run
    never recorded and an attempt missing from the database are each named once."""
    failed = AttemptRecord(name="a", attempt=0, seed=1, status="failed", time_s=1.23456789)
    kept = AttemptRecord(name="b", attempt=0, seed=1, status="failed")
    gone = AttemptRecord(name="c", attempt=0, seed=1, status="failed")
    forged = dataclasses.replace(failed, status="proved", verified=True, proof=("admit.",))
    stranger = dataclasses.replace(forged, name="d")
    stored_kept = AttemptRecord.from_dict(kept.to_dict())
    assert unmatched_rows([failed, kept], [dataclasses.replace(failed, time_s=1.2346), kept]) == []
    assert unmatched_rows([failed, kept, gone], [forged, stored_kept, stranger]) == [
        "a attempt 0: the row (proved) differs from this run's record (failed), so another "
        "writer changed it",
        "d attempt 0: a proved row this run did not record or verify",
        "c attempt 0: missing from the database",
    ]
