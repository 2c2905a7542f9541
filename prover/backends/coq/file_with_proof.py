"""The user's file with a theorem's own proof replaced by the prover's (``prove --file``).

A proof checked after the header alone may still not fit the user's file: what follows the
theorem can constrain it. Red-team round fifty-one's file used its admitted ``T : forall X :
Type, exists Y : Type, X = Y`` to derive ``False`` in a way that pins ``T``'s second universe
below its first; the prover's proof (``exists X``) needs the opposite order, so it passed
every check on the header and statement alone and was recorded proved, while the file
refutes the statement as it reads it (the proof put in place of ``Admitted.`` is a universe
inconsistency). The verifier therefore checks the proof against the user's whole file
(:mod:`prover.backends.coq.name_resolution`): at its end on a copy of the theorem where it
can (round fifty-two's file branched on the constraints, so a rebuilt file compiled), and,
for a theorem inside a section or a functor, whose copy at the end it cannot state, in
place of the file's own proof, as here.

Where the file's proof ends is read fail-closed: at the first sentence after the statement
that holds a proof-ending word (``Qed``, ``Defined``, ``Admitted``, ``Save``, ``Abort``,
behind any prefix). A sentence read as an end too early leaves the rest of the file's proof
outside proof mode, which Coq refuses; a proof that ends without such a word (``Proof
term.``) is refused, since the cut would run into what follows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from prover.backends.coq.sentences import read_proof_opening, split_for_coqtop
from prover.backends.coq.text import CoqTextError, code_without_strings

__all__ = ["own_proof_end", "with_prover_proof"]

_ENDING_WORD = re.compile(r"(?<![\w'])(?:Qed|Defined|Admitted|Save|Abort)(?![\w'])")


def own_proof_end(after_statement: str) -> int | None:
    """Where the file's own proof ends in ``after_statement`` (the text right after the
    statement): the index just past its ending sentence, or None if that is not clear."""
    try:
        sentences = [s for s in split_for_coqtop(after_statement) if not s.focus]
    except CoqTextError:
        return None
    if not sentences:
        return None
    opening = read_proof_opening(sentences[0].code)
    if opening is not None and opening.term:
        return None  # ``Proof term.`` ends the proof with no ending sentence
    for sentence in sentences:
        try:
            code = code_without_strings(sentence.text)
        except CoqTextError:
            return None
        if _ENDING_WORD.search(code):
            return sentence.offset + len(sentence.text)
    return None


def with_prover_proof(after_header: str, statement: str, proof: Sequence[str]) -> str | None:
    """``after_header`` (the file from its statement on) with the file's own proof of the
    statement replaced by ``proof``'s sentences, or None if its end is not clear."""
    if not after_header.startswith(statement):
        return None
    rest = after_header[len(statement) :]
    end = own_proof_end(rest)
    if end is None:
        return None
    return statement + "\n" + "\n".join(proof) + "\n" + rest[end:]
