"""ProgressScorer: the α-mix of LeanProgress, batching per expansion and the per-state cache."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from models.progress.scorer import ProgressScorer, progress_priority
from search.config import SearchConfig
from search.engine import best_first_search
from search.errors import ConfigError
from search.protocols import NodeScorer, ScoreRequest
from search.result import SearchResult, SearchStatus
from search.states import Theorem
from search.testing import FakeClock, ScriptedEnvironment, ScriptedGenerator, scripted_state


@dataclass
class FakePredictor:
    """Predicts from a table (default 3.0) and records every batch it receives."""

    table: dict[str, float] = field(default_factory=dict)
    input_format: str = "state+proof"
    n_max: int = 4
    batches: list[list[tuple[str, tuple[str, ...]]]] = field(default_factory=list)

    def predict_remaining_steps(
        self, states: Sequence[str], proofs_so_far: Sequence[Sequence[str]]
    ) -> list[float]:
        self.batches.append([(s, tuple(p)) for s, p in zip(states, proofs_so_far, strict=True)])
        return [self.table.get(state, 3.0) for state in states]


def request(name: str, path_score: float = -1.0, proof: tuple[str, ...] = ()) -> ScoreRequest:
    """A score request for scripted state ``name``."""
    return ScoreRequest(state=scripted_state(name), proof_so_far=proof, path_score=path_score)


def test_priority_formula_matches_leanprogress() -> None:
    """C = α·(−2·n̂/N_max) + (1 − α)·P, with n̂ clipped to [0, N_max]."""
    assert progress_priority(path_score=-1.5, remaining_steps=2, n_max=4, alpha=0.2) == (
        pytest.approx(0.2 * -1.0 + 0.8 * -1.5)
    )
    assert progress_priority(path_score=-1.5, remaining_steps=9, n_max=4, alpha=0.2) == (
        pytest.approx(0.2 * -2.0 + 0.8 * -1.5)
    )
    assert progress_priority(path_score=-1.5, remaining_steps=-1, n_max=4, alpha=0.2) == (
        pytest.approx(0.8 * -1.5)
    )
    assert progress_priority(path_score=-1.5, remaining_steps=3, n_max=4, alpha=0.0) == -1.5


def test_scorer_returns_priority_and_prediction() -> None:
    """Closer states rank higher at equal path score; NodeScore carries n̂."""
    scorer = ProgressScorer(FakePredictor(table={"near": 1.0, "far": 4.0}), alpha=0.2)
    assert isinstance(scorer, NodeScorer)
    near, far = scorer.score([request("near"), request("far")])
    assert near.remaining_steps == 1.0 and far.remaining_steps == 4.0
    assert near.priority > far.priority
    assert far.priority == pytest.approx(0.2 * -2.0 + 0.8 * -1.0)


def test_one_predictor_call_per_batch_and_cache_hits() -> None:
    """A batch is predicted in one call; states seen before are served from the cache."""
    predictor = FakePredictor()
    scorer = ProgressScorer(predictor)
    scorer.score([request("a"), request("b"), request("a")])
    assert len(predictor.batches) == 1
    assert [s for s, _ in predictor.batches[0]] == ["a", "b"]
    scorer.score([request("a", path_score=-5.0), request("c")])
    assert len(predictor.batches) == 2 and [s for s, _ in predictor.batches[1]] == ["c"]
    scorer.score([request("b")])
    assert len(predictor.batches) == 2
    assert scorer.cache_hits == 2 and scorer.calls == 2


def test_cache_key_uses_proof_only_for_history_format() -> None:
    """With state+proof the proof so far changes the key; with state-only it does not."""
    history = ProgressScorer(FakePredictor(input_format="state+proof"))
    state_only = ProgressScorer(FakePredictor(input_format="state"))
    first, second = request("s", proof=("a",)), request("s", proof=("b",))
    assert history.cache_key(first) != history.cache_key(second)
    assert state_only.cache_key(first) == state_only.cache_key(second)


def test_cache_is_bounded() -> None:
    """Beyond cache_size the oldest prediction is evicted and predicted again."""
    predictor = FakePredictor()
    scorer = ProgressScorer(predictor, cache_size=2)
    for name in ("a", "b", "c", "a"):
        scorer.score([request(name)])
    assert len(predictor.batches) == 4


def test_bad_alpha_and_n_max_are_rejected() -> None:
    """α outside [0, 1] and a non-positive N_max are configuration errors."""
    with pytest.raises(ConfigError, match="alpha"):
        ProgressScorer(FakePredictor(), alpha=1.5)
    with pytest.raises(ConfigError, match="n_max"):
        ProgressScorer(FakePredictor(), n_max=0)


def test_search_calls_predictor_once_per_expansion_and_prefers_near_states() -> None:
    """In a real search the predictor sees each expansion's children in one batch, and a
    strong progress term steers the search to the state predicted to be one step away."""
    script = {
        "R": {"slow": "A", "fast": "B"},
        "A": {"x": "A2"},
        "A2": {"y": "proved"},
        "B": {"z": "proved"},
    }
    candidates = {
        "R": [("slow", -0.1), ("fast", -0.2)],
        "A": [("x", -0.1)],
        "A2": [("y", -0.1)],
        "B": [("z", -0.1)],
    }
    predictor = FakePredictor(table={"R": 2.0, "A": 2.0, "A2": 1.0, "B": 1.0}, n_max=2)
    result = scripted_search(script, candidates, ProgressScorer(predictor, alpha=0.9))
    assert result.status is SearchStatus.PROVED
    assert result.proof == ("fast", "z")
    assert [sorted(s for s, _ in batch) for batch in predictor.batches] == [["R"], ["A", "B"]]


def test_alternating_scorer_queues_by_path_score_too() -> None:
    """With alternate, each score carries the path score as the second priority."""
    predictor = FakePredictor(table={"near": 1.0, "far": 4.0})
    plain = ProgressScorer(predictor, alpha=0.9).score([request("near", -2.0)])
    alternating = ProgressScorer(predictor, alpha=0.9, alternate=True).score(
        [request("near", -2.0), request("far", -0.5)]
    )
    assert plain[0].second_priority is None
    assert [s.second_priority for s in alternating] == [-2.0, -0.5]
    assert alternating[0].priority == plain[0].priority


def test_alternating_search_reaches_what_the_progress_order_buries() -> None:
    """Predictions that mislead (the dead end looks one step away) delay the generator's
    favourite branch; alternation expands it second instead of after the dead end's chain."""
    chain = {f"D{i}": {"d": f"D{i + 1}"} for i in range(6)}
    script = {"R": {"good": "G", "bad": "D0"}, "G": {"close": "proved"}, **chain}
    candidates = {"R": [("good", -0.1), ("bad", -3.0)], "G": [("close", -0.1)]}
    candidates.update({f"D{i}": [("d", -0.1)] for i in range(6)})
    table = {f"D{i}": 1.0 for i in range(7)} | {"G": 4.0}
    expansions = []
    for alternate in (False, True):
        predictor = FakePredictor(table=table, n_max=4)
        scorer = ProgressScorer(predictor, alpha=1.0, alternate=alternate)
        result = scripted_search(script, candidates, scorer)
        assert result.status is SearchStatus.PROVED
        expansions.append(result.expansions)
    assert expansions == [9, 2]


def scripted_search(
    script: dict[str, dict[str, str]],
    candidates: dict[str, list[tuple[str, float]]],
    scorer: ProgressScorer,
) -> SearchResult:
    """A search from scripted state ``R`` on a fake clock with ``scorer``."""
    clock = FakeClock()
    return best_first_search(
        Theorem(name="t", header="", statement="t"),
        ScriptedEnvironment(script, root="R", sleep=clock.sleep),
        ScriptedGenerator(candidates=candidates),
        config=SearchConfig(time_limit_s=100),
        scorer=scorer,
        clock=clock,
    )
