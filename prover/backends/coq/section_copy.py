"""A section theorem's proof checked on a copy at the end of the user's unchanged file.

Outside sections the prover's proof is checked on a copy of the theorem stated at the end of
the user's file and met there with the theorem's own type, so that the proof's universe
constraints meet every constraint the whole file puts on the theorem
(:func:`~prover.backends.coq.file_with_proof.copy_at_end`; red-team round fifty-two's file
branched on those constraints, and a file rebuilt with the proof in place of its own
compiled). Inside a section the theorem takes section variables and may read the section's
own definitions and notations, which a statement at the file's end cannot see; until
2026-12-05 the proof took the place of the file's own there, and the same branching file
had a refuted theorem recorded proved (the known gap of round fifty-two). A copy placed
right after the theorem would not do either: the rest of the file would then run with the
copy's constraints (and, for an ``Instance``, with the copy as an instance), not as the
user's file runs. Now:

* the copy is stated at the file's end inside a module of its own that replays the file's
  text from the opening of the theorem's outermost open section up to the statement
  (:func:`replayed_copy`): the same variables, definitions, notations and lemmas, under
  fresh names, after everything the user's file does. The meeting with the theorem's own
  type (``@eq _ T copy``, printed exactly) equates the replayed variables' and the copy's
  universe levels with the theorem's, and so checks the proof against every constraint of
  the whole file;
* the copy must take the section variables the theorem takes. For a theorem the file
  admits bare that is every variable (``Proof using All``, as the prover's proof opens);
  otherwise a first compile asks Coq (:func:`file_with_probes`): right after the file's
  own proof it counts the products of the theorem's statement (read syntactically, one
  ``intro`` each), and at the file's end it prints the binder names of the theorem's full
  type (Ltac2 reads them exactly); the first ``count(all) - count(statement)`` names are the
  variables, and the copy opens with ``Proof using`` them.

Nothing here is trusted for soundness: the meeting must print exactly ``@eq _ T copy`` and
the copy's assumptions must be allowed ones, so a wrong count, name or replay makes the
proof fail or the meeting differ, and the proof is refused.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from prover.backends.coq.file_with_proof import (
    CopyMarks,
    meeting_at_end,
    restated,
    split_at_own_proof,
)
from prover.backends.coq.section_opening import section_blocks
from prover.backends.coq.sentences import split_for_coqtop
from prover.backends.coq.text import CoqTextError

__all__ = [
    "SectionMarks",
    "before_colon_binders",
    "file_with_probes",
    "read_section_variables",
    "replayed_copy",
    "typed_copy",
]

#: What a theorem-like declaration may be called by, after attributes and ``Local``.
_DECLARATION = re.compile(
    r"^(?:#\[[^\]]*\]\s*|(?:Local|Global|Polymorphic|Monomorphic)\s+)*"
    r"(?:Theorem|Lemma|Fact|Remark|Corollary|Proposition|Property|Example|Definition|Instance)"
    r"\s+(?P<name>[^\W\d][\w']*)"
)
_IDENTIFIER = re.compile(r"[^\W\d][\w']*")
_TOKEN = re.compile(r"[^\W\d][\w']*|:=|\S")
_CLOSING = {"(": ")", "{": "}", "[": "]"}


@dataclass(frozen=True, kw_only=True)
class SectionMarks:
    """The random words the first compile prints around what it reads."""

    statement: str  # before the statement's products
    hypothesis: str  # once per product
    names_from: str  # around the binder names of the theorem's full type
    names_to: str

    @classmethod
    def fresh(cls) -> SectionMarks:
        """New random words, which nothing in the user's file can know."""
        statement, hypothesis, names_from, names_to = (
            f"ProverSection{secrets.token_hex(8)}" for _ in range(4)
        )
        return cls(
            statement=statement,
            hypothesis=hypothesis,
            names_from=names_from,
            names_to=names_to,
        )


def file_with_probes(
    after_header: str, statement: str, *, full: str, name: str, marks: SectionMarks,
    before_names: str = "",
) -> str | None:  # fmt: skip
    """``after_header`` (the file from the statement on) with the counting probe right after
    the file's own proof (a ``Goal``, aborted: nothing is declared) and the names' print at
    its end, after ``before_names``; None if where that proof ends is not clear."""
    split = split_at_own_proof(after_header, statement)
    if split is None:
        return None
    # One mark per product, read as Ltac2 reads them at the end: syntactically (``intro``
    # would unfold a definition to find more), with no regard to dependency.
    probes = (
        f'\nGoal ltac:(let t := type of @{name} in exact t). idtac "{marks.statement}". '
        f'repeat (lazymatch goal with |- forall _ : _, _ => idtac "{marks.hypothesis}"; intro '
        "end). Abort.\n"
    )
    function = f"prover_names_{marks.names_from.lower()}"  # Ltac2 names are lowercase
    names = (
        "\nFrom Ltac2 Require Import Ltac2.\n"
        f"Ltac2 rec {function} (c : constr) := match Constr.Unsafe.kind c with\n"
        "  | Constr.Unsafe.Prod b body => Message.print (match Constr.Binder.name b with\n"
        '    | Some i => Message.of_ident i | None => Message.of_string "_" end);\n'
        f"    {function} body\n  | _ => () end.\n"
        f'Ltac2 Eval Message.print (Message.of_string "{marks.names_from}"); '
        f"{function} (Constr.type '@{full}); "
        f'Message.print (Message.of_string "{marks.names_to}").\n'
    )
    return split[0] + probes + split[1] + before_names + names


