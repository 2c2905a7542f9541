"""The theorem a ``/search`` request asks for, checked before it reaches the proof assistant.

The request is untrusted, so the theorem is built only from what passes these checks:

- the header passes the whitelist of :mod:`prover.interactive.headers`;
- the statement is exactly one theorem sentence (Coq: one sentence, split after
  comments are replaced by a space; Lean: one ``theorem``/``lemma`` declaration with no
  other command and no proof term), with nothing the whitelist refuses anywhere in it
  and, in Coq, no tactic run while it is read (``ltac:(...)``, refused in header
  sentences too: red-team round seventy-eight's statement chose between ``1 = 2`` and
  ``True`` by how fast its tactic ran);
- ``name``, when given, is an identifier and equal to the name the statement
  declares; when left out, the declared name is used. The backend's verification
  looks the proof up by this name, so it can never point at another constant (``I``)
  or carry sentences of its own (a newline, ``Qed.`` ...).
- ``file`` (Coq), when given, is a file name ``Foo.v`` whose stem is a Coq identifier other
  than the verifier's library name: the proof is then also checked read as that file
  (:attr:`search.states.Theorem.file_name`; red-team round ninety-eight).

A Coq request is sent to Coq exactly as checked: header and statement with their
comments replaced by a space.
"""

from __future__ import annotations

import re
from dataclasses import replace

from prover.backends.coq.checker_runs import VERIFY_LIBRARY, VERIFY_MODULE
from prover.backends.coq.kernel_bugs import recursive_statement
from prover.backends.coq.text import CoqTextError, split_sentences
from prover.backends.lean.text import tactic_rejection
from prover.interactive.headers import (
    HeaderRefused,
    check_coq_header,
    check_lean_header,
    coq_code,
    coq_forbidden,
    inspected_coq_header,
    lean_code,
    lean_forbidden,
    runs_tactics,
)
from search.errors import ConfigError
from search.states import Theorem

__all__ = [
    "COQ_IDENTIFIER",
    "LEAN_IDENTIFIER",
    "checked_file_name",
    "request_header_text",
    "request_theorem",
]

COQ_IDENTIFIER = re.compile(r"[^\W\d][\w']*")
"""A Coq identifier: a letter or ``_``, then letters, digits, ``_`` and ``'`` (no dots)."""

LEAN_IDENTIFIER = re.compile(r"[^\W\d][\w'!?]*(?:\.[^\W\d][\w'!?]*)*")
"""A Lean name: dot-separated identifier parts."""

_COQ_STATEMENT = re.compile(
    r"(?:Theorem|Lemma|Fact|Remark|Corollary|Proposition|Example)\s+([^\W\d][\w']*)(?=[\s:(\[{])"
)
_COQ_LET = re.compile(r"(?<![\w'.])let(?![\w'])")
"""A Coq ``let``, each binding one ``:=`` of a statement's type (``let x := v in T``)."""
_LEAN_STATEMENT = re.compile(
    r"\s*(?:theorem|lemma)\s+([^\W\d][\w'!?.]*)(?=[\s:(\[{⦃])(.*?)(?::=\s*(?:by)?\s*)?",
    re.DOTALL,
)


def request_theorem(
    *, language: str, header: str, statement: str, name: str | None, file: str | None = None
) -> Theorem:
    """The checked theorem of a request; ``HeaderRefused`` (an InputError) says what is wrong.
    ``file``: the name of the file the user puts it in (Coq), whose name the proof is also
    checked under (:attr:`search.states.Theorem.file_name`)."""
    if name is not None:
        name = _checked_name(name, language)
    if file is not None and language != "coq":
        raise HeaderRefused("field 'file' is read for Coq requests only")
    if language == "coq":
        theorem = _coq_theorem(header, statement, name)
        return theorem if file is None else replace(theorem, file_name=_file_name(file))
    if language == "lean4":
        return _lean_theorem(header, statement, name)
    raise ConfigError(f"unknown proof language {language!r}")


def checked_file_name(*, language: str, theorem: Theorem) -> str | None:
    """The name of the file a request's verdict is for: the one it named, or the checked
    file's own (Coq); None for Lean, whose check does not depend on it."""
    if language != "coq":
        return None
    return f"{theorem.file_name or VERIFY_MODULE}.v"


