"""The JSONL reader/writer and attempt records (typed, validated, round-tripped)."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from prover.attempts.jsonl import JsonlWriter, read_jsonl, read_records
from prover.attempts.record import AttemptRecord, attempt_seed, record_from_search
from search.errors import InputError
from search.outcomes import Verification
from search.result import SearchResult, SearchStatus, StopReason


def _result(status: SearchStatus) -> SearchResult:
    return SearchResult(
        status=status,
        stop_reason=StopReason.PROOF_FOUND,
        proof=("intros", "lia") if status is SearchStatus.PROVED else None,
        proof_states=("⊢ P",),
        expansions=3,
        num_nodes=5,
        time_s=2.0,
        generator_time_s=0.5,
        backend_time_s=1.0,
        scorer_time_s=0.1,
    )


def test_written_records_survive_a_torn_last_line(tmp_path: Path) -> None:
    """Records are appended one per line; a torn final line from a killed writer is skipped."""
    path = tmp_path / "results.jsonl"
    with JsonlWriter(path) as writer:
        writer.write({"name": "a", "status": "proved"})
        writer.write({"name": "b", "status": "failed"})
    with path.open("a") as handle:
        handle.write('{"name": "c", "sta')
    assert [r["name"] for r in read_jsonl(path)] == ["a", "b"]


def test_corrupt_middle_line_is_an_error_naming_the_line(tmp_path: Path) -> None:
    """A corrupt line that is not the last raises an error naming the file and line."""
    path = tmp_path / "results.jsonl"
    path.write_text('{"name": "a"}\nGARBAGE\n{"name": "b"}\n')
    with pytest.raises(InputError, match="line 2"):
        read_jsonl(path)


def test_unverified_proof_is_not_counted_as_proved() -> None:
    """A search proof that fails the independent check is recorded as failed, not proved."""
    rejected = Verification(
        ok=False, proof_text="...", message="uses axiom foo", axioms=("Top.foo",)
    )
    record = record_from_search(
        name="t",
        attempt=0,
        seed=1,
        split="valid",
        result=_result(SearchStatus.PROVED),
        verification=rejected,
    )
    assert record.status == "failed" and not record.verified and record.axioms == ()
    assert record.proof_text is None and "uses axiom foo" in (record.error or "")
    accepted = Verification(ok=True, proof_text="Theorem t ... Qed.")
    record = record_from_search(
        name="t",
        attempt=0,
        seed=1,
        split="valid",
        result=_result(SearchStatus.PROVED),
        verification=accepted,
    )
    assert record.status == "proved" and record.verified
    assert record.to_dict()["proof"] == ["intros", "lia"]
    assert record.to_dict()["overhead_time_s"] == pytest.approx(0.4)


def test_attempt_seeds_are_stable_across_processes_and_distinct() -> None:
    """Seeds depend only on (base seed, theorem, attempt): a fresh interpreter with another
    string-hash salt computes the same ones, and attempts get different seeds."""
    code = (
        "from prover.attempts.record import attempt_seed;"
        "print([attempt_seed(b, t, a) for b, t, a in [(0, 't', 0), (5, 'x', 3)]])"
    )
    environment = {**os.environ, "PYTHONHASHSEED": "12345"}
    fresh = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    assert fresh.stdout.strip() == str([attempt_seed(0, "t", 0), attempt_seed(5, "x", 3)])
    assert len({attempt_seed(0, "t", k) for k in range(20)}) == 20
    assert attempt_seed(1, "t", 0) != attempt_seed(0, "t", 0)


def test_record_round_trips_through_jsonl(tmp_path: Path) -> None:
    """A written record, with its proof's axioms, reads back equal (typed end to end)."""
    classic = "Coq.Logic.Classical_Prop.classic"
    record = record_from_search(
        name="t",
        attempt=2,
        seed=9,
        split="test",
        result=_result(SearchStatus.PROVED),
        verification=Verification(ok=True, proof_text="Theorem t ... Qed.", axioms=(classic,)),
    )
    assert record.to_dict()["axioms"] == [classic]
    path = tmp_path / "results.jsonl"
    with JsonlWriter(path) as writer:
        writer.write(record)
    [read] = read_records(path)
    assert read == record
    assert read.proof_states == ("⊢ P",) and read.proved


