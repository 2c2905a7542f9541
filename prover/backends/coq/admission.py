"""Tactic admission for Coq: what a candidate tactic must be before it reaches coqtop.

:func:`check_coq_tactic` admits exactly one tactic sentence and fails closed: after an
optional goal selector it must start with a lowercase letter, a qualified tactic name
(``Z.le_elim``: one identifier for Coq's lexer, never a command) or ``(``; attributes, any
vernacular command, several sentences, bullets and braces, proof enders and give-ups
(``admit``, ``Admitted``, ``Qed`` ...), local fixpoints (``fix``/``cofix``/``coinduction``:
Coq 8.16's guard checker accepts some ill-formed ones), Ltac2 (``ltac2:(...)``,
``Constr.Unsafe``: it builds a fixpoint without the word ``fix``), unchecked terms
(``exact_no_check`` and its kin: the VM would run on unchecked terms; see
:mod:`prover.backends.coq.kernel_bugs`), ``...`` and any ``..`` but a dispatch range
(``[easy ..|]``), control characters, characters Python's word rules read differently
from Coq's lexer (:mod:`prover.backends.coq.characters`; superscript digits are spaced
off adjacent words instead) and text imitating the coqtop prompt are rejected
before they reach Coq, as a :class:`~search.outcomes.TacticError` whose message starts
with ``"rejected: "``. The admitted form is normalized (comments removed, whitespace
collapsed) and split again by :func:`prover.backends.coq.text.split_sentences`: it must
still be that one tactic sentence, so that the text Coq receives is exactly the text that
was checked.
"""

from __future__ import annotations

import re

from prover.backends.coq.characters import character_problem, spaced_superscripts
from prover.backends.coq.kernel_bugs import (
    AUXILIARY_CONSTANT_REFUSAL,
    AUXILIARY_CONSTANT_WORDS,
    LOCAL_FIXPOINT_REFUSAL,
    LOCAL_FIXPOINT_WORDS,
    LTAC2_REFUSAL,
    LTAC2_WORDS,
    UNCHECKED_TERM_REFUSAL,
    UNCHECKED_TERM_WORDS,
    word_refusal,
)
from prover.backends.coq.text import (
    GOAL_SELECTOR,
    QUALIFIED_NAME,
    CoqTextError,
    Sentence,
    SentenceKind,
    code_without_strings,
    normalize_sentence,
    split_sentences,
)
from search.outcomes import TacticError

__all__ = [
    "MAX_TACTIC_CHARS",
    "builds_fixpoint",
    "check_coq_tactic",
    "find_forbidden_words",
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
# Checked before the forbidden words, so that their message names the kernel bug.
_KERNEL_BUG_REFUSALS = (
    (LTAC2_WORDS, LTAC2_REFUSAL),
    (UNCHECKED_TERM_WORDS, UNCHECKED_TERM_REFUSAL),
    (AUXILIARY_CONSTANT_WORDS, AUXILIARY_CONSTANT_REFUSAL),
)
_SELECTOR_COLON = re.compile(rf"{GOAL_SELECTOR}\s*:(?!=)\s*")
_PROMPT_IMITATION = re.compile(r"prompt\s*>|<\s*/?\s*prompt", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
# A run of dots inside a tactic, and the one use of ``..`` a tactic has: the range of a
# goal dispatch (``[ easy .. | ]``, ``[> tac .. ]``), right before a ``|`` or ``]``.
_DOT_RUN = re.compile(r"\.{2,}")
_DISPATCH_RANGE_END = re.compile(r"\s*[|\]]")
# An attribute opening (``#[``; ``# [`` is refused too, to be safe) or Lean's ``@[``; a
# ``#`` alone is a notation token (``m#1``, ``1#2`` in Q) and stays admissible.
_ATTRIBUTE = re.compile(r"#\s*\[|@\[")


def find_forbidden_words(text: str) -> list[str]:
    """Forbidden words (proof enders, declarations, commands...) outside strings and comments."""
    return sorted({w for w in _WORD.findall(code_without_strings(text)) if w in _FORBIDDEN_WORDS})


def builds_fixpoint(text: str) -> bool:
    """Whether ``text`` writes ``fix``/``cofix``/``coinduction`` outside strings and comments."""
    return any(word in LOCAL_FIXPOINT_WORDS for word in _WORD.findall(code_without_strings(text)))


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
    code = code_without_strings(sentence)
    if _stray_dots(code[:-1]):
        return "'...' and '..' (except a dispatch range before '|' or ']') are not allowed"
    words = _words_problem(sentence)
    if words is not None:
        return words
    if _ATTRIBUTE.search(code):
        return "attributes are not allowed in a tactic"
    selector = _SELECTOR_COLON.match(code)
    body = code[selector.end() :] if selector is not None else code
    if not (body[:1].islower() or body.startswith("(") or QUALIFIED_NAME.match(body)):
        return (
            f"a tactic starts with a lowercase or qualified tactic name or '(' "
            f"(after an optional goal selector), not {body[:20]!r}"
        )
    if not body[:1].isascii():
        return "a tactic name starts with an ASCII letter"
    return None


def _words_problem(sentence: str) -> str | None:
    """A forbidden word, Ltac2, an unchecked term or a local fixpoint in ``sentence``, or None."""
    words = set(_WORD.findall(code_without_strings(sentence)))
    kernel_bug = word_refusal(words, _KERNEL_BUG_REFUSALS)
    if kernel_bug is not None:
        return kernel_bug
    forbidden = sorted(words & _FORBIDDEN_WORDS)
    if forbidden:
        return f"forbidden word {forbidden[0]!r} (proofs may not be ended, admitted or extended)"
    if words & LOCAL_FIXPOINT_WORDS:
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
    return character_problem(text)


def _admission_problem(text: str) -> tuple[str | None, str]:
    """(reason to reject or None, normalized sentence)."""
    surface = _surface_problem(text)
    if surface is not None:
        return surface, ""
    first = _single_sentence(text)
    if isinstance(first, str):
        return first, ""
    normalized = spaced_superscripts(normalize_sentence(first.text))
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
