"""Tests of the search graph: merging, status propagation, cycles, proofs and export."""

from __future__ import annotations

import math

import pytest

from search.graph import NodeStatus, SearchGraph, Terminal
from search.outcomes import NewState, ProofComplete, TacticError, TacticOutcome, TacticTimeout
from search.testing import scripted_state


def key(name: str) -> str:
    return scripted_state(name).key


def status(graph: SearchGraph, name: str) -> NodeStatus:
    return graph.node(key(name)).status


def step(graph: SearchGraph, source: str, tactic: str, target: str, score: float = -1.0) -> None:
    """Add ``source --tactic--> target`` where target is a state name or an outcome word."""
    outcomes: dict[str, TacticOutcome] = {
        "proved": ProofComplete(),
        "error": TacticError(message="no"),
        "hang": TacticTimeout(timeout_s=1.0),
    }
    outcome = outcomes.get(target) or NewState(state=scripted_state(target))
    graph.add_outcome(key(source), tactic, outcome, score=score)


def test_proof_complete_proves_root() -> None:
    """A ProofComplete edge from the root makes it PROVED with distance 1."""
    graph = SearchGraph(scripted_state("A"))
    step(graph, "A", "t", "proved")
    assert graph.root.status is NodeStatus.PROVED
    assert graph.root.distance_to_proof == 1
    assert graph.shortest_proof() == (("t",), (scripted_state("A"),))
    graph.check_invariants()


def test_proof_propagates_through_all_parents() -> None:
    """When a merged child is proved, every parent becomes PROVED."""
    graph = SearchGraph(scripted_state("R"))
    step(graph, "R", "l", "L")
    step(graph, "R", "r", "M")
    step(graph, "L", "x", "C")
    step(graph, "M", "y", "C")
    assert len(graph) == 4
    step(graph, "C", "done", "proved")
    for name in ("R", "L", "M", "C"):
        assert graph.node(key(name)).status is NodeStatus.PROVED
    assert graph.remaining_steps_labels() == {key("C"): 1, key("L"): 2, key("M"): 2, key("R"): 3}
    graph.check_invariants()


def test_failure_needs_expansion_and_propagates_up() -> None:
    """A node fails only after expansion with all children dead, then its parents fail."""
    graph = SearchGraph(scripted_state("R"))
    step(graph, "R", "a", "A")
    step(graph, "R", "bad", "error")
    graph.finish_expansion(key("R"))
    assert status(graph, "R") is NodeStatus.OPEN
    step(graph, "A", "slow", "hang")
    step(graph, "A", "bad", "error")
    assert graph.node(key("A")).status is NodeStatus.OPEN
    graph.finish_expansion(key("A"))
    assert status(graph, "A") is NodeStatus.FAILED
    assert status(graph, "R") is NodeStatus.FAILED
    graph.check_invariants()


def test_expanded_without_children_fails() -> None:
    """A node expanded with zero successful children is FAILED."""
    graph = SearchGraph(scripted_state("R"))
    graph.finish_expansion(key("R"))
    assert graph.root.status is NodeStatus.FAILED
    assert graph.shortest_proof() is None
    graph.check_invariants()


def test_cycle_neither_proves_nor_fails() -> None:
    """A->B->A with no proof terminates and leaves both nodes OPEN, never PROVED."""
    graph = SearchGraph(scripted_state("A"))
    step(graph, "A", "go", "B")
    graph.finish_expansion(key("A"))
    step(graph, "B", "back", "A")
    step(graph, "B", "bad", "error")
    graph.finish_expansion(key("B"))
    assert graph.root.status is NodeStatus.OPEN
    assert graph.node(key("B")).status is NodeStatus.OPEN
    assert graph.root.distance_to_proof == math.inf
    graph.check_invariants()


def test_cycle_with_exit_proves_with_shortest_distances() -> None:
    """A cycle plus a real exit proves both nodes with correct distances."""
    graph = SearchGraph(scripted_state("A"))
    step(graph, "A", "go", "B")
    step(graph, "B", "back", "A")
    step(graph, "B", "close", "proved")
    assert graph.root.distance_to_proof == 2
    assert graph.node(key("B")).distance_to_proof == 1
    assert graph.shortest_proof() == (("go", "close"), (scripted_state("A"), scripted_state("B")))
    graph.check_invariants()


