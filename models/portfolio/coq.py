"""The Coq vocabulary of the portfolio: tactics instantiated from one goal.

:func:`coq_proposals` reads a goal's hypotheses and conclusion and returns only the
tactics that make sense there (``destruct H`` only for a conjunction, disjunction
or existential ``H``; ``rewrite H`` only for an equation whose side occurs in the
conclusion; ``lra``/``nra`` only when reals are involved...). Each proposal names
its *family*; the generator scores a proposal by its family's prior.

Closing families are measured by ``benchmarks/portfolio_priors.py``; structural
families (listed in :data:`COQ_STRUCTURAL_PRIORS`) never close a goal on their own,
so they get fixed, documented priors instead.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import shutil

from models.portfolio.text import (
    Proposal,
    fresh_name,
    mentions,
    split_top_level,
    split_unless_bound,
    strip_outer_parentheses,
)
from search.states import Goal

__all__ = ["COQ_STRUCTURAL_PRIORS", "coq_proposals"]

# Structural steps do not close goals, so a closing rate says nothing about them.
# Their priors are fixed: log(0.5) for steps that are almost always right when they
# apply (introducing binders, splitting hypotheses that are conjunctions or
# existentials), log(0.1) for goal-shaping steps with a fair chance of helping, and
# log(0.03) for speculative ones (induction, inversion, rewriting right-to-left).
COQ_STRUCTURAL_PRIORS: dict[str, float] = {
    "intros": math.log(0.5),
    "destruct-and": math.log(0.5),
    "destruct-exists": math.log(0.5),
    "destruct-or": math.log(0.1),
    "split": math.log(0.3),
    "left": math.log(0.05),
    "right": math.log(0.05),
    "subst": math.log(0.2),
    "rewrite->": math.log(0.1),
    "rewrite<-": math.log(0.03),
    "apply-hypothesis": math.log(0.1),
    "unfold": math.log(0.2),
    "simpl": math.log(0.05),
    "induction": math.log(0.03),
    "inversion": math.log(0.03),
    "field_simplify_eq": math.log(0.1),
    "field_simplify_eq-in": math.log(0.1),
    "rewrite-everywhere": math.log(0.1),
}

_GENERAL_CLOSERS = (
    "reflexivity",
    "assumption",
    "trivial",
    "auto",
    "easy",
    "tauto",
    "intuition",
    "congruence",
    "firstorder",
)
_REAL_MARKERS = ("Rabs", "sqrt", "INR", "IZR", "ln ", "exp ", "PI", "Rsqr", "Rpower")
_INTEGER_TYPES = ("nat", "Z")
# A division slash: not one of the logical connectives ``/\`` and ``\/``.
_DIVISION = re.compile(r"(?<!\\)/(?!\\)")
_DEFINITION = re.compile(r"^\s*(?:Definition|Fixpoint|Function)\s+([A-Za-z_][\w']*)", re.M)
_IDENTIFIER = re.compile(r"[A-Za-z_][\w']*")
# An order comparison (not the arrows ``->``/``<-`` nor the disequality ``<>``).
_COMPARISON = re.compile(r"<=|>=|(?<![-<])>|<(?![->])")
_MASKS = (("<->", "\x01\x01\x01"), ("<=", "\x02\x02"), (">=", "\x03\x03"), ("=>", "\x04\x04"))


def _top_split(text: str, operator: str) -> list[str]:
    """Split at a top-level ``operator`` unless ``text`` starts with a binder."""
    return split_unless_bound(text, operator, binders=("forall ", "exists ", "fun "), masks=_MASKS)


def _equation(text: str) -> tuple[str, str] | None:
    """The two sides of a top-level equation ``a = b``, if ``text`` is one."""
    parts = _top_split(text, "=")
    if len(parts) != 2:
        return None
    return strip_outer_parentheses(parts[0]), strip_outer_parentheses(parts[1])


def _quantified_body(text: str) -> str:
    """The body of ``forall binders, body`` (the text after the first top-level comma)."""
    parts = split_top_level(text, ",")
    return ", ".join(parts[1:]) if len(parts) > 1 else text


def _final_statement(text: str) -> str:
    """What ``text`` finally states: past a leading ``forall``'s binders and every premise."""
    body = _quantified_body(text) if text.strip().startswith("forall ") else text
    return _top_split(body, "->")[-1]


