"""The Coq header whitelist of ``/search`` requests: what a request's header may contain.

A server request is untrusted (see docs/serving.md): its header is checked before any
of it reaches the proof assistant, and the check fails closed. Every sentence must be of
a kind listed here; everything else, including what this module does not understand, is
refused with a message naming the sentence.

Coq, sentence by sentence (split after replacing comments by a space, so a comment
cannot hide a sentence boundary):

- ``Require``/``Require Import``/``Require Export`` of qualified names, optionally
  ``From Lib``; ``Import``/``Export`` of modules;
- ``Open Scope``/``Close Scope`` (optionally ``Local``/``Global``);
- ``Set``/``Unset`` of the implicit-argument and pattern settings in
  :data:`COQ_SETTINGS` (never Guard/Positivity/Universe Checking);
- ``Module M := F(X)`` functor applications (no plain alias ``Module M := Q.``:
  :data:`MODULE_ALIAS_REFUSAL`), ``Section S``/``End S``;
- definitions (``Definition``, ``Record``, ``Structure``, ``Class``,
  ``Instance``, ``Ltac``, ``Notation``, ``Infix``, ``Arguments``) and lemmas
  (``Lemma``, ``Theorem`` ...) whose proofs are ``Proof.`` + tactics + ``Qed.`` or
  ``Defined.``, each tactic passing the backend's own tactic check.

Never, anywhere: attributes ``#[...]`` (so no ``bypass_check``), ``Redirect``, ``Load``,
``Declare ML Module`` or any ``Declare``, ``Extraction``, ``Add LoadPath``, ``Cd``,
``Axiom``/``Parameter``/``Hypothesis``/``Variable``/``Context``/``Conjecture``,
``Admitted``/``admit``/``give_up``/``Abort`` (:data:`COQ_FORBIDDEN_WORDS` plus the
backend's own list); no inductive type (``Inductive``, ``CoInductive``, ``Variant``:
:data:`INDUCTIVE_TYPE_REFUSAL`). For Coq 8.16.1's kernel bugs
(:mod:`prover.backends.coq.kernel_bugs`):
no fixpoint (``Fixpoint``, ``CoFixpoint``, ``fix``, ``cofix``, ``coinduction``), no Ltac2
(``Ltac2``, ``ltac2``, ``Unsafe``, ``Require`` included: it builds fixpoints without
``fix``), no let-in in an inductive type (``Inductive`` ... ``Class``: a ``let``, a
``:=`` in brackets, a ``where``), nor in a ``Notation``/``Infix`` that could carry one;
no unchecked term (``exact_no_check`` and its kin: the VM would run on unchecked terms);
no ``abstract``/``transparent_abstract`` (a subproof constant is not read for fixpoints).
A tactic in a term (``ltac:(...)``) only in a lemma's proof steps, whose term is read.
"""

from __future__ import annotations

import re

from prover.backends.coq.admission import check_coq_tactic
from prover.backends.coq.characters import character_problem, spaced_superscripts
from prover.backends.coq.kernel_bugs import (
    LTAC2_REFUSAL,
    LTAC2_WORDS,
    REQUEST_REFUSALS,
    declaration_let_in,
    recursive_proof,
    word_refusal,
)
from prover.backends.coq.reading_refusals import comment_position_refusal
from prover.backends.coq.sentences import declared_name
from prover.backends.coq.text import CoqTextError, SentenceKind, split_sentences, strip_comments
from prover.interactive.headers.refusal import HeaderRefused, forbidden_words_message, short
from search.outcomes import TacticError

__all__ = [
    "COQ_FORBIDDEN_WORDS",
    "COQ_SETTINGS",
    "INDUCTIVE_TYPE_REFUSAL",
    "MAY_OPEN_PROOF",
    "MODULE_ALIAS_REFUSAL",
    "PROOF_ENDS",
    "check_coq_header",
    "coq_code",
    "coq_forbidden",
    "opens_proof",
    "refuse_unnamed",
    "runs_tactics",
]

COQ_SETTINGS = (
    "Implicit Arguments",
    "Strict Implicit",
    "Contextual Implicit",
    "Maximal Implicit Insertion",
    "Reversible Pattern Implicit",
    "Asymmetric Patterns",
)
"""The only ``Set``/``Unset`` settings a request header may change."""

