"""The sections and modules a Coq header leaves open, read fail-closed.

A theorem of a ``--file`` (or of a benchmark file) is checked in a file made of the header
before it, the proof and the ``End`` sentences that close what the header left open
(:func:`closable`). Where the theorem sits decides what it means: inside a ``Module Type``
it is a field of a signature, proved under the signature's own axioms, which coqchk does
not list (:func:`block_refusal`). So this reading must agree with Coq's, and where it
cannot be sure it refuses instead of guessing:

* a sentence with a block word (``Section``, ``Module``, ``End``) in command position
  (after prefixes like ``Timeout 100`` or attributes) or after a ``..`` that is not one
  of the shapes read here (nor ``Print Module`` and the like) is unreadable;
* a module sentence is a block opening unless it has a body (``Module M := F X.``); a
  ``:=`` inside brackets (a parameter ``(X : S with Definition d := 0)``) or after
  ``with Definition d``/``with Module N`` is no body, and any other arrangement of
  ``:=`` (two bodies, a ``let`` in a ``with`` clause) is unreadable;
* an ``End`` must close the innermost open block, as Coq requires.

Names end where Coq's identifiers end (``B'`` is one name). A red-team round (2026-12-04)
had ``Module B'.`` read as ``B`` and ``Module Type B (X : S with Definition d := 0).`` read
as no opening, so the appended ``End B.`` closed the signature and ``1 = 2`` counted.
The verifier also has Coq check the reading (:mod:`prover.backends.coq.placement`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from prover.backends.coq.functor_instance import functor_parameters
from prover.backends.coq.sentences import CoqSentence, split_for_coqtop
from prover.backends.coq.text import CoqTextError, code_without_strings

__all__ = [
    "OpenBlock",
    "block_closings",
    "block_refusal",
    "closable",
    "closing_offset",
    "open_blocks",
    "outermost_functor",
    "statement_refusal",
    "visible_fixpoints",
    "visible_sentences",
]

_NAME = r"[A-Za-z_][\w']*(?![\w'])"
_ATTRIBUTE = r"(?:#\[[^\]]*\]\s*)?"
_SECTION_START = re.compile(rf"^{_ATTRIBUTE}Section\s+({_NAME})\s*\.$")
_MODULE_START = re.compile(
    rf"^{_ATTRIBUTE}(?:Declare\s+)?Module\s+(?:Type\s+|Import\s+|Export\s+)?({_NAME})"
    r"(?P<rest>.*)\.$",
    re.DOTALL,
)
_BLOCK_END = re.compile(rf"^End\s+({_NAME})\s*\.$")
_BLOCK_WORD = re.compile(r"(?<![\w'])(?:Section|Module|End)(?![\w'])")
#: A block word in command position: after nothing but attributes, whole capitalised words
#: (``Time``, ``Timeout``, ``Local``, ...), numerals in any of Coq's forms (``1_000``,
#: ``0x3E8``, possibly glued to the next word) and (blanked) strings. A capitalised word is
#: whole, as Coq's lexer reads it (the character screen has made Python's word characters
#: Coq's): ``Canonical C_NormedModule := ...`` names no block, where reading ``C_Normed``
#: and ``Module`` refused 136 of Coquelicot's 1,700 theorem headers.
_COMMAND_POSITION = re.compile(
    r"^(?:(?:#\[[^\]]*\]|[A-Z][\w']*(?![\w'])|\d[\w']*|\"\")\s*)*?"
    r"(?:Section|Module|End)(?![\w'])"
)
#: Sentences that name a block word without opening or closing anything.
_BLOCK_QUERY = re.compile(
    r"^(?:(?:Print|Locate)\s+(?:Module|Section)|Declare\s+ML\s+Module)(?![\w'])"
)
_WITH_CLAUSE = re.compile(r"\bwith\s+(?:Definition|Module)\s+[\w'.]+\s*(?:@\{[^}]*\}\s*)?$")
#: Words of a term that bind with ``:=`` (``let x := ...``): after a ``with`` clause's
#: ``:=`` they make the next ``:=`` ambiguous.
_TERM_BINDER = re.compile(r"(?<![\w'])(?:let|fix|cofix)(?![\w'])")
_CLOSING = {")": "(", "]": "[", "}": "{"}


@dataclass(frozen=True, kw_only=True)
class OpenBlock:
    """A section or interactive module still open: its name and its opening sentence.

    ``start``/``end`` locate the opening sentence in the source; ``unsealed`` is that
    sentence without a module-type ascription (``<: S`` or ``: S``), or None when it has none;
    ``signature`` is true for a ``Module Type`` (whose theorems are fields, never proofs);
    ``module`` is false for a section (which does not qualify names); ``functor`` is true
    for a module with parameters (``Module F (X : S).``), and ``binders`` is then the text
    of its parameters (between the name and the ascription or the final '.'); ``sealed``
    is true for a module sealed by its ascription (``: S``, not ``<: S``).
    """

    name: str
    start: int
    end: int
    unsealed: str | None = None
    signature: bool = False
    module: bool = False
    functor: bool = False
    binders: str = ""
    sealed: bool = False


@dataclass(frozen=True, kw_only=True)
class _BlockReading:
    """The blocks open at the end of a source, or the first sentence that cannot be read."""

    blocks: tuple[OpenBlock, ...] = ()
    unreadable: str | None = None


@lru_cache(maxsize=16)
def read_blocks(source: str) -> _BlockReading:
    """Every block ``source`` leaves open, outermost first, or why its blocks are unclear.

    Cached (the reading is immutable): one verification reads a header's blocks for the
    refusal, the closings, the placement checks, the name guard and the theorem's path."""
    stack: list[OpenBlock] = []
    for sentence in split_for_coqtop(source):
        if not _names_a_block(sentence):
            continue
        opening = _opening(sentence)
        end = _BLOCK_END.match(sentence.code)
        if isinstance(opening, str):
            return _BlockReading(unreadable=_unreadable(sentence, source, opening))
        if isinstance(opening, OpenBlock):
            stack.append(opening)
        elif end is not None:
            if not stack or stack[-1].name != end.group(1):
                innermost = f"'{stack[-1].name}'" if stack else "nothing"
                why = f"it closes '{end.group(1)}' where {innermost} is open"
                return _BlockReading(unreadable=_unreadable(sentence, source, why))
            stack.pop()
        elif not _MODULE_START.match(sentence.code):
            return _BlockReading(unreadable=_unreadable(sentence, source, "an unknown shape"))
    return _BlockReading(blocks=tuple(stack))


