"""Run coqc and coqchk on the verifier's file, in a fresh private directory, and judge them.

:func:`compile_and_check` is the second and third check of
:func:`~prover.backends.coq.verify.verify_proof`: coqc compiles the marked file (and must
split it as the prover did, print a term without fixpoint literals and, for a request header,
a declaration print without ``let``), then coqchk re-checks the compiled library alone; its
context summary and the theorem's ``Print Assumptions`` must list no assumption outside the
allowed ones. Both run under the memory cap and a 5 MB stack, in the sandbox asked for,
before one deadline, and are killed with their process group on every exit path; the
directory must still be the one created for the check when their files are read. coqc runs
under ``strace`` and must reach neither limit (:mod:`prover.backends.coq.limit_trace`: a
reading that depends on the limits, red-team round ninety-three).
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from prover.backends.coq.assumptions import (
    parse_context_summary,
    reported_axioms,
    summary_problem,
)
from prover.backends.coq.assumptions_print import (
    assumed,
    assumptions_print_problem,
    read_assumptions_print,
)
from prover.backends.coq.config import FIXED_COQCHK, PROVER_STACK_MB
from prover.backends.coq.environment_readings import write_folder_files
from prover.backends.coq.goals import extract_error, one_line
from prover.backends.coq.inductive_print import inductives_print_problem
from prover.backends.coq.limit_trace import (
    UNREAD_RECORD,
    bytecode_environment,
    bytecode_problem,
    limits_traced,
    require_strace,
)
from prover.backends.coq.split_check import MarkedSource, split_refusal
from prover.backends.coq.term_reading import term_problem
from prover.backends.sandbox import sandboxed
from search.errors import BackendUnavailable
from search.process import run_to_end
from search.workdirs import directory_identity, private_directory

__all__ = [
    "CHECKED",
    "CHECKED_LIBRARY",
    "VERIFY_LIBRARY",
    "VERIFY_MODULE",
    "CheckedFile",
    "CheckerTools",
    "compile_and_check",
    "coqc_command",
    "coqc_problem",
    "coqchk_command",
    "executable",
    "run_checker",
    "users_file",
]

logger = logging.getLogger(__name__)

VERIFY_LIBRARY = "ProverCheck"
VERIFY_MODULE = "Checked"
CHECKED_LIBRARY = VERIFY_MODULE
"""The checked file's full library name when the user's file has no name: a plain
``coqc Checked.v``'s, the file a request's answer names (``checked_as``). It was
``ProverCheck.Checked`` (``-Q . ProverCheck``) until red-team round 125: ``lia`` orders its
side facts by the hash of each constant's full name, so a header read ``b = true`` there
and ``false`` in a plain ``Checked.v``."""
_FILE_MODULE = re.compile(r"[^\W\d][\w']*")


@dataclass(frozen=True, kw_only=True)
class CheckerTools:
    """Resolved executables, memory cap, deadline and sandbox of one verification, and the
    files of the user's folder that a plain ``coqc`` there reads (micromega's caches:
    :func:`~prover.backends.coq.environment_readings.folder_caches`), copied into each
    compile's private folder."""

    coqc: str
    coqchk: str
    memory_limit_mb: int | None
    stack_limit_mb: int = PROVER_STACK_MB
    deadline: float
    sandbox: str
    folder_files: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True, kw_only=True)
class CheckedFile:
    """The checked file's name: a plain ``Checked.v`` (:data:`CHECKED`) for a theorem whose
    file has no name, or the user's own file's library, compiled as a plain ``coqc F.v``
    compiles it (no ``-Q``: the folder's files have no prefix, so the library is ``F``;
    :func:`users_file`).

    A header's reading can depend on its file's name (red-team round ninety-eight), and a
    proof can branch on that reading: round 120 proved ``b = true`` by ``reflexivity`` as
    ``Checked`` and, as ``X.v``, by a kernel bug's term that only the checked file's
    coqchk and term reading would refuse. So the checked compile, the one every check
    reads, is the user's own reading whenever the user's file has a name."""

    module: str

    def __post_init__(self) -> None:
        if not _FILE_MODULE.fullmatch(self.module) or self.module.startswith(VERIFY_LIBRARY):
            raise ValueError(f"module: not a file name the checks can compile: {self.module!r}")

    @property
    def library(self) -> str:
        """The file's full library name, the root of every full name the checks print: the
        module itself, which has no prefix."""
        return self.module


CHECKED = CheckedFile(module=VERIFY_MODULE)


def users_file(library: str | None) -> CheckedFile:
    """The checked file for a user's file whose library name is ``library`` (None: the
    file has no name, so :data:`CHECKED`)."""
    return CHECKED if library is None else CheckedFile(module=library)


