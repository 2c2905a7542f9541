"""Tests of the re-check, on resume, of every stored proof, and after the run of proofs
another verifier accepted (real Coq)."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest

from prover.attempts.database import ResultsDatabase
from prover.attempts.record import AttemptRecord
from prover.backends.factory import BackendConfig
from prover.backends.verifier_identity import verifier_fingerprint
from prover.cli.main import main
from prover.evaluation import reverify
from prover.evaluation.reverify import reverified_record
from search.outcomes import Verification
from search.states import Theorem
from tests.prover.eval_runs import proved_one_equals_one


def _edit_record(run_dir: Path, **changes: object) -> None:
    """Rewrite the stored attempt as an older version of the verifier would have left it."""
    with sqlite3.connect(run_dir / "results.sqlite") as connection:
        (text,) = connection.execute("SELECT record FROM attempts").fetchone()
        record = {**json.loads(text), **changes}
        connection.execute("UPDATE attempts SET record = ?", (json.dumps(record),))


def _stored(run_dir: Path) -> tuple[dict[str, object], list[dict[str, object]]]:
    """The database's record and the JSONL's lines."""
    with sqlite3.connect(run_dir / "results.sqlite") as connection:
        (text,) = connection.execute("SELECT record FROM attempts").fetchone()
    lines = (run_dir / "results.jsonl").read_text().splitlines()
    return json.loads(text), [json.loads(line) for line in lines]


@pytest.mark.coq
def test_a_non_proof_an_older_verifier_accepted_stops_counting_on_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stored proof `admit.` under another verifier is re-checked on resume, refused,
    and recorded as failed in the database, the JSONL and the summary; not searched again."""
    _, run_dir, arguments = proved_one_equals_one(tmp_path)
    _edit_record(run_dir, proof=["admit."], verifier="0" * 64, expansions=41)
    capsys.readouterr()
    assert main(arguments) == 0
    record, lines = _stored(run_dir)
    assert record["status"] == "failed" and record["verified"] is False
    assert str(record["error"]).startswith("re-verification failed:")
    assert record["expansions"] == 41  # the search figures stay; nothing was searched again
    assert lines == [record]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["solved"] == 0
    assert not list((run_dir / "graphs").glob("*.json"))


@pytest.mark.coq
def test_a_real_proof_from_before_verifiers_were_named_is_rechecked_and_kept(
    tmp_path: Path,
) -> None:
    """A proved record without a verifier (an older version's) passes today's check and
    stays proved, now naming today's verifier, in the database and the JSONL."""
    _, run_dir, arguments = proved_one_equals_one(tmp_path)
    _edit_record(run_dir, verifier=None, checked_by=[])
    assert main(arguments) == 0
    record, lines = _stored(run_dir)
    assert record["status"] == "proved"
    assert record["verifier"] == verifier_fingerprint()
    assert record["checked_by"] == ["admission", "coqc", "coqchk", "names"]
    assert lines == [record]


@pytest.mark.coq
def test_a_file_theorems_proof_is_checked_again_on_resume_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Resuming a run of a theorem read from a file re-checks its proof of today's verifier
    (the file or its folder may have changed) once, before the search; it stays proved."""
    _, run_dir, arguments = proved_one_equals_one(tmp_path)
    opened: list[object] = []
    real_open = reverify.open_environment

    def counting(*arguments: object) -> object:
        opened.append(arguments)
        return real_open(*arguments)  # type: ignore[arg-type]

    monkeypatch.setattr(reverify, "open_environment", counting)
    assert main(arguments) == 0
    assert len(opened) == 1
    assert _stored(run_dir)[0]["status"] == "proved"


@pytest.mark.coq
def test_a_forged_proof_of_todays_verifier_of_a_benchmark_theorem_is_refused_on_resume(
    tmp_path: Path,
) -> None:
    """Round eighty: a stored row edited to prove by `admit.`, with today's (public)
    verifier fingerprint, of a theorem not read from a file, is re-checked on resume and
    refused."""
    _, run_dir, _ = proved_one_equals_one(tmp_path)
    _edit_record(run_dir, proof=["admit."])
    theorem = Theorem(name="t", header="", statement="Theorem t : 1 = 1.")
    with ResultsDatabase(run_dir) as database:
        names = {record.name for record in database.records()}
        checked = reverify.reverify_stale_proofs(
            dict.fromkeys(names, theorem), BackendConfig(), database, resuming=True
        )
    assert checked == (1, 1)
    record, _ = _stored(run_dir)
    assert record["status"] == "failed" and record["verified"] is False
    assert "forbidden word 'admit'" in str(record["error"])


@pytest.mark.coq
def test_after_the_new_attempts_only_other_verifiers_proofs_are_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pass after the run's own attempts (not resuming) leaves today's proofs alone:
    they were checked in this process; no proof assistant is opened."""
    _, run_dir, _ = proved_one_equals_one(tmp_path)

    def refuse(*_arguments: object) -> None:
        raise AssertionError("a proof of today's verifier was re-verified")

    monkeypatch.setattr(reverify, "open_environment", refuse)
    theorem = Theorem(name="t", header="", statement="Theorem t : 1 = 1.")
    with ResultsDatabase(run_dir) as database:
        names = {record.name for record in database.records()}
        checked = reverify.reverify_stale_proofs(
            dict.fromkeys(names, theorem), BackendConfig(), database
        )
    assert checked == (0, 0)


@pytest.mark.coq
def test_a_proof_a_worker_of_other_code_recorded_is_checked_before_the_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's own process stands for another version than its worker (a Ray node of
    another install): the new proof is re-verified by it and named with its verifier."""
    monkeypatch.setattr(reverify, "verifier_fingerprint", lambda: "e" * 64)
    _, run_dir, _ = proved_one_equals_one(tmp_path)
    record, lines = _stored(run_dir)
    assert record["status"] == "proved" and record["verifier"] == "e" * 64
    assert lines == [record]


def test_a_refused_recheck_keeps_the_search_and_drops_the_proof_claims() -> None:
    """reverified_record: refused means failed, unverified, no axioms, proof text or proved
    nodes, the message kept; accepted means today's checks and verifier."""
    record = AttemptRecord(
        name="t", attempt=0, seed=1, status="proved", proof=("exact I.",), verified=True,
        proof_text="old", axioms=("classic",), expansions=5, verifier="old",
    )  # fmt: skip
    refused = Verification(ok=False, proof_text="new", message="coqc: no", checks=("admission",))
    failed = reverified_record(record, refused, verifier="today")
    assert (failed.status, failed.verified, failed.proof_text, failed.axioms) == (
        "failed", False, None, ()
    )  # fmt: skip
    assert failed.error == "re-verification failed: coqc: no" and failed.verifier is None
    assert failed.expansions == 5 and failed.proof == ("exact I.",)
    accepted = Verification(ok=True, proof_text="new", checks=("admission", "coqc"), time_s=0.5)
    kept = reverified_record(record, accepted, verifier="today")
    assert dataclasses.replace(kept, proof_text="old", checked_by=(), axioms=("classic",)) == (
        dataclasses.replace(record, verifier="today", verify_time_s=0.5)
    )
    assert (kept.proof_text, kept.checked_by, kept.axioms) == ("new", ("admission", "coqc"), ())