def closing_offset(text: str, depth: int) -> int | None:
    """Where, in ``text`` (which starts inside ``depth`` or more open blocks), the sentence
    closing the ``depth``-th of them (1 the innermost) starts; None if the blocks of
    ``text`` cannot be read with certainty or it does not close that many."""
    opened = 0
    try:
        sentences = split_for_coqtop(text)
    except CoqTextError:
        return None
    for sentence in sentences:
        if not _names_a_block(sentence):
            continue
        opening = _opening(sentence)
        if isinstance(opening, str):
            return None
        if isinstance(opening, OpenBlock):
            opened += 1
        elif _BLOCK_END.match(sentence.code) is not None:
            if opened:
                opened -= 1
                continue
            depth -= 1
            if depth == 0:
                return sentence.offset
        elif not _MODULE_START.match(sentence.code):
            return None
    return None


def block_closings(source: str) -> list[int]:
    """Where, in ``source``, each sentence that closes a block (a section or a module of
    any kind) starts; empty when the blocks of ``source`` cannot be read with certainty,
    which :func:`block_refusal` refuses. What lives only inside a block (a section's
    polymorphic universe, red-team round sixty-seven; a module type's or a functor's
    fields) is gone after its ``End``, so what must be asked about it is asked there."""
    if read_blocks(source).unreadable is not None:
        return []
    return [
        sentence.offset
        for sentence in split_for_coqtop(source)
        if _names_a_block(sentence) and _BLOCK_END.match(sentence.code) is not None
    ]


