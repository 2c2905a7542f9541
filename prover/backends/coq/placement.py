"""What the checked file adds after a theorem's proof: closings that Coq checks, an instance
of the functor around it, and the theorem's full name.

The header's blocks (:mod:`prover.backends.coq.blocks`) are read by the prover; these
sentences make Coq confirm that reading where it matters (the placement checks), and make
a theorem inside a functor visible to coqchk
(:mod:`prover.backends.coq.functor_instance`).
"""

from __future__ import annotations

from dataclasses import dataclass

from prover.backends.coq.blocks import OpenBlock, open_blocks
from prover.backends.coq.functor_instance import (
    INSTANCE_MODULE,
    arguments_prefix,
    functor_parameters,
    instance_sentences,
)

__all__ = [
    "PLACEMENT_MARKER",
    "functor_arguments_prefix",
    "name_guard",
    "placed_closings",
    "theorem_path",
]

#: The constant the checked file defines right after the theorem (its name is reserved).
PLACEMENT_MARKER = "ProverCheckPlaced"


@dataclass(frozen=True, kw_only=True)
class _PathedBlock:
    """An open block and the full name of the module it is (or is in, for a section)."""

    block: OpenBlock
    path: list[str]


def _pathed_blocks(header: str, library: str) -> list[_PathedBlock]:
    """The header's open blocks, outermost first, each with its full module path."""
    pathed: list[_PathedBlock] = []
    path = [library]
    for block in open_blocks(header):
        if block.module:
            path = [*path, block.name]
        pathed.append(_PathedBlock(block=block, path=path))
    return pathed


def _suffix(marker: str) -> str:
    """The verification's nonce carried by ``marker`` ('' for the bare marker)."""
    return marker.removeprefix(PLACEMENT_MARKER)


def placed_closings(header: str, library: str, marker: str = PLACEMENT_MARKER) -> list[str]:
    """What follows the theorem in the checked file: a marker defined in the theorem's
    scope, the ``End`` sentences closing the header's blocks, checks that compile only
    if Coq put the theorem where this reading does, and the functor's instance.

    A ``Module Type``'s fields have no full name once it is closed, and neither do a
    functor's, so: right before each functor's ``End``, the next thing inside it is named
    through the path of modules this reading sees (``Print Term`` of the marker for the
    innermost functor, ``Print Module`` of the inner functor for the others), and after
    the last ``End`` the outermost functor, or the marker when there is none (``Print
    Term``, which takes a name: a notation answered a ``Check`` of the marker's path in
    red-team round sixteen). Every block between two checks is closed when it is named, so
    a module type read as a module or a section (or hidden from this reading) makes coqc
    fail; a header cannot define the marker (names starting with ``ProverCheck`` are
    refused in headers and statements, and the verifier adds a fresh random suffix to
    ``marker`` for each check). Right after a functor's ``End`` come its arguments and its
    application (:func:`~prover.backends.coq.functor_instance.instance_sentences`, named
    with the marker's suffix); a functor whose binders cannot be read gets none, and the
    assumptions print of :func:`theorem_path` then fails.
    """
    pathed = _pathed_blocks(header, library)
    innermost = pathed[-1].path if pathed else [library]
    target = f"Print Term {'.'.join([*innermost, marker])}."
    sentences = [f"Definition {marker} := Set."]
    for item in reversed(pathed):
        if item.block.functor:
            sentences.append(target)
            target = f"Print Module {'.'.join(item.path)}."
        sentences.append(f"End {item.block.name}.")
        parameters = functor_parameters(item.block.binders) if item.block.functor else None
        if parameters:
            sentences.extend(instance_sentences(parameters, item.path, _suffix(marker)))
    sentences.append(target)
    return sentences


def name_guard(header: str, library: str, name: str) -> str:
    """The sentence before the statement that fails unless nothing answers to the theorem's
    full name yet, so that the name Coq declares is the one the checks print.

    The prover reads the theorem's name in Python; a character Coq reads as part of an
    identifier (round twenty-one: ``t`` and U+1DC0) made Coq declare another name while the
    term and assumptions prints named a decoy ``Definition t`` of the header. With nothing
    at the full name beforehand, those prints (by full name after the closings) fail unless
    Coq declared ``name``; that the statement declares nothing else rests on its reading
    (:func:`~prover.backends.coq.kernel_bugs.target_refusal` requires one declaration, of
    ``name``: round twenty-two's ``Derive f SuchThat ... As h.`` declared two). ``Check``
    answers for any term, a notation included: whatever answers makes the guard, and coqc,
    fail."""
    modules = [block.name for block in open_blocks(header) if block.module]
    return f"Fail Check {'.'.join([library, *modules, name])}."


def theorem_path(header: str, library: str, name: str, marker: str = PLACEMENT_MARKER) -> str:
    """The full name, once every block is closed, of theorem ``name`` after ``header``: the
    library, the modules the header leaves open (sections do not qualify), the name; a
    functor is replaced by its instance (:func:`placed_closings`), where the theorem's copy
    is defined."""
    modules = [
        f"{INSTANCE_MODULE}{_suffix(marker)}" if block.functor else block.name
        for block in open_blocks(header)
        if block.module
    ]
    return ".".join([library, *modules, name])


def functor_arguments_prefix(header: str, library: str, marker: str) -> str | None:
    """How the names of the functor arguments' fields that the checked file declares start
    (coqchk lists them, and they are the theorem's parameters), or None without a functor."""
    functors = [item for item in _pathed_blocks(header, library) if item.block.functor]
    if not functors:
        return None
    return arguments_prefix(functors[-1].path, _suffix(marker))
