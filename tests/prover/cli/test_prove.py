"""`prover prove` end to end: real coqtop/coqc (and the fake Lean REPL) through the CLI."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from prover.cli.main import main

REPOSITORY = Path(__file__).resolve().parents[3]
FAKE_REPL = REPOSITORY / "tests" / "fakes" / "fake_lean_repl.py"
REQUIRED_FIELDS = {
    "name", "attempt", "status", "proof", "proof_text", "verified", "expansions", "time_s", "error",
}  # fmt: skip
needs_coq = pytest.mark.skipif(shutil.which("coqtop") is None, reason="coqtop not installed")


def _records(directory: Path) -> list[dict[str, Any]]:
    lines = (directory / "results.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def _prove(*arguments: str) -> int:
    return main(["prove", "--no-progress", "--time-limit", "30", *arguments])


@pytest.mark.coq
@needs_coq
def test_proves_benchmark_theorems_with_verified_proofs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Easy miniF2F-Coq valid theorems are proved, verified by coqc and recorded in full."""
    names = "mathd_numbertheory_101,mathd_algebra_104"
    status = _prove(
        "--backend", "coq", "--benchmark", "minif2f-coq", "--split", "valid",
        "--names", names, "--output", str(tmp_path),
    )  # fmt: skip
    assert status == 0
    records = _records(tmp_path)
    assert [r["name"] for r in records] == names.split(",")
    for record in records:
        assert record.keys() >= REQUIRED_FIELDS
        assert record["status"] == "proved" and record["verified"] is True
        assert record["proof"] and "Qed." in record["proof_text"]
        assert record["proof_text"].count("Theorem ") == 1
    assert "proved 2/2" in capsys.readouterr().out
    assert json.loads((tmp_path / "summary.json").read_text())["proved"] == 2


@pytest.mark.coq
@needs_coq
def test_unsupported_statement_is_recorded_and_batch_goes_on(
    tmp_path: Path, unloadable_benchmark: str
) -> None:
    """A statement Coq rejects (a missing library) is an error record; the next theorem runs."""
    status = _prove(
        "--benchmark", "minif2f-coq", "--split", "valid",
        "--names", f"{unloadable_benchmark},mathd_numbertheory_101", "--output", str(tmp_path),
    )  # fmt: skip
    assert status == 3, "an attempt ended in error, so the exit status says so"
    first, second = _records(tmp_path)
    assert first["status"] == "error" and "NoSuchLibrary" in first["error"]
    assert "\n" not in first["error"]
    assert second["status"] == "proved"


@pytest.mark.coq
@needs_coq
def test_broken_benchmark_line_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken line in a benchmark file becomes an error record naming the line."""
    data = tmp_path / "data"
    data.mkdir()
    good = {
        "name": "easy", "split": "valid", "header": "Require Import Arith.\n",
        "formal_statement": "Theorem easy : 2 + 2 = 4.",
    }  # fmt: skip
    (data / "minif2f_coq.jsonl").write_text("{broken\n" + json.dumps(good) + "\n")
    monkeypatch.setenv("PROVER_DATA_DIR", str(data))
    output = tmp_path / "run"
    assert _prove("--benchmark", "minif2f-coq", "--split", "valid", "--output", str(output)) == 3
    broken, proved = _records(output)
    assert broken["status"] == "error" and "minif2f_coq.jsonl line 1" in broken["error"]
    assert proved["status"] == "proved" and proved["verified"]


def test_unknown_theorem_name_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown --names entry stops the run with exit 2 and a message naming it."""
    status = _prove(
        "--benchmark", "minif2f-coq", "--split", "valid", "--names", "no_such_thm",
        "--output", str(tmp_path),
    )  # fmt: skip
    error = capsys.readouterr().err.strip()
    assert status == 2 and "no_such_thm" in error and "\n" not in error


def test_missing_coqtop_is_recorded_per_theorem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without coqtop on PATH every theorem is an error record saying so; nothing crashes."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    status = _prove(
        "--benchmark", "minif2f-coq", "--split", "valid", "--limit", "2",
        "--output", str(tmp_path / "run"),
    )  # fmt: skip
    records = _records(tmp_path / "run")
    assert status == 3 and len(records) == 2
    assert all(r["status"] == "error" and "coqtop" in r["error"] for r in records)