def visible_sentences(source: str) -> list[tuple[int, CoqSentence]] | None:
    """The sentences of ``source`` (text inside some block, from just after its opening)
    that are not inside a block ``source`` opens and closes again, with the opening
    sentences of those blocks (a ``Module Import X.`` imports ``X`` when it closes), in
    order, without the ``End`` sentences, each with its depth (0 outside every block
    ``source`` opens, 1 inside the first one it leaves open, ...); None if the blocks
    cannot be read with certainty or ``source`` closes more than it opens."""
    try:
        sentences = split_for_coqtop(source)
    except CoqTextError:
        return None
    levels: list[list[tuple[int, CoqSentence]]] = [[]]
    for sentence in sentences:
        if _names_a_block(sentence):
            opening = _opening(sentence)
            if isinstance(opening, str):
                return None
            if isinstance(opening, OpenBlock):
                levels[-1].append((len(levels) - 1, sentence))
                levels.append([])
                continue
            if _BLOCK_END.match(sentence.code) is not None:
                if len(levels) == 1:
                    return None
                levels.pop()
                continue
            if not _MODULE_START.match(sentence.code):
                return None
        levels[-1].append((len(levels) - 1, sentence))
    return [item for level in levels for item in level]


def _names_a_block(sentence: CoqSentence) -> bool:
    """Whether ``sentence`` may open or close a block: a block word in command position
    (after prefixes such as ``Time``, ``Timeout N``, ``Redirect "f"`` or attributes), or
    anywhere after a ``..``, where a notation token ending in ``.`` makes Coq end a
    sentence this split does not (round eleven, 2026-12-04). Queries (``Print Module``)
    are not. Any such sentence must be one of the shapes read here.
    """
    if sentence.focus or _BLOCK_QUERY.match(sentence.code):
        return False
    code = code_without_strings(sentence.code)
    if _COMMAND_POSITION.match(code):
        return True
    ellipsis = code.find("..")  # Coq may end a sentence inside it (a token ending in '.')
    return ellipsis >= 0 and _BLOCK_WORD.search(code, ellipsis) is not None


def _opening(sentence: CoqSentence) -> OpenBlock | str | None:
    """The block ``sentence`` opens, None if it opens none, or why it cannot be read."""
    section = _SECTION_START.match(sentence.code)
    if section is not None:
        return _opened(sentence, section.group(1))
    module = _MODULE_START.match(sentence.code)
    return None if module is None else _module_opening(sentence, module)


def _opened(
    sentence: CoqSentence,
    name: str,
    *,
    unsealed: str | None = None,
    signature: bool = False,
    module: bool = False,
    binders: str = "",
    sealed: bool = False,
) -> OpenBlock:
    """The block ``sentence`` opens, located in the source."""
    functor = binders.lstrip().startswith("(")
    return OpenBlock(
        name=name,
        start=sentence.offset,
        end=sentence.offset + len(sentence.text),
        unsealed=unsealed,
        signature=signature,
        module=module,
        functor=functor,
        binders=binders if functor else "",
        sealed=sealed,
    )


def _module_opening(sentence: CoqSentence, match: re.Match[str]) -> OpenBlock | str | None:
    """The block a module sentence opens, None if it opens none, or why it is unreadable."""
    code = sentence.code
    if re.match(rf"^{_ATTRIBUTE}Declare\s", code):
        return None
    parts = _split_at_top_level(match.group("rest"), ":=")
    if parts is None:
        return "a module sentence with unbalanced brackets"
    if len(parts) > 1 and not all(_WITH_CLAUSE.search(part) for part in parts[:-1]):
        clauses, last = parts[:-2], parts[-2]
        if all(_WITH_CLAUSE.search(part) for part in clauses) and not (
            _WITH_CLAUSE.search(last) or (clauses and _TERM_BINDER.search(last))
        ):
            return None  # Module M := F X., Module M : S with Definition d := 0 := N.
        return "a module sentence whose ':=' cannot be told apart"
    before_ascription = _split_at_top_level(match.group("rest"), ":") or [""]
    return _opened(
        sentence,
        match.group(1),
        unsealed=_without_ascription(code, match.start("rest")),
        signature=re.match(rf"^{_ATTRIBUTE}Module\s+Type\s", code) is not None,
        module=True,
        binders=before_ascription[0].removesuffix("<"),
        sealed=len(before_ascription) > 1 and not before_ascription[0].endswith("<"),
    )