class _Context:
    """What the generator knows about one goal: variables, domains, definitions."""

    def __init__(self, goal: Goal, header: str) -> None:
        self.goal = goal
        self.conclusion = strip_outer_parentheses(goal.conclusion)
        self.hypotheses = [(name, h.type) for h in goal.hypotheses for name in h.names]
        self.taken = {name for name, _ in self.hypotheses}
        self.variables = {name: kind.strip() for name, kind in self.hypotheses}
        # The conclusion and every hypothesis, for markers that may occur anywhere.
        self.everything = " ".join([self.conclusion, *(kind for _, kind in self.hypotheses)])
        types = set(self.variables.values())
        self.reals = (
            "R_scope" in header or "R" in types or any(m in self.everything for m in _REAL_MARKERS)
        )
        self.integers = (
            bool(types & set(_INTEGER_TYPES))
            or not self.reals
            or any(marker in self.everything for marker in ("%Z", "%nat", "Z.", "Nat."))
        )
        self.complex = "C_scope" in header or "C" in types
        self.definitions = sorted(
            {name for name in _DEFINITION.findall(header) if mentions(self.everything, name)}
        )

    def variables_of(self, kind: str) -> list[str]:
        """Hypothesis names whose type is exactly ``kind``, in order."""
        return [name for name, declared in self.variables.items() if declared == kind]


def _arithmetic(context: _Context) -> list[str]:
    """The decision procedures that fit the goal's domain."""
    tactics: list[str] = []
    if context.integers:
        tactics += ["lia", "nia"]
    if context.reals:
        tactics += ["lra", "nra"]
    return tactics


def _closers(context: _Context) -> list[Proposal]:
    """Finishing tactics: general automation, arithmetic, and simple combinations."""
    proposals = [Proposal(family=tactic, tactic=tactic) for tactic in _GENERAL_CLOSERS]
    arithmetic = _arithmetic(context)
    proposals += [Proposal(family=tactic, tactic=tactic) for tactic in arithmetic]
    has_equation = any(_equation(kind) for _, kind in context.hypotheses)
    if has_equation or "<>" in context.conclusion:
        proposals.append(Proposal(family="discriminate", tactic="discriminate"))
    if _equation(context.conclusion):
        proposals.append(Proposal(family="ring", tactic="ring"))
        if context.reals:
            proposals += [
                Proposal(family="field", tactic="field"),
                Proposal(family="field; lra", tactic="field; lra"),
            ]
        if context.complex:
            proposals.append(
                Proposal(
                    family="components; ring",
                    tactic="apply injective_projections; simpl; ring",
                )
            )
    if context.integers:
        proposals.append(Proposal(family="simpl; lia", tactic="simpl; lia"))
    if context.reals and "Rabs" in context.everything:
        proposals.append(Proposal(family="split_Rabs; lra", tactic="split_Rabs; lra"))
    if len(_top_split(context.conclusion, "/\\")) > 1:
        proposals += [
            Proposal(family=f"split; {t}", tactic=f"repeat split; {t}") for t in arithmetic
        ]
    if _introducible(context.conclusion):
        proposals += [Proposal(family=f"intros; {t}", tactic=f"intros; {t}") for t in arithmetic]
    for name in context.definitions:
        proposals += [
            Proposal(family=f"unfold; {t}", tactic=f"unfold {name} in *; {t}") for t in arithmetic
        ]
    return proposals


def _nra_hints(context: _Context) -> list[Proposal]:
    """``nra`` preceded by squares of variable differences or hypothesis products."""
    proposals: list[Proposal] = []
    reals = context.variables_of("R")[:4]
    if not context.reals or not reals:
        return proposals
    differences = [f"({a} - {b})" for a, b in itertools.combinations(reals, 2)][:3]
    for family, terms in (("nra+squares", differences), ("nra+variable-squares", reals[:3])):
        if terms:
            facts = "; ".join(f"pose proof (pow2_ge_0 {t})" for t in terms)
            proposals.append(Proposal(family=family, tactic=f"{facts}; nra"))
    products = _positivity_products(context)
    if products:
        facts = "; ".join(f"pose proof ({p})" for p in products)
        proposals.append(Proposal(family="nra+products", tactic=f"{facts}; nra"))
    return proposals


@functools.cache
def _csdp_available() -> bool:
    """Whether ``csdp`` is on PATH (looked up once: ``psatz`` calls it for certificates)."""
    return shutil.which("csdp") is not None


