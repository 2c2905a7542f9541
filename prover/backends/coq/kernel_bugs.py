"""What untrusted Coq text may not write because Coq 8.16.1's kernel (and coqchk) get it wrong.

A proof counts only after ``coqc`` and ``coqchk`` re-check it, but a bug shared by the
kernel and coqchk passes both re-checks, so untrusted text (a generator's tactic, a
``/search`` request) must not reach it at all. These rules are syntactic and fail
closed; the audit behind them (every entry of Coq's ``dev/doc/critical-bugs.md`` that
affects 8.16.1) is in docs/soundness.md.

* **Fixpoints** (:data:`FIXPOINT_WORDS`): the guard checker accepts some ill-formed
  ones (coq/coq#20455, tests/soundness/test_guard_checker_bug.py). Tactic admission
  (:mod:`prover.backends.coq.admission`) refuses ``fix``/``cofix``; a request refuses these
  and ``Fixpoint``/``CoFixpoint``.
* **Recursive proofs** (:func:`recursive_proof`): a theorem stated with a top-level ``with``
  (``Lemma a : P with b : Q.``) or as an interactive ``Fixpoint``/``CoFixpoint`` starts its
  proof with ``a``/``b`` themselves as hypotheses, so a tactic reaches the same guard bug
  without writing ``fix`` (``exact`` of an ill-guarded term that calls them). No proof
  target and no lemma of a request may be one; the backend refuses to open such a target
  and verification refuses such a statement.
* **Ltac2** (:data:`LTAC2_WORDS`): ``Constr.Unsafe.make (Constr.Unsafe.Fix ...)`` builds
  a fixpoint without the word ``fix``, so once Ltac2 is loaded one tactic proves
  ``1 = 2`` through the same guard bug past coqc and coqchk
  (tests/soundness/test_ltac2_unsafe_terms.py). Admission refuses ``ltac2``, ``Ltac2``
  and ``Unsafe`` in tactics; a request may not name them, so cannot load Ltac2.
* **let-ins in inductive types** (:func:`declaration_let_in`): a ``let`` in a parameter,
  an index or a constructor argument (``(n := 0)``, ``(z : nat := 0)``, a record field
  with a body) is where several kernel bugs live: coq/coq#22387 (module subtyping; on
  8.16.1 coqc accepts its ``False`` and coqchk refuses it,
  tests/soundness/test_inductive_let_ins.py), #21689 (universe polymorphism), and from
  8.17 #22391 and #21970. A request header may declare none, nor a notation that could
  carry one into an inductive type. A library notation that expands to a ``let``
  (ssreflect's ``unkeyed``, ``nosimpl``) is not seen by this syntactic rule.
* **Unchecked terms** (:data:`UNCHECKED_TERM_WORDS`): ``exact_no_check`` and its kin
  cannot make a counted proof (the kernel and coqchk refuse the result), but they hand
  coqtop's VM terms that were never type-checked, and 8.16's VM has open memory-safety
  bugs on ill-typed terms (coq/coq#16891, #13439): a crafted term could corrupt memory in
  the coqtop that runs untrusted text. No traced library proof uses them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from prover.backends.coq.blocks import block_refusal, statement_refusal
from prover.backends.coq.reading_refusals import reading_refusal
from prover.backends.coq.section_opening import section_blocks
from prover.backends.coq.sentences import declares, normalize_code
from prover.backends.coq.text import (
    CoqTextError,
    SentenceKind,
    code_without_strings,
    split_sentences,
)

__all__ = [
    "AUXILIARY_CONSTANT_REFUSAL",
    "AUXILIARY_CONSTANT_WORDS",
    "FIXPOINT_REFUSAL",
    "FIXPOINT_WORDS",
    "LOCAL_FIXPOINT_REFUSAL",
    "LOCAL_FIXPOINT_WORDS",
    "LTAC2_REFUSAL",
    "LTAC2_WORDS",
    "RECURSIVE_PROOF_REFUSAL",
    "REQUEST_REFUSALS",
    "UNCHECKED_TERM_REFUSAL",
    "UNCHECKED_TERM_WORDS",
    "declaration_let_in",
    "header_vocabulary_refusal",
    "recursive_proof",
    "recursive_root",
    "recursive_statement",
    "target_refusal",
    "word_refusal",
]

LOCAL_FIXPOINT_WORDS = frozenset({"fix", "cofix", "coinduction"})
"""Words that build a local fixpoint, refused in every tactic: the ``fix``/``cofix`` terms
and tactics, and the standard library's ``coinduction`` (Coq.Lists.Streams), which runs
``cofix`` and may leave the coinduction hypothesis to the tactics that follow."""

LOCAL_FIXPOINT_REFUSAL = (
    "local fixpoints ('fix', 'cofix', 'coinduction') are not allowed: Coq 8.16's guard "
    "checker, in the kernel and in coqchk alike, accepts some ill-formed ones (coq/coq#20455)"
)

FIXPOINT_WORDS = LOCAL_FIXPOINT_WORDS | {"Fixpoint", "CoFixpoint"}
"""Words that declare or build a fixpoint, refused anywhere in a request."""

FIXPOINT_REFUSAL = (
    "fixpoints (Fixpoint, CoFixpoint, fix, cofix, coinduction) are not allowed: Coq 8.16's "
    "guard checker accepts some ill-formed ones (coq/coq#20455)"
)

LTAC2_WORDS = frozenset({"ltac2", "Ltac2", "Unsafe"})
"""Words that load or use Ltac2 (``From Ltac2 Require``, ``ltac2:(...)``, ``Constr.Unsafe``)."""

LTAC2_REFUSAL = (
    "Ltac2 ('ltac2:(...)', 'Ltac2', 'Constr.Unsafe') is not allowed: its Unsafe API builds "
    "fixpoints without the word 'fix', and Coq 8.16's guard checker, in the kernel and in "
    "coqchk alike, accepts some ill-formed ones (coq/coq#20455)"
)

UNCHECKED_TERM_WORDS = frozenset(
    {"exact_no_check", "vm_cast_no_check", "native_cast_no_check", "change_no_check"}
)
"""Tactics that put a term or a goal in place without its type check."""

UNCHECKED_TERM_REFUSAL = (
    "unchecked terms ('exact_no_check', 'vm_cast_no_check', 'native_cast_no_check', "
    "'change_no_check') are not allowed: the kernel refuses them at the end, but until then "
    "coqtop's VM runs on terms nobody checked, and Coq 8.16's VM has open memory-safety bugs "
    "on ill-typed terms (coq/coq#16891)"
)

AUXILIARY_CONSTANT_WORDS = frozenset({"abstract", "transparent_abstract"})
"""Tactics that put part of a proof in an auxiliary constant (``t_subproof``)."""

AUXILIARY_CONSTANT_REFUSAL = (
    "'abstract' and 'transparent_abstract' are not allowed: they hide part of the proof "
    "term in an auxiliary constant, where verification's reading of the term for fixpoint "
    "literals does not look, and Coq 8.16's guard checker, in the kernel and in coqchk "
    "alike, accepts some ill-formed ones (coq/coq#20455)"
)

REQUEST_REFUSALS = (
    (FIXPOINT_WORDS, FIXPOINT_REFUSAL),
    (LTAC2_WORDS, LTAC2_REFUSAL),
    (UNCHECKED_TERM_WORDS, UNCHECKED_TERM_REFUSAL),
    (AUXILIARY_CONSTANT_WORDS, AUXILIARY_CONSTANT_REFUSAL),
)
"""The words a ``/search`` request may not write anywhere, each with its reason.