def _split_at_top_level(text: str, separator: str) -> list[str] | None:
    """``text`` split at ``separator`` outside brackets; None if the brackets do not match."""
    parts: list[str] = []
    stack: list[str] = []
    start = position = 0
    while position < len(text):
        character = text[position]
        if character in "([{":
            stack.append(character)
        elif character in _CLOSING:
            if not stack or stack.pop() != _CLOSING[character]:
                return None
        elif not stack and text.startswith(separator, position):
            parts.append(text[start:position])
            start = position = position + len(separator)
            continue
        position += 1
    return None if stack else [*parts, text[start:]]


def _unreadable(sentence: CoqSentence, source: str, why: str) -> str:
    return f"line {sentence.line(source)}: {sentence.code[:80]!r} ({why})"


def open_blocks(source: str) -> list[OpenBlock]:
    """The sections and interactive modules still open at the end of ``source``, outermost
    first (none when the reading is unclear: :func:`block_refusal` refuses such a header)."""
    return list(read_blocks(source).blocks)


def outermost_functor(blocks: Sequence[OpenBlock]) -> int | None:
    """The index in ``blocks`` (outermost first) of the outermost open functor, or None."""
    return next((index for index, block in enumerate(blocks) if block.functor), None)


def block_refusal(header: str) -> str | None:
    """Why a theorem after ``header`` may not count, or None: the header's blocks cannot be
    read with certainty, or it leaves a ``Module Type`` open.

    A ``Theorem`` inside a module type is a field of a signature, checked under the
    signature's own ``Axiom``/``Parameter`` fields, which coqchk does not list: ``1 = 2``
    after ``Axiom ax : False.`` in a ``Module Type`` would count as proved. The same holds
    inside a functor (red-team round sixteen): coqchk's summary covers what is defined at
    the top level, and a functor's body is not, until the functor is applied; ``Axiom ax :
    1 = 2.`` in the body of an open functor went unlisted. So the checked file applies the
    functor (:mod:`prover.backends.coq.functor_instance`), and a theorem inside a functor
    it cannot apply with certainty is refused.
    """
    blank = _unicode_blank_after_dot(header)
    if blank is not None:
        return f"the header has {blank}"
    reading = read_blocks(header)
    if reading.unreadable is not None:
        unreadable = reading.unreadable
        return f"the header's sections and modules cannot be read with certainty: {unreadable}"
    names = [block.name for block in reading.blocks if block.signature]
    if names:
        return (
            f"the theorem is inside 'Module Type {names[-1]}': a field of a signature, proved "
            "under the signature's parameters and axioms, is not a proof"
        )
    functors = [block for block in reading.blocks if block.functor]
    if len(functors) > 1 or (functors and functor_parameters(functors[0].binders) is None):
        return (
            f"the theorem is inside the functor '{functors[-1].name}' and the checked file "
            "cannot apply it (a functor inside a functor, or parameters not of the form "
            "'(X : S)'): coqchk lists the assumptions of a functor's body only in an instance"
        )
    return None


#: A '.' followed by a blank that is not ASCII: this split ends a sentence there, Coq does
#: not (red-team round thirteen: ``Fail Check ax.<U+00A0>End B.`` is one sentence to Coq).
_UNICODE_BLANK_AFTER_DOT = re.compile(r"\.([^\S \t\n\r\f\v])")


