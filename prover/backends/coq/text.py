"""Coq source text: a sentence splitter and the tactic-safety check.

A search candidate is one tactic sentence. Candidates that try to end the proof
(``Qed``, ``Defined``, ``Admitted``, ``Abort``), declare anything, change global
settings, or hold more than one sentence are rejected before they reach Coq, as a
:class:`~search.outcomes.TacticError` whose message starts with ``"rejected: "``.

The splitter understands nested comments ``(* (* *) *)``, string literals (with
Coq's doubled-quote escape ``""``) and treats a ``.`` as a terminator only when it
is followed by whitespace or the end of the text, so qualified names
(``Nat.add``) and decimals (``1.5``) stay inside their sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.errors import InputError
from search.outcomes import TacticError
from search.states import Theorem

__all__ = [
    "ASSUMPTIONS_FILE_STEM",
    "MAX_TACTIC_CHARS",
    "CoqTextError",
    "Sentence",
    "build_proof_source",
    "check_coq_tactic",
    "coq_theorem_from_source",
    "find_forbidden_words",
    "split_sentences",
    "strip_comments",
]

MAX_TACTIC_CHARS = 4000
ASSUMPTIONS_FILE_STEM = "assumptions"

# Words that end a proof, give up on goals or declare something; rejected anywhere
# in a tactic (outside strings and comments) and anywhere in a proof script.
_FORBIDDEN_WORDS = frozenset(
    {
        "Qed",
        "Defined",
        "Save",
        "Admitted",
        "Abort",
        "admit",
        "give_up",
        "Axiom",
        "Axioms",
        "Parameter",
        "Parameters",
        "Hypothesis",
        "Hypotheses",
        "Variable",
        "Variables",
        "Conjecture",
        "Context",
        "Declare",
        "Unshelve",
    }
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_']*")
_SELECTOR = re.compile(
    r"^(?:all|par|!|\d+(?:\s*-\s*\d+)?(?:\s*,\s*\d+(?:\s*-\s*\d+)?)*|\[[^\]]*\])\s*:\s*"
)
_BULLET_CHARS = frozenset("-+*{}")
_THEOREM_KEYWORDS = (
    "Theorem",
    "Lemma",
    "Fact",
    "Remark",
    "Corollary",
    "Proposition",
    "Example",
)


class CoqTextError(Exception):
    """Coq text cannot be split: an unterminated comment or string literal.

    Internal to the Coq backend; callers translate it into a rejection or a
    :class:`~search.errors.StatementError`.
    """


@dataclass(frozen=True, kw_only=True)
class Sentence:
    """One sentence of Coq source: its text (comments kept) and whether a ``.`` ended it."""

    text: str
    terminated: bool


def _skip_string(text: str, index: int) -> int:
    """Return the index just after the string literal whose opening quote is at ``index``."""
    position = index + 1
    while position < len(text):
        if text[position] == '"':
            if position + 1 < len(text) and text[position + 1] == '"':
                position += 2
                continue
            return position + 1
        position += 1
    raise CoqTextError("unterminated string literal")


def _skip_comment(text: str, index: int) -> int:
    """Return the index just after the (nested) comment opening at ``index``."""
    depth = 0
    position = index
    while position < len(text):
        if text.startswith("(*", position):
            depth += 1
            position += 2
        elif text.startswith("*)", position):
            depth -= 1
            position += 2
            if depth == 0:
                return position
        elif text[position] == '"':
            position = _skip_string(text, position)
        else:
            position += 1
    raise CoqTextError("unterminated comment")


def _sentence_spans(text: str) -> list[tuple[int, int, bool]]:
    """``(start, end, terminated)`` of every sentence, comment-only fragments included."""
    spans: list[tuple[int, int, bool]] = []
    start = 0
    position = 0
    while position < len(text):
        character = text[position]
        if text.startswith("(*", position):
            position = _skip_comment(text, position)
        elif character == '"':
            position = _skip_string(text, position)
        elif character == "." and (position + 1 == len(text) or text[position + 1].isspace()):
            spans.append((start, position + 1, True))
            position += 1
            start = position
        else:
            position += 1
    spans.append((start, len(text), False))
    return spans


def split_sentences(text: str) -> list[Sentence]:
    """Split Coq source into sentences; a trailing unterminated fragment is kept.

    Whitespace around each sentence is stripped and comment-only fragments are
    dropped. Raises :class:`CoqTextError` on an unterminated comment or string.
    """
    sentences = [
        Sentence(text=text[start:end].strip(), terminated=terminated)
        for start, end, terminated in _sentence_spans(text)
    ]
    return [s for s in sentences if strip_comments(s.text).strip() not in ("", ".")]


def _skip_leading_comments(text: str, position: int) -> int:
    """Index of the first character at or after ``position`` outside whitespace and comments."""
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if not text.startswith("(*", position):
            return position
        position = _skip_comment(text, position)


def coq_theorem_from_source(source: str, name: str, *, origin: str = "<source>") -> Theorem:
    """Theorem ``name`` of a Coq file: header = what precedes it, statement = its sentence.

    The theorem's own proof is dropped. Raises ``InputError`` if it is not found.
    """
    pattern = re.compile(rf"(?:{'|'.join(_THEOREM_KEYWORDS)})\s+{re.escape(name)}(?![\w'])")
    try:
        spans = _sentence_spans(source)
    except CoqTextError as exc:
        raise InputError(f"cannot split {origin} into Coq sentences: {exc}") from exc
    for start, end, terminated in spans:
        code = strip_comments(source[start:end]).strip()
        if terminated and pattern.match(code):
            code_start = _skip_leading_comments(source, start)
            statement = source[code_start:end].strip()
            return Theorem(
                name=name, header=source[:code_start], statement=statement, source=origin
            )
    raise InputError(f"theorem {name!r} not found in {origin}")


def strip_comments(text: str) -> str:
    """Replace every comment by one space; strings are kept verbatim."""
    pieces: list[str] = []
    position = 0
    while position < len(text):
        if text.startswith("(*", position):
            position = _skip_comment(text, position)
            pieces.append(" ")
        elif text[position] == '"':
            end = _skip_string(text, position)
            pieces.append(text[position:end])
            position = end
        else:
            pieces.append(text[position])
            position += 1
    return "".join(pieces)


def _code_without_strings(text: str) -> str:
    """The text with comments removed and string literals replaced by ``""``."""
    code = strip_comments(text)
    pieces: list[str] = []
    position = 0
    while position < len(code):
        if code[position] == '"':
            position = _skip_string(code, position)
            pieces.append('""')
        else:
            pieces.append(code[position])
            position += 1
    return "".join(pieces)


def find_forbidden_words(text: str) -> list[str]:
    """Forbidden words (proof enders, declarations, ``admit``...) outside strings and comments."""
    return sorted({w for w in _WORD.findall(_code_without_strings(text)) if w in _FORBIDDEN_WORDS})


def _collapse_whitespace(text: str) -> str:
    """Collapse whitespace runs outside string literals to one space."""
    pieces: list[str] = []
    position = 0
    while position < len(text):
        if text[position] == '"':
            end = _skip_string(text, position)
            pieces.append(text[position:end])
            position = end
        elif text[position].isspace():
            while position < len(text) and text[position].isspace():
                position += 1
            pieces.append(" ")
        else:
            pieces.append(text[position])
            position += 1
    return "".join(pieces).strip()


def _rejection_reason(sentence: str) -> str | None:
    """Why a single, comment-free sentence (ending in '.') is unsafe, or None."""
    body = sentence[:-1].strip()
    if "prompt>" in body:
        return "text that imitates the coqtop prompt"
    if body[0] in _BULLET_CHARS:
        return "bullets and braces are not allowed; a candidate is one tactic"
    forbidden = find_forbidden_words(body)
    if forbidden:
        return f"forbidden word {forbidden[0]!r} (proofs may not be ended, admitted or extended)"
    after_selector = _SELECTOR.sub("", body, count=1)
    if not after_selector or after_selector[0] in _BULLET_CHARS:
        return "goal-selector braces are not allowed; a candidate is one tactic"
    if body[0].isupper() or after_selector[0].isupper():
        return f"vernacular command {body.split()[0]!r} is not a tactic"
    return None


def _inspect(text: str) -> tuple[str | None, str]:
    """(reason to reject or None, normalized sentence)."""
    if len(text) > MAX_TACTIC_CHARS:
        return f"candidate longer than {MAX_TACTIC_CHARS} characters", ""
    try:
        sentences = split_sentences(text)
        code = _collapse_whitespace(strip_comments(text))
    except CoqTextError as exc:
        return str(exc), ""
    if not sentences or code.rstrip(". ") == "":
        return "empty candidate", ""
    if len(sentences) > 1:
        return "a candidate must be exactly one tactic sentence", ""
    normalized = code if code.endswith(".") else code + "."
    if normalized.endswith(" ."):
        normalized = normalized[:-2] + "."
    if normalized.endswith(".."):
        return "malformed sentence end", ""
    return _rejection_reason(normalized), normalized


def check_coq_tactic(text: str) -> str | TacticError:
    """Check one candidate and return its normalized sentence, or a rejection.

    The normalized form has comments removed, whitespace runs collapsed to one
    space and exactly one trailing ``.``. A rejection is a
    :class:`~search.outcomes.TacticError` whose message starts with ``"rejected: "``.
    """
    reason, normalized = _inspect(text)
    if reason is not None:
        return TacticError(message=f"rejected: {reason}")
    return normalized


def build_proof_source(*, header: str, statement: str, name: str, tactics: list[str]) -> str:
    """The complete file checked by ``coqc``: header, statement, tactics, ``Qed``.

    ``Print Assumptions`` is wrapped in ``Redirect`` so that its answer lands in
    ``assumptions.out``, where no tactic output (``idtac "..."``) can imitate it.
    """
    lines = [header.rstrip(), "", statement.strip(), "Proof."]
    lines.extend(t if t.endswith(".") else t + "." for t in (t.strip() for t in tactics))
    lines.append("Qed.")
    lines.append(f'Redirect "{ASSUMPTIONS_FILE_STEM}" Print Assumptions {name}.')
    return "\n".join(lines).lstrip("\n") + "\n"
