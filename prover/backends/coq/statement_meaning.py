"""Check, in the kernel, that the prelude does not change what a statement means.

The prover loads its prelude (``--coq-prelude``, by default ``Require Import Lia Lra Psatz
ZifyNat.``) after the theorem's header and before its statement, so that the statement
can be proved with those tactics. An ``Import`` rebinds short names, though: red-team round
thirty-three had a file define its own ``SatMod`` (a record whose first field is ``False``)
and state a theorem about it. After ``ZifyNat``'s ``SatMod`` shadowed it, the statement
coqtop, coqc and coqchk saw was a different, true one, and it was recorded proved, although
the file itself proves the statement false.

So the verified file elaborates the statement twice: once before the prelude, as the type
of a section variable (elaborated exactly as a theorem's type is: binders, implicit
arguments, coercions to a sort), kept as a definition, and once as the theorem, after the
prelude. After ``Qed`` a definition whose type is the first and whose body is the theorem
must type-check: the kernel then knows the proved type is convertible to the statement as
the header alone means it, which is the same proposition. A statement whose binders and
type cannot be read here is refused (fail closed); with an empty prelude nothing is added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prover.backends.coq.text import STRING_LITERAL, CoqTextError, blank_comments

__all__ = ["StatementMeaning", "statement_meaning"]

#: The declaring words of a statement that opens a proof, as the prover finds them in files.
_DECLARING = (
    "Theorem|Lemma|Fact|Remark|Corollary|Proposition|Property|Example|Definition|Let|"
    "Instance|Fixpoint|CoFixpoint"
)

#: A declaring word at the start, after a space or after an attribute's ``]``.
_DECLARING_AT = rf"(?:^|(?<=[\s\]]))(?:{_DECLARING})"

#: A fixpoint's decreasing-argument annotation, which is not a binder.
_STRUCT = re.compile(r"\{\s*struct\s+[^\W\d][\w']*\s*\}")

_OPENING = "([{"
_CLOSING = ")]}"


@dataclass(frozen=True, kw_only=True)
class StatementMeaning:
    """The sentences that check one statement's meaning across the prelude.

    ``before`` goes between the header and the prelude, ``after`` right after the proof's
    ``Qed`` (inside the header's open sections and modules, where the theorem's short name
    is the theorem). Both are empty when there is no prelude to check.
    """

    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()

    @classmethod
    def unchanged(cls) -> StatementMeaning:
        """No check: nothing is loaded between the header and the statement."""
        return cls()

    @classmethod
    def of(cls, *, name: str, statement_type: str, nonce: str) -> StatementMeaning:
        """The check of theorem ``name`` whose type, read before the prelude, is
        ``statement_type``. The names carry ``nonce`` so that no installed library the
        prelude imports can shadow them."""
        section = f"ProverCheckMeaning_{nonce}"
        assumed = f"ProverCheckAssumed_{nonce}"
        definition = f"ProverCheckStatement_{nonce}"
        return cls(
            before=(
                f"Section {section}.",
                f"Variable {assumed} : {statement_type}.",
                f"Definition {definition} := "
                f"ltac:(let statement := type of {assumed} in exact statement).",
                f"End {section}.",
            ),
            after=(f"Definition ProverCheckHolds_{nonce} : {definition} := @{name}.",),
        )


def statement_meaning(statement: str, name: str, *, nonce: str) -> StatementMeaning | str:
    """The check of ``statement`` (declaring ``name``), or why it cannot be built."""
    statement_type = _statement_type(statement, name)
    if statement_type is None:
        return (
            f"the statement of {name} cannot be read into binders and a type, so the "
            "prelude's effect on its meaning cannot be checked (pass --coq-prelude '' to "
            "prove it without a prelude)"
        )
    return StatementMeaning.of(name=name, statement_type=statement_type, nonce=nonce)


def _statement_type(statement: str, name: str) -> str | None:
    """``forall BINDERS, TYPE`` (or ``TYPE``) of ``KEYWORD NAME BINDERS : TYPE.``, or None.

    The binders end at the first ``:`` outside brackets, strings and comments: inside
    binders every ``:`` is bracketed (``(x : T)``, ``{x : T}``, ``(x := v)``), and ``forall``
    reads the same binders as a theorem does."""
    try:
        code = blank_comments(statement).strip()
    except CoqTextError:
        return None
    scanned = _without_string_contents(code)
    declaring = re.search(rf"{_DECLARING_AT}\s+{re.escape(name)}(?![\w'])", scanned)
    if declaring is None or not scanned.endswith("."):
        return None
    start = declaring.end()
    if scanned[start:].lstrip().startswith("@{"):
        return None  # universe binders: not compared here
    colon = _top_level_colon(scanned, start)
    if colon is None:
        return None
    binders = _STRUCT.sub(" ", code[start:colon]).strip()
    body = code[colon + 1 : -1].strip()
    if not body or not _balanced(scanned[start:-1]):
        return None
    return f"forall {binders}, {body}" if binders else body


def _without_string_contents(code: str) -> str:
    """``code`` with each string literal's characters blanked (same offsets), for scanning."""
    return STRING_LITERAL.sub(lambda literal: '"' + " " * (len(literal.group()) - 2) + '"', code)


def _top_level_colon(scanned: str, start: int) -> int | None:
    """The offset of the first ``:`` at bracket depth 0 from ``start`` that is not part of
    ``:=``, ``::`` or ``:>``; None if there is none or the brackets close more than open."""
    depth = 0
    for index in range(start, len(scanned)):
        character = scanned[index]
        if character in _OPENING:
            depth += 1
        elif character in _CLOSING:
            depth -= 1
            if depth < 0:
                return None
        elif character == ":" and depth == 0:
            following = scanned[index + 1 : index + 2]
            if following in ("=", ":", ">") or scanned[index - 1 : index] == ":":
                return None
            return index
    return None


def _balanced(scanned: str) -> bool:
    """Whether every bracket of ``scanned`` closes, in order."""
    stack: list[str] = []
    for character in scanned:
        if character in _OPENING:
            stack.append(_CLOSING[_OPENING.index(character)])
        elif character in _CLOSING and (not stack or stack.pop() != character):
            return False
    return not stack
