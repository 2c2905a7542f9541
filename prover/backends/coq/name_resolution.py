"""What a theorem's name denotes in the user's whole file, asked of Coq (``prove --file``).

``prove --file F --theorem T`` proves the declaration of ``T`` it read, at its place in
``F``; the record says ``T`` is proved. If ``F`` holds another object of that name, the
file's ``T`` may be that one, which may say something else in words that read the same.
The textual count of :mod:`prover.data.declared_names` sees only names a sentence writes:
red-team round forty-seven hid a second ``Unnamed_thm`` behind a ``Goal`` and a second
``Foo_instance_0`` behind an anonymous ``Instance``, names Coq makes up, and ``Import A B``
made them the file's (both ``Admitted`` with refuted statements).

So the verifier has Coq answer: the user's file, unchanged, is compiled in the sandbox under
a library name nothing in it can know, followed by ``Locate T.``, which lists every object
whose name ends in ``T``, imported or not. Of those in the file's library there must be
exactly one, the constant at the theorem's place (its modules' path; sections do not
qualify). A theorem inside a functor or a module type has no such constant (``Locate`` does
not list functor bodies), so there no object of the file may carry the name at all. Two
declarations at one place are possible only by going back (``Reset``, ``Back``), which the
file may not hold (:func:`~prover.backends.coq.reading_refusals.reading_refusal`).

The same compile confirms the premise of a whole-context proof
(:attr:`search.states.Theorem.whole_context`, ``Proof using All.``): that the file's bare
``Admitted.`` takes every section variable, which Coq does only while the flag ``Keep
Admitted Variables`` is on (red-team round forty-eight turned it off, hidden in a module's
``#[export] Unset``, and a refuted ``1 = 2`` was proved from a section's ``absurd : False``).
A ``Test Keep Admitted Variables.`` between two delimiters is placed right before the
statement, where the header leaves every option as the checked file has it.
"""

from __future__ import annotations

import functools
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from prover.backends.coq.assumptions import ALLOWED_AXIOMS
from prover.backends.coq.assumptions_print import assumptions_print_problem
from prover.backends.coq.blocks import open_blocks
from prover.backends.coq.checker_runs import (
    VERIFY_LIBRARY,
    VERIFY_MODULE,
    CheckerTools,
    executable,
    run_checker,
)
from prover.backends.coq.file_with_proof import (
    CopyMarks,
    copy_at_end,
    exact_meeting,
    with_prover_proof,
)
from prover.backends.coq.goals import extract_error, one_line
from prover.backends.coq.reading_refusals import reading_refusal
from prover.backends.coq.section_opening import section_blocks
from prover.backends.coq.text import CoqTextError, code_without_strings
from search.states import Theorem
from search.workdirs import private_directory

__all__ = [
    "file_check_before_search",
    "library_path_refusal",
    "located_objects",
    "name_resolution_problem",
]

_MODULE = "File"
#: What ``Locate`` prints for a name nothing has: the delimiter before the real answer.
_NOTHING = "No object of basename"
_KEEP = "Keep Admitted Variables"
#: The paths the file's top level has in the prover's compiles: the checked file's
#: (``ProverCheck.Checked``) and the search's coqtop (``Top``).
_COMPILE_ROOTS = (VERIFY_LIBRARY, VERIFY_MODULE, "Top")
#: The first part of a qualified name (``Top`` in ``Top.y``), in code without comments and
#: strings; a ``.`` ending a sentence is followed by a blank, never by a letter. Identifiers
#: start with any letter or ``_`` (round fifty wrote ``Checked.αx``), as Coq's lexer reads.
_QUALIFIED_ROOT = re.compile(r"(?<![\w'.])([^\W\d][\w']*)\.(?=[^\W\d])")
#: One object: its kind, its full path, then any notes ("(shorter name to refer to it in
#: current context is ...)", "(alias of ...)"), on the same line at the width the check sets.
_ENTRY = re.compile(r"^(?P<kind>[A-Z][\w ]*?) (?P<path>[\w'.]+)(?: \(.*\))?$")


