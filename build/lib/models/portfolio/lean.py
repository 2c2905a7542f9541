"""The Lean 4 (Mathlib) vocabulary of the portfolio: tactics instantiated from one goal.

There is no Lean toolchain on the machine that measured the Coq priors, so the
Lean priors in :data:`LEAN_PRIORS` are hand-set. They are rough success-rate
guesses on miniF2F root goals, ordered after common experience with Mathlib
automation: ``norm_num``/``nlinarith``/``linarith`` close the most competition
goals, ``omega`` and ``decide`` only apply to integer or closed goals (they are only
proposed there, so their conditional rate is higher), ``aesop``/``tauto`` rarely
close arithmetic goals. Structural steps get the same fixed priors as in Coq
(log 0.5 for safe introductions and case splits, log 0.1 for rewriting, lower for
speculative steps). Measure them with a Lean backend before trusting the order.
"""

from __future__ import annotations

import itertools
import math
import re

from models.portfolio.text import (
    Proposal,
    fresh_name,
    mentions,
    split_top_level,
    split_unless_bound,
    strip_outer_parentheses,
)
from search.states import Goal

__all__ = ["LEAN_PRIORS", "lean_proposals"]

LEAN_PRIORS: dict[str, float] = {
    # closing automation (hand-set success-rate guesses, see the module docstring)
    "norm_num": math.log(0.12),
    "norm_num [hypotheses]": math.log(0.10),
    "nlinarith+hints": math.log(0.09),
    "nlinarith": math.log(0.08),
    "linarith": math.log(0.07),
    "omega": math.log(0.10),
    "decide": math.log(0.08),
    "simp_all": math.log(0.05),
    "simp": math.log(0.04),
    "positivity": math.log(0.05),
    "field_simp": math.log(0.03),
    "ring_nf": math.log(0.03),
    "ring": math.log(0.04),
    "rfl": math.log(0.02),
    "aesop": math.log(0.03),
    "tauto": math.log(0.01),
    "exact-hypothesis": math.log(0.5),
    "interval_cases": math.log(0.08),
    # structural steps (fixed priors, as for Coq)
    "intro": math.log(0.5),
    "rcases-and": math.log(0.5),
    "rcases-exists": math.log(0.5),
    "rcases-or": math.log(0.1),
    "constructor": math.log(0.3),
    "left": math.log(0.05),
    "right": math.log(0.05),
    "subst": math.log(0.2),
    "rw": math.log(0.1),
    "rw<-": math.log(0.03),
}

_NUMBER_TYPES = ("ℝ", "ℕ", "ℤ", "ℚ", "ℂ")
_BINDERS = ("∀", "∃", "fun ", "λ")
_IDENTIFIER = re.compile(r"[^\W\d][\w'.₀-₉!?]*")
_MASKS = ((":=", "\x01\x01"),)
_RELATION = re.compile(r"[=<>≤≥≠∣∧∨¬↔→]|\bTrue\b|\bFalse\b")


def _top_split(text: str, operator: str) -> list[str]:
    """Split at a top-level ``operator`` unless ``text`` starts with a binder."""
    return split_unless_bound(text, operator, binders=_BINDERS, masks=_MASKS)


class _Context:
    """Variables (by type), proposition hypotheses and the conclusion of one goal."""

    def __init__(self, goal: Goal) -> None:
        self.conclusion = strip_outer_parentheses(goal.conclusion)
        pairs = [(name, h.type.strip()) for h in goal.hypotheses for name in h.names]
        self.taken = {name for name, _ in pairs}
        self.facts = [(name, kind) for name, kind in pairs if _RELATION.search(kind)]
        self.variables = {name: kind for name, kind in pairs if kind in _NUMBER_TYPES}
        everything = " ".join([self.conclusion, *(kind for _, kind in pairs)])
        self.integers = bool({"ℕ", "ℤ"} & set(self.variables.values())) or "ℕ" in everything
        self.integers = self.integers or "ℤ" in everything or "%" in everything

    def of_type(self, *kinds: str) -> list[str]:
        """Variable names whose type is one of ``kinds``, in order."""
        return [name for name, kind in self.variables.items() if kind in kinds]


