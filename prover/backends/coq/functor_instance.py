"""Checking a theorem inside a functor through an instance of that functor.

coqchk's context summary covers what the compiled file defines, and a functor's body is
not defined until the functor is applied: ``Module F (X : S). Axiom ax : 1 = 2.`` before
the theorem went unlisted (red-team round sixteen), so theorems inside functors were
refused. An application is defined: the checked file declares one module per parameter,
in a module of its own right after the functor's ``End`` (the scope where the parameter
types were written), and applies the functor to them::

    End F.
    Module ProverCheckArguments_<nonce>.
    Declare Module Import E : DecidableType.
    Declare Module M : WSfun E.
    End ProverCheckArguments_<nonce>.
    Module ProverCheckInstance_<nonce> := ProverCheck.Checked.F
      ProverCheck.Checked.ProverCheckArguments_<nonce>.E
      ProverCheck.Checked.ProverCheckArguments_<nonce>.M.

The instance holds a copy of every constant of the body, so coqchk lists the body's
axioms, admitted lemmas, declared modules, included signatures and unsafe fixpoints under
``...ProverCheckInstance_<nonce>``, where they refuse as any header assumption does; the
theorem's ``Print Assumptions`` (for sealed modules, which coqchk misses) names the
instance's copy. The declared arguments' fields are the functor's parameters, the
hypotheses the theorem is proved under (as a section's variables are), so coqchk's summary
may list those, and only those: every name under the arguments module (whose name no
header can write, :data:`~prover.backends.coq.blocks.PLACEMENT_MARKER`'s reserved prefix,
with the verification's nonce).

Only what can be read with certainty is instantiated: one functor among the open blocks
(a functor inside a functor stays refused: the inner body would be listed only once the
outer instance's inner functor is applied too) whose binders are each ``([Import|Export]
NAME ... : TYPE)``, copied as they are; anything else keeps the refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "ARGUMENTS_MODULE",
    "INSTANCE_MODULE",
    "FunctorParameter",
    "arguments_prefix",
    "functor_parameters",
    "instance_sentences",
]

ARGUMENTS_MODULE = "ProverCheckArguments"
"""The module that declares the functor's arguments (plus the verification's nonce)."""
INSTANCE_MODULE = "ProverCheckInstance"
"""The functor's instance whose copy of the theorem is inspected (plus the nonce)."""

_NAME = r"[A-Za-z_][\w']*"
_BINDER = re.compile(
    rf"\(\s*(?:(?P<import>Import|Export)\s+)?(?P<names>{_NAME}(?:\s+{_NAME})*)\s*:"
    r"(?P<type>.*)\)",
    re.DOTALL,
)
_KEYWORDS = frozenset({"Import", "Export", "Type", "with", "Definition", "Module"})
_CLOSING = {")": "(", "]": "[", "}": "{"}


@dataclass(frozen=True, kw_only=True)
class FunctorParameter:
    """One functor parameter: its name, the ``Import``/``Export`` word or "", its type text."""

    name: str
    importing: str
    type_text: str

    def declaration(self) -> str:
        """The ``Declare Module`` sentence that stands for the parameter, without the
        binder's ``Import``: a functor's binder does not import for the binders after it,
        while a declaration would (red-team round seventy-three: ``(Import X : S) (Y : T)``
        read ``T`` as ``X.T`` after ``Declare Module Import X : S.``)."""
        return f"Declare Module {self.name} : {self.type_text}."


def functor_parameters(binders: str) -> tuple[FunctorParameter, ...] | None:
    """The parameters written in ``binders`` (a functor opening's text between its name and
    its ascription or final '.'), or None unless every group is a plain binder."""
    groups = _top_level_groups(binders)
    if not groups or '"' in binders:
        return None
    parameters: list[FunctorParameter] = []
    for group in groups:
        match = _BINDER.fullmatch(group)
        if match is None:
            return None
        type_text = " ".join(match.group("type").split())
        names = match.group("names").split()
        if not type_text or type_text.startswith("=") or any(n in _KEYWORDS for n in names):
            return None
        importing = match.group("import") or ""
        parameters.extend(
            FunctorParameter(name=n, importing=importing, type_text=type_text) for n in names
        )
    return tuple(parameters)


def _top_level_groups(text: str) -> list[str] | None:
    """The bracketed groups ``(...)`` that make up ``text``, or None if anything else is there
    (text between groups, unbalanced brackets)."""
    groups: list[str] = []
    stack: list[str] = []
    start = 0
    for position, character in enumerate(text):
        if not stack and character != "(":
            if not character.isspace():
                return None
            continue
        if character in "([{":
            if not stack:
                start = position
            stack.append(character)
        elif character in _CLOSING:
            if not stack or stack.pop() != _CLOSING[character]:
                return None
            if not stack:
                groups.append(text[start : position + 1])
    return None if stack else groups


def instance_sentences(
    parameters: tuple[FunctorParameter, ...], functor_path: list[str], suffix: str
) -> list[str]:
    """The sentences after the functor's ``End`` that declare its arguments and apply it.

    ``functor_path`` is the functor's full name as a list (library, modules, functor);
    ``suffix`` the verification's nonce (may be empty outside verification)."""
    parent = functor_path[:-1]
    arguments = f"{ARGUMENTS_MODULE}{suffix}"
    applied = " ".join(".".join([*parent, arguments, p.name]) for p in parameters)
    return [
        f"Module {arguments}.",
        *(parameter.declaration() for parameter in parameters),
        f"End {arguments}.",
        f"Module {INSTANCE_MODULE}{suffix} := {'.'.join(functor_path)} {applied}.",
    ]


def arguments_prefix(functor_path: list[str], suffix: str) -> str:
    """How the full names of the declared arguments' fields start (coqchk lists them)."""
    return ".".join([*functor_path[:-1], f"{ARGUMENTS_MODULE}{suffix}"]) + "."
