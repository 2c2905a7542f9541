"""Read one theorem out of a source file (``--file F --theorem NAME``)."""

from __future__ import annotations

import re
from pathlib import Path

from search.errors import InputError
from search.states import Theorem

__all__ = ["coq_declaration_from_source", "theorem_from_file"]


def theorem_from_file(path: Path, name: str, *, language: str) -> Theorem:
    """Theorem ``name`` of ``path``: the header is what precedes it; its own proof is dropped.

    The file is decoded byte for byte, without newline translation: ``read_text`` turns
    ``\r\n`` and a lone ``\r`` into ``\n``, also inside string literals, so a statement
    would be proved as another one than the file states (red-team round thirty-nine:
    ``"a<CR>b" = "a<LF>b"``, refuted by the file, was recorded proved).
    """
    try:
        source = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start : exc.start + 1]
        raise InputError(f"{path} is not UTF-8 text (byte {exc.start}: {byte!r})") from exc
    if language == "coq":
        return coq_declaration_from_source(source, name, origin=str(path))
    from prover.backends.lean.text import lean_theorem_from_source

    return lean_theorem_from_source(source, name, origin=str(path))


def coq_declaration_from_source(source: str, name: str, *, origin: str = "<source>") -> Theorem:
    """The declaration of ``name`` in a Coq file, split as coqtop reads it.

    Any declaration that may open a proof is found, also behind attributes
    (``#[local] Lemma``, ``Local Definition``, ``Instance``, ``Fixpoint``...); one that
    gives its body (``:= term``) opens no proof, so a name declared only that way is not
    found. The header
    is the source up to the declaration's first code character (a comment in front of
    it stays in the header); the statement is the declaring sentence.

    Refused (fail closed; red-team rounds forty-one to forty-three): a name declared more
    than once in the file, with or without a body, as a constructor, field or mutual
    definition, behind ``Time`` or ``Redirect`` (after a ``Reset`` or in another module,
    the file's last declaration is what Coq calls ``name``; the prover would prove the
    first: :mod:`prover.backends.coq.declared_names`); the whole text is kept
    (``file_text``) so that verification has Coq confirm the name means nothing else in the
    file (round forty-seven:
    names Coq makes up, :mod:`prover.backends.coq.name_resolution`). A theorem inside a
    section is opened with ``Proof using Type.``
    (:func:`~prover.backends.coq.section_opening.proof_opening`), whatever the file's
    ``Proof using``, unless the file's own proof is a bare ``Admitted.``
    (:func:`_bare_admitted`): Coq generalises such a theorem over every section variable, so
    its proof may use them all (``whole_context``).
    """
    from prover.backends.coq.declared_names import declaring_sentences
    from prover.backends.coq.sentences import declares, skip_blanks, split_for_coqtop
    from prover.backends.coq.text import CoqTextError

    try:
        sentences = split_for_coqtop(source)
    except CoqTextError as exc:
        raise InputError(f"cannot split {origin} into Coq sentences: {exc}") from exc
    declaring = declaring_sentences(sentences, name)
    if len(declaring) > 1:
        raise InputError(
            f"{name!r} is declared {len(declaring)} times in {origin}: which declaration Coq "
            "calls by that name depends on modules and Reset, so the prover does not choose"
        )
    # ``Definition name ... := term.`` gives its body and opens no proof.
    opening = [s for s in declaring if declares(s.code, name) and not _has_body(s.code)]
    if not opening:
        raise InputError(f"theorem {name!r} not found in {origin}")
    sentence = opening[0]
    start = skip_blanks(source, sentence.offset)
    statement = source[start : sentence.offset + len(sentence.text)]
    following = sentences[sentences.index(sentence) + 1 :]
    _refuse_unsaved(source[sentence.offset + len(sentence.text) :], name, origin)
    return Theorem(
        name=name,
        header=source[:start],
        statement=statement,
        source=origin,
        whole_context=_bare_admitted(sentence.code, following[0].code if following else ""),
        file_text=source,
    )


def _refuse_unsaved(after_statement: str, name: str, origin: str) -> None:
    """Refuse a theorem whose proof the file ends with ``Abort`` (the file declares no
    ``name``, so a later ``Goal`` or anonymous instance may take it: red-team round
    fifty-six, inside a functor) or ``Save`` (which names the proof otherwise)."""
    from prover.backends.coq.file_with_proof import UNSAVED_ENDINGS, own_proof_ending

    ending = own_proof_ending(after_statement)
    if ending is not None and ending[1] in UNSAVED_ENDINGS:
        raise InputError(
            f"{origin} ends the proof of {name!r} with {ending[1]}, so the file declares no "
            f"{name!r} there; the prover does not claim it"
        )


#: A theorem-like declaration without attributes (``#[using="..."]`` would narrow it).
_PLAIN_THEOREM = re.compile(
    r"(?:(?:Local|Global)\s+)?(?:Theorem|Lemma|Fact|Remark|Corollary|Proposition|Property)\s"
)
_USING = re.compile(r"(?<![\w'])using(?![\w'])")


def _bare_admitted(statement: str, following: str) -> bool:
    """Whether the file ends ``statement``'s proof at once with ``Admitted.``: no ``Proof``
    sentence (whose ``Default Proof Using`` or ``using`` would narrow the variables), no
    attribute, no ``using`` anywhere in the statement. Coq 8.16 generalises such a theorem
    over every section variable (:data:`~prover.backends.coq.section_opening.WHOLE_CONTEXT_OPENING`
    gives the prover's proof the same ones); anything else is read as narrowing (fail closed).
    """
    return (
        following == "Admitted."
        and _PLAIN_THEOREM.match(statement) is not None
        and _USING.search(statement) is None
    )


#: ``let`` as a whole word (an identifier character on neither side).
_LET = re.compile(r"(?<![\w'])let(?![\w'])")


def _has_body(code: str) -> bool:
    """Whether a declaration gives its body: a ``:=`` outside brackets that no ``let`` claims.

    Binders may hold a ``:=`` (inside brackets), and so may the statement itself
    (``Lemma l : let f := ... in P.``): each ``let`` at the top level takes the next ``:=``.
    """
    depth = 0
    open_lets = 0
    for index, character in enumerate(code):
        if character in "([{":
            depth += 1
        elif character in ")]}":
            depth -= 1
        elif depth == 0 and _LET.match(code, index):
            open_lets += 1
        elif depth == 0 and code.startswith(":=", index):
            if not open_lets:
                return True
            open_lets -= 1
    return False