def _hint_terms(context: _Context) -> tuple[list[str], list[str]]:
    """``sq_nonneg`` terms over variables and ``mul_pos``/``mul_nonneg`` over facts."""
    variables = context.of_type("ℝ", "ℚ", "ℤ", "ℕ")[:4]
    squares = [f"sq_nonneg ({a} - {b})" for a, b in itertools.combinations(variables, 2)]
    squares += [f"sq_nonneg ({a} + {b})" for a, b in itertools.combinations(variables, 2)]
    strict, loose = [], []
    for name, kind in context.facts:
        text = strip_outer_parentheses(kind)
        if re.fullmatch(r"0 < .+|.+ > 0", text):
            strict.append(name)
        elif re.fullmatch(r"0 ≤ .+|.+ ≥ 0", text):
            loose.append(name)
    products = [f"mul_pos {a} {b}" for a, b in itertools.combinations(strict, 2)]
    nonnegative = [*loose, *(f"{name}.le" for name in strict)]
    products += [f"mul_nonneg {a} {b}" for a, b in itertools.combinations(nonnegative, 2)]
    return squares[:6], products[:4]


def _closers(context: _Context) -> list[Proposal]:
    """Finishing automation, with hypothesis-instantiated hints where they help."""
    names = ["norm_num", "linarith", "nlinarith", "simp_all", "simp", "field_simp", "ring_nf"]
    names += ["aesop", "tauto"]
    proposals = [Proposal(family=name, tactic=name) for name in names]
    if context.integers:
        proposals.append(Proposal(family="omega", tactic="omega"))
    if not context.variables:
        proposals.append(Proposal(family="decide", tactic="decide"))
    if re.fullmatch(r"0 [<≤] .+|.+ ≠ 0|.+ > 0|.+ ≥ 0", context.conclusion):
        proposals.append(Proposal(family="positivity", tactic="positivity"))
    if len(_top_split(context.conclusion, "=")) == 2:
        proposals += [Proposal(family=name, tactic=name) for name in ("ring", "rfl")]
    if context.facts:
        listed = ", ".join(name for name, _ in context.facts[:8])
        proposals.append(Proposal(family="norm_num [hypotheses]", tactic=f"norm_num [{listed}]"))
    squares, products = _hint_terms(context)
    for hints in (squares, products, squares[:3] + products[:2]):
        if hints:
            tactic = f"nlinarith [{', '.join(hints)}]"
            proposals.append(Proposal(family="nlinarith+hints", tactic=tactic))
    conclusion = " ".join(context.conclusion.split())
    for name, kind in context.facts:
        if " ".join(kind.split()) == conclusion:
            proposals.append(Proposal(family="exact-hypothesis", tactic=f"exact {name}"))
    return proposals + _interval_cases(context)


def _interval_cases(context: _Context) -> list[Proposal]:
    """``interval_cases x`` for a natural (or bounded integer) variable with an upper bound."""
    proposals: list[Proposal] = []
    for variable in context.of_type("ℕ", "ℤ"):
        upper = any(
            re.fullmatch(rf"{re.escape(variable)} (<|≤) \d+", kind.strip())
            for _, kind in context.facts
        )
        lower = context.variables[variable] == "ℕ" or any(
            re.fullmatch(rf"\d+ (<|≤) {re.escape(variable)}", kind.strip())
            for _, kind in context.facts
        )
        if upper and lower:
            for finish in ("omega", "simp_all"):
                tactic = f"interval_cases {variable} <;> {finish}"
                proposals.append(Proposal(family="interval_cases", tactic=tactic))
    return proposals


