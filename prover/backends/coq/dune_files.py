r"""dune files of a Coq project, read fail-closed for what a ``dune build`` may change.

dune builds a ``coq.theory`` in ``_build`` with ``coqc -R . Name``, and its files can do
more than name the theory: ``flags`` give coqc options (``-impredicative-set`` changes what a
header reads), ``(stdlib no)`` drops the prelude, ``plugins`` load OCaml code, and a
``rule`` or ``copy_files`` stanza creates a library that exists only in ``_build`` (red-team
round 107 generated a ``Bool.v`` with an identity ``negb``, which the build's ``Require
Import Bool.`` loaded, and ``negb true = false`` was recorded proved). A source tree walk
cannot see those libraries, so a dune file is accepted only when it holds nothing but what
names a theory (:func:`dune_file_problem`):

- ``dune``: ``coq.theory`` stanzas with ``name``, ``package``, ``synopsis`` and ``modules``;
- ``dune-project``: the project's metadata (``lang``, ``using``, ``name``, ``version``,
  ``package``, ``license`` ...);
- ``dune-workspace`` (which moves dune's root and can bring theories from elsewhere), and
  the older ``dune-file`` and ``jbuild``: never.

Comments (``;`` to the line's end) and quoted strings on one line are read; block and datum
comments (``#|``, ``#;``), any backslash (dune's ``"\|`` and ``"\>`` start block strings
that end at the line's end, which red-team round 108 used to hide a ``rule`` inside what a
shell-style reading took for one string), a string across lines, and anything else the
small reader here does not parse, refuse.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["dune_file_problem"]

_THEORY_FIELDS = frozenset({"name", "package", "synopsis", "modules"})
_PROJECT_STANZAS = frozenset(
    {
        "lang", "using", "name", "version", "package", "license", "authors", "maintainers",
        "source", "homepage", "bug_reports", "documentation", "generate_opam_files",
    }
)  # fmt: skip
_TOKEN = re.compile(r'\s+|;[^\n]*|\(|\)|"[^"\n]*"|[^\s();"]+')
"""Blanks, comments, brackets, a quoted string on one line without escapes, an atom."""

_Sexp = str | list["_Sexp"]


def dune_file_problem(path: Path, reserved: frozenset[str] = frozenset({"Coq"})) -> str | None:
    """Why the dune file at ``path`` may change what a ``dune build`` compiles, or None
    (see the module docstring). ``reserved``: the first names of installed libraries' paths,
    which a theory's name may not start with (a theory named ``Coq`` would take over what
    ``From Coq Require`` loads)."""
    try:
        text = path.read_bytes().decode("ascii")  # no newline translation: a CR refuses
    except (OSError, UnicodeDecodeError) as exc:
        return f"the dune file {str(path)!r} cannot be read ({exc})"
    if path.name in ("dune-workspace", "dune-file", "jbuild"):
        return f"the project holds {str(path)!r}, a dune file that may build it otherwise"
    stanzas = _parsed(text)
    if stanzas is None:
        return f"the dune file {str(path)!r} is not read with certainty (comments or syntax)"
    for stanza in stanzas:
        unknown = _unknown_part(stanza, project=path.name == "dune-project") or _reserved_name(
            stanza, reserved
        )
        if unknown is not None:
            return (
                f"the dune file {str(path)!r} holds {unknown!r}, which may change what the "
                "project's build compiles (only a coq.theory's name, package, synopsis and "
                "modules are read)"
            )
    return None


def _unknown_part(stanza: _Sexp, *, project: bool) -> str | None:
    """The head of the first part of ``stanza`` not on the lists above, or None."""
    if not isinstance(stanza, list) or not stanza or not isinstance(stanza[0], str):
        return str(stanza)[:40]
    head = stanza[0]
    if project:
        return None if head in _PROJECT_STANZAS else head
    if head != "coq.theory":
        return head
    for field in stanza[1:]:
        if not isinstance(field, list) or not field or field[0] not in _THEORY_FIELDS:
            return f"coq.theory {str(field)[:40]}"
    return None


def _reserved_name(stanza: _Sexp, reserved: frozenset[str]) -> str | None:
    """``(name X)`` of a ``coq.theory`` whose ``X`` starts with a reserved name, or None."""
    if not isinstance(stanza, list) or stanza[:1] != ["coq.theory"]:
        return None
    for field in stanza[1:]:
        if isinstance(field, list) and field[:1] == ["name"] and len(field) == 2:
            value = field[1]
            if isinstance(value, str) and value.split(".")[0] in reserved:
                return f"coq.theory (name {value})"
    return None


def _parsed(text: str) -> list[_Sexp] | None:
    """The top-level s-expressions of ``text``, or None when it is not read whole."""
    if "#|" in text or "#;" in text or "\\" in text or re.search(r"[^\x20-\x7e\t\n]", text):
        return None
    stack: list[list[_Sexp]] = [[]]
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            return None
        token = match.group()
        position = match.end()
        if token.isspace() or token.startswith(";"):
            continue
        if token == "(":
            stack.append([])
        elif token == ")":
            if len(stack) == 1:
                return None
            closed = stack.pop()
            stack[-1].append(closed)
        else:
            stack[-1].append(token)
    return stack[0] if len(stack) == 1 else None