def coqc_command(coqc: str, *, timed: bool = False, checked: CheckedFile = CHECKED) -> list[str]:
    """``coqc`` compiling ``checked`` (run in the file's directory); ``timed`` adds
    ``-time``, whose per-sentence lines :func:`split_refusal` reads."""
    time_flag = ["-time"] if timed else []
    return [coqc, *time_flag, "-q", f"{checked.module}.v"]


def coqchk_command(coqchk: str, *, checked: CheckedFile = CHECKED) -> list[str]:
    """``coqchk`` re-checking ``checked`` alone, with its context summary (coqchk reads the
    current folder without a prefix, as coqc does: Coq 8.16's ``checker.ml``)."""
    return [coqchk, "-silent", "-o", "-norec", checked.library]


def compile_and_check(
    marked: MarkedSource,
    tools: CheckerTools,
    parameters: str | None,
    *,
    reads_inductives: bool,
    checked: CheckedFile = CHECKED,
) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """(reason to reject or None, checks passed, the axioms the kernel checker listed that
    the theorem's own ``Print Assumptions`` names), the file compiled as ``checked``.

    ``reads_inductives``: the header printed all it declared (a request header's), which
    :func:`~prover.backends.coq.inductive_print.inductives_print_problem` reads.

    ``parameters``: how the names of the functor arguments the file declares start
    (:func:`~prover.backends.coq.placement.functor_arguments_prefix`): coqchk may list
    those, as the theorem's parameters, and they are not reported as axioms.

    ``coqc`` must also have split the file as the prover did (:func:`split_refusal`), and
    once coqchk has passed, the theorem's ``Print Assumptions`` must name no unsafe
    constant and no assumption coqchk did not list
    (:func:`~prover.backends.coq.assumptions_print.assumptions_print_problem`: coqchk's
    summary misses what an opaquely sealed module's implementation assumes).

    The listed axioms leave out the fields of sealed stdlib modules, which are
    definitions that ``-norec`` merely cannot see through.
    """
    with private_directory("coq-verify-") as directory:
        identity = directory_identity(directory)
        problem = _compiled(
            marked, tools, directory, reads_inductives=reads_inductives, checked=checked
        )
        if problem is not None:
            return problem, (), ()
        printed = read_assumptions_print(directory)
        kernel = run_checker(
            coqchk_command(tools.coqchk, checked=checked), directory, tools, merge_stderr=False
        )
        replaced = _replaced(directory, identity)
    if replaced is not None:
        return replaced, ("coqc",), ()
    if isinstance(kernel, str):
        return f"coqchk {kernel}", ("coqc",), ()
    problem, checks, listed = _judge_kernel_check(*kernel, parameters=parameters)
    if problem is None:  # what coqchk's summary missed (rounds seventeen and twenty)
        problem = assumptions_print_problem(printed, listed, library=checked.library)
        if problem is not None:
            return problem, checks, ()
    # Reported: what the theorem itself assumes, not all the environment loads.
    return problem, checks, reported_axioms(assumed(printed, listed), parameters=parameters)


def _compiled(
    marked: MarkedSource,
    tools: CheckerTools,
    directory: Path,
    *,
    reads_inductives: bool,
    checked: CheckedFile,
) -> str | None:
    """Compile the marked file in ``directory`` as ``checked`` and judge coqc's run, its
    split, the term and (``reads_inductives``) the declarations' print: why it fails, or
    None."""
    identity = directory_identity(directory)
    (directory / f"{checked.module}.v").write_bytes(marked.text.encode("utf-8"))
    write_folder_files(directory, tools.folder_files)
    command = coqc_command(tools.coqc, timed=True, checked=checked)
    compiled = run_checker(command, directory, tools, traced=True)
    problem = coqc_problem(compiled, tools) or _replaced(directory, identity)
    if problem is None and not isinstance(compiled, str):
        problem = split_refusal(compiled[1], marked) or term_problem(directory)
    if problem is None and reads_inductives:
        problem = inductives_print_problem(directory)
    return problem


def _replaced(directory: Path, identity: tuple[int, int] | None) -> str | None:
    """Why the files read from ``directory`` may not be the ones coqc wrote: the directory at
    that path is not the one created for the check (red-team round thirty-one had a header
    run a program that renamed it away and put a harmless copy of the file in its place)."""
    if identity is None or directory_identity(directory) != identity:
        return "the verification directory was replaced while the checkers ran"
    return None


