"""Qualified names that may reach the file's own objects through a logical prefix.

Under a project's ``-Q . Lib`` the file ``F.v``'s own objects are ``Lib.F.x``; a qualified
name with a later part ``F`` can name them there and a module's ``x`` in the prover's
compiles (red-team round 104). :func:`own_name_field` finds such a name in the header or
the statement; :func:`header_and_statement_codes` gives their code, for the path checks of
:mod:`prover.backends.coq.library_paths` too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from prover.backends.coq.assumptions import ALLOWED_AXIOMS, SEALED_LIBRARY_FIELDS
from prover.backends.coq.text import CoqTextError, code_without_strings
from search.states import Theorem

__all__ = ["checked_name_refusal", "header_and_statement_codes", "own_name_field"]

_ALLOWED_ROOTS = frozenset(name.split(".")[0] for name in ALLOWED_AXIOMS | SEALED_LIBRARY_FIELDS)
"""The first names of the axioms and sealed fields the assumptions check lets through."""


def header_and_statement_codes(theorem: Theorem) -> Iterator[tuple[str, str]]:
    """The header's and the statement's code without comments and strings, each named
    (text that cannot be read is left to the sentence reading, which refuses it)."""
    for what, text in (("the header", theorem.header), ("the statement", theorem.statement)):
        try:
            yield what, code_without_strings(text)
        except CoqTextError:
            continue


def checked_name_refusal(
    theorem: Theorem, library: str, installed_roots: frozenset[str]
) -> str | None:
    """Why the file's library name ``library`` may not be the checked file's, whose compile
    every check reads (:class:`~prover.backends.coq.checker_runs.CheckedFile`), or None.

    The checks tell the file's own objects from the installed libraries' by full name,
    which now starts with the file's name: red-team round 122 named a file ``Coq.v`` whose
    header declared ``Module Logic. Module Classical_Prop : SIG. Axiom classic : False``,
    full name ``Coq.Logic.Classical_Prop.classic``, one of the allowed axioms, and ``1 =
    2`` was recorded proved. So a name that is the first name of installed libraries
    (``installed_roots``: ``Coq``, ``mathcomp`` ...) or of an allowed axiom or sealed field
    is refused. And Coq finds a partly qualified name ``F.M.x`` under any path ending so,
    so the placement checks, which name the theorem's place from the file's name, rest on
    no module of the file being named as the file: a header that declares one is refused
    (16 of Coq's 1,273 installed files declare one, mostly module types)."""
    if library in installed_roots or library in _ALLOWED_ROOTS:
        return (
            f"the file's name {library!r} is the first name of installed libraries "
            f"({library}.…), so the checks could not tell the file's own objects from theirs "
            "(rename the file)"
        )
    for what, code in header_and_statement_codes(theorem):
        if re.search(
            rf"(?<![\w'])Module\s+(?:Type\s+|Import\s+|Export\s+)?{re.escape(library)}(?![\w'])",
            code,
        ):
            return (
                f"{what} declares a module named {library!r}, as the file, whose full name "
                "the checks read the theorem's place from (rename the module or the file)"
            )
    return None


def own_name_field(theorem: Theorem, library: str, installed: Path | None) -> str | None:
    """Why the header or statement may name the file's own objects through a logical prefix
    the prover does not know, or None: a qualified name with a later part equal to the
    file's library name (``Lib.F.x`` in ``F.v``). Under a project's ``-Q . Lib`` the file's
    own top-level ``x`` is ``Lib.F.x``, and a full name beats the file's module path
    ``Lib.F.x`` of ``Module Lib. Module F. Definition x ...``, while the prover's compiles
    (bare ``F``, ``ProverCheck.Checked``) read the module's (red-team round 104 proved
    ``t : Lib.F.x = 0`` where the project build refutes it). A field token (a dot right
    before a name, which Coq reads as part of a path whatever precedes it) of that name is
    refused in any code, unless the file is one of Coq's installed libraries, whose prefix
    its folder gives (``mathcomp.ssreflect`` for ``bigop.v``): then only where the parts
    before it end that prefix (``ssreflect.bigop.x``, not ``BigOp.bigop``)."""
    field = re.compile(rf"\.{re.escape(library)}(?![\w'])")
    prefix = _installed_prefix(theorem.source, installed)
    for what, code in header_and_statement_codes(theorem):
        for match in field.finditer(code):
            parts = _parts_before(code, match.start())
            if prefix is not None and parts and parts != prefix[len(prefix) - len(parts) :]:
                continue  # not a suffix of the installed file's known prefix
            return (
                f"{what} writes a qualified name with a part {library!r}, the file's own "
                "library name, which a project's logical prefix (-Q . Lib: Lib."
                f"{library}.x) makes name the file's own objects (rename the module or file)"
            )
    return None


def _installed_prefix(source: str | None, root: Path | None) -> list[str] | None:
    """The logical path of the folder of an installed library file (``theories/A/B.v``:
    ``Coq.A``; ``user-contrib/A/B/C.v``: ``A.B``), or None for any other file."""
    if source is None or root is None:
        return None
    path = Path(source).resolve()
    if not path.is_relative_to(root):
        return None
    folders = path.relative_to(root).parts[:-1]
    if folders[:1] == ("theories",):
        return ["Coq", *folders[1:]]
    return list(folders[1:]) if folders[:1] == ("user-contrib",) else None


_IDENTIFIER_END = re.compile(r"[\w']")


def _parts_before(code: str, dot: int) -> list[str]:
    """The parts of the qualified name whose field token starts at ``dot``, before it
    (``["Lib"]`` for ``Lib.F.x``, ``["A", "B"]`` for ``A.B .F``): identifiers joined by
    dots, a blank allowed before a dot; empty when none precedes (read as unknown)."""
    parts: list[str] = []
    position = dot
    while True:
        end = position
        while end > 0 and code[end - 1].isspace():
            end -= 1
        start = end
        while start > 0 and _IDENTIFIER_END.match(code[start - 1]):
            start -= 1
        word = code[start:end]
        if not word or not (word[0].isalpha() or word[0] == "_"):
            return list(reversed(parts)) if parts else []
        parts.append(word)
        if start == 0 or code[start - 1] != ".":
            return list(reversed(parts))
        position = start - 1
