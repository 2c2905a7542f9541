"""What a theorem's name denotes in the user's whole file, asked of Coq (``prove --file``).

``prove --file F --theorem T`` proves the declaration of ``T`` it read, at its place in
``F``; the record says ``T`` is proved. If ``F`` holds another object of that name, the
file's ``T`` may be that one, which may say something else in words that read the same.
The textual count of :mod:`prover.backends.coq.declared_names` sees only names a sentence writes:
red-team round forty-seven hid a second ``Unnamed_thm`` behind a ``Goal`` and a second
``Foo_instance_0`` behind an anonymous ``Instance``, names Coq makes up, and ``Import A B``
made them the file's (both ``Admitted`` with refuted statements).

So the verifier has Coq answer: the user's file, unchanged, is compiled in the sandbox as a
plain ``coqc F.v`` compiles it (the library ``F``:
:func:`~prover.backends.coq.library_paths.file_library`), followed by ``Locate T.``, which
lists every object whose name ends in ``T``, imported or not. Of those in the file's library
there must be exactly one, the constant at the theorem's place (its modules' path; sections
do not qualify). ``Locate`` at the file's end does not list a functor's body, so for a
theorem inside a functor ``Locate T`` is also asked right before the functor closes, where
its body's objects are listed (round fifty-six hid a ``Goal``'s ``Unnamed_thm`` there), and
at the end no object of the file may carry the name. Two declarations at one place are
possible only by going back (``Reset``, ``Back``), which the file may not hold
(:func:`~prover.backends.coq.reading_refusals.reading_refusal`).

The same compile confirms the premise of a whole-context proof
(:attr:`search.states.Theorem.whole_context`, ``Proof using All.``): that the file's bare
``Admitted.`` takes every section variable, which Coq does only while the flag ``Keep
Admitted Variables`` is on (red-team round forty-eight turned it off, hidden in a module's
``#[export] Unset``, and a refuted ``1 = 2`` was proved from a section's ``absurd : False``).
A ``Test Keep Admitted Variables.`` between two delimiters is placed right before the
statement, where the header leaves every option as the checked file has it.

With the prover's proof, the same compile checks it against the whole file
(:mod:`~prover.backends.coq.file_with_proof`,
:mod:`~prover.backends.coq.section_copy`, :mod:`~prover.backends.coq.functor_copy`,
:mod:`~prover.backends.coq.copy_answers`).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence

from prover.backends.coq.blocks import open_blocks
from prover.backends.coq.checker_runs import CheckerTools, executable
from prover.backends.coq.copy_answers import copy_problem
from prover.backends.coq.functor_copy import (
    arguments_prefixes,
)
from prover.backends.coq.locate_answers import (
    between,
    entries,
    loaded_libraries,
    located_objects,
)
from prover.backends.coq.names_file import (
    KEEP_ADMITTED_VARIABLES,
    NameMarks,
    file_to_compile,
    theorem_place,
)
from prover.backends.coq.reading_refusals import polymorphism_refusal, reading_refusal
from prover.backends.coq.section_checks import (
    typed_at_end,
)
from prover.backends.coq.section_opening import section_blocks
from prover.backends.coq.whole_file import Question, Refused, compiled_output

__all__ = ["file_check_before_search", "name_resolution_problem"]


def name_resolution_problem(
    file_text: str,
    *,
    header: str,
    name: str,
    tools: CheckerTools,
    library: str,
    whole_context: bool = False,
    statement: str | None = None,
    proof: Sequence[str] | None = None,
    refusals_read: str | None = None,
) -> str | None:
    """Why the file's ``name`` may denote another object than the theorem proved after
    ``header`` (the file's text before the statement; ``library`` is the file's library
    name), or, with ``whole_context``, why the file's bare ``Admitted.`` may not take every
    section variable; with ``proof`` (the opening, steps and ending the verifier checked)
    and ``statement``, also why the proof does not fit the whole file. None if nothing
    (see the module docstring). ``refusals_read``: the text the file's refusals read
    instead of ``file_text``, when that holds the verifier's own admitted proof in place (a
    request's file: its tactics are admitted as any proof's are, and the refusals are for
    what the user wrote)."""
    refused = _file_refusal(refusals_read or file_text, header)
    if refused is not None:
        return refused  # for both ways of checking the proof
    whole_context = whole_context and bool(section_blocks(header))  # sections only
    marks = NameMarks.fresh()
    question = Question(header=header, name=name, library=library, statement=statement or "")
    probe = marks.probe() if whole_context else ""
    built = file_to_compile(file_text, question, proof=proof, probe=probe, marks=marks, tools=tools)
    problem = _checked(built, question, marks=marks, proof=proof, probed=whole_context, tools=tools)
    place = theorem_place(header)
    if problem is None or proof is None or place is None:
        return problem
    # A section whose own inductive types the statement names (the replayed copy cannot
    # meet the theorem), or a statement the file's end reads otherwise: the second way
    # states the copy with the theorem's own type.
    typed = typed_at_end(
        file_text,
        question,
        place,
        proof=proof,
        copying=marks.copying,
        section=marks.section,
        tools=tools,
    )
    if isinstance(typed, Refused):
        return problem
    second = _checked(
        header + probe + file_text[len(header) :] + typed, question, marks=marks, proof=proof,
        probed=whole_context, tools=tools,
    )  # fmt: skip
    return problem if second is not None else None


def _file_refusal(file_text: str, header: str) -> str | None:
    """Why the file is not compiled at all: text Coq may read otherwise
    (:func:`~prover.backends.coq.reading_refusals.reading_refusal`), a header that is not
    the file's beginning, a theorem inside a module sealed by its signature (red-team
    round sixty-eight: outside it the theorem has the signature's type, which cumulativity
    may make weaker than its own, and every copy at the file's end meets that one), or a
    file with universe-polymorphic objects
    (:func:`~prover.backends.coq.reading_refusals.polymorphism_refusal`)."""
    refused = reading_refusal(file_text, "the file") or (
        None if file_text.startswith(header) else "the statement's place in the file was not found"
    )
    sealed = next((block.name for block in open_blocks(header) if block.sealed), None)
    if refused is None and sealed is not None:
        refused = (
            f"the theorem is inside the module {sealed!r}, sealed by its signature (': S'), "
            "outside which it has the signature's type, not its own: not checked"
        )
    return refused or polymorphism_refusal(file_text)


def _checked(
    built: str | Refused, question: Question, *, marks: NameMarks,
    proof: Sequence[str] | None, probed: bool, tools: CheckerTools,
) -> str | None:  # fmt: skip
    """Why ``built`` (the file to compile, or why there is none) refuses: Coq's error, or
    what its answers say (:func:`_answers_problem`). None if nothing."""
    if isinstance(built, Refused):
        return built.why
    name = question.name
    # A narrow printing width would wrap the answer (round forty-nine's honest file).
    source = (
        f"{built}\nSet Printing Width 1000.\n"
        f"Locate {marks.libraries_from}.\nPrint Libraries.\nLocate {marks.libraries_to}.\n"
        f"Locate {marks.located}.\nLocate {name}.\n"  # read to the output's end: last
    )
    failure = (
        f"the user's file does not take the prover's proof of {name!r} (checked on a copy "
        "met with the theorem at the file's end)"
        if proof is not None
        else f"the file does not compile as a whole, so what {name!r} names in it is unknown"
    )
    stdout = compiled_output(source, library=question.library, tools=tools, failure=failure)
    if isinstance(stdout, Refused):
        return stdout.why
    return _namesake_library_problem(stdout, marks, question.library) or _answers_problem(
        stdout, marks, header=question.header, name=name, library=question.library,
        probed=probed, copied=proof is not None,
    )  # fmt: skip


def _namesake_library_problem(stdout: str, marks: NameMarks, library: str) -> str | None:
    """Why the file's reading may depend on the logical prefix its project gives it, or None.

    Two objects with one short name compare by their module paths, from the file's own
    name outwards; when a library the file loads has the file's name as its last part, the
    prefix decides, and ``firstorder`` picks its witness by that order (red-team round
    ninety-nine: a header in ``Wf.v`` read ``b = true`` as the bare ``Wf`` the prover
    compiles and ``false`` as ``Lib.Wf`` under the project's ``-Q . Lib``). The prover
    cannot know the prefix of every build, so such a file is refused."""
    answer = between(stdout, marks.libraries_from, marks.libraries_to)
    loaded = None if answer is None else loaded_libraries(answer)
    if loaded is None:
        return "Coq's list of the libraries the file loads was not understood"
    own = library.rsplit(".", 1)[-1]
    namesakes = [path for path in loaded if path.rsplit(".", 1)[-1] == own]
    if namesakes:
        return (
            f"the file's name {own!r} is also the last name of the library {namesakes[0]} it "
            "loads, so what its objects compare to depends on the logical prefix its build "
            "gives it (rename the file)"
        )
    return None


def _answers_problem(
    stdout: str, marks: NameMarks, *, header: str, name: str, library: str, probed: bool,
    copied: bool,
) -> str | None:  # fmt: skip
    """Why Coq's answers in ``stdout`` refuse, or None: the flag probe (when ``probed``),
    the copy (when ``copied``), ``Locate`` inside a functor, ``Locate``
    at the file's end."""
    if probed and between(stdout, marks.before, marks.after) != [
        f"{KEEP_ADMITTED_VARIABLES} is on"
    ]:
        return (
            f"the file's {KEEP_ADMITTED_VARIABLES} flag is not on at the statement, so its "
            "bare Admitted may not take every section variable the proof was given"
        )
    place = theorem_place(header)
    problem = None
    if copied:
        parameters = () if place is not None else arguments_prefixes(library, marks.copying.copy)
        problem = copy_problem(
            stdout, marks.copying, name=name, library=library, parameters=parameters
        )
    if problem is None and place is None:
        inside = between(stdout, marks.functor_from, marks.functor_to)
        found = None if inside is None else entries(inside)
        problem = (
            f"Coq's answer to what {name!r} names in the functor was not understood"
            if found is None
            else _judge(found, prefix=f"{library}.", place=_module_path(header), name=name)
        )
    if problem is not None:
        return problem
    located = located_objects(stdout, marks.located)
    if located is None:
        return f"Coq's answer to what {name!r} names in the file was not understood"
    # A functor theorem's copy is checked in an instance at the file's end, under the fresh
    # name no file can know.
    ours = f"{library}.{marks.copying.copy}"
    located = [(kind, path) for kind, path in located if not path.startswith(ours)]
    return _judge(located, prefix=f"{library}.", place=place, name=name)


@functools.lru_cache(maxsize=32)
def file_check_before_search(
    file_text: str, *, header: str, name: str, library: str, whole_context: bool, coqc: str,
    memory_limit_mb: int | None, timeout_s: float, sandbox: str,
    folder_files: tuple[tuple[str, bytes], ...] = (),
) -> str | None:  # fmt: skip
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
        folder_files=folder_files,
    )
    return name_resolution_problem(
        file_text, header=header, name=name, tools=tools, library=library,
        whole_context=whole_context,
    )  # fmt: skip


def _module_path(header: str) -> list[str]:
    """The modules and functors the theorem sits in, outermost first."""
    return [block.name for block in open_blocks(header) if block.module or block.functor]


def _judge(
    located: list[tuple[str, str]], *, prefix: str, place: list[str] | None, name: str
) -> str | None:
    """Why the objects of the file (full paths starting with ``prefix``) named ``name`` are
    not exactly the theorem (at ``place``; nothing at all when ``place`` is None)."""
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