def coqc_problem(compiled: tuple[int, str, str] | str, tools: CheckerTools) -> str | None:
    """Why coqc's run refuses the proof (not run, killed, or an error), or None."""
    if isinstance(compiled, str):
        return f"coqc {compiled}"
    returncode, output, _ = compiled
    if returncode < 0:
        cap = f"{tools.memory_limit_mb} MB" if tools.memory_limit_mb else "none"
        return f"coqc was killed by signal {-returncode} (memory cap: {cap})"
    if returncode != 0:
        error = extract_error(output) or output.strip() or f"exit status {returncode}"
        return f"coqc rejected the proof: {one_line(error)}"
    return None


def _judge_kernel_check(
    returncode: int, stdout: str, stderr: str, *, parameters: str | None
) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """Read coqchk's exit status, stdout (must be empty with -silent) and summary: (reason
    to reject or None, checks passed, every assumption the summary lists)."""
    if returncode != 0:
        return f"coqchk rejected the proof: {one_line(stderr or stdout)}", ("coqc",), ()
    if stdout.strip():
        return f"unexpected coqchk output: {one_line(stdout)}", ("coqc",), ()
    summary = parse_context_summary(stderr)
    if isinstance(summary, str):
        return f"unrecognized coqchk summary: {summary}", ("coqc",), ()
    problem = summary_problem(summary, parameters=parameters)
    checks = ("coqc",) if problem else ("coqc", "coqchk")
    return problem, checks, summary.axioms


def run_checker(
    argv: list[str],
    directory: Path,
    tools: CheckerTools,
    *,
    merge_stderr: bool = True,
    traced: bool = False,
    bytecode: bool = False,
) -> tuple[int, str, str] | str:
    """Run one checker to completion before the deadline: (status, stdout, stderr) or why not.

    ``traced`` (every coqc whose reading a check rests on): run under ``strace``, and
    refused when it reached its stack or memory limit
    (:func:`~prover.backends.coq.limit_trace.limit_problem`); the record is written to a
    folder of its own, outside the sandbox's writable one. ``bytecode``: ``argv`` runs an
    OCaml bytecode coqc, under :data:`~prover.backends.coq.limit_trace.BYTECODE_PARAMETERS`
    (its stack report is in stderr, which the caller reads); otherwise a traced bytecode
    program is refused unrun. A record with a line not understood (strace now and then
    writes a bare ``PID  ???(`` for a stop it could not place) is run again once: only a
    record read whole passes.
    """
    if traced and not bytecode and (unfit := bytecode_problem(argv[0])) is not None:
        return f"was not run: {unfit}"
    answer = _run_once(argv, directory, tools, merge_stderr, traced=traced, bytecode=bytecode)
    if traced and isinstance(answer, str) and UNREAD_RECORD in answer:
        logger.warning("coqc's limits record was not read whole (%s); running it again", answer)
        answer = _run_once(argv, directory, tools, merge_stderr, traced=traced, bytecode=bytecode)
    return answer


def _run_once(
    argv: list[str],
    directory: Path,
    tools: CheckerTools,
    merge_stderr: bool,
    *,
    traced: bool,
    bytecode: bool,
) -> tuple[int, str, str] | str:
    """One run of :func:`run_checker`'s command: (status, stdout, stderr) or why not."""
    remaining_s = tools.deadline - time.monotonic()
    if remaining_s <= 0:
        return "was not run: the verification time budget is spent"
    environment = bytecode_environment() if bytecode else None
    command = sandboxed(argv, mode=tools.sandbox, workdir=directory)
    with limits_traced(
        command,
        strace=require_strace() if traced else None,
        stack_mb=tools.stack_limit_mb,
        memory_mb=tools.memory_limit_mb,
    ) as run:
        try:
            status, stdout, stderr = run_to_end(
                run.argv,
                timeout_s=remaining_s,
                cwd=directory,
                env=environment,
                memory_limit_mb=tools.memory_limit_mb,
                stack_limit_mb=tools.stack_limit_mb,
                merge_stderr=merge_stderr,
            )
        except subprocess.TimeoutExpired:
            return f"timed out (verification budget {remaining_s:.0f} s left when it started)"
        limited = run.problem()
    if limited is not None:
        return f"was refused: {limited}"
    return status, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")


def executable(path: str, tool: str) -> str:
    executable = shutil.which(path)
    if executable is None:
        how = (
            "build Coq 8.16.1's checker with the fixes for coq/coq#22378 and #21051: "
            "bash scripts/build_coqchk.sh"
            if path == FIXED_COQCHK
            else "install Coq (apt-get install -y coq)"
        )
        raise BackendUnavailable(f"{tool} not found ({path!r}): {how}")
    return executable
