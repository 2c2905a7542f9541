"""Tests of the run-directory lock (real processes) and of `prover prove` on a locked one."""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.attempts.run_directory import LOCK_NAME, locked_run_directory, replace_file
from prover.cli.main import main
from search.errors import InputError
from tests.prover.run_locks import files_of, lock_held_elsewhere


def test_a_directory_another_process_locks_is_refused_until_that_process_dies(
    tmp_path: Path,
) -> None:
    """While another process holds the lock, taking it is one InputError naming the
    directory; once that process is killed, the operating system has released it."""
    run_dir = tmp_path / "run"
    with lock_held_elsewhere(run_dir) as holder:
        with (
            pytest.raises(
                InputError, match=f"another prover run is using the run directory {run_dir}"
            ),
            locked_run_directory(run_dir),
        ):
            pass  # pragma: no cover - the lock is refused
        holder.kill()
        holder.wait(timeout=30)
        with locked_run_directory(run_dir):
            assert (run_dir / LOCK_NAME).is_file()


def test_the_lock_is_released_when_the_block_raises(tmp_path: Path) -> None:
    """An exception inside the block releases the lock: the next run takes it."""
    with pytest.raises(RuntimeError), locked_run_directory(tmp_path):
        raise RuntimeError("the run failed")
    with locked_run_directory(tmp_path):
        pass


def test_prove_with_force_into_a_locked_directory_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`prover prove --force` into a directory another run holds exits 2 with one line
    naming the directory, and moves, reads and writes none of its files."""
    source = tmp_path / "T.v"
    source.write_text("Theorem t : 1 = 1.\nProof.\nreflexivity.\nQed.\n")
    output = tmp_path / "out"
    output.mkdir()
    (output / "results.jsonl").write_text('{"name": "other"}\n')
    (output / "config.json").write_text("{}\n")
    with lock_held_elsewhere(output):
        before = files_of(output)
        arguments = ["prove", "--file", str(source), "--theorem", "t", "--force"]
        status = main([*arguments, "--output", str(output), "--no-progress"])
        assert files_of(output) == before
    assert status == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "another prover run is using" in error
    assert str(output) in error


@pytest.mark.parametrize(
    "planted", ["summary.json", "report.html", "results.jsonl", "graphs/t.a0.json", "graphs"]
)
def test_a_run_file_that_is_a_link_is_refused_before_use(tmp_path: Path, planted: str) -> None:
    """Round eighty-four: a link where a run file (or the graphs folder) belongs, even a
    dangling one, refuses the directory; the file it leads to stays unwritten."""
    victim = tmp_path / "victim.json"
    victim.write_text("{}\n")
    run_dir = tmp_path / "run"
    (run_dir / "graphs").mkdir(parents=True)
    if planted == "graphs":
        (run_dir / "graphs").rmdir()
    (run_dir / planted).symlink_to(victim)
    with (
        pytest.raises(InputError, match="is a symbolic link, a hard link or not a regular file"),
        locked_run_directory(run_dir),
    ):
        pass  # pragma: no cover - refused
    assert victim.read_text() == "{}\n"


def test_prove_into_a_directory_with_a_linked_summary_writes_nothing_through_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`prover prove` into a handed-over directory whose `summary.json` links to another
    run's exits 2 with one line naming the link, and the linked file is unchanged."""
    source = tmp_path / "T.v"
    source.write_text("Theorem t : 1 = 1.\nProof.\nreflexivity.\nQed.\n")
    victim = tmp_path / "victim" / "summary.json"
    victim.parent.mkdir()
    victim.write_text('{"proved": 0}\n')
    output = tmp_path / "out"
    output.mkdir()
    (output / "summary.json").symlink_to(victim)
    arguments = ["prove", "--file", str(source), "--theorem", "t", "--output", str(output)]
    assert main([*arguments, "--no-progress"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and f"{output / 'summary.json'} is a symbolic link" in error
    assert victim.read_text() == '{"proved": 0}\n'


def test_a_run_file_hard_linked_to_another_runs_is_refused(tmp_path: Path) -> None:
    """Round eighty-eight: a `summary.json` that is a hard link (a regular file with a second
    name, another run's) refuses the directory too."""
    other = tmp_path / "other-summary.json"
    other.write_text("{}\n")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "summary.json").hardlink_to(other)
    with (
        pytest.raises(InputError, match="is a symbolic link, a hard link or not a regular file"),
        locked_run_directory(run_dir),
    ):
        pass  # pragma: no cover - refused


def test_a_run_directory_replaced_during_the_run_is_written_no_more(tmp_path: Path) -> None:
    """Round eighty-eight: once the run directory's path leads to another folder (its parent
    swapped for a link), the identity check refuses further writes by name."""
    parent = tmp_path / "runs"
    (parent / "eval").mkdir(parents=True)
    victim = tmp_path / "victim"
    (victim / "eval").mkdir(parents=True)
    with locked_run_directory(parent / "eval") as directory:
        directory.check()
        parent.rename(tmp_path / "runs.real")
        parent.symlink_to(victim)
        with pytest.raises(InputError, match="was replaced during the run"):
            directory.check()


def test_a_run_file_is_replaced_never_written_through_a_link(tmp_path: Path) -> None:
    """Round ninety-two: a symbolic or hard link planted under a run file's name during the
    run is replaced by the new file; what it led to keeps its content."""
    victim = tmp_path / "victim.json"
    victim.write_text("victim\n")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "summary.json").symlink_to(victim)
    replace_file(run_dir / "summary.json", "ours\n")
    (run_dir / "report.html").hardlink_to(victim)
    replace_file(run_dir / "report.html", "ours\n")
    assert victim.read_text() == "victim\n"
    assert (run_dir / "summary.json").read_text() == "ours\n"
    assert not (run_dir / "summary.json").is_symlink()
    assert (run_dir / "report.html").stat().st_nlink == 1
    assert sorted(path.name for path in run_dir.iterdir()) == ["report.html", "summary.json"]