@pytest.mark.coq
@needs_coq
def test_file_and_theorem_ignore_the_files_own_proof(tmp_path: Path) -> None:
    """--file/--theorem proves a theorem of a .v file; its existing (bogus) proof is ignored."""
    source = tmp_path / "mine.v"
    source.write_text(
        "Require Import Arith Lia.\n\nDefinition double (n : nat) := n + n.\n\n"
        "Theorem double_even (n : nat) : double n = 2 * n.\nProof.\n  admit.\nAdmitted.\n"
    )
    output = tmp_path / "run"
    assert _prove("--file", str(source), "--theorem", "double_even", "--output", str(output)) == 0
    (record,) = _records(output)
    assert record["status"] == "proved" and record["verified"]
    assert "admit" not in record["proof_text"] and "Definition double" in record["proof_text"]


@pytest.mark.coq
@needs_coq
def test_existing_results_are_kept_unless_forced(tmp_path: Path) -> None:
    """A second run into the same DIR is refused; --force moves the old run's files aside."""
    old = {"results.jsonl": '{"name": "old"}\n', "config.json": "{}\n", "summary.json": "[]\n"}
    for name, text in old.items():
        (tmp_path / name).write_text(text)
    arguments = ("--benchmark", "minif2f-coq", "--split", "valid", "--limit", "1")
    assert _prove(*arguments, "--output", str(tmp_path), "--max-expansions", "1") == 2
    assert (tmp_path / "results.jsonl").read_text() == old["results.jsonl"]
    assert _prove(*arguments, "--output", str(tmp_path), "--max-expansions", "1", "--force") == 0
    [aside] = tmp_path.glob("previous-*")
    assert {path.name: path.read_text() for path in aside.iterdir()} == old
    assert len(_records(tmp_path)) == 1 and _records(tmp_path)[0]["name"] != "old"
    assert json.loads((tmp_path / "config.json").read_text())["force"] is True


def test_output_that_is_a_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An --output that is a file, or lies under one, stops with one line naming it."""
    blocker = tmp_path / "plain-file"
    blocker.write_text("not a directory")
    arguments = ("--benchmark", "minif2f-coq", "--split", "valid", "--limit", "1")
    for output in (blocker, blocker / "run"):
        assert _prove(*arguments, "--output", str(output)) == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and str(blocker) in error and "Traceback" not in error


def test_lean_repl_backend_proves_through_the_fake_repl(tmp_path: Path) -> None:
    """`--backend lean-repl --lean-repl-cmd <fake>` proves a recorded theorem, verified."""
    status = _prove(
        "--backend", "lean-repl", "--lean-repl-cmd", f"{sys.executable} {FAKE_REPL}",
        "--benchmark", "minif2f-lean4", "--split", "test", "--names", "mathd_algebra_478",
        "--output", str(tmp_path),
    )  # fmt: skip
    (record,) = _records(tmp_path)
    assert status == 0 and record["status"] == "proved" and record["verified"]
    assert "sorry" not in record["proof_text"] and "nlinarith" in record["proof_text"]


def test_benchmark_for_another_language_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Lean benchmark on the Coq backend is refused with an error naming both."""
    status = _prove(
        "--backend", "coq", "--benchmark", "minif2f-lean4", "--split", "valid",
        "--output", str(tmp_path),
    )  # fmt: skip
    error = capsys.readouterr().err
    assert status == 2 and "minif2f-lean4" in error and "coq" in error


def test_lean_file_and_theorem_through_the_fake_repl(tmp_path: Path) -> None:
    """--file F.lean --theorem NAME takes the header before it and drops the file's own proof."""
    record = json.loads(
        next(
            line
            for line in (REPOSITORY / "prover/data/statements/minif2f_lean4.jsonl")
            .read_text()
            .splitlines()
            if '"mathd_algebra_478"' in line
        )
    )
    source = tmp_path / "Mine.lean"
    source.write_text(record["header"] + record["formal_statement"] + "  sorry\n")
    output = tmp_path / "run"
    status = _prove(
        "--backend", "lean-repl", "--lean-repl-cmd", f"{sys.executable} {FAKE_REPL}",
        "--file", str(source), "--theorem", "mathd_algebra_478", "--output", str(output),
    )  # fmt: skip
    (result,) = _records(output)
    assert status == 0 and result["status"] == "proved" and result["verified"]
    assert "sorry" not in result["proof_text"]


def test_non_utf8_source_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --file that is not UTF-8 stops with one line naming the file, not a traceback."""
    source = tmp_path / "latin1.v"
    source.write_bytes("Theorem caf\xe9 : True.\nProof. exact I. Qed.\n".encode("latin-1"))
    status = _prove("--file", str(source), "--theorem", "t", "--output", str(tmp_path / "o"))
    error = capsys.readouterr().err
    assert status == 2 and error.count("\n") == 1
    assert str(source) in error and "UTF-8" in error and "Traceback" not in error