def _unicode_blank_after_dot(text: str) -> str | None:
    """A description of the first '.' before a non-ASCII blank in ``text``'s code, or None."""
    found = _UNICODE_BLANK_AFTER_DOT.search(code_without_strings(text))
    if found is None:
        return None
    return f"a '.' followed by U+{ord(found.group(1)):04X}, a blank Coq does not end a sentence at"


def statement_refusal(statement: str) -> str | None:
    """Why ``statement`` cannot be read as the one sentence it must be, or None.

    Coq may end a sentence inside a ``..`` (a notation token ending in ``.``) where this
    split does not, so a statement holding one could declare blocks, axioms or a second
    theorem the checks never see (red-team round twelve, 2026-12-04); no statement needs
    one (recursive notations are declared in headers, not used with ``..``).
    """
    blank = _unicode_blank_after_dot(statement)
    if blank is not None:
        return f"the statement has {blank}"
    sentences = [sentence for sentence in split_for_coqtop(statement) if not sentence.focus]
    if len(sentences) != 1:
        return f"the statement must be one sentence, got {len(sentences)}"
    if ".." in code_without_strings(statement):
        return "the statement holds '..', where Coq may end a sentence this reading does not"
    return None


_FIXPOINT_DECLARATION = re.compile(
    r"^(?:(?:Local|Global)\s+)?(?:Fixpoint|CoFixpoint)\s+([A-Za-z_][\w']*)\s"
)


def visible_fixpoints(source: str) -> tuple[str, ...]:
    """The ``Fixpoint``/``CoFixpoint`` names of ``source`` a sentence after it can name short.

    One name per sentence (the first of a mutual block). A fixpoint declared inside an
    interactive module that ``source`` closes again is left out (outside, it is ``M.f``);
    one inside a closed section is kept (sections do not qualify names).
    """
    stack: list[tuple[str, bool, list[str]]] = [("", False, [])]
    for sentence in split_for_coqtop(source):
        if sentence.focus:
            continue
        opening = _opening(sentence) if _names_a_block(sentence) else None
        end = _BLOCK_END.match(sentence.code)
        fixpoint = _FIXPOINT_DECLARATION.match(sentence.code + " ")
        if isinstance(opening, OpenBlock):
            stack.append((opening.name, opening.module, []))
        elif end is not None and end.group(1) in [name for name, _, _ in stack[1:]]:
            while len(stack) > 1:
                name, is_module, names = stack.pop()
                if not is_module:
                    stack[-1][2].extend(names)
                if name == end.group(1):
                    break
        elif fixpoint is not None:
            stack[-1][2].append(fixpoint.group(1))
    found = [name for _, _, names in stack for name in names]
    return tuple(dict.fromkeys(found))


def _without_ascription(code: str, start: int) -> str | None:
    """``Module M (X : T) <: S.`` without ``<: S`` (parameters kept); None if there is none.

    The ascription starts at the first ``:`` outside brackets after ``start``; the caller
    has already refused unbalanced brackets."""
    parts = _split_at_top_level(code[start:], ":")
    if parts is None or len(parts) == 1:
        return None
    position = start + len(parts[0])
    cut = position - 1 if code[position - 1] == "<" else position
    return code[:cut].rstrip() + "."


def closable(header: str) -> tuple[str, list[str]]:
    """``header`` as a whole file can close it, and the ``End`` sentences that close it.

    A theorem inside an interactive module is checked with the module closed right after
    it; a module-type ascription (``Module Nat <: NAxiomsSig.``) is dropped from the opening
    sentence, because the fields after the theorem are not in the checked file and closing
    early would fail the signature check. Inside the module its definitions are transparent
    either way, so the theorem and its proof mean the same.
    """
    blocks = open_blocks(header)
    text = header
    for block in reversed(blocks):  # back to front: earlier offsets stay valid
        if block.unsealed is not None:
            text = text[: block.start] + block.unsealed + text[block.end :]
    return text, [f"End {block.name}." for block in reversed(blocks)]
