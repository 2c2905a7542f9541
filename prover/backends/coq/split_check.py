"""Coq's own sentence split of the checked file, compared with the prover's.

Everything the verifier reads in Python (the header's sections and modules, where the
theorem sits, the closings it appends) rests on :func:`~prover.backends.coq.text.split_sentences`.
Red-team rounds (2026-12-04) found places where that split and Coq's lexer disagree (a user
notation token ending in ``.``, a ``.`` before a non-breaking space) and each time guarded
the one case. This module makes Coq confirm the split of the whole checked file instead:

* :func:`mark_sentences` inserts, after every sentence of the prover's split, the no-op
  marker sentence ``Comments p<nonce>.``, where the nonce is random per check (except
  before a ``Proof`` sentence: ``Proof term.`` only works right after its statement);
* ``coqc -time`` prints, for every sentence it executes, ``Chars B - E [command] ...``
  with the byte range Coq parsed (:func:`split_refusal` reads those lines);
* the check passes only when the lines are, in order, each sentence of the prover's split
  at exactly its byte range, then its marker at exactly its range.

Why this is sound against a header that prints text of its own: a printed line can only
*add* to what Coq reports, and every addition fails the exact comparison; what it cannot do
is remove one of Coq's own lines or print a marker line, whose nonce is chosen after the
header is fixed. That holds because every ``Chars B - E [`` in the output is counted,
wherever it stands: round fourteen (2026-12-04) hid Coq's own lines from a reading by
lines (``str.splitlines`` also breaks at U+001C, which a header can put in a command).
A line repeating a range already seen is accepted only as the replay coqc does at a
proof's end (the queries of the proof, the markers inside it among them, each at the range
it had): right before the proof-ending sentence and only for sentences after the previous
one (round fifteen used a ``Reset``'s replay of the file).
So if Coq read any stretch of the file as other sentences than the prover did (more,
fewer, or with other ends), a marker line is missing or out of place, or some stretch gets
two lines, and the check refuses.

Text that breaks these premises (``Load``, navigation commands such as ``Reset``, which
coqc runs without a ``-time`` line, line separators, comments Coq may not see) is refused
first (:mod:`prover.backends.coq.reading_refusals`).

A ``.`` that ends a sentence of the prover's split must be followed by one of the blanks
Coq's lexer accepts there (space, tab, newline, carriage return, form feed) or the end:
Coq reads ``x.(`` as a projection even when the ``(`` opens a comment, and does not end a
sentence at a ``.`` before a non-breaking space, so an inserted marker would change what
Coq reads. Such text is refused before ``coqc``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from prover.backends.coq.reading_refusals import sentences_refusal
from prover.backends.coq.sentences import ending_of, normalize_code
from prover.backends.coq.text import CoqTextError, SentenceKind, split_sentences

__all__ = [
    "SPLIT_MARKER_WORD",
    "MarkedSource",
    "mark_sentences",
    "split_refusal",
]

#: The command of the marker sentence: a no-op in every mode (proof, module type, section).
SPLIT_MARKER_WORD = "Comments"
#: What Coq's lexer accepts after a sentence's final ``.`` (a non-breaking space is not one).
_COQ_BLANKS = frozenset(" \t\n\r\f")
#: ``Proof``, ``Proof using ...``, ``Proof with ...``, ``Proof term``: no marker before it.
_PROOF_COMMAND = re.compile(r"Proof(?![\w'])")
#: The head of each line ``coqc -time`` prints: ``Chars B - E [command] T secs (...)``.
_TIME_HEAD = re.compile(r"Chars (\d+) - (\d+) \[")


@dataclass(frozen=True, kw_only=True)
class _Expected:
    """One line ``coqc -time`` must print: a byte range, and for a marker the pattern of
    its command as printed after the ``[``."""

    start: int
    end: int
    marker: re.Pattern[str] | None
    ends_proof: bool = False


@dataclass(frozen=True, kw_only=True)
class MarkedSource:
    """The file to compile (markers inserted) and the lines ``coqc -time`` must print."""

    text: str
    expected: tuple[_Expected, ...]


def mark_sentences(source: str, nonce: str) -> MarkedSource | str:
    """``source`` with ``Comments p<nonce>.`` after each of its sentences, or why it cannot be.

    ``nonce`` must be lowercase hexadecimal (the marker's command text, as Coq prints it,
    must fit the 30 characters ``-time`` shows).
    """
    if re.fullmatch(r"[0-9a-f]{8,16}", nonce) is None:
        raise ValueError(f"nonce: expected 8 to 16 lowercase hex digits, got {nonce!r}")
    try:
        sentences = split_sentences(source)
        problem = sentences_refusal(source, sentences, "the checked file", read_before_proof=False)
    except CoqTextError as exc:
        return f"the checked file cannot be split: {exc}"
    if problem is not None:
        return problem
    marker = f"{SPLIT_MARKER_WORD} p{nonce}."
    inserted, marker_bytes = f"\n{marker}\n", _bytes(marker)
    printed_marker = re.compile(rf"{SPLIT_MARKER_WORD}~+p{nonce}\.\]")
    pieces: list[str] = []
    expected: list[_Expected] = []
    copied = 0  # characters of source already in pieces
    length = 0  # bytes of pieces so far
    for index, sentence in enumerate(sentences):
        problem = _unmarkable(source, sentence.end, sentence.kind, sentence.terminated)
        if problem is not None:
            return f"{problem} (line {source.count(chr(10), 0, sentence.end) + 1})"
        start = length + _bytes(source[copied : sentence.start])
        length = start + _bytes(sentence.text)
        ends_proof = ending_of(normalize_code(sentence.text)) is not None
        expected.append(_Expected(start=start, end=length, marker=None, ends_proof=ends_proof))
        pieces.append(source[copied : sentence.end])
        copied = sentence.end
        following = sentences[index + 1] if index + 1 < len(sentences) else None
        if following is not None and _PROOF_COMMAND.match(following.text):
            continue  # `Proof term.` must follow its statement directly; mark after it
        expected.append(
            _Expected(
                start=length + 1,
                end=length + 1 + marker_bytes,
                marker=printed_marker,
            )
        )
        pieces.append(inserted)
        length += _bytes(inserted)
    pieces.append(source[copied:])
    return MarkedSource(text="".join(pieces), expected=tuple(expected))


def _unmarkable(source: str, end: int, kind: SentenceKind, terminated: bool) -> str | None:
    """Why no marker may follow the sentence ending at ``end``, or None."""
    if not terminated:
        return "the checked file ends inside a sentence (no final '.')"
    ends_with_dot = kind not in (SentenceKind.BULLET, SentenceKind.BRACE)
    if ends_with_dot and end < len(source) and source[end] not in _COQ_BLANKS:
        return "a sentence's final '.' is not followed by a blank (Coq may read on)"
    return None


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def split_refusal(output: str, marked: MarkedSource) -> str | None:
    """Why ``coqc -time``'s ``output`` shows a split other than ``marked``'s, or None.

    Every ``Chars B - E [`` in the output counts, wherever it stands: not only at the
    start of a line, because a header controls characters that other readers take for line
    breaks (round fourteen hid coqc's own lines behind a U+001C in a ``Redirect`` file name,
    which ``str.splitlines`` breaks at). A marker's command may be printed with its blank
    widened to a run of ``~`` (a narrow ``Printing Width``). A range seen before is the
    replay coqc does at a proof's end, of that proof's queries: accepted only right before
    a proof-ending sentence and only for sentences after the previous one (round fifteen
    used a ``Reset``'s replay). Fail closed: a missing, extra or displaced range, or a
    marker without the nonce, refuses; the message names the first byte range where the
    two splits part.
    """
    progress = _Progress()
    for match in _TIME_HEAD.finditer(output):
        problem = progress.take(int(match[1]), int(match[2]), output, match.end(), marked)
        if problem is not None:
            return problem
    return progress.finished(marked)


@dataclass
class _Progress:
    """How far :func:`split_refusal` has matched coqc's lines against the expected ones."""

    position: int = 0
    proof_start: int = 0  # byte after the last proof-ending sentence matched
    seen: set[tuple[int, int]] = field(default_factory=set)
    replayed: list[tuple[int, int]] = field(default_factory=list)

    def take(
        self, start: int, end: int, output: str, after: int, marked: MarkedSource
    ) -> str | None:
        """Match one line (its range, and the output after its ``[``); why not, or None."""
        if (start, end) in self.seen:
            if start < self.proof_start:
                return _parted(start, end, "again, from before the current proof")
            self.replayed.append((start, end))
            return None
        self.seen.add((start, end))
        problem = self._mismatch(start, end, output, after, marked)
        if problem is None:
            wanted = marked.expected[self.position]
            if wanted.ends_proof:
                self.replayed, self.proof_start = [], wanted.end
            self.position += 1
        return problem

    def _mismatch(
        self, start: int, end: int, output: str, after: int, marked: MarkedSource
    ) -> str | None:
        """Why a new range is not the next expected line, or None."""
        if self.position >= len(marked.expected):
            return _parted(start, end, "after the last sentence of the prover's split")
        wanted = marked.expected[self.position]
        if (start, end) != (wanted.start, wanted.end):
            return _parted(start, end, f"where the prover's split has {wanted.start}-{wanted.end}")
        if wanted.marker is not None and wanted.marker.match(output, after) is None:
            return _parted(start, end, "at a marker sentence, with another command")
        if self.replayed and not wanted.ends_proof:
            return _parted(*self.replayed[0], "again, but not at the end of a proof")
        return None

    def finished(self, marked: MarkedSource) -> str | None:
        """Why the output ended before the expected lines did, or None."""
        if self.replayed:
            return _parted(*self.replayed[0], "again after the last sentence")
        if self.position < len(marked.expected):
            missing = marked.expected[self.position]
            return (
                "Coq's sentence split differs from the prover's: no sentence at bytes "
                f"{missing.start}-{missing.end} of the checked file"
            )
        return None


def _parted(start: int, end: int, where: str) -> str:
    return (
        "Coq's sentence split differs from the prover's: Coq read bytes "
        f"{start}-{end} of the checked file {where}"
    )