def _intro(context: _Context) -> Proposal | None:
    """``intro`` with the binder's names for ``∀``, or a fresh ``h`` for an implication."""
    conclusion = context.conclusion
    if conclusion.startswith("∀"):
        binders = split_top_level(conclusion[1:], ",")[0]
        names = [
            token
            for group in re.split(r"[()]", binders)
            for token in group.split(":")[0].split("∈")[0].split()
        ]
        names = [fresh_name(n, context.taken) for n in names if _IDENTIFIER.fullmatch(n)]
        return Proposal(family="intro", tactic="intro " + " ".join(names)) if names else None
    if len(_top_split(conclusion, "→")) > 1 or conclusion.startswith("¬"):
        return Proposal(family="intro", tactic=f"intro {fresh_name('h', context.taken)}")
    return None


def _goal_steps(context: _Context) -> list[Proposal]:
    """Structural steps on the conclusion: intro, constructor, left/right."""
    proposals: list[Proposal] = []
    introduced = _intro(context)
    if introduced is not None:
        proposals.append(introduced)
    conclusion = context.conclusion
    if len(_top_split(conclusion, "∧")) > 1 or len(_top_split(conclusion, "↔")) > 1:
        proposals.append(Proposal(family="constructor", tactic="constructor"))
    if len(_top_split(conclusion, "∨")) > 1:
        proposals += [Proposal(family=side, tactic=side) for side in ("left", "right")]
    return proposals


def _rcases(name: str, kind: str, taken: set[str]) -> Proposal | None:
    """``rcases`` with fresh names for a conjunction, disjunction or existential."""
    text = strip_outer_parentheses(kind)
    if text.startswith("∃"):
        binder = _IDENTIFIER.match(text[1:].strip().lstrip("("))
        witness = fresh_name(binder.group(0) if binder else "w", taken)
        proof = fresh_name(f"h{witness}", taken)
        return Proposal(family="rcases-exists", tactic=f"rcases {name} with ⟨{witness}, {proof}⟩")
    if len(_top_split(text, "→")) > 1:
        return None
    for operator, family, separator in (("∨", "rcases-or", " | "), ("∧", "rcases-and", ", ")):
        if len(_top_split(text, operator)) > 1:
            left = fresh_name(f"{name}_left", taken)
            right = fresh_name(f"{name}_right", taken)
            pattern = (
                f"⟨{left}{separator}{right}⟩" if separator == ", " else f"{left}{separator}{right}"
            )
            return Proposal(family=family, tactic=f"rcases {name} with {pattern}")
    return None


def _hypothesis_steps(context: _Context) -> list[Proposal]:
    """rcases, rw (both ways) and subst instantiated from the proposition hypotheses."""
    proposals: list[Proposal] = []
    for name, kind in context.facts:
        split = _rcases(name, kind, context.taken)
        if split is not None:
            proposals.append(split)
        sides = _top_split(kind, "=")
        if len(sides) != 2:
            continue
        left, right = (strip_outer_parentheses(side) for side in sides)
        if _occurs(left, context.conclusion):
            proposals.append(Proposal(family="rw", tactic=f"rw [{name}]"))
        if _occurs(right, context.conclusion):
            proposals.append(Proposal(family="rw<-", tactic=f"rw [← {name}]"))
        if (left in context.variables and not mentions(right, left)) or (
            right in context.variables and not mentions(left, right)
        ):
            proposals.append(Proposal(family="subst", tactic=f"subst {name}"))
    return proposals


def _occurs(term: str, text: str) -> bool:
    """Whether a non-numeral ``term`` occurs in ``text`` (word-bounded for identifiers)."""
    if not term or term.replace(".", "").isdigit():
        return False
    if _IDENTIFIER.fullmatch(term):
        return mentions(text, term)
    return " ".join(term.split()) in " ".join(text.split())


def lean_proposals(goal: Goal) -> list[Proposal]:
    """Every Lean 4 tactic worth trying on ``goal``, instantiated from its hypotheses."""
    context = _Context(goal)
    return _closers(context) + _goal_steps(context) + _hypothesis_steps(context)
