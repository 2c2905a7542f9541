"""Whole-file re-check of a finished Coq proof, independent of everything the search printed.

:func:`verify_proof` passes a proof only when all three checks pass:

1. **admission** — every tactic passes :func:`~prover.backends.coq.admission.check_coq_tactic`
   again (exactly one tactic sentence; no attribute, command, ``admit`` ...);
2. **coqc** — the file built from the trusted header (prelude included), the
   statement, ``Proof.``, the admitted tactics and ``Qed.`` (``Defined.`` when the header
   declares fixpoints), then the print of the proof term that
   :mod:`prover.backends.coq.term_reading` reads — nothing else, nothing the search
   printed — compiles in a fresh process and a fresh temporary directory
   (``coqc -time -Q DIR ProverCheck``) under the memory cap, the term holds no fixpoint
   literal, and Coq split the file into exactly the sentences the prover's reading of it
   rests on (the file carries a nonce marker after each sentence, and ``-time`` reports
   each sentence's byte range: :mod:`prover.backends.coq.split_check`), and a request
   header's print of all it declared holds no ``let``
   (:mod:`prover.backends.coq.inductive_print`), and, with a prelude between the header
   and the statement, the theorem has the type the header alone gives the statement
   (:mod:`prover.backends.coq.statement_meaning`);
3. **coqchk** — Coq's kernel checker (by default ``coqchk-fixed``, 8.16.1's rebuilt with
   the fixes for coq/coq#22378 and #21051:
   :data:`~prover.backends.coq.config.FIXED_COQCHK`) re-checks the compiled file
   (``coqchk -silent -o -Q DIR ProverCheck -norec ProverCheck.Checked``) and its
   context summary, parsed fail-closed by
   :mod:`prover.backends.coq.assumptions`, lists no assumption outside the allowed
   fully qualified standard-library axioms and no unsafe constant.

The whole check shares one deadline (``timeout_s``); both children run in their
own session and are killed with their process group on every exit path.
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from prover.backends.coq.admission import check_coq_tactic
from prover.backends.coq.assumptions import (
    parse_context_summary,
    reported_axioms,
    summary_problem,
)
from prover.backends.coq.assumptions_print import (
    assumptions_print,
    assumptions_print_problem,
    read_assumptions_print,
)
from prover.backends.coq.blocks import closable
from prover.backends.coq.characters import spaced_theorem
from prover.backends.coq.config import FIXED_COQCHK
from prover.backends.coq.goals import extract_error, one_line
from prover.backends.coq.inductive_print import (
    expects_inductives_print,
    inductives_print_problem,
)
from prover.backends.coq.kernel_bugs import target_refusal
from prover.backends.coq.placement import (
    PLACEMENT_MARKER,
    functor_arguments_prefix,
    name_guard,
    placed_closings,
    theorem_path,
)
from prover.backends.coq.split_check import MarkedSource, mark_sentences, split_refusal
from prover.backends.coq.statement_meaning import StatementMeaning, statement_meaning
from prover.backends.coq.term_reading import (
    PRINT_WHOLE_TERMS,
    TERM_FILE,
    inspected_ending,
    term_problem,
    trusted_fixpoints,
)
from prover.backends.coq.text import STRING_LITERAL, CoqTextError, strip_comments
from prover.backends.sandbox import DEFAULT_SANDBOX, sandboxed
from search.errors import BackendUnavailable
from search.outcomes import TacticError, Verification
from search.process import DEFAULT_MEMORY_LIMIT_MB, kill_tree, spawn
from search.states import Theorem
from search.workdirs import directory_identity, private_directory

__all__ = [
    "PRINT_WHOLE_TERMS",
    "TERM_FILE",
    "VERIFY_LIBRARY",
    "VERIFY_MODULE",
    "build_proof_source",
    "coqc_command",
    "coqchk_command",
    "inspection_closings",
    "term_problem",
    "verify_proof",
]

VERIFY_LIBRARY = "ProverCheck"
VERIFY_MODULE = "Checked"
_CHECKED = f"{VERIFY_LIBRARY}.{VERIFY_MODULE}"
"""The checked file's full library name, the root of every full name the checks print."""