``abstract`` is among them, not only in tactic admission: a header ``Ltac`` that wraps
it (``Ltac hide t := abstract t.``) took it past admission, and a header lemma ended with
``Defined.`` kept the rebuilt fixpoint in ``bad_subproof``, where the reading of the
lemma's proof term does not look (a red-team probe had ``1 = 2`` verified that way)."""


def word_refusal(
    words: AbstractSet[str], refusals: Iterable[tuple[frozenset[str], str]]
) -> str | None:
    """The reason of the first of ``refusals`` whose words ``words`` holds, or None."""
    return next((reason for refused, reason in refusals if words & refused), None)


_WHY_NO_LET_IN = (
    "Coq's kernel has known bugs with let-ins in inductive types "
    "(coq/coq#22387, #22391, #21689, #21970)"
)
_LOCALITY = r"(?:(?:Local|Global)\s+)?"
_DECLARATION = re.compile(
    rf"{_LOCALITY}(?:Inductive|CoInductive|Variant|Record|Structure|Class|Notation|Infix)\s"
)
# Brackets, ``match ... end`` (its ``with`` opens no mutual block), the definition mark
# ``:=``, a mutual block's ``with`` and ``let`` (also ssreflect's ``let:``).
# A keyword right after a digit counts: Coq lexes ``0with`` as the number ``0`` and the
# keyword ``with`` (a red-team probe hid a mutual statement that way). Only a letter, ``_``
# or ``'`` before it makes it part of an identifier; ``x0with`` is refused too (fail closed).
_TOKEN = re.compile(r":=|[()\[\]{}]|(?<![^\W\d])(?<!')(?:match|end|with|let)(?![\w'])")
#: A keyword right after a digit: a name to Coq after a letter (``x0end``), the number and
#: the keyword after nothing else (``0end``). The bracket and keyword reading below cannot
#: tell them apart, so such text is refused (round twenty-four: ``x0end``, ``x0match`` hid
#: two let binders of an inductive type from the let-in rule, and coq/coq#22378 proved
#: ``0 = 1`` through ``/search``).
_KEYWORD_AFTER_DIGIT = re.compile(r"(?<=\d)(?:match|end|with|let)(?![\w'])")
_OPENERS = frozenset({"(", "[", "{", "match"})
_CLOSERS = frozenset({")", "]", "}", "end"})