COQ_FORBIDDEN_WORDS = frozenset(
    {
        "Admitted",
        "admit",
        "give_up",
        "Abort",
        "Save",
        "Qed",
        "Defined",
        "Proof",
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
        "Unshelve",
        "Reset",
        "Back",
        "BackTo",
        "Undo",
        "Restart",
        "Quit",
        "Redirect",
        "Load",
        "Declare",
        "ML",
        "Extraction",
        "Extract",
        "LoadPath",
        "Add",
        "Remove",
        "Cd",
        "Drop",
        "Register",
        "Primitive",
        "Program",
        "Obligation",
        "Obligations",
        "Admit",
        "bypass_check",
        "Guard",
        "Positivity",
        "Checking",
        "Fail",
        "Succeed",
    }
)
"""Words refused anywhere in a Coq request (outside strings and comments)."""

_QUALID = r"[A-Za-z_][\w']*(?:\.[A-Za-z_][\w']*)*"
_IDENT = r"[A-Za-z_][\w']*"
_LOCALITY = r"(?:(?:Local|Global)\s+)?"
_COQ_FIXED_KINDS = (
    re.compile(rf"(?:From\s+{_QUALID}\s+)?Require(?:\s+(?:Import|Export))?(?:\s+{_QUALID})+\."),
    re.compile(rf"(?:Import|Export)(?:\s+{_QUALID})+\."),
    re.compile(rf"{_LOCALITY}(?:Open|Close)\s+Scope\s+{_IDENT}\."),
    re.compile(rf"{_LOCALITY}(?:Set|Unset)\s+(?:{'|'.join(COQ_SETTINGS)})\."),
    re.compile(rf"Module\s+{_IDENT}\s*:=\s*{_QUALID}(?:\s*\(\s*{_QUALID}\s*\))+\."),
    re.compile(rf"(?:Section|End)\s+{_IDENT}\."),
)
_MODULE_ALIAS = re.compile(rf"Module\s+{_IDENT}\s*:=\s*{_QUALID}\.")
MODULE_ALIAS_REFUSAL = (
    "a request header may not alias a module ('Module X := Q.'), only apply a functor "
    "('Module X := F(Y).'): Coq 8.16.1's kernel and coqchk strengthen an aliased module that "
    "holds a functor wrongly (coq/coq#21051; red-team round 28 aliased Coq.FSets.FMapAVL and "
    "had two different constants treated as one). Use the qualified name or Import"
)
"""Why a request's plain module alias is refused."""
_COQ_DEFINITION = re.compile(
    rf"{_LOCALITY}(?:Definition|Fixpoint|CoFixpoint|Record"
    r"|Structure|Class|Instance|Ltac|Notation|Infix|Arguments)\s"
)
_INDUCTIVE_TYPE = re.compile(rf"{_LOCALITY}(?:Inductive|CoInductive|Variant)\s")
INDUCTIVE_TYPE_REFUSAL = (
    "a request header may not declare an inductive type (Inductive, CoInductive, Variant): "
    "Coq 8.16.1's kernel and coqchk accept false proofs through let-ins in a constructor "
    "type, and a definition's body can put them there unseen (coq/coq#22378); records, "
    "structures and classes, whose constructors Coq builds from their fields, are allowed. "
    "Declare the type in a file and use 'prove --file' or 'assist'"
)
"""Why a request's ``Inductive``/``CoInductive``/``Variant`` is refused (red-team round 25)."""
MAY_OPEN_PROOF = re.compile(rf"{_LOCALITY}(?:Definition|Instance)\s")
_COQ_LEMMA = re.compile(
    rf"{_LOCALITY}(?:Theorem|Lemma|Fact|Remark|Corollary|Proposition|Example)\s+{_IDENT}"
)
_COQ_WORD = re.compile(r"[A-Za-z_][\w']*")

_MARKERS = (SentenceKind.BULLET, SentenceKind.BRACE)
PROOF_ENDS = frozenset({"Qed.", "Defined."})


def coq_code(text: str, *, what: str) -> str:
    """``text`` as Coq receives it: comments replaced by a space, superscript digits spaced
    (:func:`~prover.backends.coq.characters.spaced_superscripts`); refused when a comment
    or string is open, when a comment opens where Coq may read code
    (:func:`~prover.backends.coq.reading_refusals.comment_position_refusal`: removing it
    would change what the request says), or when it holds a character the checks could read
    differently from Coq's lexer (:func:`~prover.backends.coq.characters.character_problem`)."""
    problem = character_problem(text)
    if problem is not None:
        raise HeaderRefused(f"the {what} holds {problem}")
    try:
        misread = comment_position_refusal(text, f"the {what}")
        if misread is not None:
            raise HeaderRefused(misread)
        return spaced_superscripts(strip_comments(text))
    except CoqTextError as exc:
        raise HeaderRefused(f"the {what} cannot be read: {exc}") from exc