@dataclass(frozen=True, kw_only=True)
class _Tools:
    """Resolved executables and limits for one verification."""

    coqc: str
    coqchk: str
    memory_limit_mb: int | None
    deadline: float
    sandbox: str


def build_proof_source(
    *,
    header: str,
    statement: str,
    tactics: Sequence[str],
    inspect_as: str | None = None,
    fold: tuple[str, ...] = (),
) -> str:
    """The complete file checked by ``coqc``: header, statement, ``Proof.``, tactics, ``Qed.``.

    Sections and modules the header leaves open (a theorem inside a ``Section`` of the
    user's file) are closed after ``Qed``, innermost first, as ``coqc`` requires
    (:func:`~prover.backends.coq.blocks.closable`). With ``inspect_as`` (the theorem's
    name), the compiled file also prints that constant's proof term, without notations,
    to :data:`TERM_FILE` right after ``Qed`` (see :func:`term_problem`) and has Coq check,
    around the closings, that the theorem is where the header's blocks put it
    (:func:`~prover.backends.coq.blocks.placed_closings`); the proof text shown to users is
    the file without those lines.
    """
    if inspect_as is None:
        return _assemble(closable(header), statement, tactics, ["Qed."])
    ending = inspected_ending(inspect_as, fold)
    placed = inspection_closings(header, inspect_as)
    guarded = _guarded(header, statement, inspect_as)
    return _assemble(closable(header), guarded, tactics, ending, placed)


def _guarded(header: str, statement: str, name: str) -> str:
    """The statement after Coq's check that nothing has the theorem's full name yet
    (:func:`~prover.backends.coq.placement.name_guard`)."""
    guard = name_guard(header, _CHECKED, name)
    return f"{guard}\n{statement.strip()}"


def _assemble(
    closed: tuple[str, list[str]],
    statement: str,
    tactics: Sequence[str],
    ending: list[str],
    placed: list[str] | None = None,
) -> str:
    """The file from a :func:`closable` header, the statement, tactics and ``ending``, then
    the closings, or ``placed`` (the closings with the placement checks) instead."""
    closable_header, closings = closed
    lines = [closable_header.rstrip(), "", statement.strip(), "Proof.", *tactics, *ending]
    lines.extend(closings if placed is None else placed)
    return "\n".join(lines).lstrip("\n") + "\n"


def _placed(header: str, marker: str = PLACEMENT_MARKER) -> list[str]:
    """The checked file's closings with Coq's check of where the theorem landed
    (:func:`~prover.backends.coq.blocks.placed_closings`)."""
    return placed_closings(header, _CHECKED, marker)


def inspection_closings(header: str, name: str, marker: str = PLACEMENT_MARKER) -> list[str]:
    """What follows theorem ``name``'s term print in the checked file: the closings with the
    placement checks, then its ``Print Assumptions`` by full name."""
    return [*_placed(header, marker), *_assumptions(header, name, marker)]


def _assumptions(header: str, name: str, marker: str) -> list[str]:
    """The theorem's ``Print Assumptions``, by full name, after every closing."""
    return assumptions_print(theorem_path(header, _CHECKED, name, marker))


_ENDS_WITH_REDIRECT = re.compile(r"(?<![\w'])Redirect\s*$")


def _reserved_name(*texts: str) -> str | None:
    """Why ``texts`` (the header, the statement) may not be checked: they hold the verifier's
    library name, which the placement marker and its full name use, anywhere but in a
    ``Redirect`` file name (where the server's own header inspection puts it): in code (a
    red-team round defined the marker itself in a header), in a notation string (round
    fifteen answered the marker's check with a notation whose token was the marker's path)
    or in a comment (code Coq reads where the prover sees a comment); or None."""
    for text in texts:
        if text.count(VERIFY_LIBRARY) > _in_redirect_file_names(text):
            return (
                f"the header or statement holds {VERIFY_LIBRARY}, which the verifier reserves "
                "for its own file"
            )
    return None