def name_resolution_problem(
    file_text: str,
    *,
    header: str,
    name: str,
    tools: CheckerTools,
    whole_context: bool = False,
    statement: str | None = None,
    proof: Sequence[str] | None = None,
) -> str | None:
    """Why the file's ``name`` may denote another object than the theorem proved after
    ``header`` (the file's text before the statement), or, with ``whole_context``, why the
    file's bare ``Admitted.`` may not take every section variable; with ``proof`` (the
    opening, steps and ending the verifier checked) and ``statement``, also why the file
    does not compile with that proof in place of its own
    (:mod:`~prover.backends.coq.file_with_proof`). None if nothing (see the module
    docstring)."""
    in_section = bool(section_blocks(header))
    whole_context = whole_context and in_section  # the flag acts on sections only
    # Outside sections and functors the proof is checked on a copy at the file's end.
    copied = proof is not None and not in_section and _place(header) is not None
    library = f"ProverNames{secrets.token_hex(8)}"
    marks = _Marks.fresh()
    probe = f"\nLocate {marks.before}.\nTest {_KEEP}.\nLocate {marks.after}.\n"
    body, refused = _file_to_compile(
        file_text,
        header=header,
        statement=statement,
        proof=proof,
        probe=probe if whole_context else "",
        name=name,
        library=library,
        marks=marks,
        copied=copied,
    )
    if refused is not None:
        return refused
    # A narrow printing width would wrap the answer (round forty-nine's honest file).
    source = f"{body}\nSet Printing Width 1000.\nLocate {marks.located}.\nLocate {name}.\n"
    failure = (
        f"the user's file does not take the prover's proof of {name!r} (checked at the "
        "file's end, or in place of its own proof inside a section)"
        if proof is not None
        else f"the file does not compile as a whole, so what {name!r} names in it is unknown"
    )
    stdout = _compiled_output(source, library=library, tools=tools, failure=failure)
    if not isinstance(stdout, tuple):
        return stdout
    return _answers_problem(
        stdout[0], marks, name=name, header=header, library=library, probed=whole_context,
        copied=copied,
    )  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class _Marks:
    """The random names whose ``Locate`` answers delimit Coq's answers in the output."""

    before: str  # the Keep Admitted Variables probe
    after: str
    located: str  # Locate T
    copying: CopyMarks  # the copy at the file's end

    @classmethod
    def fresh(cls) -> _Marks:
        """New random names, which nothing in the user's file can know."""
        before, after, located, *copying = (
            f"ProverNamesDelimiter{secrets.token_hex(8)}" for _ in range(9)
        )
        return cls(
            before=before,
            after=after,
            located=located,
            copying=CopyMarks(
                copy=f"ProverCopy{secrets.token_hex(8)}",
                body_from=copying[0],
                body_to=copying[1],
                printed_from=copying[2],
                printed_to=copying[3],
                namesakes_from=copying[4],
                namesakes_to=copying[5],
            ),
        )


def _answers_problem(
    output: str, marks: _Marks, *, name: str, header: str, library: str, probed: bool,
    copied: bool,
) -> str | None:  # fmt: skip
    """Why Coq's answers in ``output`` refuse the proof, or None: the flag probe (when
    ``probed``), the copy's assumptions (when ``copied``: none but the allowed axioms, so
    the copy was proved, not taken from the file's own admitted theorem), then ``Locate``."""
    if probed and _between(output, marks.before, marks.after) != [f"{_KEEP} is on"]:
        return (
            f"the file's {_KEEP} flag is not on at the statement, so its bare Admitted may not "
            "take every section variable the proof was given"
        )
    if copied:
        copying = marks.copying
        body = _between(output, copying.body_from, copying.body_to)
        if body is None or not exact_meeting(body, copy=copying.copy, name=name):
            shown = " ".join(" ".join(body or []).split())[:160]
            return (
                "the proof's copy at the end of the user's file met the theorem's type only "
                f"through something else (a coercion?): {shown!r}"
            )
        printed = _between(output, copying.printed_from, copying.printed_to)
        problem = assumptions_print_problem(
            None if printed is None else "\n".join(printed), tuple(sorted(ALLOWED_AXIOMS))
        )
        if problem is not None:
            return f"the proof's copy at the end of the user's file: {problem}"
        namesakes = _between(output, copying.namesakes_from, copying.namesakes_to)
        own = _own_objects(namesakes, prefix=f"{library}.{_MODULE}.")
        if own is None or own:
            return (
                "the user's file declares its own object with an allowed axiom's name "
                f"({', '.join(own or ['unreadable answer'])}), which Print Assumptions would "
                "show as that axiom"
            )
    located = located_objects(output, marks.located)
    if located is None:
        return f"Coq's answer to what {name!r} names in the file was not understood"
    return _judge(located, prefix=f"{library}.{_MODULE}.", place=_place(header), name=name)


