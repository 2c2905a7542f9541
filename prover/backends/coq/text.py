"""Coq source text: a sentence splitter that follows Coq 8.16's lexer, and tactic admission.

**Splitting.** :func:`split_sentences` cuts Coq source into the sentences Coq itself
would execute, with their character offsets. It follows ``clexer.ml``:

* comments ``(* ... *)`` nest, and a ``"`` inside a comment opens a string that must
  close before the comment does; string literals escape ``"`` by doubling it;
* a ``.`` (or ``...``) ends a sentence when followed by whitespace, the end of the
  text, or a comment opening ``(*`` (Coq rejects ``.(*`` as a syntax error; treating
  it as an end is what makes ``idtac.(**)Reset t.`` two sentences, not one);
* qualified names (``Nat.add``), decimals (``1.5``), ``..`` (recursive notations) and
  projections ``x.(f)`` do not end a sentence;
* at the start of a sentence, a bullet (a run of one of ``-``, ``+``, ``*``) and a
  brace ``{`` or ``}`` (also after a goal selector, ``2: {``) are sentences of their
  own, without a ``.``.

Where this splitter and Coq could disagree (a user notation token ending in ``.``,
unusual Unicode blanks after a ``.``) it finds *more* boundaries than Coq, never
fewer, which is the safe side for admission. On the standard library it reproduces
the sentence spans ``coqc -time`` prints (tests/prover/backends/coq/test_text.py).

**Admission.** :func:`check_coq_tactic` admits exactly one tactic sentence and fails
closed: after an optional goal selector it must start with a lowercase letter, a
qualified tactic name (``Z.le_elim``: one identifier for Coq's lexer, never a command) or
``(``; attributes, any vernacular command, several sentences, bullets and braces,
proof enders and give-ups (``admit``, ``Admitted``, ``Qed`` ...), local fixpoints
(``fix``/``cofix``/``coinduction``: Coq 8.16's guard checker accepts some ill-formed ones), Ltac2
(``ltac2:(...)``, ``Constr.Unsafe``: it builds a fixpoint without the word ``fix``; see
:mod:`prover.backends.coq.kernel_bugs`), ``...`` and any ``..`` but a dispatch range
(``[easy ..|]``), control characters and text imitating the coqtop prompt are rejected
before they reach Coq, as a
:class:`~search.outcomes.TacticError` whose message starts with ``"rejected: "``.
The admitted form is normalized (comments removed, whitespace collapsed) and split
again: it must still be that one tactic sentence, so that the text Coq receives is
exactly the text that was checked.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from prover.backends.coq.kernel_bugs import (
    LOCAL_FIXPOINT_REFUSAL,
    LOCAL_FIXPOINT_WORDS,
    LTAC2_REFUSAL,
    LTAC2_WORDS,
)
from search.outcomes import TacticError

__all__ = [
    "MAX_TACTIC_CHARS",
    "CoqTextError",
    "Sentence",
    "SentenceKind",
    "builds_fixpoint",
    "check_coq_tactic",
    "find_forbidden_words",
    "normalize_sentence",
    "split_sentences",
    "strip_comments",
]

MAX_TACTIC_CHARS = 4000

# Words rejected anywhere in a tactic's code (outside strings and comments): proof
# enders and give-ups, declarations, and vernacular commands. A tactic sentence can
# only start with a lowercase word, so these could at most appear as identifiers;
# rejecting them costs nothing and keeps a second line of defence.
_FORBIDDEN_WORDS = frozenset(
    {
        "Qed", "Defined", "Save", "Admitted", "Abort", "admit", "give_up", "Admit",
        "Axiom", "Axioms", "Parameter", "Parameters", "Hypothesis", "Hypotheses",
        "Variable", "Variables", "Conjecture", "Context", "Declare", "Unshelve",
        "Reset", "Back", "BackTo", "Undo", "Restart", "Redirect", "Load", "Require",
        "Import", "Export", "Drop", "Quit", "Print", "Fixpoint", "CoFixpoint",
        "Definition", "Lemma", "Theorem", "Instance", "Module", "Section", "End",
        "Ltac", "Ltac2", "Notation", "Infix", "Obligation", "Obligations", "Proof",
        "Unset", "Guard", "Positivity", "Universe", "Universes", "Polymorphic",
        "Local", "Global", "Program", "Opaque", "Transparent", "Strategy", "Arguments",
        "Hint", "Extraction", "Timeout", "Fail", "Succeed", "Time", "Instructions",
        "bypass_check", "Elimination", "Schemes", "Goal",
    }
)  # fmt: skip
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_']*")
_RANGE = r"\d+(?:\s*-\s*\d+)?"
_SELECTOR = rf"(?:all|par|!|{_RANGE}(?:\s*,\s*{_RANGE})*|\[\s*[A-Za-z_][\w']*\s*\])"
_SELECTOR_COLON = re.compile(rf"{_SELECTOR}\s*:(?!=)\s*")
_SELECTOR_BRACE = re.compile(rf"{_SELECTOR}\s*:\s*\{{")
_BULLET_CHARACTERS = "-+*"
_PROMPT_IMITATION = re.compile(r"prompt\s*>|<\s*/?\s*prompt", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
# A run of dots inside a tactic, and the one use of ``..`` a tactic has: the range of a
# goal dispatch (``[ easy .. | ]``, ``[> tac .. ]``), right before a ``|`` or ``]``.
_DOT_RUN = re.compile(r"\.{2,}")
_DISPATCH_RANGE_END = re.compile(r"\s*[|\]]")
# An attribute opening (``#[``; ``# [`` is refused too, to be safe) or Lean's ``@[``; a
# ``#`` alone is a notation token (``m#1``, ``1#2`` in Q) and stays admissible.
_ATTRIBUTE = re.compile(r"#\s*\[|@\[")
# A qualified name such as ``Z.le_elim`` or ``Nat.order``: Coq's lexer reads it as one
# identifier, never as a command keyword, so a sentence starting with one is a tactic
# (an Ltac call), whatever the case of its first letter.
_QUALIFIED_NAME = re.compile(r"[A-Za-z_][\w']*(?:\.[A-Za-z_][\w']*)+(?![\w'])")
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


class SentenceKind(enum.Enum):
    """What a sentence looks like, syntactically.

    ``COMMAND`` is a sentence starting with an uppercase letter or an attribute
    (``#[``): a vernacular command (``Proof.``, ``Qed.``, ``Lemma ...``); in proof
    mode a user tactic with an uppercase name also lands here. ``TACTIC`` is every
    other sentence ended by a ``.``; ``BULLET`` and ``BRACE`` need no ``.``.
    """

    TACTIC = "tactic"
    BULLET = "bullet"
    BRACE = "brace"
    COMMAND = "command"


@dataclass(frozen=True, kw_only=True)
class Sentence:
    """One sentence of Coq source.

    ``text`` is ``source[start:end]``: from the first character of code (leading
    whitespace and comments excluded) to just after the ``.`` (comments inside are
    kept). ``terminated`` is false only for a trailing fragment with no ``.``;
    bullets and braces are complete sentences and count as terminated.
    """

    text: str
    start: int
    end: int
    terminated: bool
    kind: SentenceKind


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


def _blank_comments(text: str) -> str:
    """``text`` with every comment character replaced by a space (same length, same offsets)."""
    pieces: list[str] = []
    position = 0
    while position < len(text):
        if text.startswith("(*", position):
            end = _skip_comment(text, position)
            pieces.append(" " * (end - position))
            position = end
        elif text[position] == '"':
            end = _skip_string(text, position)
            pieces.append(text[position:end])
            position = end
        else:
            pieces.append(text[position])
            position += 1
    return "".join(pieces)


def _ends_here(code: str, position: int) -> bool:
    """Whether a ``.`` token ending just before ``position`` ends the sentence.

    ``code`` has its comments blanked, so a comment right after the dot reads as
    whitespace, as required.
    """
    return position >= len(code) or code[position].isspace()


def _sentence_end(code: str, start: int) -> tuple[int, bool]:
    """End of the sentence starting at ``start``; whether a ``.`` (not the end of text) ended it."""
    position = start
    while position < len(code):
        character = code[position]
        if character == '"':
            position = _skip_string(code, position)
        elif character == ".":
            run_end = position
            while run_end < len(code) and code[run_end] == ".":
                run_end += 1
            # ".." is the recursive-notation token; "." and "..." end a sentence.
            if run_end - position != 2 and _ends_here(code, run_end):
                return run_end, True
            position = run_end
        else:
            position += 1
    return len(code), False


def _marker_end(code: str, start: int) -> tuple[int, SentenceKind] | None:
    """End and kind of a bullet or brace sentence starting at ``start``, if there is one."""
    character = code[start]
    if character in _BULLET_CHARACTERS:
        end = start
        while end < len(code) and code[end] == character:
            end += 1
        return end, SentenceKind.BULLET
    if character in "{}":
        return start + 1, SentenceKind.BRACE
    match = _SELECTOR_BRACE.match(code, start)
    if match is not None:
        return match.end(), SentenceKind.BRACE
    return None


def _kind_of(code: str, start: int) -> SentenceKind:
    character = code[start]
    if code.startswith("#[", start):
        return SentenceKind.COMMAND
    if "A" <= character <= "Z" and _QUALIFIED_NAME.match(code, start) is None:
        return SentenceKind.COMMAND
    return SentenceKind.TACTIC


def split_sentences(text: str) -> list[Sentence]:
    """Split Coq source into sentences; a trailing fragment without ``.`` is kept.

    Comment-only stretches produce no sentence. Raises :class:`CoqTextError` on an
    unterminated comment or string literal.
    """
    code = _blank_comments(text)
    sentences: list[Sentence] = []
    position = 0
    while True:
        while position < len(code) and code[position].isspace():
            position += 1
        if position >= len(code):
            return sentences
        marker = _marker_end(code, position)
        if marker is not None:
            end, kind = marker
            terminated = True
        else:
            end, terminated = _sentence_end(code, position)
            kind = _kind_of(code, position)
        sentences.append(
            Sentence(
                text=text[position:end], start=position, end=end, terminated=terminated, kind=kind
            )
        )
        position = end


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
    """Forbidden words (proof enders, declarations, commands...) outside strings and comments."""
    return sorted({w for w in _WORD.findall(_code_without_strings(text)) if w in _FORBIDDEN_WORDS})


def builds_fixpoint(text: str) -> bool:
    """Whether ``text`` writes ``fix``/``cofix``/``coinduction`` outside strings and comments."""
    return any(word in LOCAL_FIXPOINT_WORDS for word in _WORD.findall(_code_without_strings(text)))


def normalize_sentence(text: str) -> str:
    """One sentence as a single line: comments removed, whitespace runs collapsed to one space
    outside strings, no space before the final ``.``.

    Raises :class:`CoqTextError` on an unterminated comment or string literal.
    """
    code = strip_comments(text)
    pieces: list[str] = []
    position = 0
    while position < len(code):
        if code[position] == '"':
            end = _skip_string(code, position)
            pieces.append(code[position:end])
            position = end
        elif code[position].isspace():
            while position < len(code) and code[position].isspace():
                position += 1
            pieces.append(" ")
        else:
            pieces.append(code[position])
            position += 1
    normalized = "".join(pieces).strip()
    if normalized.endswith(" ."):
        normalized = normalized[:-2] + "."
    return normalized


def _single_sentence(text: str) -> Sentence | str:
    """The one sentence of ``text``, or why there is not exactly one tactic sentence."""
    try:
        sentences = split_sentences(text)
    except CoqTextError as exc:
        return str(exc)
    if not sentences:
        return "empty candidate"
    sentence = sentences[0]
    if sentence.kind is SentenceKind.BULLET or sentence.kind is SentenceKind.BRACE:
        return "bullets and braces are not allowed; a candidate is one tactic"
    if sentence.kind is SentenceKind.COMMAND:
        return f"vernacular command {sentence.text.split()[0][:40]!r} is not a tactic"
    if len(sentences) > 1:
        return "a candidate must be exactly one tactic sentence"
    return sentence


def _body_problem(sentence: str) -> str | None:
    """Why a normalized one-sentence tactic (ending in ``.``) is not admissible, or None."""
    code = _code_without_strings(sentence)
    if _stray_dots(code[:-1]):
        return "'...' and '..' (except a dispatch range before '|' or ']') are not allowed"
    words = _words_problem(sentence)
    if words is not None:
        return words
    if _ATTRIBUTE.search(code):
        return "attributes are not allowed in a tactic"
    selector = _SELECTOR_COLON.match(code)
    body = code[selector.end() :] if selector is not None else code
    if not (body[:1].islower() or body.startswith("(") or _QUALIFIED_NAME.match(body)):
        return (
            f"a tactic starts with a lowercase or qualified tactic name or '(' "
            f"(after an optional goal selector), not {body[:20]!r}"
        )
    if not body[:1].isascii():
        return "a tactic name starts with an ASCII letter"
    return None


def _words_problem(sentence: str) -> str | None:
    """A forbidden word, Ltac2 or a local fixpoint in ``sentence``, or None."""
    if LTAC2_WORDS.intersection(_WORD.findall(_code_without_strings(sentence))):
        return LTAC2_REFUSAL
    forbidden = find_forbidden_words(sentence)
    if forbidden:
        return f"forbidden word {forbidden[0]!r} (proofs may not be ended, admitted or extended)"
    if builds_fixpoint(sentence):
        return LOCAL_FIXPOINT_REFUSAL
    return None


def _stray_dots(code: str) -> bool:
    """Whether ``code`` (a sentence without its final ``.``) holds a run of two or more
    dots other than a dispatch range ``..`` followed by ``|`` or ``]``."""
    return any(
        len(run.group()) != 2 or not _DISPATCH_RANGE_END.match(code, run.end())
        for run in _DOT_RUN.finditer(code)
    )


def _surface_problem(text: str) -> str | None:
    """Why the raw candidate text is refused before it is even split, or None."""
    if len(text) > MAX_TACTIC_CHARS:
        return f"candidate longer than {MAX_TACTIC_CHARS} characters"
    if _PROMPT_IMITATION.search(text):
        return "text that imitates the coqtop prompt"
    if _CONTROL.search(text):
        return "control characters are not allowed"
    return None


def _admission_problem(text: str) -> tuple[str | None, str]:
    """(reason to reject or None, normalized sentence)."""
    surface = _surface_problem(text)
    if surface is not None:
        return surface, ""
    first = _single_sentence(text)
    if isinstance(first, str):
        return first, ""
    normalized = normalize_sentence(first.text)
    if normalized in ("", "."):
        return "empty candidate", ""
    if not first.terminated:
        normalized += "."
    # The text Coq receives must split back into this very sentence.
    again = _single_sentence(normalized)
    if isinstance(again, str):
        return f"{again} (after normalization)", ""
    if again.text != normalized or not again.terminated:
        return "malformed sentence end", ""
    return _body_problem(normalized), normalized


def check_coq_tactic(text: str) -> str | TacticError:
    """Admit one candidate: its normalized sentence, or a rejection.

    The normalized form has comments removed, whitespace runs collapsed to one
    space and exactly one trailing ``.``. A rejection is a
    :class:`~search.outcomes.TacticError` whose message starts with ``"rejected: "``.
    """
    reason, normalized = _admission_problem(text)
    if reason is not None:
        return TacticError(message=f"rejected: {reason}")
    return normalized