def _certificate_steps(context: _Context) -> list[Proposal]:
    """``psatz R 2`` for a real inequality, when the csdp solver is installed.

    ``nra`` multiplies hypotheses pairwise and hands the products to a linear solver;
    polynomial inequalities that need a sum of squares (``a^4 + b^4 >= a^3 b + a b^3``)
    defeat it. ``psatz`` asks the semidefinite solver csdp (Debian: coinor-csdp) for a
    Positivstellensatz certificate of degree 2, which Coq then checks. Without csdp,
    ``psatz`` can only fail, so it is not proposed.
    """
    final = _final_statement(context.conclusion) if context.reals else ""
    if not (_COMPARISON.search(final) and _csdp_available()):
        return []
    if _introducible(context.conclusion):
        return [Proposal(family="intros; psatz", tactic="intros; psatz R 2")]
    return [Proposal(family="psatz", tactic="psatz R 2")]


def _positivity_products(context: _Context) -> list[str]:
    """Products of ``0 < a`` / ``0 <= b`` hypotheses as ``Rmult_*`` proof terms (at most 3)."""
    strict: list[str] = []
    loose: list[str] = []
    for name, kind in context.hypotheses:
        text = strip_outer_parentheses(kind)
        if re.fullmatch(r"0 < .+|.+ > 0", text):
            strict.append(name)
        elif re.fullmatch(r"0 <= .+|.+ >= 0", text):
            loose.append(name)
    terms = [f"Rmult_lt_0_compat _ _ {a} {b}" for a, b in itertools.combinations(strict, 2)]
    terms += [f"Rmult_le_pos _ _ {a} {b}" for a, b in itertools.combinations(loose, 2)]
    return terms[:3]


def _introducible(conclusion: str) -> bool:
    """Whether ``intros`` makes progress: a binder, an implication or a negation."""
    text = strip_outer_parentheses(conclusion)
    if text.startswith(("forall ", "~")):
        return True
    return len(_top_split(text, "->")) > 1 or len(_top_split(text, "<>")) > 1


def _goal_steps(context: _Context) -> list[Proposal]:
    """Structural steps on the conclusion: intros, split, left/right, unfold, simpl."""
    conclusion = context.conclusion
    proposals: list[Proposal] = []
    if _introducible(conclusion):
        proposals.append(Proposal(family="intros", tactic="intros"))
    if len(_top_split(conclusion, "/\\")) > 1 or len(_top_split(conclusion, "<->")) > 1:
        proposals.append(Proposal(family="split", tactic="split"))
    if len(_top_split(conclusion, "\\/")) > 1:
        proposals += [Proposal(family=side, tactic=side) for side in ("left", "right")]
    for name in context.definitions:
        where = "" if mentions(conclusion, name) else " in *"
        proposals.append(Proposal(family="unfold", tactic=f"unfold {name}{where}"))
    if context.definitions or any(m in conclusion for m in ("Nat.", "Z.", "fold", "length")):
        proposals.append(Proposal(family="simpl", tactic="simpl"))
    for name in context.variables_of("nat"):
        if mentions(conclusion, name):
            proposals.append(Proposal(family="induction", tactic=f"induction {name}"))
    return proposals


def _destruct(name: str, kind: str, taken: set[str]) -> Proposal | None:
    """``destruct`` with fresh names for a conjunction, disjunction or existential."""
    text = strip_outer_parentheses(kind)
    if text.startswith("exists "):
        binder = _IDENTIFIER.match(text[len("exists ") :].strip())
        witness = fresh_name(binder.group(0) if binder else "w", taken)
        proof = fresh_name("H", taken)
        return Proposal(family="destruct-exists", tactic=f"destruct {name} as [{witness} {proof}]")
    if len(_top_split(text, "->")) > 1:
        return None
    for operator, family, separator in (
        ("\\/", "destruct-or", " | "),
        ("/\\", "destruct-and", " "),
    ):
        if len(_top_split(text, operator)) > 1:
            left, right = fresh_name("H", taken), fresh_name("H", taken)
            return Proposal(family=family, tactic=f"destruct {name} as [{left}{separator}{right}]")
    return None


def _hypothesis_steps(context: _Context) -> list[Proposal]:
    """Steps driven by one hypothesis: destruct, rewrite, subst, apply, inversion."""
    proposals: list[Proposal] = []
    conclusion = " ".join(context.conclusion.split())
    for name, kind in context.hypotheses:
        destructed = _destruct(name, kind, context.taken)
        if destructed is not None:
            proposals.append(destructed)
        proposals += _equation_steps(context, name, kind)
        premises = _top_split(kind, "->")
        if len(premises) > 1 and " ".join(premises[-1].split()) == conclusion:
            proposals.append(Proposal(family="apply-hypothesis", tactic=f"apply {name}"))
        head = _IDENTIFIER.match(kind.strip())
        if _is_predicate(kind, head.group(0) if head else ""):
            proposals.append(Proposal(family="inversion", tactic=f"inversion {name}"))
    return proposals


