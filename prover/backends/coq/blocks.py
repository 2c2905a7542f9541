"""The sections and modules a Coq header leaves open, read fail-closed.

A theorem of a ``--file`` (or of a benchmark file) is checked in a file made of the header
before it, the proof and the ``End`` sentences that close what the header left open
(:func:`closable`). Where the theorem sits decides what it means: inside a ``Module Type``
it is a field of a signature, proved under the signature's own axioms, which coqchk does
not list (:func:`block_refusal`). So this reading must agree with Coq's, and where it
cannot be sure it refuses instead of guessing:

* a sentence that starts like a block command (``Section``, ``Module``, ``End``) but is
  not one of the shapes read here is unreadable;
* a module sentence is a block opening unless it has a body (``Module M := F X.``); a
  ``:=`` inside brackets (a parameter ``(X : S with Definition d := 0)``) or after
  ``with Definition d``/``with Module N`` is no body, and any other arrangement of
  ``:=`` (two bodies, a ``let`` in a ``with`` clause) is unreadable;
* an ``End`` must close the innermost open block, as Coq requires.

Names end where Coq's identifiers end (``B'`` is one name). A red-team round (2026-12-04)
had ``Module B'.`` read as ``B`` and ``Module Type B (X : S with Definition d := 0).`` read
as no opening, so the appended ``End B.`` closed the signature and ``1 = 2`` counted.
The verifier also checks the reading against Coq's (:func:`placement_check`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prover.backends.coq.sentences import CoqSentence, split_for_coqtop

__all__ = [
    "OpenBlock",
    "block_refusal",
    "closable",
    "open_blocks",
    "placement_check",
    "visible_fixpoints",
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
#: A sentence that starts like a block command: it must then be one of the shapes above.
_BLOCK_COMMAND = re.compile(
    rf"^{_ATTRIBUTE}(?:(?:Local|Global|Polymorphic|Monomorphic|Private)\s+)*"
    r"(?:Declare\s+)?(?:Section|Module|End)(?![\w'])"
)
_WITH_CLAUSE = re.compile(r"\bwith\s+(?:Definition|Module)\s+[\w'.]+\s*(?:@\{[^}]*\}\s*)?$")
_CLOSING = {")": "(", "]": "[", "}": "{"}


@dataclass(frozen=True, kw_only=True)
class OpenBlock:
    """A section or interactive module still open: its name and its opening sentence.

    ``start``/``end`` locate the opening sentence in the source; ``unsealed`` is that
    sentence without a module-type ascription (``<: S`` or ``: S``), or None when it has none;
    ``signature`` is true for a ``Module Type`` (whose theorems are fields, never proofs);
    ``module`` is false for a section (which does not qualify names); ``functor`` is true
    for a module with parameters (``Module F (X : S).``).
    """

    name: str
    start: int
    end: int
    unsealed: str | None = None
    signature: bool = False
    module: bool = False
    functor: bool = False


@dataclass(frozen=True, kw_only=True)
class _BlockReading:
    """The blocks open at the end of a source, or the first sentence that cannot be read."""

    blocks: tuple[OpenBlock, ...] = ()
    unreadable: str | None = None


def read_blocks(source: str) -> _BlockReading:
    """Every block ``source`` leaves open, outermost first, or why its blocks are unclear."""
    stack: list[OpenBlock] = []
    for sentence in split_for_coqtop(source):
        if sentence.focus or not _BLOCK_COMMAND.match(sentence.code):
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
    functor: bool = False,
) -> OpenBlock:
    """The block ``sentence`` opens, located in the source."""
    return OpenBlock(
        name=name,
        start=sentence.offset,
        end=sentence.offset + len(sentence.text),
        unsealed=unsealed,
        signature=signature,
        module=module,
        functor=functor,
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
        if len(parts) == 2 and not _WITH_CLAUSE.search(parts[0]):
            return None  # Module M := F X. (a body: nothing stays open)
        return "a module sentence whose ':=' cannot be told apart"
    return _opened(
        sentence,
        match.group(1),
        unsealed=_without_ascription(code, match.start("rest")),
        signature=re.match(rf"^{_ATTRIBUTE}Module\s+Type\s", code) is not None,
        module=True,
        functor=match.group("rest").lstrip().startswith("("),
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


def block_refusal(header: str) -> str | None:
    """Why a theorem after ``header`` may not count, or None: the header's blocks cannot be
    read with certainty, or it leaves a ``Module Type`` open.

    A ``Theorem`` inside a module type is a field of a signature, checked under the
    signature's own ``Axiom``/``Parameter`` fields, which coqchk does not list: ``1 = 2``
    after ``Axiom ax : False.`` in a ``Module Type`` would count as proved.
    """
    reading = read_blocks(header)
    if reading.unreadable is not None:
        unreadable = reading.unreadable
        return f"the header's sections and modules cannot be read with certainty: {unreadable}"
    names = [block.name for block in reading.blocks if block.signature]
    if not names:
        return None
    return (
        f"the theorem is inside 'Module Type {names[-1]}': a field of a signature, proved "
        "under the signature's parameters and axioms, is not a proof"
    )


def placement_check(header: str, name: str, library: str) -> str:
    """A sentence that compiles, after the blocks of ``header`` are closed, only if Coq put
    theorem ``name`` where this reading does: ``Check`` of its full name (``library``, the
    open modules, then ``name``; sections do not qualify), which a field of a ``Module
    Type`` does not have. Inside a functor, whose fields have no full name either, it is
    ``Print Module`` of the path up to the functor, which fails for a module type; the
    blocks inside the functor rest on this reading alone.
    """
    path = [library]
    for block in open_blocks(header):
        if not block.module:
            continue
        path.append(block.name)
        if block.functor:
            return f"Print Module {'.'.join(path)}."
    return f"Check {'.'.join([*path, name])}."


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
        opening = _opening(sentence) if _BLOCK_COMMAND.match(sentence.code) else None
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
    """``Module M (X : T) <: S.`` without ``<: S`` (parameters kept); None if there is none."""
    depth = 0
    for position in range(start, len(code)):
        character = code[position]
        if character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
        elif character == ":" and depth == 0:
            cut = position - 1 if code[position - 1] == "<" else position
            return code[:cut].rstrip() + "."
    return None


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
