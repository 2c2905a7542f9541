"""Tests of what `prover eval` counts and of its run-directory lock: rows another process
writes during the run (real processes, real Coq, real SQLite) and a locked directory."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from prover.attempts.database import ResultsDatabase
from prover.cli.main import main
from prover.evaluation import runner
from tests.prover.run_locks import REPOSITORY, files_of, lock_held_elsewhere

#: Another process turns attempt 0 of a theorem into a proof by `admit.` carrying today's
#: (public) verifier fingerprint: an UPDATE of the row, or an INSERT before the run's own.
_FORGE = """
import json, sqlite3, sys, time
from prover.backends.verifier_identity import verifier_fingerprint
path, mode, name = sys.argv[1:]
forged = {"status": "proved", "verified": True, "proof": ["admit."], "error": None,
          "proof_text": "Admitted.", "checked_by": ["admission", "coqc", "coqchk"],
          "verifier": verifier_fingerprint(), "stop_reason": "proved"}
connection = sqlite3.connect(path, timeout=30, isolation_level=None)
if mode == "update":
    (text,) = connection.execute(
        "SELECT record FROM attempts WHERE name = ? AND attempt = 0", (name,)).fetchone()
    connection.execute("UPDATE attempts SET status = 'proved', record = ? WHERE name = ?",
                       (json.dumps({**json.loads(text), **forged}), name))
else:
    record = {"name": name, "attempt": 0, "seed": 0, **forged}
    connection.execute(
        "INSERT INTO attempts (name, attempt, seed, status, record, graph, recorded_at, "
        "sequence) VALUES (?, 0, 0, 'proved', ?, NULL, ?, 1)",
        (name, json.dumps(record), time.time()))
connection.close()
"""


def _forge(run_dir: Path, mode: str) -> None:
    """Run :data:`_FORGE` in a separate process against ``run_dir``'s database."""
    command = [sys.executable, "-c", _FORGE, str(run_dir / "results.sqlite"), mode, "t"]
    subprocess.run(command, check=True, cwd=REPOSITORY, timeout=60)


def _false_theorem_run(tmp_path: Path, *, report: bool) -> tuple[Path, list[str]]:
    """A file with the false `t : 1 = 2` and the argv of a short eval of it (not started)."""
    source = tmp_path / "F.v"
    source.write_text("Theorem t : 1 = 2.\nProof.\nAdmitted.\n")
    run_dir = tmp_path / "run"
    arguments = [
        "eval", "--file", str(source), "--theorem", "t", "--attempts", "1", "--time-limit", "5",
        "--max-expansions", "2", "--run-dir", str(run_dir), "--no-progress",
    ]  # fmt: skip
    return run_dir, [*arguments, *(() if report else ("--no-report",))]


def _forge_around_the_workers(
    monkeypatch: pytest.MonkeyPatch, run_dir: Path, *, before: bool
) -> None:
    """Make another process forge attempt 0 of `t` just before or just after the workers."""
    real = runner._run_pending

    def forging(*arguments: Any) -> None:
        if before:
            _forge(run_dir, "insert")
        real(*arguments)
        if not before:
            _forge(run_dir, "update")

    monkeypatch.setattr(runner, "_run_pending", forging)


@pytest.mark.coq
def _forged_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    *,
    before: bool,
) -> Path:
    """Eval the false theorem while another process forges its row (``before`` the worker's
    result or after the workers); assert stdout and summary.json say solved 0."""
    run_dir, arguments = _false_theorem_run(tmp_path, report=not before)
    _forge_around_the_workers(monkeypatch, run_dir, before=before)
    with caplog.at_level(logging.WARNING):
        assert main(arguments) == 0
    assert "solved 0;" in capsys.readouterr().out
    assert json.loads((run_dir / "summary.json").read_text())["solved"] == 0
    return run_dir


def test_a_row_rewritten_into_a_proof_during_the_run_is_named_and_not_counted(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Another process rewrites the run's failed attempt into a proof by `admit.` of today's
    verifier after the workers: a warning names it, and stdout, summary.json and report.html
    count what this run verified (solved 0)."""
    run_dir = _forged_run(tmp_path, monkeypatch, capsys, caplog, before=False)
    page = (run_dir / "report.html").read_text()
    assert ">0/1</td>" in page and "admit." not in page
    assert "t attempt 0: the row (proved) differs from this run's record (failed)" in caplog.text
    with ResultsDatabase(run_dir) as database:
        assert [record.status for record in database.records()] == ["proved"]  # left as found


@pytest.mark.coq
def test_a_row_another_writer_inserted_first_is_a_conflict_and_the_runs_result_counts(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Another process inserts a proved row for a pending attempt before the worker ends:
    the ignored insert is a warned conflict, and the summary counts the worker's failure."""
    _forged_run(tmp_path, monkeypatch, capsys, caplog, before=True)
    assert "t attempt 0: " in caplog.text and "already held a row for it" in caplog.text


def test_eval_with_force_into_a_locked_directory_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`prover eval --force` into a directory another run holds (here of another
    configuration, which --force would move aside) exits 2 with one line naming the
    directory, and moves, reads and writes none of its files."""
    run_dir, arguments = _false_theorem_run(tmp_path, report=False)
    with ResultsDatabase(run_dir) as database:
        database.bind_config("another configuration", {})
    (run_dir / "results.jsonl").write_text("")
    with lock_held_elsewhere(run_dir):
        before = files_of(run_dir)
        status = main([*arguments, "--force"])
        assert files_of(run_dir) == before
    assert status == 2
    error = capsys.readouterr().err.strip()
    assert (
        error.count("\n") == 0
        and f"another prover run is using the run directory {run_dir}" in error
    )
