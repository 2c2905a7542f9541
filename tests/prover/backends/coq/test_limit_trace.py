"""strace's record of a coqc run: read fail-closed, and written where the traced code cannot."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from prover.backends.coq.checker_runs import CheckerTools, run_checker
from prover.backends.coq.limit_trace import (
    UNREAD_RECORD,
    bytecode_problem,
    bytecode_stack_problem,
    limit_problem,
    limits_traced,
    traced_command,
)
from prover.backends.sandbox import DEFAULT_SANDBOX

SIGNAL = "3547  --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x7ffd6ada6fc8} ---\n"
FAILED_MMAP = (
    "3480  mmap(NULL, 100671488, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)"
    " = -1 ENOMEM (Cannot allocate memory)\n"
)
needs_tools = pytest.mark.skipif(
    shutil.which("coqc") is None or shutil.which("strace") is None,
    reason="coqc or strace not installed",
)


def _record(folder: Path, text: str) -> Path:
    path = folder / "strace.txt"
    path.write_text(text)
    return path


def test_an_empty_record_means_no_limit_was_reached(tmp_path: Path) -> None:
    """A run with no SIGSEGV and no failed allocation passes."""
    assert limit_problem(_record(tmp_path, ""), stack_mb=8, memory_mb=8192) is None


def test_a_sigsegv_is_a_reached_stack_limit(tmp_path: Path) -> None:
    """A SIGSEGV line refuses, naming the stack limit."""
    problem = limit_problem(_record(tmp_path, SIGNAL), stack_mb=8, memory_mb=8192)
    assert problem is not None and "reached its 8 MB stack limit" in problem


def test_a_failed_allocation_is_a_reached_memory_cap(tmp_path: Path) -> None:
    """An mmap failing with ENOMEM refuses, naming the memory cap."""
    problem = limit_problem(_record(tmp_path, FAILED_MMAP), stack_mb=8, memory_mb=600)
    assert problem is not None and "ran out of memory under its cap (600 MB" in problem


def test_a_line_not_understood_or_a_missing_record_refuses(tmp_path: Path) -> None:
    """Fail closed: another failed call, or no record at all, refuses."""
    other = FAILED_MMAP.replace("ENOMEM (Cannot allocate memory)", "EINVAL (Invalid argument)")
    problem = limit_problem(_record(tmp_path, other), stack_mb=8, memory_mb=None)
    assert problem is not None and "not understood" in problem
    missing = limit_problem(tmp_path / "absent.txt", stack_mb=8, memory_mb=None)
    assert missing is not None and "strace did not run" in missing


def test_the_traced_command_records_only_sigsegv_and_failed_allocations(tmp_path: Path) -> None:
    """strace follows children, writes to the record, and traces only the two events."""
    command = traced_command(["coqc", "F.v"], strace="strace", record=tmp_path / "r")
    assert command[:1] == ["strace"] and command[-2:] == ["coqc", "F.v"]
    assert {"-f", "-Z", "--seccomp-bpf", "trace=mmap,mremap", "signal=SIGSEGV"} <= set(command)
    assert command[command.index("-o") + 1] == str(tmp_path / "r")


def test_a_traced_run_reads_its_record_and_removes_its_folder(tmp_path: Path) -> None:
    """limits_traced names a record in a folder of its own, reads it, and removes it after."""
    with limits_traced(["coqc"], strace="strace", stack_mb=5, memory_mb=600) as run:
        assert run.record is not None and run.argv[-1] == "coqc"
        assert run.argv[run.argv.index("-o") + 1] == str(run.record)
        run.record.write_text(FAILED_MMAP)
        problem = run.problem()
    assert problem is not None and "(600 MB" in problem
    assert not run.record.parent.exists()
    with limits_traced(["coqc"], strace=None, stack_mb=5, memory_mb=None) as untraced:
        assert untraced.argv == ["coqc"] and untraced.problem() is None


def _tools(memory_limit_mb: int | None) -> CheckerTools:
    return CheckerTools(
        coqc="coqc",
        coqchk="",
        memory_limit_mb=memory_limit_mb,
        deadline=time.monotonic() + 120,
        sandbox=DEFAULT_SANDBOX,
    )


@needs_tools
def test_a_coqc_run_under_a_small_cap_is_refused_for_its_memory(tmp_path: Path) -> None:
    """coqc loading Reals under a 400 MB cap is refused for the cap, not for its exit status."""
    (tmp_path / "F.v").write_text("Require Import Reals.\n")
    answer = run_checker(["coqc", "-q", "F.v"], tmp_path, _tools(400), traced=True)
    assert isinstance(answer, str) and "ran out of memory under its cap (400 MB" in answer


@needs_tools
def test_a_plain_coqc_run_passes_the_trace(tmp_path: Path) -> None:
    """coqc on an ordinary file reaches no limit: its status and output come back."""
    (tmp_path / "F.v").write_text("Theorem t : 1 = 1. Proof. reflexivity. Qed.\n")
    answer = run_checker(["coqc", "-q", "F.v"], tmp_path, _tools(8192), traced=True)
    assert not isinstance(answer, str) and answer[0] == 0


def test_a_missing_strace_is_an_infrastructure_failure_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A traced run without strace is BackendUnavailable naming the package, never a run
    without the trace."""
    from prover.backends.coq import limit_trace
    from search.errors import BackendUnavailable

    coqc = shutil.which("coqc") or "coqc"
    which = shutil.which
    monkeypatch.setattr(
        limit_trace.shutil, "which", lambda name: None if name == "strace" else which(name)
    )
    with pytest.raises(BackendUnavailable, match=r"strace not found: .*apt-get install -y strace"):
        run_checker([coqc, "-q", "F.v"], tmp_path, _tools(8192), traced=True)


