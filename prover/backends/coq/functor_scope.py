"""What a functor theorem's proof sees in the body, replayed for its copy at the file's end.

The copy of a functor theorem is proved at the end of the user's file in an instance of the
functor (:mod:`prover.backends.coq.functor_copy`). Importing the instance gives the proof
the body's declarations, but not what the body did to its own scope: the modules it
imported (``Module Import Dec := WDecide_fun E M.`` gives the stdlib's ``fsetdec``), its
tactics (an ``Ltac`` of a functor's body is not the instance's), its local hints,
notations and scopes. Those sentences, where the theorem sees them (not inside a module
the body closed before it), are replayed around the instance's import:

* imports first, in the body's order, before the instance is imported, so that the body's
  declarations shadow what they import, as they do in the body when they follow the
  imports (``Import M.`` then ``Definition for_all``, FSetBridge); a module the body
  declares is named through the instance (``Import Lib.<instance>.Dec.``);
* tactics, hints, notations (a section's ``Notation Inf := ...``, MSetList) and scopes
  after it, since they name the body's declarations; not one that names a section
  variable (FMapWeakList's ``Notation MapsTo := (MapsTo (elt:=elt))``: the variables
  exist only inside the copy's proof, which introduces them) or a section's ``Let``
  (MSetWeakList's ``Hint Resolve eqr``: the instance holds no such constant).

The replay only helps an honest proof run: the copy's statement is the instance's theorem's
own type, the meeting is printed exactly and its assumptions are read, so a replayed
sentence that reads otherwise at the file's end makes the proof fail, not pass.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from prover.backends.coq.blocks import OpenBlock
from prover.backends.coq.sentences import CoqSentence

__all__ = ["FunctorScope", "functor_scope"]

_ATTRIBUTES = r"(?:#\[[^\]]*\]\s*)*"
_NAME = r"[A-Za-z_][\w']*"
#: ``Module X := ...``, ``Module Import X.``, ``Declare Module Export X : S.``: declares X.
_MODULE = re.compile(
    rf"^{_ATTRIBUTES}(?:Declare\s+)?Module\s+(?!Type\s)(?:(Import|Export)\s+)?({_NAME})(?![\w'])"
)
#: ``Import A B.``, ``Export A.B.``, with a locality or attributes.
_IMPORT = re.compile(
    rf"^({_ATTRIBUTES}(?:(?:Local|Global)\s+)?(?:Import|Export))\s+"
    rf"((?:{_NAME}(?:\.{_NAME})*\s*)+)\.$"
)
#: Tactics, hints, notations and scopes, which name the body's declarations.
_AFTER = re.compile(
    rf"^{_ATTRIBUTES}(?:(?:Local|Global|Export)\s+)?"
    r"(?:Open\s+Scope|Ltac|Hint|Create\s+HintDb|(?:Reserved\s+|Tactic\s+)?Notation|Infix)\s"
)


#: A section's variables: ``Variable x y : T.``, ``Hypothesis H : P.``, ``Context {A : Type}``.
_VARIABLES = re.compile(
    rf"^{_ATTRIBUTES}(?:Variables?|Hypothes[ie]s|Parameters?|Axioms?|Context)\s+(?P<binders>.*)$",
    re.DOTALL,
)
#: A section's local definition, which the instance does not hold either.
_LET = re.compile(rf"^{_ATTRIBUTES}Let\s+(?:Fixpoint\s+|CoFixpoint\s+)?({_NAME})(?![\w'])")
_BINDER_NAMES = re.compile(rf"(?:^|[(\[{{])\s*((?:{_NAME}\s+)*{_NAME})\s*:(?!=)")
_WORD = re.compile(rf"{_NAME}")


@dataclass(frozen=True, kw_only=True)
class FunctorScope:
    """The sentences replayed before the instance's import and after it."""

    before: tuple[str, ...]
    after: tuple[str, ...]


def functor_scope(
    visible: Sequence[tuple[int, CoqSentence]], inside: Sequence[OpenBlock], instance: str
) -> FunctorScope:
    """The replay of ``visible`` (the body's sentences the theorem sees, with their depth:
    :func:`~prover.backends.coq.blocks.visible_sentences`), ``inside`` being the blocks
    open inside the functor (depth 1, 2, ...) and ``instance`` the instance's full name."""
    declared: dict[str, str] = {}  # a module the body declares -> its path in the instance
    variables: set[str] = set()  # the open sections' variables and local definitions
    before: list[str] = []
    after: list[str] = []
    for depth, sentence in visible:
        code = sentence.code
        in_section = any(not block.module for block in inside[:depth])
        local = _LET.match(code) if in_section else None
        if local is not None:
            variables.add(local.group(1))
            continue
        binders = _VARIABLES.match(code) if in_section else None
        if binders is not None:
            variables.update(
                word for group in _BINDER_NAMES.findall(binders.group("binders"))
                for word in group.split()
            )  # fmt: skip
            continue
        module = _MODULE.match(code)
        if module is not None:
            path = _instance_path(instance, inside[:depth], module.group(2))
            if module.group(1):
                before.append(f"{module.group(1)} {path}.")
            declared.setdefault(module.group(2), path)
            continue
        imported = _IMPORT.match(code)
        if imported is not None:
            names = [_through(declared, name) for name in imported.group(2).split()]
            before.append(f"{imported.group(1)} {' '.join(names)}.")
        elif _AFTER.match(code) and not variables.intersection(_WORD.findall(code)):
            after.append(code)  # not one naming a section variable, unknown at the file's end
    return FunctorScope(before=tuple(before), after=tuple(after))


def _instance_path(instance: str, enclosing: Sequence[OpenBlock], name: str) -> str:
    """The full name in the instance of module ``name`` declared inside ``enclosing``
    (sections do not qualify)."""
    return ".".join([instance, *(block.name for block in enclosing if block.module), name])


def _through(declared: dict[str, str], name: str) -> str:
    """``name`` (an imported module's, maybe qualified) through the instance when its first
    part is a module the body declares, as it is."""
    first, _, rest = name.partition(".")
    path = declared.get(first)
    if path is None:
        return name
    return f"{path}.{rest}" if rest else path
