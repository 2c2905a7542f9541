"""Tactician-style features of a proof state, hashed to stable 64-bit integers.

Features of the first goal (the one a tactic acts on), after Blaauwbroek et al. (2020):

* atoms: every head symbol of the conclusion and hypothesis types (constants,
  inductives, constructors, variables, notation symbols, binder kinds; bound variables
  are the one symbol :data:`~models.retrieval.terms.BOUND`), once untagged and once with
  its role tag (``G`` conclusion, ``H`` hypothesis);
* walks of length 2 and 3 down the application structure (``head > argument head >
  grandchild head``) with the role tag;
* the conclusion's and each hypothesis' top symbol (``Gtop:<=``, ``Htop:forall``) and the
  number of goals (capped).

A term the parser does not understand contributes the atoms of its tokens instead (fail
soft). Hashes are the first 8 bytes of BLAKE2b (never Python's salted ``hash``).
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np
from numpy.typing import NDArray

from models.retrieval.state_text import GoalText, parse_state_text
from models.retrieval.terms import Term, TermSyntaxError, parse_term, tokenize

__all__ = [
    "feature_hash",
    "goal_features",
    "hashed_features",
    "state_features",
]

_MAX_GOAL_COUNT_FEATURE = 4
_TOKEN_ATOM_KINDS = frozenset({"ident", "number", "symbol", "scope"})
_PUNCTUATION = frozenset({",", ";", ":", ":=", "=>", "|", "."})


@functools.lru_cache(maxsize=1 << 18)
def feature_hash(feature: str) -> int:
    """A stable signed 64-bit hash of one feature string (BLAKE2b, 8 bytes)."""
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def state_features(text: str) -> set[str]:
    """The feature strings of a rendered state (its first goal, plus the goal count)."""
    goals = parse_state_text(text)
    if not goals:
        return set()
    features = goal_features(goals[0])
    features.add(f"ngoals:{min(len(goals), _MAX_GOAL_COUNT_FEATURE)}")
    return features


def hashed_features(text: str) -> NDArray[np.int64]:
    """The sorted, unique feature hashes of a rendered state."""
    hashes = {feature_hash(feature) for feature in state_features(text)}
    return np.array(sorted(hashes), dtype=np.int64)


def goal_features(goal: GoalText) -> set[str]:
    """The features of one goal: its conclusion (role ``G``) and hypothesis types (``H``)."""
    features: set[str] = set()
    _term_features(goal.conclusion, "G", features)
    for hypothesis in goal.hypotheses:
        _term_features(hypothesis.type, "H", features)
        if hypothesis.value:
            _term_features(hypothesis.value, "H", features)
    return features


@functools.lru_cache(maxsize=1 << 14)
def _parsed(text: str) -> Term | None:
    """The parse of ``text``, or ``None`` when it is not understood (memoised: types repeat)."""
    try:
        return parse_term(text)
    except (TermSyntaxError, RecursionError):
        return None


def _term_features(text: str, role: str, features: set[str]) -> None:
    if not text.strip():
        return
    term = _parsed(text)
    if term is None:
        _token_features(text, role, features)
        return
    features.add(f"{role}top:{term.head}")
    stack = [term]
    while stack:
        node = stack.pop()
        head = node.head
        features.add(f"a:{head}")
        features.add(f"{role}a:{head}")
        for child in node.args:
            features.add(f"{role}2:{head}>{child.head}")
            for grandchild in child.args:
                features.add(f"{role}3:{head}>{child.head}>{grandchild.head}")
            stack.append(child)


def _token_features(text: str, role: str, features: set[str]) -> None:
    for token in tokenize(text):
        if token.kind in _TOKEN_ATOM_KINDS and token.text not in _PUNCTUATION:
            features.add(f"a:{token.text}")
            features.add(f"{role}a:{token.text}")