def test_a_strace_that_cannot_trace_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An strace that exits with an error on the probe stops the run with its last line."""
    from prover.backends.coq import limit_trace
    from search.errors import BackendUnavailable

    broken = tmp_path / "strace"
    broken.write_text(
        "#!/bin/sh\necho 'strace: ptrace(PTRACE_TRACEME): Operation not permitted' >&2\nexit 1\n"
    )
    broken.chmod(0o755)
    monkeypatch.setattr(limit_trace.shutil, "which", lambda _name: str(broken))
    with pytest.raises(BackendUnavailable, match=r"cannot trace here .*Operation not permitted"):
        limit_trace.require_strace()


@pytest.mark.skipif(shutil.which("coqc.byte") is None, reason="coqc.byte not installed")
def test_a_bytecode_coqc_is_refused_before_it_runs(tmp_path: Path) -> None:
    """coqc.byte's stack overflows raise no SIGSEGV: a traced run of it is refused, not run."""
    (tmp_path / "F.v").write_text("Theorem t : 1 = 1. Proof. reflexivity. Qed.\n")
    coqc_byte = shutil.which("coqc.byte") or ""
    answer = run_checker([coqc_byte, "-q", "F.v"], tmp_path, _tools(8192), traced=True)
    assert isinstance(answer, str) and "is an OCaml bytecode program" in answer
    assert not (tmp_path / "F.vo").exists()
    assert bytecode_problem(shutil.which("coqc") or "") is None


def test_the_bytecode_stack_report_is_read_fail_closed() -> None:
    """Growth to the 8 MB default refuses, a small stack passes, no limit report refuses."""
    report = "Initial stack limit: 8192k bytes\nGrowing stack to 64k bytes\n"
    assert bytecode_stack_problem(report) is None
    reached = bytecode_stack_problem(report + "Growing stack to 8192k bytes\n")
    assert reached is not None and "reached its default 8 MB limit" in reached
    missing = bytecode_stack_problem("Growing stack to 64k bytes\n")
    assert missing is not None and "did not report its stack limit" in missing


def test_a_record_not_read_whole_is_run_again_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unread record line (strace's stray `PID  ???(`) runs coqc again: a clean second
    run passes, a second unread record refuses, and a reached limit is never run again."""
    from prover.backends.coq import checker_runs

    unread = f"was refused: {UNREAD_RECORD}: '3302  ???('"
    for answers, expected in (
        ([unread, (0, "", "")], (0, "", "")),
        ([unread, unread], unread),
        (["was refused: it reached its 5 MB stack limit", (0, "", "")], "was refused: it r"),
    ):
        calls = iter(answers)
        monkeypatch.setattr(
            checker_runs, "_run_once", lambda *_args, _calls=calls, **_kwargs: next(_calls)
        )
        coqc = shutil.which("coqc") or "coqc"
        answer = run_checker([coqc, "-q", "F.v"], tmp_path, _tools(8192), traced=True)
        assert answer == expected or (isinstance(answer, str) and answer.startswith(str(expected)))
