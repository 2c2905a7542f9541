"""Coq source as coqtop reads it, and what each sentence is: the replay's view of a file.

:func:`split_for_coqtop` gives the commands coqtop reads, one per send, from
:func:`prover.backends.coq.text.split_sentences` (Coq's own split, as ``coqc -time``
prints it: a bullet or brace in front of a tactic is a command of its own, so sending
``- apply H.`` in one piece would make coqtop answer twice and every later reply land one
sentence late). The classifiers say what a sentence is for the replay: proof openings
(``Proof.``, ``Proof using``, ``Proof with``, ``Proof term.``), endings (``Qed``,
``Defined``, ``Save``, ``Admitted``, ``Abort``), vernacular commands inside proofs,
declarations."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from prover.backends.coq.text import SentenceKind, split_sentences, strip_comments

__all__ = [
    "CoqSentence",
    "ProofOpening",
    "binder_names",
    "count_endings",
    "declared_name",
    "declares",
    "ending_of",
    "is_vernacular_in_proof",
    "normalize_code",
    "read_proof_opening",
    "skip_blanks",
    "split_for_coqtop",
    "theorem_declaration",
]

_FOCUS_KINDS = (SentenceKind.BULLET, SentenceKind.BRACE)
_WHITESPACE = re.compile(r"\s+")
_ENDINGS = ("Qed", "Defined", "Save", "Admitted", "Abort")
_ENDING = re.compile(r"^(?:Time\s+)?(" + "|".join(_ENDINGS) + r")\b")
_PROOF = re.compile(r"^Proof(?:\s+(?P<rest>.*?))?\s*\.$", re.DOTALL)
_PROOF_USING = re.compile(r"using\b(?P<using>.*?)(?=\bwith\b|$)", re.DOTALL)
_PROOF_WITH = re.compile(r"with\b(?P<with>.*?)(?=\busing\b|$)", re.DOTALL)
_ATTRIBUTES = re.compile(
    r"^(?:#\[[^\]]*\]\s*|(?:Local|Global|Polymorphic|Monomorphic|Program)\s+)*"
)
_DECLARATION = re.compile(
    r"^(?:Theorem|Lemma|Fact|Remark|Corollary|Proposition|Property|Example|Definition"
    r"|Instance|Fixpoint|CoFixpoint|Let|Function)\s+(?P<name>[A-Za-z_][\w']*)"
)
_THEOREM = re.compile(
    r"^(?:Theorem|Lemma|Fact|Remark|Corollary|Proposition|Property|Example)\s+"
    r"(?P<name>[A-Za-z_][\w']*)(?P<body>.*)$",
    re.DOTALL,
)
# Commands that may appear inside a proof without being proof steps.
_VERNACULAR_IN_PROOF = frozenset(
    {
        "About", "Arguments", "Check", "Compute", "Eval", "Fail", "Focus", "Hint", "Hints",
        "Implicit", "Existing", "Locate", "Local", "Global", "Opaque",
        "Transparent", "Print", "Pwd", "Redirect", "Search", "SearchAbout", "SearchPattern",
        "SearchRewrite", "Set", "Unset", "Show", "Test", "Typeclasses", "Unfocus",
        "Unfocused", "Strategy", "Ltac", "Tactic", "Notation", "Infix", "Open", "Close",
        "Declare", "Remove", "Add", "Create", "Guarded", "Optimize",
    }
)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class CoqSentence:
    """One command for coqtop: its text (comments kept), its code and where it starts.

    ``code`` has comments removed and whitespace collapsed. ``focus`` marks a bullet or a
    brace (sent to Coq, never a proof step). ``terminated`` is false only for a trailing
    fragment without its ``.``. ``offset`` is the index of ``text`` in the source.
    """

    text: str
    code: str
    offset: int
    focus: bool = False
    terminated: bool = True

    def line(self, source: str) -> int:
        """The 1-based line of ``source`` where this sentence starts."""
        return source.count("\n", 0, self.offset) + 1


@dataclass(frozen=True, kw_only=True)
class ProofOpening:
    """A ``Proof ...`` sentence: its ``with`` tactic, and whether it gives a proof term."""

    with_tactic: str | None = None
    term: bool = False


def normalize_code(text: str) -> str:
    """Comments removed, whitespace runs collapsed (strings kept verbatim by the stripper)."""
    return _WHITESPACE.sub(" ", strip_comments(text)).strip()


def skip_blanks(text: str, position: int) -> int:
    """Index of the first character at or after ``position`` outside whitespace and comments.

    An unterminated comment runs to the end of ``text``.
    """
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if not text.startswith("(*", position):
            return position
        depth = 0
        while position < len(text):
            if text.startswith("(*", position):
                depth, position = depth + 1, position + 2
            elif text.startswith("*)", position):
                depth, position = depth - 1, position + 2
                if depth == 0:
                    break
            elif text[position] == '"':  # a string inside a comment may hold "*)"
                closing = text.find('"', position + 1)
                position = len(text) if closing < 0 else closing + 1
            else:
                position += 1


def split_for_coqtop(source: str) -> list[CoqSentence]:
    """Split ``source`` into the commands coqtop reads, in order, with their offsets.

    Raises :class:`~prover.backends.coq.text.CoqTextError` on an unterminated comment
    or string literal.
    """
    return [
        CoqSentence(
            text=sentence.text,
            code=normalize_code(sentence.text),
            offset=sentence.start,
            focus=sentence.kind in _FOCUS_KINDS,
            terminated=sentence.terminated,
        )
        for sentence in split_sentences(source)
    ]


def ending_of(code: str) -> str | None:
    """``Qed``, ``Defined``, ``Save``, ``Admitted`` or ``Abort`` if ``code`` ends a proof."""
    match = _ENDING.match(code)
    return match.group(1) if match else None


def count_endings(source: str) -> Counter[str]:
    """How many sentences of ``source`` end a proof, by ending (``Qed``, ``Defined``...)."""
    return Counter(
        ending
        for sentence in split_for_coqtop(source)
        if not sentence.focus and (ending := ending_of(sentence.code)) is not None
    )


def read_proof_opening(code: str) -> ProofOpening | None:
    """Parse a file's ``Proof.``, ``Proof using X.``, ``Proof with T.``, ``Proof term.``;
    None otherwise (the tracer's reading; how the prover opens its own proofs is
    :func:`~prover.backends.coq.section_opening.proof_opening`)."""
    match = _PROOF.match(code)
    if match is None:
        return None
    rest = (match.group("rest") or "").strip()
    if not rest:
        return ProofOpening()
    if not re.match(r"(?:using|with)\b", rest):
        return ProofOpening(term=True)
    with_match = _PROOF_WITH.search(rest)
    if with_match is None or not _PROOF_USING.sub("", rest).strip().startswith("with"):
        return ProofOpening()
    return ProofOpening(with_tactic=with_match.group("with").strip() or None)


def is_vernacular_in_proof(code: str) -> bool:
    """Whether a sentence inside a proof is a command (query, setting, hint), not a step."""
    first = re.match(r"#\[|[A-Za-z_][\w']*", code)
    return first is not None and (first.group(0) == "#[" or first.group(0) in _VERNACULAR_IN_PROOF)


_IDENTIFIER = re.compile(r"[A-Za-z_][\w']*")


def binder_names(code: str) -> list[str]:
    """Names before a ``:`` at the top level or at the start of a binder, in order:
    ``Variables a b : nat.`` gives the keyword, ``a`` and ``b``; ``Parameter (u : nat) (t :
    P).`` gives ``u`` and ``t``. A textual reading (callers filter keywords out)."""
    names: list[str] = []
    for part in re.split(r"[({\[]", code):
        head, colon, _ = part.partition(":")
        if colon:
            names.extend(_IDENTIFIER.findall(head))
    return names


def declared_name(code: str) -> str | None:
    """The name a declaration that may open a proof declares (``#[local] Lemma foo`` -> foo)."""
    match = _DECLARATION.match(_ATTRIBUTES.sub("", code, count=1))
    return match.group("name") if match else None


_MORPHISM = re.compile(
    r"^Add\s+(?:Parametric\s+)?Morphism\b.*\bas\s+([A-Za-z_][\w']*)\s*\.$", re.DOTALL
)


def declares(code: str, name: str) -> bool:
    """Whether the sentence ``code`` declares ``name`` and opens its proof: a declaration
    (:func:`declared_name`), or ``Add [Parametric] Morphism ... as m.``, whose proof Coq
    names ``m_Proper`` (``m`` or ``m_Proper``)."""
    if declared_name(code) == name:
        return True
    match = _MORPHISM.match(code)
    return match is not None and name in (match.group(1), match.group(1) + "_Proper")


def theorem_declaration(code: str) -> tuple[str, str] | None:
    """``(name, statement body)`` of a ``Theorem``/``Lemma``/... sentence, else None.

    The body is what follows the name (binders, type, and a ``:= term`` if any),
    without the final ``.``.
    """
    match = _THEOREM.match(_ATTRIBUTES.sub("", code, count=1))
    if match is None:
        return None
    return match.group("name"), match.group("body").strip().removesuffix(".").strip()
