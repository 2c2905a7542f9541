"""The kernel checker's context summary (``coqchk -o``): a fail-closed parser and the axiom policy.

``coqchk -silent -o -Q DIR Lib -norec Lib.File`` re-checks the compiled proof file with
Coq's kernel checker and prints on stderr, for the whole environment the file loads,
every assumption by its **fully qualified** name::

    CONTEXT SUMMARY
    ===============

    * Theory: Set is predicative

    * Axioms:
        Coq.Logic.Classical_Prop.classic

    * Constants/Inductives relying on type-in-type: <none>

    * Constants/Inductives relying on unsafe (co)fixpoints: <none>

    * Inductives whose positivity is assumed: <none>

An axiom the header declares, a lemma it admits, a ``Context``/``Variable`` outside a
section, and a home-made ``Module Classical_Prop`` all appear under the checked
library's own name (``Lib.File.classic``), so no short name can pass for a standard
axiom. ``#[bypass_check(...)]``, ``Unset Guard Checking``, ``Unset Positivity
Checking`` and ``Unset Universe Checking`` put the affected constants in the last
three sections. :func:`parse_context_summary` accepts only that exact layout
(blank lines aside); :func:`summary_problem` allows only the names listed here.

The summary is global: an assumption anywhere in the header rejects the proof even
if the theorem does not use it. That is the fail-closed choice (per-theorem
``Print Assumptions`` prints shortened, ambiguous names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "ALLOWED_AXIOMS",
    "SEALED_LIBRARY_FIELDS",
    "ContextSummary",
    "parse_context_summary",
    "reported_axioms",
    "summary_problem",
]

# The axioms the standard library's real numbers rest on (Coq 8.16.1): `Require Import
# Reals`, alone or with Lra, Psatz, QArith, ZArith or Coquelicot, loads exactly the first
# four. Three more standard-library axioms are loaded by miniF2F-Coq headers (the global
# summary lists them for every proof of those entries, used or not): Sets.Ensembles
# (8 entries), ClassicalEpsilon (1) and ClassicalDescription (1). All seven hold in the
# usual set-theoretic model of Coq, so together they cannot prove False. An eighth,
# Eqdep's uniqueness of identity proofs (eq_rect_eq, also true in that model), is what
# CoqHammer's reconstruction tactics load (Hammer.Tactics requires Program.Equality), so a
# prelude with `From Hammer Require Import Hammer.` can pass. Nothing else is allowed: not
# propositional extensionality or proof irrelevance (nothing we load needs them), and no
# header's own axiom (amc12a_2016_p3).
ALLOWED_AXIOMS = frozenset(
    {
        "Coq.Reals.ClassicalDedekindReals.sig_forall_dec",
        "Coq.Reals.ClassicalDedekindReals.sig_not_dec",
        "Coq.Logic.FunctionalExtensionality.functional_extensionality_dep",
        "Coq.Logic.Classical_Prop.classic",
        "Coq.Sets.Ensembles.Extensionality_Ensembles",
        "Coq.Logic.ClassicalEpsilon.constructive_indefinite_description",
        "Coq.Logic.Description.constructive_definite_description",
        "Coq.Logic.Eqdep.Eq_rect_eq.eq_rect_eq",
    }
)

# With -norec, coqchk takes the libraries' compiled interfaces as given. The standard
# library has exactly three modules sealed by an opaque signature (``Module M : SIG``),
# the installed mathcomp (ssreflect, fingroup, algebra) twelve; their fields are *defined*
# in the library, but through the admitted signature coqchk can only see them as assumed,
# so it lists them as axioms (rocq-prover/rocq#5030). A full recursive check lists none of
# them: ~2 minutes for Reals; 63 s for `From mathcomp Require Import all_ssreflect
# all_algebra.` with coqchk-fixed, which also follows what sealed implementations assume
# (2026-12-05: `Axioms: <none>`). They are matched here exactly, field by field, as the
# signatures declare them (tests/prover/backends/coq/test_assumptions.py re-reads them).
_SEALED_MODULES: dict[str, tuple[str, ...]] = {
    # theories/Reals/Rdefinitions.v: Module RbaseSymbolsImpl : RbaseSymbolsSig.
    "Coq.Reals.Rdefinitions.RbaseSymbolsImpl": (
        "R", "Rabst", "Rrepr", "Rquot1", "Rquot2", "R0", "R1", "Rplus", "Rmult", "Ropp",
        "Rlt", "R0_def", "R1_def", "Rplus_def", "Rmult_def", "Ropp_def", "Rlt_def",
    ),
    # theories/Reals/Rdefinitions.v: Module RinvImpl : RinvSig.
    "Coq.Reals.Rdefinitions.RinvImpl": ("Rinv", "Rinv_def"),
    # theories/ssr/ssrunder.v: Module Export Under_rel : UNDER_REL.
    "Coq.ssr.ssrunder.Under_rel": (
        "Under_rel", "Under_rel_from_rel", "Under_relE", "Over_rel", "over_rel",
        "over_rel_done", "under_rel_done",
    ),
    "mathcomp.ssreflect.tuple.FinTuple": ("enum", "enumP", "size_enum"),
    "mathcomp.ssreflect.finfun.FinfunDef": ("finfun", "finfunE"),
    "mathcomp.ssreflect.bigop.BigOp": ("bigop", "bigopE"),
    "mathcomp.ssreflect.fintype.Finite.EnumDef": ("enum", "enumDef"),
    "mathcomp.ssreflect.fintype.CardDef": ("card", "cardEdef"),
    "mathcomp.ssreflect.fintype.SubsetDef": ("subset", "subsetEdef"),
    "mathcomp.ssreflect.finset.SetDef": ("finset", "pred_of_set", "finsetE", "pred_of_setE"),
    "mathcomp.ssreflect.finset.Imset": ("imset", "imset2", "imsetE", "imset2E"),
    "mathcomp.ssreflect.generic_quotient.Pi": ("f", "E"),
    "mathcomp.ssreflect.generic_quotient.MPi": ("f", "E"),
    "mathcomp.ssreflect.generic_quotient.Repr": ("f", "E"),
    "mathcomp.fingroup.perm.PermDef": ("fun_of_perm", "perm", "fun_of_permE", "permE"),
}  # fmt: skip
SEALED_LIBRARY_FIELDS = frozenset(
    f"{module}.{field}" for module, fields in _SEALED_MODULES.items() for field in fields
)

_SECTIONS = (
    ("axioms", "Axioms"),
    ("type_in_type", "Constants/Inductives relying on type-in-type"),
    ("unsafe_fixpoints", "Constants/Inductives relying on unsafe (co)fixpoints"),
    ("assumed_positivity", "Inductives whose positivity is assumed"),
)
_PREAMBLE = ("CONTEXT SUMMARY", "===============", "* Theory: Set is predicative")
_IDENTIFIER = r"[^\W\d][\w']*"
_ITEM = re.compile(rf"    ({_IDENTIFIER}(?:\.{_IDENTIFIER})*)")


@dataclass(frozen=True, kw_only=True)
class ContextSummary:
    """The four lists of a coqchk context summary, fully qualified names in printed order."""

    axioms: tuple[str, ...]
    type_in_type: tuple[str, ...]
    unsafe_fixpoints: tuple[str, ...]
    assumed_positivity: tuple[str, ...]


def _section_lines(lines: list[str]) -> list[tuple[str, list[str]]] | str:
    """Group the lines after the preamble by section header; a reason string if malformed."""
    groups: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.startswith("* "):
            groups.append((line, []))
        elif groups and _ITEM.fullmatch(line):
            groups[-1][1].append(line.strip())
        else:
            return f"unexpected line {line[:120]!r}"
    return groups


def parse_context_summary(stderr: str) -> ContextSummary | str:
    """Parse coqchk's summary; a reason string for anything not exactly understood."""
    lines = [line.rstrip() for line in stderr.splitlines() if line.strip()]
    if tuple(lines[: len(_PREAMBLE)]) != _PREAMBLE:
        return f"the summary does not start with {' / '.join(_PREAMBLE)!r}"
    groups = _section_lines(lines[len(_PREAMBLE) :])
    if isinstance(groups, str):
        return groups
    if len(groups) != len(_SECTIONS):
        return f"expected {len(_SECTIONS)} sections, found {len(groups)}"
    values: dict[str, tuple[str, ...]] = {}
    for (field, title), (header, items) in zip(_SECTIONS, groups, strict=True):
        if header == f"* {title}: <none>" and not items:
            values[field] = ()
        elif header == f"* {title}:" and items:
            values[field] = tuple(items)
        else:
            return f"unexpected section {header[:120]!r} with {len(items)} names"
    return ContextSummary(**values)


