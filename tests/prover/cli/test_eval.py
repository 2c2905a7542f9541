"""End-to-end tests of ``prover eval`` on real Coq: SIGKILL and resume, config, bad input."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from prover.cli.main import main
from tests.prover.eval_runs import proved_one_equals_one

pytestmark = pytest.mark.coq

REPOSITORY = Path(__file__).resolve().parents[3]
#: Valid-split theorems: two the portfolio proves quickly, three it fails fast, one whose
#: header Coq rejects (a backend start failure: see the ``unloadable_benchmark`` fixture).
NAMES = (
    "amc12_2001_p2",
    "algebra_apb4leq8ta4pb4",
    "algebra_binomnegdiscrineq_10alt28asqp1",
    "aime_1990_p2",
    "algebra_sqineq_36azm9asqle36zsq",
    "algebra_sqineq_2unitcircatblt1",
)


def _eval_arguments(run_dir: Path, *, names: tuple[str, ...], attempts: int = 2) -> list[str]:
    return [
        "eval",
        "--benchmark",
        "minif2f-coq",
        "--split",
        "valid",
        "--names",
        ",".join(names),
        "--attempts",
        str(attempts),
        "--time-limit",
        "6",
        "--max-expansions",
        "4",
        "--run-dir",
        str(run_dir),
        "--no-progress",
    ]


def _database_rows(run_dir: Path) -> list[tuple[str, int, int, str]]:
    connection = sqlite3.connect(run_dir / "results.sqlite")
    try:
        rows = connection.execute("SELECT name, attempt, seed, status FROM attempts").fetchall()
    except sqlite3.OperationalError:
        rows = []
    finally:
        connection.close()
    return [(str(n), int(a), int(s), str(st)) for n, a, s, st in rows]


def _live_members(group: int) -> list[int]:
    """Pids in process group ``group`` that are not zombies (read from /proc)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def _wait_for_group_to_exit(group: int, *, timeout_s: float) -> None:
    """The orphaned eval worker notices its parent is gone, closes Coq and exits."""
    deadline = time.monotonic() + timeout_s
    while _live_members(group):
        if time.monotonic() > deadline:
            leftover = _live_members(group)
            for pid in leftover:
                os.kill(pid, signal.SIGKILL)
            raise AssertionError(f"workers {leftover} outlived their killed parent")
        time.sleep(0.2)


def _jsonl(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_sigkill_then_resume_records_every_attempt_exactly_once(
    tmp_path: Path, unloadable_benchmark: str
) -> None:
    """Kill -9 mid-run, tear the JSONL, rerun: each attempt once in SQLite and JSONL, none lost."""
    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "prover.cli.main", *_eval_arguments(run_dir, names=NAMES)]
    process = subprocess.Popen(
        command, cwd=REPOSITORY, start_new_session=True, stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while len(_database_rows(run_dir)) < 3 if (run_dir / "results.sqlite").exists() else True:
            assert process.poll() is None, "eval finished before it could be killed"
            assert time.monotonic() < deadline, "no attempts recorded within 120 s"
            time.sleep(0.2)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    before = _database_rows(run_dir)
    assert 3 <= len(before) < 2 * len(NAMES)
    with (run_dir / "results.jsonl").open("a") as handle:
        handle.write('{"name": "torn-by-kill", "att')
    _wait_for_group_to_exit(process.pid, timeout_s=30.0)

    assert main(_eval_arguments(run_dir, names=NAMES)) == 3, "start failures are errors"

    after = _database_rows(run_dir)
    keys = Counter((name, attempt) for name, attempt, _, _ in after)
    assert set(keys) == {(name, a) for name in NAMES for a in range(2)}
    assert max(keys.values()) == 1
    assert set(before) <= set(after)
    lines = Counter((r["name"], r["attempt"]) for r in _jsonl(run_dir))
    assert lines == keys
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["num_theorems"] == len(NAMES)
    assert summary["startup_failures"] == [unloadable_benchmark]
    assert summary["errors_by_kind"] == {"StatementError": 2}
    assert (run_dir / "report.html").exists()


def test_changed_configuration_is_refused_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another --max-expansions in DIR is refused, other --workers resumes, --force moves aside."""
    run_dir = tmp_path / "run"
    names = ("algebra_apb4leq8ta4pb4",)
    assert main([*_eval_arguments(run_dir, names=names, attempts=1), "--no-report"]) == 0
    first = _database_rows(run_dir)
    changed = [*_eval_arguments(run_dir, names=names, attempts=1), "--max-expansions", "3"]
    assert main([*changed, "--no-report"]) == 2
    assert "belongs to another configuration" in capsys.readouterr().err
    assert _database_rows(run_dir) == first
    # Rerunning the original command (other --workers is fine) resumes: nothing duplicated.
    resumed = [*_eval_arguments(run_dir, names=names, attempts=1), "--workers", "2"]
    assert main([*resumed, "--no-report"]) == 0
    assert _database_rows(run_dir) == first
    assert main([*changed, "--no-report", "--force"]) == 0
    aside = list(run_dir.glob("previous-*"))
    assert len(aside) == 1
    assert (aside[0] / "results.sqlite").exists()


def test_a_directory_made_before_a_field_existed_resumes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A run recorded without scoring.frontier resumes under the same flags (frontier at its
    default), its record updated; with --force nothing is moved aside."""
    run_dir = tmp_path / "run"
    names = ("algebra_apb4leq8ta4pb4",)
    arguments = [*_eval_arguments(run_dir, names=names, attempts=1), "--no-report"]
    assert main(arguments) == 0
    first = _database_rows(run_dir)
    connection = sqlite3.connect(run_dir / "results.sqlite")
    try:
        (text,) = connection.execute("SELECT value FROM meta WHERE key = 'config'").fetchone()
        old = json.loads(text)
        del old["scoring"]["frontier"]  # as an older version recorded it
        connection.execute("UPDATE meta SET value = ? WHERE key = 'config'", (json.dumps(old),))
        connection.execute("UPDATE meta SET value = 'an-older-hash' WHERE key = 'config_hash'")
        connection.commit()
    finally:
        connection.close()
    assert main(arguments) == 0
    assert "made before scoring.frontier existed" in caplog.text
    assert _database_rows(run_dir) == first
    stored = json.loads((run_dir / "config.json").read_text())
    assert stored["scoring"]["frontier"] == "single"
    assert main([*arguments, "--force"]) == 0
    assert not list(run_dir.glob("previous-*"))
    assert _database_rows(run_dir) == first


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--benchmark": "no-such-benchmark"}, "unknown benchmark 'no-such-benchmark'"),
        ({"--attempts": "0"}, "--attempts must be at least 1, got 0"),
        ({"--names": "no_such_theorem"}, "no_such_theorem"),
    ],
)
def test_bad_input_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, str], message: str
) -> None:
    """Unknown benchmark, K < 1 and unknown names exit 2 with a message naming the input."""
    arguments = _eval_arguments(tmp_path / "run", names=("amc12_2001_p2",))
    for flag, value in change.items():
        arguments[arguments.index(flag) + 1] = value
    assert main(arguments) == 2
    assert message in capsys.readouterr().err