def declaration_let_in(code: str) -> str | None:
    """Why a sentence (comments and strings blanked) is an inductive type or a notation that
    may hold or carry a let-in, or None (also for every other kind of sentence).

    A notation counts because its body, used inside an inductive type, would put its
    let-in there. Refused: the word ``let``; a ``:=`` inside brackets (a let binder
    ``(n := 0)``, ``(z : nat := 0)``, ``fun (x := t) => ...``, a record field
    ``f : T := t``, ``{| f := t |}``); a second ``:=`` outside brackets in one mutual
    block (a ``where`` notation); unbalanced brackets. A harmless sentence may be
    refused, never the other way round.
    """
    if _DECLARATION.match(code) is None:
        return None
    problem = _glued_keyword(code) or _let_in_problem(code)
    if problem is None:
        return None
    return (
        f"{problem} may make a let-in, and inductive types and notations may not hold "
        f"one: {_WHY_NO_LET_IN}"
    )


def _glued_keyword(code: str) -> str | None:
    """Why ``code`` writes ``match``/``end``/``with``/``let`` right after a digit, or None."""
    found = _KEYWORD_AFTER_DIGIT.search(code)
    if found is None:
        return None
    return f"the word {found.group()!r} right after a digit (a name or a keyword to Coq)"


def _let_in_problem(code: str) -> str | None:
    depth = 0
    definitions = 0
    for match in _TOKEN.finditer(code):
        token = match.group()
        if token == "let":
            return "the word 'let'"
        if token in _OPENERS:
            depth += 1
        elif token in _CLOSERS:
            depth -= 1
            if depth < 0:
                return "an unbalanced bracket"
        elif token == "with" and depth == 0:
            definitions = 0  # never after a digit (`x0with`): _glued_keyword refused it
        elif token == ":=":
            if depth > 0:
                return "a ':=' inside brackets (a let binder or a field body)"
            definitions += 1
            if definitions > 1:
                return "a second ':=' (a body or a 'where' notation)"
    return "an unbalanced bracket" if depth != 0 else None


RECURSIVE_PROOF_REFUSAL = (
    "a theorem stated with a top-level 'with' (a mutual proof) or as a Fixpoint/CoFixpoint "
    "starts its proof with itself as a hypothesis, and Coq 8.16's guard checker, in the "
    "kernel and in coqchk alike, accepts some ill-formed uses of it (coq/coq#20455)"
)

_RECURSIVE_KEYWORDS = frozenset({"Fixpoint", "CoFixpoint"})
_MORPHISM_COMMAND = re.compile(
    r"\s*(?:#\[[^\]]*\]\s*|(?:Local|Global|Polymorphic|Monomorphic)\s+)*Add\s"
)


