"""Whole-file re-check of a finished Coq proof, independent of everything the search printed.

:func:`verify_proof` passes a proof only when all its checks pass:

1. **admission** — every tactic passes :func:`~prover.backends.coq.admission.check_coq_tactic`
   again (exactly one tactic sentence; no attribute, command, ``admit`` ...);
2. **coqc** — the file built from the trusted header, the statement, ``Proof.``, the
   prelude, the admitted tactics and ``Qed.`` (``Defined.`` when the header
   declares fixpoints), then the print of the proof term that
   :mod:`prover.backends.coq.term_reading` reads — nothing else, nothing the search
   printed — compiles in a fresh process and a fresh temporary directory
   (``coqc -time -Q DIR ProverCheck``) under the memory cap and a 5 MB stack, reaching
   neither (``strace``'s record: :mod:`prover.backends.coq.limit_trace`), and so does the
   bytecode ``coqc.byte`` beside it (its stack below its default limit), the term holds no fixpoint
   literal, and Coq split the file into exactly the sentences the prover's reading of it
   rests on (the file carries a nonce marker after each sentence, and ``-time`` reports
   each sentence's byte range: :mod:`prover.backends.coq.split_check`), and a request
   header's print of all it declared holds no ``let``
   (:mod:`prover.backends.coq.inductive_print`); the prelude the tactics need is loaded
   inside the proof, so the statement is read as the header alone gives it;
3. **coqchk** — Coq's kernel checker (by default ``coqchk-fixed``, 8.16.1's rebuilt with
   the fixes for coq/coq#22378 and #21051:
   :data:`~prover.backends.coq.config.FIXED_COQCHK`) re-checks the compiled file
   (``coqchk -silent -o -Q DIR ProverCheck -norec ProverCheck.Checked``) and its
   context summary, parsed fail-closed by
   :mod:`prover.backends.coq.assumptions`, lists no assumption outside the allowed
   fully qualified standard-library axioms and no unsafe constant;
4. **names** — for a theorem read from the user's file (``prove --file``), Coq compiles
   that whole file alone and confirms that its name denotes nothing but the theorem proved
   (:mod:`prover.backends.coq.name_resolution`).

The whole check shares one deadline (``timeout_s``); both children run in their
own session and are killed with their process group on every exit path.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Sequence

from prover.backends.coq.admission import check_coq_tactic
from prover.backends.coq.assumptions_print import assumptions_print
from prover.backends.coq.blocks import block_closings, closable
from prover.backends.coq.bytecode_reading import beside_bytecode_reading
from prover.backends.coq.characters import spaced_theorem
from prover.backends.coq.checker_runs import (
    CHECKED_LIBRARY,
    VERIFY_LIBRARY,
    VERIFY_MODULE,
    CheckerTools,
    compile_and_check,
    coqc_command,
    coqchk_command,
    executable,
)
from prover.backends.coq.config import FIXED_COQCHK
from prover.backends.coq.environment_readings import folder_caches
from prover.backends.coq.goals import one_line
from prover.backends.coq.inductive_print import expects_inductives_print
from prover.backends.coq.kernel_bugs import target_refusal
from prover.backends.coq.library_paths import (
    file_library,
    library_path_refusal,
    qualified_name_guards,
)
from prover.backends.coq.name_resolution import name_resolution_problem
from prover.backends.coq.placement import (
    PLACEMENT_MARKER,
    functor_arguments_prefix,
    name_guard,
    placed_closings,
    theorem_path,
)
from prover.backends.coq.section_opening import proof_opening
from prover.backends.coq.split_check import mark_sentences
from prover.backends.coq.term_reading import (
    PRINT_WHOLE_TERMS,
    TERM_FILE,
    inspected_ending,
    inspection_preamble,
    term_problem,
    trusted_fixpoints,
)
from prover.backends.coq.text import STRING_LITERAL, CoqTextError, strip_comments
from prover.backends.sandbox import DEFAULT_SANDBOX
from search.outcomes import TacticError, Verification
from search.process import DEFAULT_MEMORY_LIMIT_MB
from search.states import Theorem

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


def build_proof_source(
    *,
    header: str,
    statement: str,
    tactics: Sequence[str],
    inspect_as: str | None = None,
    fold: tuple[str, ...] = (),
    prelude: str = "",
    whole_context: bool = False,
) -> str:
    """The complete file checked by ``coqc``: header, statement, ``Proof.``, the prelude,
    tactics, ``Qed.``.

    The prelude is loaded inside the proof, after the statement: the statement is read in
    the header's context alone, as the user's file means it (an ``Import`` before it
    rebinds short names: red-team round thirty-three), and the tactics run with the
    prelude's.

    Sections and modules the header leaves open (a theorem inside a ``Section`` of the
    user's file) are closed after ``Qed``, innermost first, as ``coqc`` requires
    (:func:`~prover.backends.coq.blocks.closable`); the proof opens as
    :func:`~prover.backends.coq.section_opening.proof_opening` says for ``header`` and
    ``whole_context`` (:attr:`search.states.Theorem.whole_context`). With ``inspect_as``
    (the theorem's name), the compiled file also prints that constant's proof term, without
    notations, to :data:`TERM_FILE` right after ``Qed`` (see :func:`term_problem`) and has
    Coq check,
    around the closings, that the theorem is where the header's blocks put it
    (:func:`~prover.backends.coq.blocks.placed_closings`); the proof text shown to users is
    the file without those lines.
    """
    steps = _preluded(prelude, tactics)
    if inspect_as is None:
        return _assemble(
            closable(header),
            header=header,
            statement=statement,
            tactics=steps,
            ending=["Qed."],
            whole_context=whole_context,
        )
    return _inspected(
        closable(header),
        header=header,
        statement=statement,
        steps=steps,
        name=inspect_as,
        fold=fold,
        marker=PLACEMENT_MARKER,
        whole_context=whole_context,
    )


def _inspected(
    closed: tuple[str, list[str]],
    *,
    header: str,
    statement: str,
    steps: Sequence[str],
    name: str,
    fold: tuple[str, ...],
    marker: str,
    whole_context: bool,
    requested: bool = False,
) -> str:
    """The inspected file (before its sentences are marked): the preamble, the guarded
    statement (``requested``: a theorem not read from a file, whose qualified names are
    guarded there and before every ``End``, :func:`_before_every_end`), ``steps``,
    the inspected ending, then the closings with placement checks and the assumptions
    print, ``marker`` naming the placement constant."""
    ending = inspected_ending(name, fold)
    placed = inspection_closings(header, name, marker)
    # A theorem not read from a file: its qualified names' guards, read once, asked twice.
    paths = qualified_name_guards(header, statement, CHECKED_LIBRARY) if requested else []
    guarded = _guarded(header, statement, name, guards=paths)
    closed = (_before_every_end(closed[0], paths), closed[1])
    assembled = _assemble(
        closed,
        header=header,
        statement=guarded,
        tactics=steps,
        ending=ending,
        placed=placed,
        whole_context=whole_context,
    )
    return inspection_preamble(fold) + assembled


def _guarded(header: str, statement: str, name: str, *, guards: list[str]) -> str:
    """The statement after Coq's check that nothing has the theorem's full name yet
    (:func:`~prover.backends.coq.placement.name_guard`) and ``guards``: for a theorem not
    read from a file, that the header declares nothing its qualified names could reach in
    a file named after their first part
    (:func:`~prover.backends.coq.library_paths.qualified_name_guards`)."""
    return "\n".join([name_guard(header, CHECKED_LIBRARY, name), *guards, statement.strip()])


def _before_every_end(header: str, guards: list[str]) -> str:
    """``header`` with ``guards`` (the qualified-name guards of a theorem not read from a
    file, which :func:`_guarded` places before its statement) right before every ``End``
    too: a polymorphic universe declared in a section is reached
    by a qualified name while it is open and is gone after (red-team round sixty-seven:
    ``Type@{X.u}`` in a file ``X.v`` read the section's own ``u``, while the guards before
    the statement found nothing); so are a module type's and a functor's fields."""
    text = header
    for offset in reversed(block_closings(header) if guards else []):  # offsets stay valid
        text = text[:offset] + "\n".join(guards) + "\n" + text[offset:]
    return text


def _assemble(
    closed: tuple[str, list[str]],
    *,
    header: str,
    statement: str,
    tactics: Sequence[str],
    ending: list[str],
    placed: list[str] | None = None,
    whole_context: bool = False,
) -> str:
    """The file from a :func:`closable` header, the statement, the proof's opening for
    ``header`` and ``whole_context`` (:func:`~prover.backends.coq.section_opening.proof_opening`),
    tactics and ``ending``, then the closings, or ``placed`` (the closings with the placement
    checks) instead."""
    # ``Proof.``, or the section opening and its clearing, or ``Proof using All.``
    opening = proof_opening(header, whole_context=whole_context)
    closable_header, closings = closed
    lines = [closable_header.rstrip(), "", statement.strip(), *opening, *tactics, *ending]
    lines.extend(closings if placed is None else placed)
    return "\n".join(lines).lstrip("\n") + "\n"


def _placed(header: str, marker: str = PLACEMENT_MARKER) -> list[str]:
    """The checked file's closings with Coq's check of where the theorem landed
    (:func:`~prover.backends.coq.blocks.placed_closings`)."""
    return placed_closings(header, CHECKED_LIBRARY, marker)


def inspection_closings(header: str, name: str, marker: str = PLACEMENT_MARKER) -> list[str]:
    """What follows theorem ``name``'s term print in the checked file: the closings with the
    placement checks, then its ``Print Assumptions`` by full name."""
    return [*_placed(header, marker), *_assumptions(header, name, marker)]


def _assumptions(header: str, name: str, marker: str) -> list[str]:
    """The theorem's ``Print Assumptions``, by full name, after every closing."""
    return assumptions_print(theorem_path(header, CHECKED_LIBRARY, name, marker))


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
    ``prelude``: sentences the tactics need (``--coq-prelude``), loaded inside the proof
    after ``Proof.``, so that the statement is read as the header alone gives it
    (:func:`build_proof_source`).
    """
    started = time.monotonic()
    given = theorem  # as the file reads, for the names check's compile of the whole file
    theorem = spaced_theorem(theorem)  # as the backend opened it
    tactics, problem = _admit_all(proof)
    caches = folder_caches(theorem.source)  # read by a plain coqc in the file's folder
    if isinstance(caches, str):
        return Verification(ok=False, proof_text="", message=caches, time_s=_since(started))
    fold = trusted_fixpoints(theorem.header)
    problem = (
        problem
        or _reserved_name(theorem.header, theorem.statement)
        or library_path_refusal(theorem)
        or target_refusal(
            theorem.header, theorem.statement, name=theorem.name, keeps_subproofs=bool(fold)
        )
    )
    if problem is not None:
        return Verification(ok=False, proof_text="", message=problem, time_s=_since(started))
    closed = closable(theorem.header)  # once for both files
    steps = _preluded(prelude, tactics)
    source = _assemble(
        closed,
        header=theorem.header,
        statement=theorem.statement,
        tactics=steps,
        ending=["Qed."],
        whole_context=theorem.whole_context,
    )
    marker = f"{PLACEMENT_MARKER}_{secrets.token_hex(8)}"  # nothing on disk can know it
    inspected = mark_sentences(
        _inspected(
            closed,
            header=theorem.header,
            statement=theorem.statement,
            steps=steps,
            name=theorem.name,
            fold=fold,
            marker=marker,
            whole_context=theorem.whole_context,
            requested=theorem.file_text is None,
        ),
        secrets.token_hex(8),
    )
    if isinstance(inspected, str):
        return Verification(ok=False, proof_text="", message=inspected, time_s=_since(started))
    tools = CheckerTools(
        coqc=executable(coqc_path, "coqc"),
        coqchk=executable(coqchk_path, "coqchk"),
        memory_limit_mb=memory_limit_mb,
        deadline=started + timeout_s,
        sandbox=sandbox,
        folder_files=caches,
    )
    parameters = functor_arguments_prefix(theorem.header, CHECKED_LIBRARY, marker)
    reads_inductives = expects_inductives_print(theorem.header)
    (problem, checks, axioms), bytecode_refusal = beside_bytecode_reading(
        lambda: compile_and_check(inspected, tools, parameters, reads_inductives=reads_inductives),
        _statement_reading(closed, theorem),
        tools,
    )
    if problem is None and bytecode_refusal is not None:  # round ninety-seven
        problem, axioms = bytecode_refusal, ()
    library = file_library(theorem.source)
    if problem is None and theorem.file_text is not None:
        opening = proof_opening(theorem.header, whole_context=theorem.whole_context)
        problem = (
            "the file's library name is unknown"  # refused earlier, by the path reading
            if library is None
            else name_resolution_problem(
                theorem.file_text,
                header=given.header,
                name=theorem.name,
                tools=tools,
                library=library,
                whole_context=theorem.whole_context,
                statement=given.statement,
                proof=[*opening, *steps, "Qed."],
            )
        )
        checks = checks if problem is not None else (*checks, "names")
    return Verification(
        ok=problem is None,
        proof_text=source,
        message=problem,
        axioms=axioms,
        time_s=_since(started),
        checks=("admission", *checks),
    )


def _statement_reading(closed: tuple[str, list[str]], theorem: Theorem) -> str:
    """The header and the statement, ended by ``Abort.`` (``Derive ... Admitted.`` is an
    anomaly in 8.16): what the bytecode coqc reads
    (:func:`~prover.backends.coq.bytecode_reading.bytecode_reading_problem`)."""
    return _assemble(
        closed,
        header=theorem.header,
        statement=theorem.statement,
        tactics=[],
        ending=["Abort."],
        whole_context=theorem.whole_context,
    )


def _preluded(prelude: str, tactics: Sequence[str]) -> list[str]:
    """What follows ``Proof.``: the prelude's sentences (if any), then the tactics."""
    return [prelude.strip(), *tactics] if prelude.strip() else list(tactics)


def _since(started: float) -> float:
    return time.monotonic() - started