def _coq_sentences(text: str, *, what: str) -> list[tuple[str, SentenceKind]]:
    """The whitespace-normalized sentences of comment-free Coq ``text``, with their kinds."""
    try:
        sentences = split_sentences(coq_code(text, what=what))
    except CoqTextError as exc:
        raise HeaderRefused(f"the {what} cannot be split into sentences: {exc}") from exc
    unterminated = [s.text for s in sentences if not s.terminated]
    if unterminated:
        raise HeaderRefused(f"the {what} ends without a '.' after {short(unterminated[0])!r}")
    return [(" ".join(s.text.split()), s.kind) for s in sentences]


def coq_forbidden(sentence: str) -> str | None:
    """Why ``sentence`` (comment-free) is refused anywhere in a request, or ``None``."""
    code = _without_strings(sentence)
    if "#[" in code:
        return "attributes '#[...]' are not allowed"
    words = set(_COQ_WORD.findall(code))
    kernel_bug = word_refusal(words, REQUEST_REFUSALS)
    if kernel_bug is not None:
        return kernel_bug
    forbidden = sorted(words & COQ_FORBIDDEN_WORDS)
    return forbidden_words_message(forbidden)


def check_coq_header(header: str) -> None:
    """Refuse (``HeaderRefused``) a Coq header with any sentence outside the whitelist."""
    sentences = _coq_sentences(header, what="header")
    index = 0
    while index < len(sentences):
        sentence, kind = sentences[index]
        index += 1
        if kind in _MARKERS:
            raise HeaderRefused(f"header: a bullet or brace {sentence!r} outside a proof")
        if _MODULE_ALIAS.fullmatch(sentence):
            raise HeaderRefused(f"header sentence {short(sentence)!r}: {MODULE_ALIAS_REFUSAL}")
        if any(kind.fullmatch(sentence) for kind in _COQ_FIXED_KINDS):
            if LTAC2_WORDS.intersection(_COQ_WORD.findall(sentence)):
                raise HeaderRefused(f"header sentence {short(sentence)!r}: {LTAC2_REFUSAL}")
            continue
        reason = (
            coq_forbidden(sentence)
            or (INDUCTIVE_TYPE_REFUSAL if _INDUCTIVE_TYPE.match(sentence) else None)
            or declaration_let_in(_without_strings(sentence))
            or _notation_token_problem(sentence)
            or _tactic_in_term_problem(sentence)
            or _redefinition_problem(sentence)
        )
        if reason is not None:
            raise HeaderRefused(f"header sentence {short(sentence)!r}: {reason}")
        if opens_proof(sentence) or MAY_OPEN_PROOF.match(sentence):
            refuse_unnamed(sentence)
        if opens_proof(sentence):
            recursive = recursive_proof(_without_strings(sentence))
            if recursive is not None:
                raise HeaderRefused(f"header sentence {short(sentence)!r}: {recursive}")
            index = _skip_coq_proof(sentences, index, opener=sentence)
        elif not _COQ_DEFINITION.match(sentence):
            raise HeaderRefused(
                f"header sentence {short(sentence)!r} is not on the whitelist "
                "(see docs/serving.md: Require/Import, Open Scope, a few settings, "
                "definitions and lemmas with complete proofs)"
            )


def opens_proof(sentence: str) -> bool:
    """Whether a (normalized, comment-free) header sentence starts a proof: a lemma, or a
    ``Definition``/``Instance`` without a body."""
    return bool(
        _COQ_LEMMA.match(sentence)
        or (MAY_OPEN_PROOF.match(sentence) and ":=" not in _without_strings(sentence))
    )


def refuse_unnamed(sentence: str) -> str:
    """The name a lemma or definition declares; ``HeaderRefused`` when it has none.

    Verification prints each header lemma's and definition's term by name
    (:mod:`prover.interactive.headers.inspection`); an anonymous ``Instance : K.`` could not
    be printed, and a red-team probe had ``1 = 2`` verified through one proved by the
    rebuilt-fixpoint tactics (``exact k.`` with ``Class K := { k : 1 = 2 }``). Fail closed:
    name it.
    """
    name = declared_name(sentence)
    if name is None:
        raise HeaderRefused(
            f"header sentence {short(sentence)!r} declares no name: verification prints "
            "each header definition's term by name to read it, so an anonymous one is refused"
        )
    return name