def test_self_loop_does_not_block_failure() -> None:
    """A tactic that returns the same state does not keep a dead node open."""
    graph = SearchGraph(scripted_state("A"))
    step(graph, "A", "noop", "A")
    step(graph, "A", "bad", "error")
    graph.finish_expansion(key("A"))
    assert graph.root.status is NodeStatus.FAILED
    graph.check_invariants()


def test_merge_keeps_first_path_best_score_and_shortest_depth() -> None:
    """Merged states keep the first proof_so_far, the best path_score and the least depth."""
    graph = SearchGraph(scripted_state("R"))
    step(graph, "R", "a", "A", score=-1.0)
    step(graph, "A", "b", "B", score=-1.0)
    step(graph, "B", "c", "C", score=-5.0)
    step(graph, "C", "d", "D", score=-1.0)
    assert graph.node(key("C")).depth == 3
    update = graph.add_outcome(
        key("R"), "shortcut", NewState(state=scripted_state("C")), score=-0.5
    )
    assert not update.created and update.score_improved
    assert set(update.depth_lowered) == {key("C"), key("D")}
    merged = graph.node(key("C"))
    assert merged.proof_so_far == ("a", "b", "c")
    assert merged.path_score == -0.5
    assert merged.depth == 1 and graph.node(key("D")).depth == 2
    assert len(graph) == 5
    graph.check_invariants()


def test_shortest_proof_prefers_fewer_steps() -> None:
    """The extracted proof is a shortest path to the proof-complete sentinel."""
    graph = SearchGraph(scripted_state("R"))
    step(graph, "R", "long", "A")
    step(graph, "A", "more", "B")
    step(graph, "B", "end", "proved")
    step(graph, "R", "short", "C")
    step(graph, "C", "end", "proved")
    proof = graph.shortest_proof()
    assert proof is not None and proof[0] == ("short", "end")
    assert graph.root.distance_to_proof == 2


def test_final_status_never_changes() -> None:
    """PROVED is final: adding failing evidence later does not change it."""
    graph = SearchGraph(scripted_state("A"))
    step(graph, "A", "t", "proved")
    step(graph, "A", "bad", "error")
    graph.finish_expansion(key("A"))
    assert graph.root.status is NodeStatus.PROVED
    graph.check_invariants()


def test_check_invariants_detects_corruption() -> None:
    """check_invariants rejects a proved node without proof and a status regression."""
    graph = SearchGraph(scripted_state("A"))
    step(graph, "A", "go", "B")
    graph.node(key("B")).status = NodeStatus.PROVED
    with pytest.raises(AssertionError, match="no proved child"):
        graph.check_invariants()
    other = SearchGraph(scripted_state("A"))
    step(other, "A", "t", "proved")
    other.check_invariants()
    other.root.status = NodeStatus.OPEN
    with pytest.raises(AssertionError):
        other.check_invariants()


def test_exports_carry_structure() -> None:
    """to_networkx and to_dot expose nodes, statuses, terminals and tactic labels."""
    graph = SearchGraph(scripted_state("A"))
    step(graph, "A", "go", "B")
    step(graph, "B", 'say "hi"', "proved")
    exported = graph.to_networkx()
    assert exported.nodes[key("A")]["status"] == "proved"
    assert exported.has_edge(key("B"), Terminal.PROOF_COMPLETE)
    dot = graph.to_dot()
    assert dot.startswith("digraph search {")
    assert "n0 -> n1" in dot and "n1 -> proof_complete" in dot
    assert 'say \\"hi\\"' in dot
    assert len(graph.edges) == 2


def test_tactics_tried_are_every_out_edge_of_the_node_whatever_its_outcome() -> None:
    """Errors, timeouts and new states all count as tried on their source, and only there."""
    graph = SearchGraph(scripted_state("R"))
    step(graph, "R", "bad", "error")
    step(graph, "R", "slow", "hang")
    step(graph, "R", "a", "A")
    step(graph, "R", "a'", "A")
    step(graph, "A", "bad", "error")
    assert graph.tactics_tried(key("R")) == {"bad", "slow", "a", "a'"}
    assert graph.tactics_tried(key("A")) == {"bad"}
