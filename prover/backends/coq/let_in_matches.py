"""Library types whose constructors hold let-ins: a proof term may not name them (coq/coq#22378).

Coq 8.16.1's kernel and coqchk alike compare the branches of two ``match`` expressions
under the constructor's context, and when that context holds let-ins they read every
variable bound *outside* the match that many places too far out in the relevance table
(``convert_under_context``; fixed upstream by rocq-prover/rocq#22379). Six irrelevant
(SProp) binders between two ``nat`` variables ``x``, ``y`` and a match on a type whose
constructor has six let-in fields make ``x`` and ``y`` read as irrelevant, so ``eq_refl``
proves two functions returning ``x`` and ``y`` equal, hence ``0 = 1``. Requests may
declare no inductive type (:data:`prover.interactive.headers.coq.INDUCTIVE_TYPE_REFUSAL`),
but red-team round twenty-six found that the standard library has one such type: the
``Structure ConstructiveReals`` (six manifest fields) of ``Coq.Reals.Abstract.
ConstructiveReals``, loaded by ``Require Import Reals`` (every miniF2F-Coq header) and by
``Lra``, with a closed value, ``CRealConstructive``. One admitted tactic, ``exact
(f_equal ... (eq_refl : (fun x y s1 ... s6 i => match i with ... => x end) = ...))``,
proved ``0 = 1`` past coqc and coqchk on every route.

The default checker carries the upstream fix (:data:`~prover.backends.coq.config.
FIXED_COQCHK`); this rule is the layer in front of it, and the only one when the stock
coqchk is configured. :func:`let_in_type_problem` refuses a printed proof term that names
such a type or its constructor: under ``Printing All`` (with the
match default clause off, :data:`~prover.backends.coq.term_reading.PRINT_WHOLE_TERMS`) a
``match`` prints its constructor in every branch pattern. The list is a census, not a
proof: :data:`LET_IN_TYPES` holds every inductive type with a let-in in a constructor
that a scan of the installed sources found (``tests/prover/backends/coq/
test_let_in_matches.py`` repeats the scan over the standard library; mathcomp's mixins
have let-in *parameters*, which are not part of a branch's context). Names are matched as
whole identifiers with any qualifier, so a user's ``ConstructiveReals`` refuses too (fail
closed).
"""

from __future__ import annotations

import re

__all__ = ["LET_IN_TYPES", "let_in_type_problem"]

LET_IN_TYPES: dict[str, tuple[str, ...]] = {
    "Coq.Reals.Abstract.ConstructiveReals.ConstructiveReals": ("Build_ConstructiveReals",),
}
"""Full name of each library type whose constructor context holds let-ins -> its
constructors."""

_NAMES = sorted(
    {full.rsplit(".", 1)[-1] for full in LET_IN_TYPES}
    | {constructor for constructors in LET_IN_TYPES.values() for constructor in constructors}
)
_MENTION = re.compile(rf"(?<![\w'])(?:{'|'.join(map(re.escape, _NAMES))})(?![\w'])")


def let_in_type_problem(text: str, what: str) -> str | None:
    """Why a printed term (``what`` names it) may not count: it names a type of
    :data:`LET_IN_TYPES` or one of its constructors; or None."""
    match = _MENTION.search(text)
    if match is None:
        return None
    return (
        f"the {what} names {match.group()!r}, a library type whose constructor holds "
        "let-ins: Coq 8.16.1's kernel and coqchk misjudge a match on it under outer binders "
        "(coq/coq#22378), which proves false statements, so such proofs are not counted"
    )
