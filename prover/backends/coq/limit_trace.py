"""Whether a coqc run reached the stack or memory limit it ran under (``strace``'s record).

Coq's Ltac does not catch ``Stack_overflow`` or ``Out_of_memory``, but some plugin code
catches every OCaml exception: ssreflect's ``apply:`` tries a lemma with 0, 1, 2, ... holes
and moves on when a try fails for any reason (``plugins/ssr/ssrbwd.ml``; ``rewrite``,
``congr`` and term reduction do the same). So a definition that a header builds by tactics
can read one way under the prover's limits and another way under a user's (red-team round
ninety-three: ``b`` read ``false`` under an 8 MB stack and ``true`` under a larger one, and
``t : b = false`` was recorded proved). Comparing two compiles under two limits leaves every
limit between them unchecked; this module instead records whether a limit was *reached*.

A limit is reached through one of two events, and ``strace`` records exactly those, from
outside the sandbox (so the traced code cannot write the record):

- ``SIGSEGV``: OCaml's native code turns a fault on the stack's guard page into
  ``Stack_overflow`` (coqc has no other use for the signal);
- a failed ``mmap``/``mremap``: an allocation refused under the address-space cap, which
  OCaml raises as ``Out_of_memory``.

A run with neither needed less stack and memory than it had, and executes alike wherever
it has more. The stack it has is not its limit alone: ``exec`` puts the arguments and the
environment (at most a quarter of the limit) and a random offset of up to 8 KB on top, so
the checked coqc runs under a 5 MB limit
(:data:`~prover.backends.coq.config.PROVER_STACK_MB`): every coqc under a limit of 8 MB or
more has at least 6 MB less 8 KB, whatever its environment (red-team round ninety-six read
a header otherwise at exactly 8 MB with a 16 KB larger environment). Its reading is then the
one every plain coqc with at least an 8 MB stack limit and at least the memory the run had
(the cap) gives. A run with either event, or with a record this module does not read, is
refused, whether or not coqc stopped (fail closed). Tracing costs little:
``--seccomp-bpf`` stops coqc only at those system calls and that signal.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from search.errors import BackendUnavailable
from search.process import probe_failure
from search.workdirs import private_directory

__all__ = [
    "BYTECODE_PARAMETERS",
    "TRACED_CALLS",
    "UNREAD_RECORD",
    "TracedRun",
    "bytecode_environment",
    "bytecode_problem",
    "bytecode_stack_problem",
    "limit_problem",
    "limits_traced",
    "require_strace",
    "traced_command",
]

TRACED_CALLS = "mmap,mremap"
"""The allocation calls whose failures are recorded (``-Z``: failed calls only)."""

UNREAD_RECORD = "its limits record holds a line not understood"
"""How :func:`limit_problem` starts when a record line is not read (a run worth repeating)."""

BYTECODE_PARAMETERS = "l=1M,v=0x08"
"""``OCAMLRUNPARAM`` of a bytecode coqc's check: the default stack limit (1M words, 8 MB),
whatever the environment says, and the runtime's report of every stack resize."""


def bytecode_environment() -> dict[str, str]:
    """This process's environment with :data:`BYTECODE_PARAMETERS` as ``OCAMLRUNPARAM``: what
    a bytecode coqc's check runs under."""
    return {**os.environ, "OCAMLRUNPARAM": BYTECODE_PARAMETERS}


_STACK_GROWTH = re.compile(r"^Growing stack to (\d+)k bytes$", re.MULTILINE)
_STACK_LIMIT_REPORT = "Initial stack limit: 8192k bytes"
_SIGNAL = re.compile(r"^\d+ +--- SIGSEGV \{.*\} ---$")
_FAILED_ALLOCATION = re.compile(r"^\d+ +(?:mmap|mremap)\(.*\) += -1 (E[A-Z]+) \(.*\)$")


def require_strace() -> str:
    """The ``strace`` executable, tried once per process; :class:`BackendUnavailable` in one
    line when it is missing or cannot trace here (ptrace forbidden, as in some containers):
    an infrastructure failure, recorded as each attempt's error (as a missing ``coqc`` is),
    never a proof counted without the trace."""
    strace = shutil.which("strace")
    if strace is None:
        raise BackendUnavailable(
            "strace not found: verification records with it whether coqc reached its stack "
            "or memory limit (apt-get install -y strace)"
        )
    failure = _probe_failure(strace)
    if failure is not None:
        raise BackendUnavailable(f"strace cannot trace here ({failure}): verification needs it")
    return strace


@functools.cache
def _probe_failure(strace: str) -> str | None:
    """Why ``strace`` cannot trace ``true`` with the flags verification uses (None: it can)."""
    argv = traced_command(["true"], strace=strace, record=Path("/dev/null"))
    return probe_failure(argv, timeout_s=30)