def _in_redirect_file_names(text: str) -> int:
    """How often the library name occurs in string literals of ``text``'s code that follow
    the word ``Redirect`` (0 when the text cannot be read: fail closed)."""
    try:
        code = strip_comments(text)
    except CoqTextError:
        return 0
    allowed, previous_end = 0, 0
    for literal in STRING_LITERAL.finditer(code):
        if _ENDS_WITH_REDIRECT.search(code, previous_end, literal.start()):
            allowed += literal.group().count(VERIFY_LIBRARY)
        previous_end = literal.end()
    return allowed


def coqc_command(coqc: str, *, timed: bool = False) -> list[str]:
    """``coqc`` compiling ``Checked.v`` as ``ProverCheck.Checked`` (run in the file's directory);
    ``timed`` adds ``-time``, whose per-sentence lines :func:`split_refusal` reads."""
    time_flag = ["-time"] if timed else []
    return [coqc, *time_flag, "-q", "-Q", ".", VERIFY_LIBRARY, f"{VERIFY_MODULE}.v"]


def coqchk_command(coqchk: str) -> list[str]:
    """``coqchk`` re-checking ``ProverCheck.Checked`` alone, with its context summary."""
    return [
        coqchk, "-silent", "-o", "-Q", ".", VERIFY_LIBRARY,
        "-norec", _CHECKED,
    ]  # fmt: skip


def _admit_all(proof: Sequence[str]) -> tuple[list[str], str | None]:
    """The admitted (normalized) tactics, or the first reason to reject the script."""
    tactics: list[str] = []
    for raw in proof:
        checked = check_coq_tactic(raw)
        if isinstance(checked, TacticError):
            return [], f"tactic {one_line(raw, 80)!r} {checked.message}"
        tactics.append(checked)
    if not tactics:
        return [], "rejected: an empty proof"
    return tactics, None


def verify_proof(
    theorem: Theorem,
    proof: Sequence[str],
    *,
    coqc_path: str = "coqc",
    coqchk_path: str = FIXED_COQCHK,
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB,
    timeout_s: float = 300.0,
    sandbox: str = DEFAULT_SANDBOX,
    prelude: str = "",
) -> Verification:
    """Admission, then ``coqc``, then ``coqchk``; ``checks`` names those that ran and passed.

    ``sandbox``: where coqc and coqchk run (:func:`prover.backends.sandbox.sandboxed`).
    ``prelude``: the sentences loaded between the header and the statement; the checked file
    also has the kernel check that they leave the statement's meaning as the header gives
    it (:mod:`prover.backends.coq.statement_meaning`).
    """
    started = time.monotonic()
    theorem = spaced_theorem(theorem)  # as the backend opened it
    tactics, problem = _admit_all(proof)
    fold = trusted_fixpoints(theorem.header)
    problem = (
        problem
        or _reserved_name(theorem.header, theorem.statement)
        or target_refusal(
            theorem.header, theorem.statement, name=theorem.name, keeps_subproofs=bool(fold)
        )
    )
    meaning = _meaning(theorem, prelude) if problem is None else problem
    if isinstance(meaning, str):
        return Verification(ok=False, proof_text="", message=meaning, time_s=_since(started))
    closed_header, closings = closable(theorem.header)  # once for both files
    shown = (_preluded(closed_header, prelude, ()), closings)
    source = _assemble(shown, theorem.statement, tactics, ["Qed."])
    checked = (_preluded(closed_header, prelude, meaning.before), closings)
    ending = [*inspected_ending(theorem.name, fold), *meaning.after]
    marker = f"{PLACEMENT_MARKER}_{secrets.token_hex(8)}"  # nothing on disk can know it
    placed = inspection_closings(theorem.header, theorem.name, marker)
    guarded = _guarded(theorem.header, theorem.statement, theorem.name)
    inspected = mark_sentences(
        _assemble(checked, guarded, tactics, ending, placed), secrets.token_hex(8)
    )
    if isinstance(inspected, str):
        return Verification(ok=False, proof_text="", message=inspected, time_s=_since(started))
    tools = _Tools(
        coqc=_executable(coqc_path, "coqc"),
        coqchk=_executable(coqchk_path, "coqchk"),
        memory_limit_mb=memory_limit_mb,
        deadline=started + timeout_s,
        sandbox=sandbox,
    )
    parameters = functor_arguments_prefix(theorem.header, _CHECKED, marker)
    problem, checks, axioms = _compile_and_check(
        inspected, tools, parameters, reads_inductives=expects_inductives_print(theorem.header)
    )
    return Verification(
        ok=problem is None,
        proof_text=source,
        message=problem,
        axioms=axioms,
        time_s=_since(started),
        checks=("admission", *checks),
    )