def _file_to_compile(
    file_text: str,
    *,
    header: str,
    statement: str | None,
    proof: Sequence[str] | None,
    probe: str,
    name: str,
    library: str,
    marks: _Marks,
    copied: bool,
) -> tuple[str, str | None]:
    """The user's file with ``probe`` placed before the statement and the prover's
    ``proof`` checked against it (either may be absent), and why it cannot be built, or
    None. Outside sections the file is left unchanged and ``proof`` proves a copy of the
    file's own theorem at its end (:func:`~prover.backends.coq.file_with_proof.copy_at_end`);
    in a section, where the file's theorem takes section variables the copy could not name,
    ``proof`` takes the place of the file's own proof
    (:func:`~prover.backends.coq.file_with_proof.with_prover_proof`)."""
    refused = reading_refusal(file_text, "the file")
    if refused is not None:
        return "", refused
    if not probe and proof is None:
        return file_text, None
    if copied and proof is not None:
        copy = copy_at_end(
            f"{library}.{_MODULE}",
            _place(header) or [],
            name=name,
            statement=statement or "",
            proof=proof,
            marks=marks.copying,
        )
        problem = None if copy else f"the statement's name {name!r} was not found in it"
        return file_text + (copy or ""), problem
    if not file_text.startswith(header):
        return "", "the statement's place in the file was not found, so its variables are unknown"
    after_header = file_text[len(header) :]
    replaced = (
        after_header if proof is None else with_prover_proof(after_header, statement or "", proof)
    )
    if replaced is None:
        return (
            "",
            f"where the file's own proof of {name!r} ends is not clear, so it is not replaced",
        )
    return header + probe + replaced, None


def library_path_refusal(theorem: Theorem) -> str | None:
    """Why the header or statement may mean one thing to the prover and another to the
    user's ``coqc``, or None: a qualified name whose first part is a path the file's own top
    level has in one compile (``Checked.x``, ``Top.y``, ``F.x`` in ``F.v``) is read by Coq
    against that path too, and an absolute name beats a module's relative one, so the same
    text picks the file's module ``Checked`` in one compile and its top-level ``x`` in
    another (red-team round forty-nine proved ``Checked.x + Top.y = 2``, which the user's
    file refutes). For a theorem read from a file, its name without ``.v`` counts too (the
    library name a plain ``coqc F.v`` gives it)."""
    roots = set(_COMPILE_ROOTS)
    if theorem.file_text is not None and theorem.source is not None:
        roots.add(PurePath(theorem.source).stem)
    for what, text in (("the header", theorem.header), ("the statement", theorem.statement)):
        try:
            code = code_without_strings(text)
        except CoqTextError:
            continue  # unreadable text is refused by the sentence reading
        for match in _QUALIFIED_ROOT.finditer(code):
            if match.group(1) in roots:
                return (
                    f"{what} writes a qualified name starting with {match.group(1)!r}, a "
                    "library path the file itself has in one of the compiles (the checked "
                    f"file's {VERIFY_LIBRARY}.{VERIFY_MODULE}, the search's Top, the user's "
                    "coqc), where it would name different things"
                )
    return None


@functools.lru_cache(maxsize=32)
def file_check_before_search(
    file_text: str,
    *,
    header: str,
    name: str,
    whole_context: bool,
    coqc: str,
    memory_limit_mb: int | None,
    timeout_s: float,
    sandbox: str,
) -> str | None:
    """:func:`name_resolution_problem` run when a file's theorem is opened, so that a file
    whose name would make verification refuse every proof (or that does not compile) is
    refused in one line before any search; verification runs the check again on its own.
    Cached: the attempts of one run open the same theorem in the same process."""
    tools = CheckerTools(
        coqc=executable(coqc, "coqc"),
        coqchk="",
        memory_limit_mb=memory_limit_mb,
        deadline=time.monotonic() + timeout_s,
        sandbox=sandbox,
    )
    return name_resolution_problem(
        file_text, header=header, name=name, tools=tools, whole_context=whole_context
    )


