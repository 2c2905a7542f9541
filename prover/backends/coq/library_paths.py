"""The library path the user's file has when the user compiles it, and text that would read
differently under the prover's paths (``prove --file``).

A plain ``coqc F.v`` compiles the user's file as the library ``F``; the prover's checked
file is ``ProverCheck.Checked`` and its coqtop's top level is ``Top``. A qualified name
rooted at one of them is read by Coq against that path, and an absolute name beats a
module's relative one, so the same text may pick different objects in different compiles
(red-team round forty-nine proved ``Checked.x + Top.y = 2``, which the user's file
refutes). The whole-file compiles of the names check therefore use the user's own library
name (:func:`file_library`; round fifty-six branched the rest of a file on ``U1.x`` in
``U1.v``, which the names check read under a random library name), and the header and
statement, which the other compiles read too, may not write such a root
(:func:`library_path_refusal`).
"""

from __future__ import annotations

import re
from pathlib import PurePath

from prover.backends.coq.checker_runs import VERIFY_LIBRARY, VERIFY_MODULE
from prover.backends.coq.text import CoqTextError, code_without_strings
from search.states import Theorem

__all__ = ["file_library", "library_path_refusal"]

#: The paths the file's top level has in the prover's compiles: the checked file's
#: (``ProverCheck.Checked``) and the search's coqtop (``Top``).
_COMPILE_ROOTS = (VERIFY_LIBRARY, VERIFY_MODULE, "Top")
#: The first part of a qualified name (``Top`` in ``Top.y``), in code without comments and
#: strings; a ``.`` ending a sentence is followed by a blank, never by a letter. Identifiers
#: start with any letter or ``_`` (round fifty wrote ``Checked.αx``), as Coq's lexer reads.
_QUALIFIED_ROOT = re.compile(r"(?<![\w'.])([^\W\d][\w']*)\.(?=[^\W\d])")
_LIBRARY_NAME = re.compile(r"[^\W\d][\w']*")


def file_library(source: str | None) -> str | None:
    """The library name a plain ``coqc`` gives the file at ``source`` (its name without
    ``.v``), or None if that is not a Coq identifier (``coqc`` would refuse the file)."""
    if source is None:
        return None
    stem = PurePath(source).stem
    return stem if _LIBRARY_NAME.fullmatch(stem) else None


def library_path_refusal(theorem: Theorem) -> str | None:
    """Why the header or statement may mean one thing to the prover and another to the
    user's ``coqc``, or None: a qualified name whose first part is a path the file's own
    top level has in one compile (``Checked.x``, ``Top.y``, ``F.x`` in ``F.v``). For a
    theorem read from a file, its library name counts too."""
    roots = set(_COMPILE_ROOTS)
    if theorem.file_text is not None:
        library = file_library(theorem.source)
        if library is None:
            return (
                f"the file's name {theorem.source!r} is not one a plain coqc compiles (its "
                "name without .v must be a Coq identifier), so what its names mean is unknown"
            )
        roots.add(library)
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
