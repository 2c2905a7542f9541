"""How the prover opens a theorem's proof: ``Proof.``, or inside a section ``Proof using Type.``
(``Proof using All.`` where the file's own proof is a bare ``Admitted.``).

Inside a section the variables a theorem takes are chosen by the file (its proof's ``Proof
using``, a ``Default Proof Using`` set anywhere or exported by an imported module, what its
own proof uses), which the prover cannot see; red-team rounds forty-one and forty-two proved
a refuted ``1 = 2`` from a section's ``absurd : False``. ``Proof using Type`` keeps only the
variables the statement needs, which every choice of the file keeps too, so the checked
theorem implies the file's. Coq 8.16 leaves the other section variables in the context
(``Qed`` refuses a proof that uses them), so the opening also clears them by name, read
from the open sections' declarations, to keep the search off proofs the kernel refuses.

One choice the prover can see: a theorem whose proof in the file is a bare ``Admitted.`` (no
``Proof`` sentence, no ``using`` attribute) is generalised by Coq 8.16 over every section
variable, whatever ``Default Proof Using`` says; ``Proof using All.`` gives the prover's
theorem that same type, so a section hypothesis the statement does not mention may be used.
The file reader grants it (:attr:`search.states.Theorem.whole_context`); nothing else does.
"""

from __future__ import annotations

import functools
import re

from prover.backends.coq.blocks import OpenBlock, open_blocks
from prover.backends.coq.sentences import split_for_coqtop
from prover.backends.coq.text import CoqTextError

__all__ = [
    "PLAIN_OPENING",
    "SECTION_OPENING",
    "WHOLE_CONTEXT_OPENING",
    "proof_opening",
    "section_blocks",
    "section_variable_names",
]

#: How a proof opens outside any section, and inside one.
PLAIN_OPENING = "Proof."
SECTION_OPENING = "Proof using Type."
#: Inside a section, for a theorem the file's own bare ``Admitted.`` generalises over every
#: section variable: the same variables, so the prover's theorem is the file's.
WHOLE_CONTEXT_OPENING = "Proof using All."

#: Sentences that declare section variables (their names are cleared when unneeded).
_SECTION_VARIABLES = re.compile(
    r"^(?:#\[[^\]]*\]\s*|(?:Local|Global|Polymorphic|Monomorphic)\s+)*"
    r"(?P<keyword>Variables?|Hypothes[ie]s|Parameters?|Context|Let)(?![\w'])"
)
_LET_NAME = re.compile(r"^\S*\s*Let\s+(?:(?:Co)?Fixpoint\s+)?(?P<name>[A-Za-z_][\w']*)")
_BINDER_TOKEN = re.compile(r"[A-Za-z_][\w']*|:=|[(){}\[\]:]")
#: Words that are never a variable's name (a type's ``let y : T := ...`` is not a binder).
_TERM_WORDS = frozenset({
    "let", "fix", "cofix", "forall", "fun", "match", "with", "end", "in", "as", "return",
    "if", "then", "else", "Type", "Prop", "Set", "SProp",
})  # fmt: skip


@functools.lru_cache(maxsize=16)
def proof_opening(header: str, *, whole_context: bool = False) -> tuple[str, ...]:
    """How the prover opens a theorem's proof after ``header``: ``Proof.``, or inside an
    open section ``Proof using Type.`` then a step clearing the section variables the goal
    does not need (:func:`section_variable_names`), or, with ``whole_context`` (the file's
    own proof is a bare ``Admitted.``, which Coq generalises over every section variable),
    ``Proof using All.``: the prover's theorem then takes exactly the file's variables.

    Inside a section the variables a theorem takes are chosen by its proof's ``Proof
    using``, by ``Default Proof Using`` (set anywhere, or exported by a module the file
    imports) and by what its proof uses; the prover cannot see the file's choice, and a
    proof using a hypothesis the file's theorem does not take proves a weaker statement
    (red-team rounds forty-one and forty-two: `1 = 2` from a section's `absurd : False`).
    ``Proof using Type`` keeps only the variables the statement needs, which every choice
    of the file keeps too, so the checked theorem implies the file's whatever the file
    chose; a proof that needs another section hypothesis is not found. Coq 8.16 leaves the
    other section variables in the context (``Qed`` refuses a proof that uses them), so
    each is cleared by name, when nothing needs it (``try clear``; the theorem's own
    binders are not touched: round forty-five found a blanket clearing removed them). The
    clearing is an ordinary tactic: a header may rewrite it as it may any tactic, and
    ``Qed`` still refuses a proof that uses a variable ``Proof using Type`` leaves out.

    Cached: verification builds two files from one header, and a warm coqtop reopens
    theorems under the same header."""
    sections = section_blocks(header)
    if not sections:
        return (PLAIN_OPENING,)
    if whole_context:
        return (WHOLE_CONTEXT_OPENING,)
    names = section_variable_names(header[sections[0].end :])
    clearing = "; ".join(f"(try clear {name})" for name in reversed(names))
    return (SECTION_OPENING, f"{clearing}.") if names else (SECTION_OPENING,)


def section_blocks(header: str) -> list[OpenBlock]:
    """The sections ``header`` leaves open, outermost first."""
    return [block for block in open_blocks(header) if not block.module and not block.signature]


def section_variable_names(text: str) -> list[str]:
    """The names ``Variable``, ``Hypothesis``, ``Parameter``, ``Context`` and ``Let``
    sentences of ``text`` declare, in order, once each (a textual reading: a name it misses
    stays visible to the search, and ``Qed`` still refuses a proof that uses it)."""
    try:
        sentences = split_for_coqtop(text)
    except CoqTextError:
        return []
    names: list[str] = []
    for sentence in sentences:
        match = _SECTION_VARIABLES.match(sentence.code)
        if match is None:
            continue
        if match.group("keyword") == "Let":
            let = _LET_NAME.match(sentence.code)
            found = [let.group("name")] if let else []
        else:
            found = _variable_names(sentence.code[match.end() :])
        names.extend(name for name in found if name not in names and name not in _TERM_WORDS)
    return names


def _variable_names(text: str) -> list[str]:
    """The names a ``Variable``/``Hypothesis``/``Parameter``/``Context`` sentence declares
    (``text`` after its keyword): those before the first top-level ``:`` (``a b : T``), or
    before the ``:`` of each top-level binder group (``(a b : T) {c : U}``); nothing from
    inside a type, and nothing from a group without ``:`` (an instance binder
    `` `{C A} ``)."""
    names: list[str] = []
    group: list[str] | None = None  # names of the binder group being read, before its ':'
    depth = 0
    for token in _BINDER_TOKEN.findall(text):
        if token in "({[":
            depth += 1
            group = [] if depth == 1 else group
        elif token in ")}]":
            depth -= 1
        elif token == ":" and depth == 0:
            break  # the rest is the type of the names read so far
        elif token == ":" and depth == 1 and group is not None:
            names.extend(group)
            group = None
        elif token not in {":=", ":"}:
            if depth == 0:
                names.append(token)
            elif depth == 1 and group is not None:
                group.append(token)
    return names