def _compiled_output(
    source: str, *, library: str, tools: CheckerTools, failure: str
) -> tuple[str] | str:
    """coqc's standard output on ``source`` compiled alone as ``library``, or why there is
    none (``failure``, then Coq's error, when coqc refuses the file)."""
    with private_directory("coq-names-") as directory:
        (directory / f"{_MODULE}.v").write_bytes(source.encode("utf-8"))
        argv = [tools.coqc, "-q", "-Q", ".", library, f"{_MODULE}.v"]
        compiled = run_checker(argv, directory, tools, merge_stderr=False)
    if isinstance(compiled, str):
        return f"coqc (the file's names) {compiled}"
    status, stdout, stderr = compiled
    if status != 0:
        error = extract_error(stderr) or extract_error(stdout) or f"exit status {status}"
        return f"{failure}: {one_line(error)}"
    return (stdout,)


def _between(output: str, before: str, after: str) -> list[str] | None:
    """The lines printed between the two delimiters' ``Locate`` answers, or None."""
    lines = output.splitlines()
    starts = [index for index, line in enumerate(lines) if line == f"{_NOTHING} {before}"]
    ends = [index for index, line in enumerate(lines) if line == f"{_NOTHING} {after}"]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        return None
    return lines[starts[0] + 1 : ends[0]]


def located_objects(output: str, delimiter: str) -> list[tuple[str, str]] | None:
    """The (kind, full path) pairs ``Locate`` listed after the delimiter's own ``Locate``
    (whose answer is :data:`_NOTHING`), or None if the output does not read so."""
    lines = output.splitlines()
    marks = [index for index, line in enumerate(lines) if line == f"{_NOTHING} {delimiter}"]
    if len(marks) != 1:
        return None
    return _entries(lines[marks[0] + 1 :])


def _own_objects(lines: list[str] | None, *, prefix: str) -> list[str] | None:
    """The full paths starting with ``prefix`` (``prefix`` removed) among ``Locate``
    answers, or None if a line does not read as one."""
    entries = None if lines is None else _entries(lines)
    if entries is None:
        return None
    return [path[len(prefix) :] for _, path in entries if path.startswith(prefix)]


def _entries(lines: list[str]) -> list[tuple[str, str]] | None:
    """The (kind, full path) of each object in ``Locate`` answers, one or several names
    asked in a row (a name nothing has is answered :data:`_NOTHING`; the notes "(shorter
    name to refer to it ...)" and "(alias of ...)" are indented), or None if a line reads
    otherwise."""
    entries: list[tuple[str, str]] = []
    for line in lines:
        if line.startswith((_NOTHING, "  (")):
            continue
        entry = _ENTRY.match(line)
        if entry is None:
            return None
        entries.append((entry.group("kind"), entry.group("path")))
    return entries


def _place(header: str) -> list[str] | None:
    """The modules the theorem sits in, or None inside a functor or a module type."""
    modules = []
    for block in open_blocks(header):
        if block.functor or block.signature:
            return None
        if block.module:
            modules.append(block.name)
    return modules


def _judge(
    located: list[tuple[str, str]], *, prefix: str, place: list[str] | None, name: str
) -> str | None:
    """Why the objects of the file (full paths starting with ``prefix``) named ``name`` are
    not exactly the theorem."""
    relative = [(kind, path[len(prefix) :]) for kind, path in located if path.startswith(prefix)]
    if place is None:
        expected: list[tuple[str, str]] = []
    else:
        expected = [("Constant", ".".join([*place, name]))]
    if relative == expected:
        return None
    shown = ", ".join(f"{kind} {path}" for kind, path in relative) or "nothing"
    wanted = ", ".join(f"{kind} {path}" for kind, path in expected) or "nothing (a functor's)"
    return (
        f"in the whole file, {name!r} names {shown}, not only the theorem proved ({wanted}): "
        "the file's name may mean another statement, so the prover does not claim it"
    )