def test_unknown_split_is_rejected_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    """--split outside valid/test stops with a usage error naming the flag."""
    arguments = _eval_arguments(Path("unused"), names=("amc12_2001_p2",))
    arguments[arguments.index("--split") + 1] = "train"
    with pytest.raises(SystemExit):
        main(arguments)
    assert "--split" in capsys.readouterr().err


def test_directory_of_a_prove_run_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A DIR holding results.jsonl without the eval database is not taken over."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "results.jsonl").write_text('{"name": "x", "attempt": 0}\n')
    assert main(_eval_arguments(run_dir, names=("amc12_2001_p2",))) == 2
    assert "not an eval run directory" in capsys.readouterr().err
    assert (run_dir / "results.jsonl").read_text() == '{"name": "x", "attempt": 0}\n'


def test_corrupt_results_line_is_reported_and_nothing_lost(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken line in DIR/results.jsonl stops the rerun with its line number; SQLite intact."""
    run_dir = tmp_path / "run"
    arguments = [*_eval_arguments(run_dir, names=("algebra_apb4leq8ta4pb4",)), "--no-report"]
    assert main(arguments) == 0
    rows = _database_rows(run_dir)
    lines = (run_dir / "results.jsonl").read_text().splitlines()
    (run_dir / "results.jsonl").write_text("\n".join(["{broken", *lines[1:]]) + "\n")
    assert main(arguments) == 2
    error = capsys.readouterr().err
    assert "results.jsonl line 1" in error
    assert _database_rows(run_dir) == rows


def test_run_dir_that_is_a_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --run-dir that is a file, or lies under one, stops with one line naming it."""
    blocker = tmp_path / "plain-file"
    blocker.write_text("not a directory")
    for run_dir in (blocker, blocker / "run"):
        assert main(_eval_arguments(run_dir, names=NAMES[:1], attempts=1)) == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and str(blocker) in error and "Traceback" not in error


def test_progress_model_of_the_wrong_kind_is_refused_before_the_run_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --progress-model without a progress manifest: exit 2, one line naming it, no run dir
    (so the corrected command is not refused as another configuration)."""
    knn_model = tmp_path / "knn-model"
    knn_model.mkdir()
    (knn_model / "kind.json").write_text('{"kind": "knn"}\n')
    run_dir = tmp_path / "run"
    arguments = [*_eval_arguments(run_dir, names=NAMES[:1], attempts=1), "--workers", "2"]
    assert main([*arguments, "--progress-model", str(knn_model)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and str(knn_model) in error and "Traceback" not in error
    assert not run_dir.exists()


def test_a_theorem_whose_file_changed_is_not_resumed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`1 = 1` proved, the file edited to `1 = 2`: the rerun refuses to count the old proof."""
    source, run_dir, arguments = proved_one_equals_one(tmp_path)
    assert [row[3] for row in _database_rows(run_dir)] == ["proved"]
    source.write_text("Theorem t : 1 = 2.\nProof.\nAdmitted.\n")
    assert main(arguments) == 2
    assert "the header or statement of 't' changed" in capsys.readouterr().err
    assert [row[3] for row in _database_rows(run_dir)] == ["proved"]  # nothing lost
    main([*arguments, "--force"])
    assert [row[3] for row in _database_rows(run_dir)] == ["failed"]


def test_attempts_recorded_before_fingerprints_are_not_resumed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run directory of a version without fingerprints, the file since edited to `1 = 2`:
    refused by name (round seven saw it counted and bound silently); --force moves it aside."""
    source, run_dir, arguments = proved_one_equals_one(tmp_path)
    with sqlite3.connect(run_dir / "results.sqlite") as connection:
        connection.execute("DELETE FROM theorems")  # what an older version left behind
    source.write_text("Theorem t : 1 = 2.\nProof.\nAdmitted.\n")
    assert main(arguments) == 2
    error = capsys.readouterr().err
    assert "'t' was recorded before statement fingerprints existed" in error
    assert error.count("\n") == 1
    assert [row[3] for row in _database_rows(run_dir)] == ["proved"]  # nothing lost
    main([*arguments, "--force"])
    assert [row[3] for row in _database_rows(run_dir)] == ["failed"]