def reported_axioms(names: tuple[str, ...], *, parameters: str | None) -> tuple[str, ...]:
    """``names`` (coqchk's axioms) without what is no axiom of the proof: the fields of a
    sealed library module (definitions ``-norec`` cannot see through) and, with
    ``parameters`` (a prefix ending in '.'), the functor arguments the checked file declares."""
    return tuple(
        name
        for name in names
        if name not in SEALED_LIBRARY_FIELDS
        and not (parameters is not None and name.startswith(parameters))
    )


def summary_problem(summary: ContextSummary, *, parameters: str | None = None) -> str | None:
    """Why the checked environment is not acceptable, or None.

    Any constant relying on type-in-type, an unsafe (co)fixpoint or assumed positivity
    rejects; so does every axiom that is neither in :data:`ALLOWED_AXIOMS` nor a field
    of a sealed stdlib or mathcomp module (:data:`SEALED_LIBRARY_FIELDS`) nor, with
    ``parameters`` (a prefix ending in '.'), a field of the functor arguments the checked
    file declares (:mod:`prover.backends.coq.functor_instance`).
    """
    unsafe = (
        ("relying on type-in-type", summary.type_in_type),
        ("relying on unsafe (co)fixpoints", summary.unsafe_fixpoints),
        ("whose positivity is assumed", summary.assumed_positivity),
    )
    for label, names in unsafe:
        if names:
            return f"the kernel checker lists constants {label}: {', '.join(names)}"
    disallowed = [
        name
        for name in reported_axioms(summary.axioms, parameters=parameters)
        if name not in ALLOWED_AXIOMS
    ]
    if disallowed:
        return f"the proof's environment assumes disallowed axioms: {', '.join(disallowed)}"
    return None