def _is_predicate(kind: str, head: str) -> bool:
    """Whether ``kind`` is an applied inductive predicate such as ``In x l`` or ``NoDup l``."""
    applied = " " in kind.strip() and not re.search(r"[=<>~:,]|/\\|\\/", kind)
    return applied and head[:1].isupper() and head not in ("R", "Z", "Q", "C")


def _equation_steps(context: _Context, name: str, kind: str) -> list[Proposal]:
    """``rewrite`` (either way) and ``subst`` for an equation hypothesis."""
    quantified = kind.strip().startswith("forall ")
    sides = _equation(_final_statement(kind))
    if sides is None:
        return []
    left, right = sides
    conclusion = context.conclusion
    proposals: list[Proposal] = []
    if quantified:
        head = _IDENTIFIER.match(left)
        if head and mentions(conclusion, head.group(0)):
            proposals.append(Proposal(family="rewrite->", tactic=f"rewrite {name}"))
        if head and _defines_elsewhere(context, name, head.group(0), right):
            proposals.append(Proposal(family="rewrite-everywhere", tactic=f"rewrite !{name} in *"))
        return proposals
    if _occurs(left, conclusion):
        proposals.append(Proposal(family="rewrite->", tactic=f"rewrite {name}"))
    if _occurs(right, conclusion):
        proposals.append(Proposal(family="rewrite<-", tactic=f"rewrite <- {name}"))
    for side, other in ((left, right), (right, left)):
        if side in context.variables and not mentions(other, side):
            proposals.append(Proposal(family="subst", tactic=f"subst {side}"))
            break
    return proposals


def _defines_elsewhere(context: _Context, name: str, head: str, right: str) -> bool:
    """Whether ``name : forall x, head x = right`` defines ``head`` used in another hypothesis.

    Competition statements define a function by such a hypothesis and state facts about
    it in others (``f 7 = 4``); rewriting it everywhere turns them into arithmetic. Only
    for a ``head`` declared in the context (a function, not a bound variable as in
    ``forall x, x + 0 = x``) that ``right`` does not mention: each rewrite then removes
    one ``head``, so ``rewrite !`` terminates.
    """
    if head not in context.variables or mentions(right, head):
        return False
    return any(other != name and mentions(kind, head) for other, kind in context.hypotheses)


def _denominator_steps(context: _Context) -> list[Proposal]:
    """``field_simplify_eq`` on a real equation with a division, in the goal or a hypothesis.

    Competition algebra states facts as ``(n + 5) / (n - 3) = 2``; ``lra`` and ``nra``
    treat each quotient as an opaque atom, so the denominators must be multiplied out
    first. ``field_simplify_eq`` does that and leaves the nonzero conditions as goals of
    their own (for a hypothesis, before the main goal), which ``lra`` closes from the
    ``x <> 3`` premises such statements carry.
    """
    if not context.reals:
        return []
    proposals: list[Proposal] = []
    if _equation(context.conclusion) and _DIVISION.search(context.conclusion):
        proposals.append(Proposal(family="field_simplify_eq", tactic="field_simplify_eq"))
    for name, kind in context.hypotheses:
        if _DIVISION.search(kind) and not kind.strip().startswith("forall ") and _equation(kind):
            proposals.append(
                Proposal(family="field_simplify_eq-in", tactic=f"field_simplify_eq in {name}")
            )
    return proposals


def _occurs(term: str, text: str) -> bool:
    """Whether a non-numeral ``term`` occurs in ``text`` (word-bounded for identifiers)."""
    if not term or term.replace(".", "").isdigit():
        return False
    if _IDENTIFIER.fullmatch(term):
        return mentions(text, term)
    return " ".join(term.split()) in " ".join(text.split())


def coq_proposals(goal: Goal, *, header: str) -> list[Proposal]:
    """Every Coq tactic worth trying on ``goal``, instantiated from its hypotheses.

    ``header`` is the theorem's header; it decides the scope (reals or integers) and
    which definitions may be unfolded. Tactics carry no trailing period.
    """
    context = _Context(goal, header)
    proposals = _closers(context) + _nra_hints(context) + _certificate_steps(context)
    proposals += _goal_steps(context) + _hypothesis_steps(context) + _denominator_steps(context)
    if any(p.family == "subst" for p in proposals):
        proposals += [
            Proposal(family=f"subst; {t}", tactic=f"subst; {t}") for t in _arithmetic(context)
        ]
    return proposals