def _file_name(file: str) -> str:
    """The library name of a request's ``file`` (``Foo.v``: ``Foo``), as a plain ``coqc``
    names it; refused unless it is a Coq identifier followed by ``.v``, other than the
    verifier's own names (those starting with ``ProverCheck``)."""
    stem = file.removesuffix(".v")
    reserved = stem.startswith(VERIFY_LIBRARY)
    if not file.endswith(".v") or not COQ_IDENTIFIER.fullmatch(stem) or reserved:
        raise HeaderRefused(
            f"field 'file' must be a file name such as 'Foo.v' (a Coq identifier, then '.v', "
            f"not starting with {VERIFY_LIBRARY}), got {file[:80]!r}"
        )
    return stem


def _checked_name(name: str, language: str) -> str:
    pattern = COQ_IDENTIFIER if language == "coq" else LEAN_IDENTIFIER
    if not pattern.fullmatch(name):
        raise HeaderRefused(f"field 'name' must be a single identifier, got {name[:80]!r}")
    return name


def _declared(declared: str, name: str | None) -> str:
    if name is not None and name != declared:
        raise HeaderRefused(
            f"field 'name' is {name!r} but the statement declares {declared!r}; "
            "leave 'name' out or give the declared name"
        )
    return declared


def request_header_text(*, language: str, header: str) -> str:
    """The header of an admitted request as the compiled file holds it, before the server's
    inspection sentences (shown to the user in the answer's ``proof_text``)."""
    return coq_code(header, what="header") if language == "coq" else header


def _coq_theorem(header: str, statement: str, name: str | None) -> Theorem:
    header_code = coq_code(header, what="header")  # checked and compiled as sent
    check_coq_header(header_code)
    code = coq_code(statement, what="statement").strip()
    try:
        sentences = split_sentences(code)
    except CoqTextError as exc:
        raise HeaderRefused(f"the statement cannot be split into sentences: {exc}") from exc
    if len(sentences) != 1 or not sentences[0].terminated:
        raise HeaderRefused(
            f"the statement must be exactly one sentence ending in '.', got {len(sentences)} "
            "(put definitions in the header)"
        )
    sentence = " ".join(sentences[0].text.split())
    reason = coq_forbidden(sentence) or recursive_statement(sentence)
    if reason is None and runs_tactics(sentence):
        reason = "'ltac:(...)' runs tactics while the statement is read; state the type itself"
    if reason is not None:
        raise HeaderRefused(f"statement: {reason}")
    match = _COQ_STATEMENT.match(sentence)
    if match is None:
        raise HeaderRefused(
            "the statement must be one 'Theorem NAME : TYPE.' (or Lemma, Fact, Remark, "
            f"Corollary, Proposition, Example), got {sentence[:80]!r}"
        )
    top_level = _top_level_text(sentence)
    if top_level.count(":=") > len(_COQ_LET.findall(top_level)):
        raise HeaderRefused("the statement must not give its proof (':=' after the type)")
    declared = _declared(match.group(1), name)
    return Theorem(name=declared, header=inspected_coq_header(header_code), statement=code)


def _lean_theorem(header: str, statement: str, name: str | None) -> Theorem:
    check_lean_header(header)
    code = lean_code(statement, what="statement")
    match = _LEAN_STATEMENT.fullmatch(code)
    if match is None:
        raise HeaderRefused(
            "the statement must be one 'theorem NAME ... :' declaration (optionally ending "
            f"':= by'), got {' '.join(code.split())[:80]!r}"
        )
    body = match.group(2)
    if _top_level_assignments(body):
        raise HeaderRefused("the statement must not give its proof (':=' before the end)")
    reason = lean_forbidden(body) or tactic_rejection(" ".join(body.split()))
    if reason is not None:
        raise HeaderRefused(f"statement: {reason.removeprefix('rejected: ')}")
    declared = _declared(match.group(1), name)
    return Theorem(name=declared, header=header, statement=statement.strip())


def _top_level_text(code: str) -> str:
    """``code`` with everything inside brackets blanked (binder defaults ``(x := v)``,
    records ``{| f := v |}``, parenthesised ``let``s), so only the outermost level is read."""
    depth = 0
    kept = []
    for char in code:
        if char in "([{⟨⦃":
            depth += 1
        elif char in ")]}⟩⦄":
            depth -= 1
        kept.append(char if depth == 0 and char not in ")]}⟩⦄" else " ")
    return "".join(kept)


def _top_level_assignments(code: str) -> int:
    """How many ``:=`` ``code`` holds outside brackets."""
    return _top_level_text(code).count(":=")
