"""Adapt a retrieved tactic to the current context (Tactician's argument refilling).

A tactic recorded in another proof names that proof's hypotheses (``apply H0``,
``rewrite Hxy``). Every identifier of the tactic that was a hypothesis of the *source* goal
(a *hole*) is replaced, everywhere in the tactic, by the target hypothesis of the most
similar type (Jaccard overlap of the types' symbols; a variable, whose type is one symbol,
only by one of that very type), each target hypothesis used at most once. Ties go to the
hole's own name, then to the hypothesis at the same distance from the end of the context,
then to the most recent one. So a hole the target also has keeps its name unless another
hypothesis is strictly more similar: Coq's automatic names (``H``, ``H0``...) often hold
unrelated hypotheses in two proofs (``rewrite H0`` retrieved from a proof where ``H0 : x =
2``, while here ``H0 : 0 < y`` and ``H1 : y = 2``). Identifiers the source goal did not have
(names the tactic introduces, lemma names) are left as they are. A hole the target lacks
and cannot refill by a type sharing at least one symbol makes the tactic unusable
(``None``); a hole it has keeps its name when nothing is related.
"""

from __future__ import annotations

import functools
import re

from models.retrieval.state_text import GoalText, HypothesisText
from models.retrieval.terms import tokenize

__all__ = ["adapt_tactic", "tactic_holes", "tactic_identifiers"]

_PUNCTUATION = frozenset({",", ";", ":", ":=", "=>", "|", "."})
_IDENTIFIER = re.compile(r"(?<![\w'.])[^\W\d][\w']*(?![\w'])(?!\.[^\W\d])")


def tactic_identifiers(tactic: str) -> list[str]:
    """The unqualified identifiers of ``tactic``, in order of first appearance."""
    return list(dict.fromkeys(_IDENTIFIER.findall(tactic)))


def tactic_holes(tactic: str, source: GoalText | None) -> tuple[str, ...]:
    """The identifiers of ``tactic`` that are hypotheses of ``source`` (its arguments to
    refill); computed once per stored row so that most queries never re-read the state."""
    if source is None:
        return ()
    names = source.names
    return tuple(name for name in tactic_identifiers(tactic) if name in names)


def adapt_tactic(tactic: str, *, source: GoalText | None, target: GoalText) -> str | None:
    """``tactic`` with the source's hypothesis names refilled from ``target``'s context.

    Returns the tactic with every source hypothesis it names replaced by the target
    hypothesis of the most similar type (the same name on ties), or ``None`` when a missing
    hypothesis has no counterpart in ``target``.
    """
    if source is None:
        return tactic
    used = tactic_identifiers(tactic)
    source_types = {h.name: h.type for h in source.hypotheses}
    source_depth = {h.name: d for d, h in enumerate(reversed(source.hypotheses))}
    holes = [name for name in used if name in source_types]
    if not holes:
        return tactic
    target_names = target.names
    taken = set(used) - set(holes)  # names the tactic introduces or refers to globally
    replacements: dict[str, str] = {}
    for name in holes:
        choice = _most_similar(
            source_types[name], source_depth[name], target.hypotheses, taken, same_name=name
        )
        if choice is None and name in target_names and name not in taken:
            choice = name  # nothing related to refill it with: keep the tactic's own name
        if choice is None:
            return None
        replacements[name] = choice
        taken.add(choice)
    return _IDENTIFIER.sub(lambda match: replacements.get(match.group(), match.group()), tactic)


def _most_similar(
    type_text: str,
    depth: int,
    candidates: tuple[HypothesisText, ...],
    taken: set[str],
    *,
    same_name: str,
) -> str | None:
    """The untaken candidate with the most similar type, or ``None`` if no type shares an
    atom (a one-symbol type, a variable's, must match exactly). Ties go to ``same_name``
    (the hole's own name), then to the candidate nearest to ``depth`` (the source's
    distance from the end of its context)."""
    wanted = _atoms(type_text)
    best_name: str | None = None
    best_key = (0.0, False, 0)
    for candidate_depth, hypothesis in enumerate(reversed(candidates)):
        if hypothesis.name in taken:
            continue
        atoms = _atoms(hypothesis.type)
        if len(wanted) == 1 and atoms != wanted:
            continue  # a variable (x : R) is refilled only by a variable of its very type
        union = len(wanted | atoms)
        similarity = len(wanted & atoms) / union if union else 0.0
        key = (similarity, hypothesis.name == same_name, -abs(candidate_depth - depth))
        if similarity > 0 and (best_name is None or key > best_key):
            best_name, best_key = hypothesis.name, key
    return best_name


@functools.lru_cache(maxsize=1 << 14)
def _atoms(type_text: str) -> frozenset[str]:
    """The symbols of a type (its tokens, punctuation aside): cheap and good enough to
    tell ``0 < a`` from ``P -> Q``."""
    return frozenset(
        token.text
        for token in tokenize(type_text)
        if token.kind not in {"open", "close"} and token.text not in _PUNCTUATION
    )
