"""Features of rendered Coq states (from real coqtop output in the fixture trace)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from models.retrieval.features import hashed_features, state_features
from models.retrieval.state_text import parse_state_text
from models.retrieval.terms import BOUND, TermSyntaxError, parse_term
from tests.models.retrieval.conftest import fixture_rows

REPO = Path(__file__).resolve().parents[3]


def test_every_fixture_term_parses() -> None:
    """Every conclusion and hypothesis type coqtop printed in the fixture parses."""
    failures = []
    for row in fixture_rows():
        for goal in parse_state_text(str(row["state"])):
            for text in (goal.conclusion, *(h.type for h in goal.hypotheses)):
                try:
                    parse_term(text)
                except TermSyntaxError:
                    failures.append(text)
    assert failures == []


def test_roles_tag_conclusion_and_hypotheses() -> None:
    """Conclusion atoms carry G, hypothesis atoms H; both appear untagged too."""
    features = state_features("a b : nat\nHa : 0 < a\n⊢ 0 < a * b")
    assert {"Ga:*", "Ha:nat", "Ha:<", "Ga:<", "a:nat", "a:*"} <= features
    assert "Ha:*" not in features
    assert {"G2:<>*", "G3:<>*>a", "Gtop:<", "Htop:nat", "H2:<>a"} <= features


def test_bound_variables_are_one_symbol() -> None:
    """Binder names do not appear as atoms; the bound symbol does."""
    features = state_features("⊢ forall n m : nat, n + S m = S (n + m)")
    assert f"a:{BOUND}" in features
    assert "a:n" not in features and "a:m" not in features
    assert {"Gtop:forall", "G2:forall>nat", "a:S"} <= features


def test_only_the_first_goal_counts() -> None:
    """A second goal's symbols are left out; the goal count is a feature."""
    state = "⊢ 0 + 0 = 0\n\nn : nat\nIHn : n + 0 = n\n⊢ S n + 0 = S n"
    features = state_features(state)
    assert "a:S" not in features and "ngoals:2" in features


def test_unparsable_terms_fall_back_to_token_atoms() -> None:
    """A term outside the grammar still yields its tokens as atoms."""
    features = state_features("⊢ foo ) bar <= baz")
    assert {"a:foo", "a:bar", "Ga:baz", "Ga:<="} <= features


def test_hashes_do_not_depend_on_the_interpreter_hash_seed() -> None:
    """Two interpreters with different PYTHONHASHSEED hash a state identically."""
    code = (
        "from models.retrieval.features import hashed_features;"
        "print(list(hashed_features('x : R\\n⊢ 0 <= x * x')))"
    )
    outputs = set()
    for seed in ("1", "2"):
        environment = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        result = subprocess.run(
            [sys.executable, "-c", code],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
    assert outputs.pop().strip() == str(list(hashed_features("x : R\n⊢ 0 <= x * x")))


def test_state_text_parser_reads_every_hypothesis_shape() -> None:
    """Multi-name lines, let-bound hypotheses and case tags are read back."""
    [goal] = parse_state_text("case succ\nx y : R\nz := x + y : R\nH : x < y\n⊢ z > 0")
    assert [(h.name, h.type, h.value) for h in goal.hypotheses] == [
        ("x", "R", None),
        ("y", "R", None),
        ("z", "R", "x + y"),
        ("H", "x < y", None),
    ]
    assert goal.conclusion == "z > 0"
