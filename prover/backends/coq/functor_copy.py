"""A functor theorem's proof checked on a copy at the end of the user's unchanged file.

Outside functors the prover's proof is checked on a copy of the theorem at the end of the
user's unchanged file, met with the theorem's own type there, so that the proof's universe
constraints meet every constraint the whole file puts on the theorem
(:mod:`prover.backends.coq.file_with_proof`, :mod:`prover.backends.coq.section_copy`).
Inside a functor the theorem has no constant at the file's end, so until 2026-12-05 the
proof took the place of the file's own there, and a file that branched on the constraints
had a refuted theorem recorded proved: the body's ``T : forall X : Type, exists Y : Type, X
= Y`` admitted, a second functor applying the first and refuting ``T`` with Hurkens'
paradox under ``first [ paradox | exact I ]`` (the known gap of round fifty-two, reproduced
for functors by the lead). Now, as for sections, the file is compiled unchanged and:

* right before the functor's opening (the scope its parameters' types are read in: after
  the functor's ``End`` a ``Require`` inside its body may have changed what a path names,
  red-team round seventy-two) comes a module type of a fresh name that declares one module
  per parameter, with the parameter's own type text (:func:`signature_sentences`), which
  must be a plain module type path, applied to module paths at most: any term there (round
  seventy-one's ``with Definition t := ltac:(...)``) would be elaborated again and could
  add a universe constraint the rest of the file branches on. Read again, such a type is a
  name lookup, and a module type takes no effect until something of that type is
  declared, so the functor and the rest of the file run as the user's;
* at the file's end a module of that type is declared, the functor is applied to its
  modules, and a copy whose statement is the instance's theorem's own type (``type of``:
  the body's universe levels, which an application shares, with every constraint the whole
  file put on them) is proved by the prover's proof in a module that imports the
  arguments and the instance, so the proof reads its names as in the body
  (:func:`appended_copy`). The copy is then met with the instance's theorem as everywhere
  else (:func:`~prover.backends.coq.file_with_proof.meeting_at_end`).

The copy's assumptions may name the declared arguments' fields (the functor's parameters,
which the theorem is proved under), under the fresh name no file can know, and nothing
else beyond the allowed axioms. A theorem in a sealed functor or module (``Module F (X :
S) : SIG.``) is refused before (:mod:`prover.backends.coq.name_resolution`): outside it the
theorem has the signature's type, which may be weaker (red-team round sixty-eight).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from prover.backends.coq.blocks import OpenBlock, open_blocks, outermost_functor, visible_sentences
from prover.backends.coq.file_with_proof import CopyMarks
from prover.backends.coq.functor_instance import FunctorParameter, functor_parameters
from prover.backends.coq.functor_scope import FunctorScope, functor_scope
from prover.backends.coq.section_copy import typed_copy
from prover.backends.coq.whole_file import Question, Refused

#: A parameter type the signature may write again: a module type's path, applied to module
#: paths (``WSfun E``), and nothing else: no ``with Definition``, no term (red-team round
#: seventy-one's ``with Definition t := ltac:(...)`` added a universe constraint when read
#: again after the functor, and the rest of the file branched on it).
_PATH = r"[A-Za-z_][\w']*(?:\.[A-Za-z_][\w']*)*"
_PLAIN_TYPE = re.compile(rf"{_PATH}(?:\s+{_PATH})*")

__all__ = [
    "FunctorPlace",
    "appended_copy",
    "arguments_prefixes",
    "functor_place",
    "instance_at_end",
    "instance_path",
    "signature_sentences",
]


@dataclass(frozen=True, kw_only=True)
class FunctorPlace:
    """Where a functor theorem sits: the outermost functor's full path (library, modules,
    functor), its parameters, the modules inside it that hold the theorem, where the
    functor's opening sentence starts in the header, and the body's scope to replay."""

    functor_path: tuple[str, ...]
    parameters: tuple[FunctorParameter, ...]
    inner: tuple[str, ...]
    opening: int
    scope: FunctorScope


def functor_place(question: Question, *, copy: str) -> FunctorPlace | Refused:
    """The place of the theorem in its outermost enclosing functor, read from the header's
    open blocks, or why it is refused; ``copy`` names the copy (and the instance,
    ``<copy>Instance``, that the body's scope is replayed through)."""
    blocks = open_blocks(question.header)
    found = _outermost_functor(blocks, question)
    if isinstance(found, Refused):
        return found
    outermost, parameters = found
    functor = blocks[outermost]
    visible = visible_sentences(question.header[functor.end :])
    if visible is None:
        return Refused("the blocks inside the functor holding the theorem were not read")
    inside = blocks[outermost + 1 :]
    return FunctorPlace(
        functor_path=(
            question.library,
            *(block.name for block in blocks[:outermost] if block.module),
            functor.name,
        ),
        parameters=parameters,
        inner=tuple(block.name for block in inside if block.module),
        opening=functor.start,
        scope=functor_scope(visible, inside, f"{question.library}.{copy}Instance"),
    )


def _outermost_functor(
    blocks: list[OpenBlock], question: Question
) -> tuple[int, tuple[FunctorParameter, ...]] | Refused:
    """The index of the outermost open functor and its parameters, or why the theorem is
    not checked in its instance: no functor, unread parameters, a module type or second
    functor inside it."""
    outermost = outermost_functor(blocks)
    if outermost is None:
        return Refused("the functor holding the theorem was not found")
    functor = blocks[outermost]
    parameters = functor_parameters(functor.binders)
    if not parameters:
        return Refused(f"the parameters of the functor {functor.name!r} were not read")
    if any(block.signature or block.functor for block in blocks[outermost + 1 :]):
        return Refused("the theorem is in a module type or a second functor inside the functor")
    texts = (parameter.type_text for parameter in parameters)
    written = next((text for text in texts if not _PLAIN_TYPE.fullmatch(text)), None)
    if written is not None:
        return Refused(
            f"a parameter type of the functor {functor.name!r} is not a plain module type "
            f"({written[:80]!r}): written again after the functor, it could run terms, so "
            "the copy at the file's end is not built"
        )
    return outermost, parameters


def signature_sentences(place: FunctorPlace, copy: str) -> str:
    """The module type placed right before the functor's opening: one declared module per
    parameter, with the parameter's own type text, read in the scope the functor's opening
    reads it in (a later parameter's type may name an earlier parameter, declared just
    above, and is read as the binder reads it: no parameter is imported here)."""
    lines = [
        f"Module Type {copy}Signature.",
        # Without the binder's ``Import`` (round seventy-three: the copy then used the
        # axiom of an ``X.T`` that the functor's next binder did not read).
        *(parameter.declaration() for parameter in place.parameters),
        f"End {copy}Signature.",
    ]
    return "\n" + "\n".join(lines) + "\n"


def instance_path(place: FunctorPlace, copy: str, name: str) -> str:
    """The full name of the theorem in the functor's instance at the file's end."""
    return ".".join([place.functor_path[0], f"{copy}Instance", *place.inner, name])


def arguments_prefixes(library: str, copy: str) -> tuple[str, ...]:
    """How the declared arguments' fields may be printed in the copy's assumptions (by a
    name under the fresh arguments module, which no file can declare)."""
    arguments = f"{copy}Arguments."
    return (arguments, f"{library}.{arguments}")


def instance_at_end(place: FunctorPlace, copy: str) -> list[str]:
    """The declared arguments and the functor applied to them, at the file's end."""
    signature = ".".join([*place.functor_path[:-1], f"{copy}Signature"])
    applied = " ".join(f"{copy}Arguments.{parameter.name}" for parameter in place.parameters)
    return [
        f"Declare Module {copy}Arguments : {signature}.",
        f"Module {copy}Instance := {'.'.join(place.functor_path)} {applied}.",
    ]


def appended_copy(
    place: FunctorPlace, question: Question, *, variables: Sequence[str],
    proof: Sequence[str], marks: CopyMarks,
) -> str | Refused:  # fmt: skip
    """What is appended to the user's file (after ``Locate``'s answers): the arguments and
    the instance, then, in a module that imports them, a copy with the instance's theorem's
    own type, proved after introducing ``variables`` (the section variables the theorem
    takes, if any) and the statement's binders before its colon by ``proof`` (the prover's
    sentences after its own opening), then the meeting at the top level."""
    copy = marks.copy
    library = place.functor_path[0]
    instance = f"{library}.{copy}Instance"
    imported = [
        f"Import {'.'.join([instance, *place.inner[: depth + 1]])}."
        for depth in range(len(place.inner))
    ]
    scope = [
        *instance_at_end(place, copy),
        f"Module {copy}Replay.",
        f"Import {library}.{copy}Arguments.",
        *(
            f"{parameter.importing} {library}.{copy}Arguments.{parameter.name}."
            for parameter in place.parameters
            if parameter.importing
        ),
        *place.scope.before,
        f"Import {instance}.",
        *imported,
        *place.scope.after,
    ]
    full = instance_path(place, copy, question.name)
    appended = typed_copy(
        full, variables, statement=question.statement, proof=proof, scope=scope,
        copied=f"{library}.{copy}Replay.{copy}", marks=marks, closing=[f"End {copy}Replay."],
    )  # fmt: skip
    return appended or Refused("the binders the statement writes before its colon were not read")