def _meaning(theorem: Theorem, prelude: str) -> StatementMeaning | str:
    """The check that ``prelude`` leaves ``theorem``'s statement as its header means it (no
    sentences without a prelude), or why it cannot be built."""
    if not prelude.strip():
        return StatementMeaning.unchanged()
    return statement_meaning(theorem.statement, theorem.name, nonce=secrets.token_hex(8))


def _preluded(header: str, prelude: str, between: Sequence[str]) -> str:
    """``header``, the sentences ``between``, then ``prelude``."""
    parts = [header.rstrip(), *between, prelude.strip()]
    return "\n".join(part for part in parts if part) + "\n"


def _compile_and_check(
    marked: MarkedSource, tools: _Tools, parameters: str | None, *, reads_inductives: bool
) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """(reason to reject or None, checks passed, axioms the kernel checker listed).

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
        (directory / f"{VERIFY_MODULE}.v").write_bytes(marked.text.encode("utf-8"))
        compiled = _run(coqc_command(tools.coqc, timed=True), directory, tools)
        problem = _coqc_problem(compiled, tools) or _replaced(directory, identity)
        if problem is None and not isinstance(compiled, str):
            problem = split_refusal(compiled[1], marked) or term_problem(directory)
        if problem is None and reads_inductives:
            problem = inductives_print_problem(directory)
        if problem is not None:
            return problem, (), ()
        printed = read_assumptions_print(directory)
        checked = _run(coqchk_command(tools.coqchk), directory, tools, merge_stderr=False)
        replaced = _replaced(directory, identity)
    if replaced is not None:
        return replaced, ("coqc",), ()
    if isinstance(checked, str):
        return f"coqchk {checked}", ("coqc",), ()
    problem, checks, listed = _judge_kernel_check(*checked, parameters=parameters)
    if problem is None:  # what coqchk's summary missed (rounds seventeen and twenty)
        problem = assumptions_print_problem(printed, listed)
        if problem is not None:
            return problem, checks, ()
    return problem, checks, reported_axioms(listed, parameters=parameters)


def _replaced(directory: Path, identity: tuple[int, int] | None) -> str | None:
    """Why the files read from ``directory`` may not be the ones coqc wrote: the directory at
    that path is not the one created for the check (red-team round thirty-one had a header
    run a program that renamed it away and put a harmless copy of the file in its place)."""
    if identity is None or directory_identity(directory) != identity:
        return "the verification directory was replaced while the checkers ran"
    return None


def _coqc_problem(compiled: tuple[int, str, str] | str, tools: _Tools) -> str | None:
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


def _run(
    argv: list[str], directory: Path, tools: _Tools, *, merge_stderr: bool = True
) -> tuple[int, str, str] | str:
    """Run one checker to completion before the deadline: (status, stdout, stderr) or why not."""
    remaining_s = tools.deadline - time.monotonic()
    if remaining_s <= 0:
        return "was not run: the verification time budget is spent"
    process = spawn(
        sandboxed(argv, mode=tools.sandbox, workdir=directory),
        cwd=directory,
        memory_limit_mb=tools.memory_limit_mb,
        merge_stderr=merge_stderr,
    )
    try:
        stdout, stderr = process.communicate(timeout=remaining_s)
    except subprocess.TimeoutExpired:
        return f"timed out (verification budget {remaining_s:.0f} s left when it started)"
    finally:
        kill_tree(process)
    decoded_err = stderr.decode("utf-8", "replace") if stderr is not None else ""
    return process.returncode, stdout.decode("utf-8", "replace"), decoded_err


def _executable(path: str, tool: str) -> str:
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


def _since(started: float) -> float:
    return time.monotonic() - started