def test_unreadable_records_are_skipped_with_one_warning_naming_the_first(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Bad JSON, a wrong field type and a torn tail are skipped; the good records are kept and
    one warning names the file, the count and the first bad line with what is wrong."""
    path = tmp_path / "results.jsonl"
    path.write_text(
        '{"name": "a", "attempt": 0, "seed": 1, "status": "failed"}\n'
        "GARBAGE\n"
        '{"name": "b", "attempt": "zero", "seed": 1, "status": "failed"}\n'
        '{"name": "c", "attempt": 0, "seed": 1, "status": "failed"}\n'
        '{"name": "d", "att'
    )
    with caplog.at_level(logging.WARNING, logger="prover.attempts.jsonl"):
        records = read_records(path)
    assert [record.name for record in records] == ["a", "c"]
    [warning] = caplog.messages
    assert warning.startswith(f"{path}: skipped 3 unreadable lines of 5, the first: line 2 ")
    assert "not valid JSON" in warning and "kept the other 2" in warning


def test_a_field_error_is_named_in_the_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A record with a wrong field type is skipped, the warning naming its line and field."""
    path = tmp_path / "results.jsonl"
    path.write_text('{"name": "b", "attempt": "zero", "seed": 1, "status": "failed"}\n')
    with caplog.at_level(logging.WARNING, logger="prover.attempts.jsonl"):
        assert read_records(path) == []
    [warning] = caplog.messages
    assert re.search(r"skipped 1 unreadable line of 1, the first: line 1: .*'attempt'", warning)


def test_clean_results_read_without_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A file of valid records (blank lines aside) gives every record and no warning."""
    path = tmp_path / "results.jsonl"
    path.write_text('{"name": "a", "attempt": 0, "seed": 1, "status": "failed"}\n\n')
    with caplog.at_level(logging.WARNING):
        assert [record.name for record in read_records(path)] == ["a"]
    assert caplog.messages == []


def test_proved_status_needs_a_verified_proof() -> None:
    """An AttemptRecord saying proved without the independent check is refused."""
    with pytest.raises(InputError, match="status proved needs verified"):
        AttemptRecord(name="x", attempt=0, seed=0, status="proved", proof=("lia.",))


def test_line_separators_inside_strings_and_a_non_utf8_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A U+2028 or U+0085 inside a written string stays in its record (lines end at \\n
    only), and a line that is not UTF-8 is one skipped line, not an unreadable file."""
    path = tmp_path / "results.jsonl"
    text = "a\u2028b\u0085c"
    with JsonlWriter(path) as writer:
        writer.write(AttemptRecord(name=text, attempt=0, seed=1, status="failed"))
    with path.open("ab") as handle:
        handle.write(b'{"name": "\xff"}\n')
    with caplog.at_level(logging.WARNING, logger="prover.attempts.jsonl"):
        [record] = read_records(path)
    assert record.name == text
    [warning] = caplog.messages
    assert "skipped 1 unreadable line of 2, the first: line 2 is not valid JSON" in warning


@pytest.mark.parametrize("link", ["symbolic", "hard"])
def test_a_results_file_that_is_a_link_is_not_appended_to(tmp_path: Path, link: str) -> None:
    """Round ninety-two: appending through a symbolic or hard link would write into another
    run's results; the writer refuses it in one line and the other file is unchanged."""
    other = tmp_path / "other.jsonl"
    other.write_text("")
    path = tmp_path / "results.jsonl"
    if link == "symbolic":
        path.symlink_to(other)
    else:
        path.hardlink_to(other)
    with pytest.raises(InputError, match=re.escape(f"cannot write {path}") + "|not a file of"):
        JsonlWriter(path)
    assert other.read_text() == ""
