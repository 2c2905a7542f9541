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
    gives its body (``:= term``) is passed over, so a later proof of the same name (in
    another module) is found. The header
    is the source up to the declaration's first code character (a comment in front of
    it stays in the header); the statement is the declaring sentence.

    Refused (fail closed; red-team round forty-one), because the theorem the prover would
    check is then not surely the file's: a name whose proof opens more than once (after a
    ``Reset`` or in two modules, the file's last one is what Coq calls ``name``; the
    prover would prove the first), and a proof opened with ``Proof using`` or preceded by
    an option (``Set Default Proof Using``), which choose the section variables the
    theorem takes (the prover opens it with ``Proof.``, and a proof using a section
    hypothesis then states something else).
    """
    from prover.backends.coq.sentences import declares, skip_blanks, split_for_coqtop
    from prover.backends.coq.text import CoqTextError

    try:
        sentences = split_for_coqtop(source)
    except CoqTextError as exc:
        raise InputError(f"cannot split {origin} into Coq sentences: {exc}") from exc
    opening = [
        index
        for index, sentence in enumerate(sentences)
        if not sentence.focus
        and sentence.terminated
        and declares(sentence.code, name)
        and not _has_body(sentence.code)  # ``Definition name ... := term.`` opens no proof
    ]
    if not opening:
        raise InputError(f"theorem {name!r} not found in {origin}")
    if len(opening) > 1:
        raise InputError(
            f"theorem {name!r} opens a proof {len(opening)} times in {origin}: which one Coq "
            "calls by that name depends on modules and Reset, so the prover does not choose"
        )
    sentence = sentences[opening[0]]
    following = sentences[opening[0] + 1] if opening[0] + 1 < len(sentences) else None
    if following is not None and _PROOF_USING.match(following.code):
        raise InputError(
            f"theorem {name!r} of {origin} opens its proof with 'Proof using', which chooses "
            "the section variables it takes; the prover opens proofs with 'Proof.': not supported"
        )
    if following is not None and _OPTION.match(following.code):
        raise InputError(
            f"theorem {name!r} of {origin} sets an option between its statement and its proof "
            "('Set Default Proof Using' chooses the section variables it takes); the prover "
            "drops what follows the statement: not supported"
        )
    start = skip_blanks(source, sentence.offset)
    statement = source[start : sentence.offset + len(sentence.text)]
    return Theorem(name=name, header=source[:start], statement=statement, source=origin)


#: An option command (``Set Default Proof Using "Type".`` right after the statement chooses
#: the section variables as ``Proof using`` does).
_OPTION = re.compile(r"\s*(?:#\[[^\]]*\]\s*)?(?:(?:Local|Global|Export)\s+)?(?:Set|Unset)\b")
#: ``Proof using ...`` (also ``Proof with T using ...``).
_PROOF_USING = re.compile(r"\s*Proof\b.*(?<![\w'])using(?![\w'])", re.DOTALL)


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
