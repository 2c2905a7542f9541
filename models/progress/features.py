"""Input features of the fast progress families: the retrieval features, over every goal.

No second featurizer: each goal of a rendered state is read with
:func:`models.retrieval.state_text.parse_state_text` and described by
:func:`models.retrieval.features.goal_features` (Tactician's atoms and walks), hashed with
:func:`~models.retrieval.features.feature_hash` into ``2**feature_bits`` columns; a
column's value is the number of goals having that feature (the first
:data:`MAX_GOALS` goals). What the retrieval features leave out, because a tactic only
sees the first goal, is added as a few counts (:data:`DENSE_FEATURES`): how many goals,
hypotheses and conclusion characters a state holds, and how deep the proof so far is.
With the ``state+proof`` input format, the head words of the tactics so far are hashed
too (``hist:`` over the whole proof, ``last0:``/``last1:`` for the last two tactics):
LeanProgress found the proof history to help.

Matrices are ``scipy.sparse`` CSR (imported lazily), one row per state.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from models.retrieval.features import feature_hash, goal_features
from models.retrieval.state_text import parse_state_text

__all__ = [
    "DEFAULT_FEATURE_BITS",
    "DENSE_FEATURES",
    "MAX_GOALS",
    "feature_matrix",
    "state_counts",
    "tactic_heads",
]

DEFAULT_FEATURE_BITS = 18
#: Goals whose retrieval features are counted (later goals still count in the dense part).
MAX_GOALS = 8
DENSE_FEATURES = (
    "goals",
    "first_goal_hypotheses",
    "first_goal_conclusion_chars",
    "hypotheses",
    "conclusion_chars",
    "max_conclusion_chars",
    "state_chars",
    "proof_so_far_length",
)
_TACTIC_SEPARATORS = re.compile(r"[;|]")
_HEAD_STRIP = ".()[];,"


def tactic_heads(tactic: str) -> list[str]:
    """The first word of each ``;``/``|``-separated part of a tactic (``intros; lia`` → 2)."""
    heads = []
    for part in _TACTIC_SEPARATORS.split(tactic):
        words = part.lstrip(_HEAD_STRIP + " ").split()
        if words:
            head = words[0].strip(_HEAD_STRIP)
            if head:
                heads.append(head)
    return heads


def state_counts(
    state: str, proof_so_far: Sequence[str], *, history: bool, feature_bits: int
) -> tuple[Counter[int], list[float]]:
    """Hashed column counts and the dense counts (:data:`DENSE_FEATURES` order) of a state."""
    mask = (1 << feature_bits) - 1
    goals = parse_state_text(state)
    columns: Counter[int] = Counter()
    for goal in goals[:MAX_GOALS]:
        columns.update({feature_hash(feature) & mask for feature in goal_features(goal)})
    if history:
        for tactic in proof_so_far:
            columns.update(feature_hash(f"hist:{head}") & mask for head in tactic_heads(tactic))
        for position, tactic in enumerate(reversed(proof_so_far[-2:])):
            columns.update(
                feature_hash(f"last{position}:{head}") & mask for head in tactic_heads(tactic)
            )
    hypotheses = [len(goal.hypotheses) for goal in goals] or [0]
    conclusions = [len(goal.conclusion) for goal in goals] or [0]
    dense = [
        float(len(goals)),
        float(hypotheses[0]),
        float(conclusions[0]),
        float(sum(hypotheses)),
        float(sum(conclusions)),
        float(max(conclusions)),
        float(len(state)),
        float(len(proof_so_far)),
    ]
    return columns, dense


def feature_matrix(
    states: Sequence[str],
    proofs_so_far: Sequence[Sequence[str]],
    *,
    history: bool,
    feature_bits: int = DEFAULT_FEATURE_BITS,
) -> Any:
    """A CSR matrix (float32): hashed columns, then the dense counts, one row per state."""
    import numpy as np
    from scipy import sparse

    if len(states) != len(proofs_so_far):
        raise ValueError(f"{len(states)} states but {len(proofs_so_far)} proofs so far")
    width = 1 << feature_bits
    indices: list[int] = []
    values: list[float] = []
    pointers = [0]
    for state, proof in zip(states, proofs_so_far, strict=True):
        columns, dense = state_counts(state, proof, history=history, feature_bits=feature_bits)
        for column in sorted(columns):
            indices.append(column)
            values.append(float(columns[column]))
        for offset, value in enumerate(dense):
            if value:
                indices.append(width + offset)
                values.append(value)
        pointers.append(len(indices))
    return sparse.csr_matrix(
        (
            np.asarray(values, dtype=np.float32),
            np.asarray(indices, dtype=np.int64),
            np.asarray(pointers, dtype=np.int64),
        ),
        shape=(len(states), width + len(DENSE_FEATURES)),
    )