def _skip_coq_proof(sentences: list[tuple[str, SentenceKind]], index: int, *, opener: str) -> int:
    """Check the proof after ``opener``; returns the index just after its ``Qed.``/``Defined.``.

    Bullets and braces are skipped; every other sentence must pass the backend's own
    tactic admission (one lowercase tactic, no command, no admit ...).
    """
    if index >= len(sentences) or sentences[index][0] != "Proof.":
        raise HeaderRefused(
            f"header sentence {short(opener)!r} must be followed by 'Proof.', tactics and 'Qed.'"
        )
    for position in range(index + 1, len(sentences)):
        tactic, kind = sentences[position]
        if kind in _MARKERS:
            continue
        if tactic in PROOF_ENDS:
            return position + 1
        checked = check_coq_tactic(tactic)
        if isinstance(checked, TacticError):
            raise HeaderRefused(
                f"header proof of {short(opener)!r}: tactic {short(tactic)!r} {checked.message}"
            )
        reason = coq_forbidden(tactic)
        if reason is not None:
            raise HeaderRefused(f"header proof of {short(opener)!r}: {reason}")
    raise HeaderRefused(f"the header proof of {short(opener)!r} does not end with 'Qed.'")


_NOTATION_TOKEN_REFUSED = re.compile(
    r"[()\[\]{}.]|(?<![^\W\d])(?<!')(?:match|with|end|let)(?![\w'])"
)


def _notation_token_problem(sentence: str) -> str | None:
    """Why a request's ``Notation``/``Infix`` declares a token that hides structure, or None.

    The kernel-bug rules read brackets, ``match ... end``, ``with`` and ``let`` in the text;
    a notation whose quoted tokens hold a bracket or one of those words (``'[<' x``) would
    make a later sentence read differently to them than to Coq (a red-team probe hid a
    mutual ``with`` between ``[<`` and ``>]``). A token holding ``.`` (``+.``) moves Coq's
    sentence ends away from the checks' (a fourth probe, 2026-12-04: ``exact I +.`` then
    ``Qed.`` was one sentence for Coq, so the inspection printed a library ``plus_n_O`` in
    place of the request's lemma). Fail closed: any such token is refused.
    """
    words = set(_COQ_WORD.findall(_without_strings(sentence)))
    if not words & {"Notation", "Infix"}:
        return None
    for literal in re.findall(r'"((?:[^"]|"")*)"', sentence):
        if _NOTATION_TOKEN_REFUSED.search(literal):
            return (
                f"a notation token in {literal!r} holds a bracket, a '.' or 'match'/'with'/'end'/"
                "'let': it would make Coq read sentences or structure differently from the checks"
            )
    return None


def runs_tactics(sentence: str) -> bool:
    """Whether ``sentence`` (comments replaced) writes a tactic in a term, ``ltac:(...)``,
    outside its strings: refused in a request's header sentences (but a lemma's proof
    steps) and in its statement (:mod:`prover.interactive.statements`)."""
    return "ltac" in _COQ_WORD.findall(_without_strings(sentence))


def _tactic_in_term_problem(sentence: str) -> str | None:
    """Why a header command (not a proof step) runs tactics inside a term, or None.

    ``Definition bad : 1 = 2 := ltac:(...)`` ran the rebuilt-fixpoint tactics where no
    term was read, and a theorem proved by ``exact bad.`` was verified (a red-team probe,
    2026-12-03). Definition bodies are printed and read now (:mod:`.inspection`),
    and this rule stays as the first line, before any process starts: a tactic in a term
    (``ltac:(...)``) only in a lemma's proof steps; in any other header sentence, ``Ltac``
    bodies included, the word ``ltac`` refuses it.
    """
    if not runs_tactics(sentence):
        return None
    return (
        "'ltac:(...)' outside a lemma's proof is not allowed: tactics can rebuild a fixpoint "
        "without writing 'fix', and Coq 8.16's guard checker, in the kernel and in coqchk "
        "alike, accepts some ill-formed ones (coq/coq#20455)"
    )


def _redefinition_problem(sentence: str) -> str | None:
    """Why a header sentence redefines a tactic that exists (``Ltac t ::= ...``), or None.

    A library tactic redefined changes every proof that runs it: a red-team probe
    (2026-12-04) redefined ``Zify.zify_pre_hook``, which every ``lia`` calls, to build the
    rebuilt fixpoint, and hid it in a subproof that ``abstract`` (a library hint of ``auto
    with zarith``) kept apart. A request may define new tactics, never redefine one.
    """
    if "::=" not in _without_strings(sentence):
        return None
    return "'::=' (redefining an existing tactic) is not allowed: it changes library tactics"


def _without_strings(code: str) -> str:
    return re.sub(r'"(?:[^"]|"")*"', '""', code)