def read_section_variables(output: str, marks: SectionMarks) -> list[str] | None:
    """The names of the section variables the theorem takes, in order, from the first
    compile's ``output``; None if it does not read as expected."""
    lines = output.splitlines()
    try:
        statement = lines.index(marks.statement)
        names_from = lines.index(marks.names_from)
        names_to = lines.index(marks.names_to)
    except ValueError:
        return None
    if not statement < names_from < names_to:
        return None
    # The probe prints its products' marks right after its own (the file's own output may
    # follow them).
    products = _marks_after(lines, statement, marks.hypothesis)
    names = lines[names_from + 1 : names_to]
    taken = len(names) - products
    if not 0 <= taken <= len(names) or "_" in names[:taken]:
        return None
    return names[:taken]


def _marks_after(lines: list[str], start: int, mark: str) -> int:
    """How many lines right after ``lines[start]`` are ``mark``."""
    count = 0
    while start + 1 + count < len(lines) and lines[start + 1 + count] == mark:
        count += 1
    return count


def replayed_copy(
    header: str, *, statement: str, name: str, opening: str, proof: Sequence[str],
    full: str, library: str, scope: Sequence[str], marks: CopyMarks,
) -> str | None:  # fmt: skip
    """What is appended to the user's unchanged file: ``scope`` (the ``Import`` of the
    theorem's modules), then a module of its own replaying ``header`` from the opening of
    the theorem's outermost open section (its variables, definitions, notations and
    lemmas, as the theorem sees them), the statement restated as the copy, opened with
    ``opening`` (which names the variables the copy takes) and proved by ``proof`` (the
    prover's sentences after its own opening), the sections closed, then the meeting of
    the copy with ``full``. None if the theorem is in no section or the statement's name
    is not found."""
    sections = section_blocks(header)
    copied = restated(statement, name=name, copy=marks.copy)
    if not sections or copied is None:
        return None
    module = f"{marks.copy}Replay"
    lines = [
        *scope,
        f"Module {module}.",
        header[sections[0].start :].rstrip(),
        copied,
        opening,
        *proof,
        *(f"End {block.name}." for block in reversed(sections)),
        f"End {module}.",
    ]
    copy_path = f"{library}.{module}.{marks.copy}"
    return "\n" + "\n".join(lines) + meeting_at_end(full, copy_path, marks=marks)


def typed_copy(
    full: str, variables: Sequence[str], *, statement: str, proof: Sequence[str],
    scope: Sequence[str], copied: str, marks: CopyMarks, closing: Sequence[str] = (),
) -> str | None:  # fmt: skip
    """The second way, for a section whose own inductive types the statement names (the
    replay declares new ones, which do not meet the theorem's): what is appended to the
    user's unchanged file is ``scope``, a copy whose statement is ``full``'s own type (not
    restated), proved after introducing the theorem's ``variables`` and the statement's
    binders before its colon by name, by ``proof`` (the prover's sentences after its own
    opening), then the meeting. The section's local notations and definitions are gone
    there, so a proof that names them fails. ``closing`` comes after the proof (the end of
    a module ``scope`` opened). None if the statement's binders are not read."""
    binders = before_colon_binders(statement)
    if binders is None:
        return None
    introduced = [*variables, *binders]
    lines = [
        *scope,
        f"Lemma {marks.copy} : ltac:(let t := type of @{full} in exact t).",
        "Proof.",
        *([f"intros {' '.join(introduced)}."] if introduced else []),
        *proof,
        *closing,
    ]
    return "\n" + "\n".join(lines) + meeting_at_end(full, copied, marks=marks)


def before_colon_binders(statement: str) -> list[str] | None:
    """The names of the binders a statement writes before its colon (``Lemma l (x : nat)
    {A} (H : P x) : ...`` gives x, A, H), which its proof finds introduced; None for a
    shape this reading does not know (a generalised, pattern or anonymous binder, say)."""
    try:
        sentences = split_for_coqtop(statement)
    except CoqTextError:
        return None
    declaration = _DECLARATION.match(sentences[0].code) if len(sentences) == 1 else None
    if declaration is None:
        return None
    tokens = _TOKEN.findall(sentences[0].code[declaration.end() :])
    names: list[str] = []
    index = 0
    while index < len(tokens) and tokens[index] != ":":
        token = tokens[index]
        if token in _CLOSING:
            group = _group(tokens, index)
            if group is None:
                return None
            names.extend(group[0])
            index = group[1]
        elif _IDENTIFIER.fullmatch(token) and token != "_":
            names.append(token)
            index += 1
        else:
            return None
    return names if index < len(tokens) else None


def _group(tokens: list[str], start: int) -> tuple[list[str], int] | None:
    """The names of the bracketed binder group opening at ``start`` and the index after it:
    the identifiers before its first ``:`` or ``:=`` (all of them when it has neither)."""
    closing, depth, index = _CLOSING[tokens[start]], 0, start
    names: list[str] = []
    reading = True
    while index < len(tokens):
        token = tokens[index]
        if token in _CLOSING:
            depth += 1
        elif token in _CLOSING.values():
            depth -= 1
            if depth == 0:
                return (names, index + 1) if token == closing and names else None
        elif depth == 1 and token in {":", ":="}:
            reading = False
        elif depth == 1 and reading:
            if not _IDENTIFIER.fullmatch(token) or token == "_":
                return None
            names.append(token)
        index += 1
    return None
