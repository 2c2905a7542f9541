"""Whole-file re-check of a finished Coq proof, independent of everything the search printed.

:func:`verify_proof` passes a proof only when all its checks pass:

1. **admission** — every tactic passes :func:`~prover.backends.coq.admission.check_coq_tactic`
   again (exactly one tactic sentence; no attribute, command, ``admit`` ...);
2. **coqc** — the file built from the trusted header, the statement, ``Proof.``, the
   prelude, the admitted tactics and ``Qed.`` (``Defined.`` when the header
   declares fixpoints), then the print of the proof term that
   :mod:`prover.backends.coq.term_reading` reads — nothing else, nothing the search
   printed — compiles in a fresh process and a fresh temporary directory
   (a plain ``coqc -time F.v`` under the user's file name when it has one, red-team round
   120, and as ``Checked.v`` otherwise, round 125:
   :func:`~prover.backends.coq.checker_runs.users_file`) under the memory cap and a 5 MB
   stack, reaching
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
   (``coqchk -silent -o -norec F``, or ``-norec Checked``) and its
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
from prover.backends.coq.blocks import closable
from prover.backends.coq.bytecode_reading import beside_bytecode_reading
from prover.backends.coq.characters import spaced_theorem
from prover.backends.coq.checker_runs import (
    VERIFY_LIBRARY,
    VERIFY_MODULE,
    CheckerTools,
    compile_and_check,
    coqc_command,
    coqchk_command,
    executable,
    users_file,
)
from prover.backends.coq.config import FIXED_COQCHK
from prover.backends.coq.environment_readings import folder_caches
from prover.backends.coq.goals import one_line
from prover.backends.coq.inductive_print import expects_inductives_print
from prover.backends.coq.kernel_bugs import target_refusal
from prover.backends.coq.library_paths import (
    file_library,
    library_path_refusal,
)
from prover.backends.coq.name_resolution import name_resolution_problem
from prover.backends.coq.placement import (
    PLACEMENT_MARKER,
    functor_arguments_prefix,
)
from prover.backends.coq.proof_source import (
    assembled_source,
    inspected_source,
    preluded,
    statement_reading,
)
from prover.backends.coq.section_opening import proof_opening
from prover.backends.coq.split_check import mark_sentences
from prover.backends.coq.term_reading import (
    PRINT_WHOLE_TERMS,
    TERM_FILE,
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
    "coqc_command",
    "coqchk_command",
    "term_problem",
    "verify_proof",
]


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
    (:func:`~prover.backends.coq.proof_source.build_proof_source`).
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
    steps = preluded(prelude, tactics)
    source = assembled_source(
        closed,
        header=theorem.header,
        statement=theorem.statement,
        tactics=steps,
        ending=["Qed."],
        whole_context=theorem.whole_context,
    )
    marker = f"{PLACEMENT_MARKER}_{secrets.token_hex(8)}"  # nothing on disk can know it
    opening = proof_opening(theorem.header, whole_context=theorem.whole_context)
    file_text, library = _users_file(given, [*opening, *steps, "Qed."], closed[1])
    checked = users_file(library)  # the user's own reading when the file has a name
    inspected = mark_sentences(
        inspected_source(
            closed,
            header=theorem.header,
            statement=theorem.statement,
            steps=steps,
            name=theorem.name,
            fold=fold,
            marker=marker,
            whole_context=theorem.whole_context,
            requested=theorem.file_text is None,
            library=checked.library,
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
    parameters = functor_arguments_prefix(theorem.header, checked.library, marker)
    reads_inductives = expects_inductives_print(theorem.header)
    refusals_read = None  # a request's file: the refusals read it with the statement admitted
    if given.file_text is None and file_text is not None:
        refusals_read = _users_file(given, ["Proof.", "Admitted."], closed[1])[0]
    (problem, checks, axioms), bytecode_refusal = beside_bytecode_reading(
        lambda: compile_and_check(
            inspected, tools, parameters, reads_inductives=reads_inductives, checked=checked
        ),
        statement_reading(closed, theorem),
        tools,
        library=library,  # the user's file name (round 101), or the checked file's
    )
    if problem is None and bytecode_refusal is not None:  # round ninety-seven
        problem, axioms = bytecode_refusal, ()
    if problem is None and file_text is not None:
        problem = (
            "the file's library name is unknown"  # refused earlier, by the path reading
            if library is None
            else name_resolution_problem(
                file_text,
                header=given.header,
                name=theorem.name,
                tools=tools,
                library=library,
                whole_context=theorem.whole_context,
                statement=given.statement,
                proof=[*opening, *steps, "Qed."],
                refusals_read=refusals_read,
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


def _users_file(
    given: Theorem, proof: Sequence[str], closings: Sequence[str]
) -> tuple[str | None, str | None]:
    """The user's whole file and its library name, as the names check compiles it: the file a
    ``--file`` theorem was read from; for a request that names its file
    (:attr:`~search.states.Theorem.file_name`), the header, the statement with ``proof`` (the
    opening, the steps, ``Qed.``) in place, then the header's closings, under that name
    (round ninety-eight: a header's reading can depend on the file's name; round 103: the
    proof must run in place, not only on the names check's copy at the end, where a
    section's local instances are gone); (None, None) when the verdict is the checked
    file's own."""
    if given.file_text is not None:
        return given.file_text, file_library(given.source)
    if given.file_name is None:
        return None, None
    separator = "\n" if given.header and not given.header.endswith("\n") else ""
    body = [given.statement.strip(), *proof, *closings]
    return given.header + separator + "\n".join(body) + "\n", given.file_name


def _since(started: float) -> float:
    return time.monotonic() - started
