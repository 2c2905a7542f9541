"""Hypothesis property tests: random scripted searches keep the graph sound."""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from search import NodeScore, ScoreRequest, SearchConfig, SearchStatus, StopReason, Theorem
from search.engine import best_first_search
from search.graph import NodeStatus, SearchGraph
from search.outcomes import NewState, ProofComplete, TacticError, TacticTimeout
from search.testing import FakeClock, ScriptedEnvironment, ScriptedGenerator, scripted_state

THEOREM = Theorem(name="t", header="", statement="theorem t : True")
OUTCOME_WORDS = ("proved", "error", "hang")

Script = dict[str, dict[str, str]]


@st.composite
def scripts(draw: st.DrawFn) -> Script:
    """A random transition script over states S0..Sn (S0 is the root)."""
    size = draw(st.integers(min_value=1, max_value=7))
    names = [f"S{index}" for index in range(size)]
    targets = st.sampled_from(names + list(OUTCOME_WORDS))
    script: Script = {}
    for name in names:
        count = draw(st.integers(min_value=0, max_value=4))
        script[name] = {f"{name}_t{index}": draw(targets) for index in range(count)}
    return script


class TablePriority:
    """A scorer with arbitrary fixed priorities per state name (random expansion orders)."""

    def __init__(self, table: dict[str, float]) -> None:
        self.table = table

    def score(self, requests: Sequence[ScoreRequest]) -> list[NodeScore]:
        return [NodeScore(priority=self.table.get(r.state.text, 0.0)) for r in requests]


def provable(script: Script) -> bool:
    """Whether the script has a tactic path from S0 to "proved"."""
    graph = nx.DiGraph()
    graph.add_nodes_from(["S0", "proved"])
    for name, tactics in script.items():
        graph.add_edges_from((name, target) for target in tactics.values())
    return bool(nx.has_path(graph, "S0", "proved"))


@settings(max_examples=200, deadline=None)
@given(
    script=scripts(),
    data=st.data(),
    batch=st.integers(min_value=1, max_value=3),
    seed=st.integers(min_value=0, max_value=10),
)
def test_random_searches_are_sound_and_complete(
    script: Script, data: st.DataObject, batch: int, seed: int
) -> None:
    """Random searches keep the invariants, replay their proof, and find any existing proof."""
    scores = st.floats(min_value=-10, max_value=0, allow_nan=False)
    candidates = {
        name: [(tactic, data.draw(scores)) for tactic in tactics]
        for name, tactics in script.items()
    }
    table = {name: data.draw(scores) for name in script}
    clock = FakeClock()
    env = ScriptedEnvironment(script, root="S0", sleep=clock.sleep)
    config = SearchConfig(expansion_batch_size=batch, seed=seed, time_limit_s=1e9)
    result = best_first_search(
        THEOREM,
        env,
        ScriptedGenerator(candidates=candidates),
        config=config,
        scorer=data.draw(st.sampled_from([None, TablePriority(table)])),
        clock=clock,
    )
    result.graph.check_invariants()
    assert (result.status is SearchStatus.PROVED) == provable(script)
    if result.proof is not None:
        assert env.replay(result.proof) == "proved"
        assert len(result.proof_states) == len(result.proof)
        assert result.graph.root.distance_to_proof == len(result.proof)
    else:
        assert result.stop_reason is StopReason.FRONTIER_EMPTY


@settings(max_examples=150, deadline=None)
@given(
    script=scripts(),
    max_expansions=st.integers(min_value=1, max_value=4),
    time_limit_s=st.floats(min_value=0.5, max_value=8.0),
)
def test_limited_searches_keep_invariants(
    script: Script, max_expansions: int, time_limit_s: float
) -> None:
    """Budget-limited searches keep the invariants and never report an unsound proof."""
    clock = FakeClock()
    env = ScriptedEnvironment(script, root="S0", sleep=clock.sleep, tactic_cost_s=1.0)
    config = SearchConfig(
        max_expansions=max_expansions, time_limit_s=time_limit_s, tactic_timeout_s=2.0
    )
    generator = ScriptedGenerator.from_script(script)
    result = best_first_search(THEOREM, env, generator, config=config, clock=clock)
    result.graph.check_invariants()
    assert result.expansions <= max_expansions
    assert (result.status is SearchStatus.PROVED) == (result.proof is not None)
    if result.proof is not None:
        assert env.replay(result.proof) == "proved"
    if result.stop_reason is StopReason.TIME_LIMIT:
        assert result.time_s >= time_limit_s


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_random_graph_operations_keep_invariants(data: st.DataObject) -> None:
    """Random expansion orders and outcomes applied to a graph keep every invariant."""
    names = [f"S{index}" for index in range(6)]
    graph = SearchGraph(scripted_state("S0"))
    outcome = st.one_of(
        st.sampled_from(names).map(lambda n: NewState(state=scripted_state(n))),
        st.just(ProofComplete()),
        st.just(TacticError(message="e")),
        st.just(TacticTimeout(timeout_s=1.0)),
    )
    for _ in range(data.draw(st.integers(min_value=1, max_value=12))):
        open_nodes = [node.key for node in graph if not node.expanded]
        if not open_nodes:
            break
        key = data.draw(st.sampled_from(open_nodes))
        for index in range(data.draw(st.integers(min_value=0, max_value=4))):
            graph.add_outcome(key, f"t{index}", data.draw(outcome), score=-1.0)
            graph.check_invariants()
        if data.draw(st.booleans()):
            graph.finish_expansion(key)
        graph.check_invariants()
        if graph.root.status is not NodeStatus.OPEN:
            proof = graph.shortest_proof()
            assert (proof is not None) == (graph.root.status is NodeStatus.PROVED)