@functools.cache
def bytecode_problem(executable: str) -> str | None:
    """Why ``executable`` cannot be traced for its limits, or None: an OCaml bytecode
    program (its file ends with the ``Caml1999X`` trailer, as ``coqc.byte`` and the ``coqc``
    of an architecture without a native OCaml compiler do) keeps its stack in the heap and
    raises ``Stack_overflow`` without a ``SIGSEGV``, so the record would show nothing
    (red-team round ninety-seven)."""
    try:
        with open(shutil.which(executable) or executable, "rb") as program:
            program.seek(0, 2)
            program.seek(max(program.tell() - 16, 0))
            trailer = program.read()
    except OSError as error:
        return f"{executable} cannot be read ({error.strerror})"
    if b"Caml1999X" in trailer:
        return (
            f"{executable} is an OCaml bytecode program: its stack overflows raise no "
            "SIGSEGV, so the limits check needs a native-code coqc"
        )
    return None


def bytecode_stack_problem(stderr: str) -> str | None:
    """Why a bytecode coqc's run (``stderr``, under :data:`BYTECODE_PARAMETERS`) may read
    otherwise, or None. Its stack doubles up to the 8 MB limit and overflows silently past
    it; the run is refused once it grew to the limit (it may have overflowed since), or
    when the runtime did not report the limit (the parameters did not take)."""
    if _STACK_LIMIT_REPORT not in stderr:
        return "the bytecode runtime did not report its stack limit"
    sizes = [int(size) for size in _STACK_GROWTH.findall(stderr)]
    if sizes and max(sizes) >= 8192:
        return (
            "its bytecode stack reached its default 8 MB limit (an overflow there raises "
            "no SIGSEGV, and some plugin code catches it)"
        )
    return None


def traced_command(argv: Sequence[str], *, strace: str, record: Path) -> list[str]:
    """``argv`` (already sandboxed) run under ``strace``, which writes to ``record``: every
    process's ``SIGSEGV`` and failed allocation, nothing else (``-qq``: no attach or exit
    lines)."""
    return [
        strace, "-f", "-qq", "--seccomp-bpf", "-Z",
        "-e", f"trace={TRACED_CALLS}", "-e", "signal=SIGSEGV",
        "-o", str(record), *argv,
    ]  # fmt: skip


def limit_problem(record: Path, *, stack_mb: int, memory_mb: int | None) -> str | None:
    """Why the run's reading may depend on its limits (``record`` is strace's output), or
    None when it reached neither. A missing record refuses: strace did not run."""
    if not record.is_file():
        return "its limits record is missing (strace did not run)"
    lines = [line for line in record.read_text(errors="replace").splitlines() if line.strip()]
    if not lines:
        return None
    cap = f"{memory_mb} MB" if memory_mb is not None else "none"
    for line in lines:
        if _SIGNAL.match(line):
            return (
                f"it reached its {stack_mb} MB stack limit (a stack overflow, which some "
                "plugin code catches and moves on from, so the file may read otherwise "
                "under a larger stack)"
            )
        failed = _FAILED_ALLOCATION.match(line)
        if failed and failed.group(1) == "ENOMEM":
            return (
                f"it ran out of memory under its cap ({cap}; an allocation failure, which "
                "some plugin code catches, so the file may read otherwise with more memory)"
            )
    return f"{UNREAD_RECORD}: {lines[0][:200]!r}"


@dataclass(frozen=True, kw_only=True)
class TracedRun:
    """A command to run and, when traced, where ``strace`` records its limits."""

    argv: list[str]
    record: Path | None
    stack_mb: int
    memory_mb: int | None

    def problem(self) -> str | None:
        """After the run: :func:`limit_problem` of its record (None when untraced)."""
        if self.record is None:
            return None
        return limit_problem(self.record, stack_mb=self.stack_mb, memory_mb=self.memory_mb)


@contextlib.contextmanager
def limits_traced(
    argv: Sequence[str], *, strace: str | None, stack_mb: int, memory_mb: int | None
) -> Iterator[TracedRun]:
    """``argv`` under ``strace`` (None: untraced), its record in a private folder of its own
    (outside the sandbox's writable one) that lives as long as the block: run
    :attr:`TracedRun.argv` and read :meth:`TracedRun.problem` inside it."""
    if strace is None:
        yield TracedRun(argv=list(argv), record=None, stack_mb=stack_mb, memory_mb=memory_mb)
        return
    with private_directory("coq-limits-") as records:
        record = records / "strace.txt"
        yield TracedRun(
            argv=traced_command(argv, strace=strace, record=record),
            record=record,
            stack_mb=stack_mb,
            memory_mb=memory_mb,
        )
