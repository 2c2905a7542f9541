"""Which sentences of a Coq file declare a name: `--file`'s check that a name means one thing.

``prove --file F --theorem T`` proves the first declaration of ``T`` that opens a proof, in
the context of the text before it. If ``F`` declares ``T`` again (in another module, after a
``Reset``, as a constructor, a field, a mutual definition...), the file's ``T`` is the last
one, which may say something else in words that read the same (red-team rounds forty-one
to forty-three recorded a true first ``t`` proved while the file refuted its last ``t``).
So a name declared by more than one sentence is refused: :func:`declaring_sentences`
counts them. The reading is textual and errs towards counting (a false positive refuses a
theorem, never proves a wrong one); it reads each sentence after its control prefixes
(``Time``, ``Timeout N``, ``Redirect "f"``, ``Fail``...) and attributes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from prover.backends.coq.sentences import CoqSentence, binder_names, declares

__all__ = ["declares_name", "declaring_sentences"]

#: Control prefixes, attributes and flags Coq accepts in front of a declaration.
_PREFIXES = re.compile(
    r"^(?:\s*(?:#\[(?:[^\]\"]|\"(?:[^\"]|\"\")*\")*\]|Local|Global|Export|Polymorphic|Monomorphic|Cumulative"
    r"|NonCumulative|Private|Program|Time|Fail|Succeed|Redirect\s+\"(?:[^\"]|\"\")*\""
    r"|Timeout\s+\d+)"
    r"(?![\w']))*\s*"
)
#: Declarations whose name follows the keyword.
_NAMED = re.compile(
    r"^(?:Theorem|Lemma|Fact|Remark|Corollary|Proposition|Property|Example|Definition"
    r"|Instance|Fixpoint|CoFixpoint|Let|Function|Inductive|CoInductive|Variant|Record"
    r"|Structure|Class|Notation|Ltac2?|Module(?:\s+(?:Type|Import|Export))?|Declare\s+Module|Canonical"
    r"(?:\s+Structure)?|Coercion|Identity\s+Coercion|Existing\s+Instance|Declare\s+Instance"
    r"|Scheme|Combined\s+Scheme|Derive(?:\s+Dependent)?\s+Inversion(?:_clear)?)"
    r"\s+(?P<name>[A-Za-z_][\w']*)"
)
#: Declarations of one or several names before a ``:`` (``Axiom u t : P.``), or in binders
#: (``Parameter (u : nat) (t : P).``, ``Context``).
_SEVERAL = re.compile(
    r"^(?:Axioms?|Conjectures?|Parameters?|Variables?|Hypothes[ie]s|Context)(?![\w'])"
)
#: ``abstract tac using name`` (and ``transparent_abstract``) declares a constant too.
_ABSTRACT_USING = r"(?<![\w'])(?:transparent_)?abstract(?![\w']).*(?<![\w'])using\s+{}(?![\w'])"
#: Sentences that may declare more names inside: constructors, fields, mutual definitions.
_INNER = re.compile(
    r"^(?:Inductive|CoInductive|Variant|Record|Structure|Class|Fixpoint|CoFixpoint|Theorem"
    r"|Lemma|Definition|Instance|Let)\b"
)


def declaring_sentences(sentences: Sequence[CoqSentence], name: str) -> list[CoqSentence]:
    """The sentences of a split file (focus markers aside) that declare ``name``."""
    return [
        sentence
        for sentence in sentences
        if not sentence.focus and sentence.terminated and declares_name(sentence.code, name)
    ]


def declares_name(code: str, name: str) -> bool:
    """Whether the sentence ``code`` declares ``name`` (see the module docstring)."""
    if declares(code, name):
        return True
    code = _PREFIXES.sub("", code, count=1)
    named = _NAMED.match(code)
    if named is not None and named.group("name") == name:
        return True
    if _SEVERAL.match(code) and name in binder_names(code):
        return True
    if re.search(_ABSTRACT_USING.format(re.escape(name)), code, re.DOTALL):
        return True
    return _INNER.match(code) is not None and _declared_inside(code, name)


def _declared_inside(code: str, name: str) -> bool:
    """A constructor (``| name``, ``:= name``), a field (``{ name :``, ``; name :``) or a
    mutual definition (``with name``) of ``name`` in an inductive or mutual sentence."""
    word = re.escape(name)
    patterns = (
        rf"(?:\||:=)\s*{word}(?![\w'])",
        rf"[{{;]\s*{word}\s*(?::|\()",
        rf"(?<![\w'])with\s+{word}(?![\w'])",
    )
    inductive = re.match(r"(?:Inductive|CoInductive|Variant|Record|Structure|Class)\b", code)
    checked = patterns if inductive else patterns[2:]
    return any(re.search(pattern, code) for pattern in checked)