def recursive_proof(code: str) -> str | None:
    """Why a sentence that opens a proof (comments and strings blanked) opens a recursive
    one, or None.

    Refused: the words ``Fixpoint``/``CoFixpoint`` anywhere, a ``with`` outside brackets
    and ``match ... end`` (the separator of a mutual statement), and unbalanced brackets.
    The one command exempt from the ``with`` rule is ``Add`` (``Add Parametric Morphism
    : f with signature ...``), whose ``with`` opens no mutual block. A ``with`` in a
    comment or string left unblanked refuses a harmless sentence, never the other way round.
    """
    if _RECURSIVE_KEYWORDS.intersection(re.findall(r"[A-Za-z_][\w']*", code)):
        return RECURSIVE_PROOF_REFUSAL
    if _glued_keyword(code) is not None:
        return RECURSIVE_PROOF_REFUSAL
    if _MORPHISM_COMMAND.match(code):
        return None
    depth = 0
    for match in _TOKEN.finditer(code):
        token = match.group()
        if token in _OPENERS:
            depth += 1
        elif token in _CLOSERS:
            depth -= 1
            if depth < 0:
                return RECURSIVE_PROOF_REFUSAL
        elif token == "with" and depth == 0:
            return RECURSIVE_PROOF_REFUSAL
    return RECURSIVE_PROOF_REFUSAL if depth != 0 else None


def recursive_statement(statement: str) -> str | None:
    """:func:`recursive_proof` of a theorem's statement sentence as written (with comments)."""
    return recursive_proof(code_without_strings(statement))


_TERM_DECLARATIONS = frozenset(
    {
        "Definition", "Fixpoint", "CoFixpoint", "Let", "Example", "Theorem", "Lemma", "Fact",
        "Remark", "Corollary", "Proposition", "Property", "Instance", "Canonical", "Coercion",
        "Inductive", "CoInductive", "Variant", "Record", "Structure", "Class", "Parameter",
        "Parameters", "Axiom", "Axioms", "Conjecture", "Hypothesis", "Hypotheses", "Variable",
        "Variables", "Context", "Goal", "Function",
    }
)  # fmt: skip
"""Commands whose ``fix``/``cofix`` make a closed term of the header (its own statement)."""
_HEAD = re.compile(
    r"\s*(?:#\[[^\]]*\]\s*|(?:Local|Global|Polymorphic|Monomorphic|Program|Cumulative"
    r"|NonCumulative|Private)\s+)*(?P<head>[A-Za-z_][\w']*)"
)
_WORD = re.compile(r"[A-Za-z_][\w']*")
_WHERE = re.compile(r"(?<![\w'])where(?![\w'])")


def header_vocabulary_refusal(header: str, *, keeps_subproofs: bool = False) -> str | None:
    """Why a (trusted) header hands a generator a way to build a fixpoint, or None.

    Trusting a ``--file`` header's statements does not make its tactic vocabulary safe:
    ``Ltac rec := fix IH 1.``, a ``Hint Extern``, ``Set Firstorder Solver (... fix ...)``
    or ``Add Ring ... (preprocess [fix ...])`` let a generator's tactic build a fixpoint
    without writing ``fix`` (and supply its body through a ``pose``d local definition,
    which the guard checker looks through), reaching the guard bug. So the fixpoint words
    may appear only where they make a closed term of the header: in a term declaration
    (:data:`_TERM_DECLARATIONS`), but never after its ``where`` (a notation declared there,
    ``where "'REC' f n := b" := (fix f n := b)``, is a template the generator fills, as a
    red-team probe showed), and in the tactic sentences of a header proof (a sentence
    starting lowercase can only be a proof step: coqc refuses one outside a proof). In any
    other command, whatever it is, they refuse the header, and so does any Ltac2 word
    anywhere. Sentences are split as coqc splits them.

    With ``keeps_subproofs`` (the theorem is checked with ``Defined``, as
    :mod:`prover.backends.coq.term_reading` does when the header declares fixpoints),
    ``abstract``/``transparent_abstract`` in a command refuse the header too: through
    ``Ltac hide t := abstract t.`` a generator's ``hide ltac:(...)`` kept the rebuilt
    fixpoint in ``t_subproof``, outside the reading, and had ``1 = 2`` verified (after
    ``Qed`` Coq 8.16 inlines the subproof into the term, so only then).
    """
    try:
        sentences = split_sentences(header)
    except CoqTextError as exc:
        return f"the header cannot be split into sentences ({exc})"
    for sentence in sentences:
        code = code_without_strings(sentence.text).strip()
        words = set(_WORD.findall(code))
        if words & LTAC2_WORDS:
            return f"the header {LTAC2_REFUSAL}"
        if sentence.kind is not SentenceKind.COMMAND:
            continue  # a tactic, bullet or brace of one of the header's own proofs
        if keeps_subproofs and words & AUXILIARY_CONSTANT_WORDS:
            return (
                f"the header sentence {code[:60]!r} writes 'abstract' outside a proof step, "
                "and a theorem after fixpoint declarations (checked with 'Defined') or inside "
                "a section keeps a subproof apart from the checks that read its proof term: "
                f"{AUXILIARY_CONSTANT_REFUSAL}"
            )
        head = _HEAD.match(code)
        found = sorted(words & FIXPOINT_WORDS)
        where = _WHERE.search(code)
        in_notation = set(_WORD.findall(code[where.end() :])) & FIXPOINT_WORDS if where else set()
        if in_notation:
            return (
                f"the header sentence {code[:60]!r} writes {', '.join(sorted(in_notation))} "
                "after 'where': a notation whose body builds a fixpoint is a template a "
                "generator's tactic fills with the fixpoint's body, and Coq 8.16's guard "
                "checker, in the kernel and in coqchk alike, accepts some ill-formed ones "
                "(coq/coq#20455)"
            )
        if found and (head is None or head.group("head") not in _TERM_DECLARATIONS):
            return (
                f"the header sentence {code[:60]!r} writes {', '.join(found)} outside a term "
                "declaration or a proof step: a generator's tactic could use it to build a "
                "fixpoint without writing 'fix', and Coq 8.16's guard checker, in the kernel "
                "and in coqchk alike, accepts some ill-formed ones (coq/coq#20455)"
            )
    return None


def target_refusal(
    header: str, statement: str, *, name: str | None = None, keeps_subproofs: bool = False
) -> str | None:
    """Why the theorem ``statement`` after ``header`` may be neither searched nor counted.

    One list for the backend, which refuses to open such a target, and for verification,
    which refuses to count it: a statement that is not one plain sentence or does not
    declare ``name`` (when given), a recursive statement, a theorem inside an open
    ``Module Type`` or after sections and modules that cannot be read with certainty
    (:func:`~prover.backends.coq.blocks.block_refusal`), a header
    that hands a generator a fixpoint (and, with ``keeps_subproofs``, an ``abstract``:
    :func:`header_vocabulary_refusal`), text Coq's lexer may read otherwise than the
    prover's (:func:`~prover.backends.coq.reading_refusals.reading_refusal`). None when none
    applies.
    """
    return (
        reading_refusal(header, "the header")
        or reading_refusal(statement, "the statement")
        or statement_refusal(statement)
        or _name_refusal(statement, name)
        or recursive_statement(statement)
        or block_refusal(header)
        or header_vocabulary_refusal(header, keeps_subproofs=keeps_subproofs or _in_section(header))
    )


def _in_section(header: str) -> bool:
    """Whether ``header`` leaves a section open: a subproof ``abstract`` keeps apart may
    name a section variable ``Proof using Type`` leaves out, which only coqchk then refuses
    (red-team round forty-six), so a header ``Ltac`` wrapping ``abstract`` is refused there
    as after fixpoints."""
    return bool(section_blocks(header))


def _name_refusal(statement: str, name: str | None) -> str | None:
    """Why the statement does not declare ``name`` (every check prints and reads the theorem
    by that name: round twenty-two had ``Derive f SuchThat ... As h.`` verified as ``f``
    while ``h`` rested on a hidden axiom), or None; nothing to check without a name."""
    if name is None or declares(normalize_code(statement), name):
        return None
    return f"the statement does not declare '{name}' as a theorem, lemma or definition"


def recursive_root(name: str, goals: int, hypotheses: Iterable[str]) -> str | None:
    """Why an opened proof is a recursive one, or None: the semantic twin of
    :func:`recursive_proof`, whatever notations or lexing tricks the statement used.

    A mutual statement opens several goals, and a mutual or fixpoint statement puts the
    theorem's own name among the hypotheses; an ordinary theorem opens one goal whose
    context holds at most the section's variables.
    """
    if goals != 1 or name in set(hypotheses):
        return RECURSIVE_PROOF_REFUSAL
    return None
