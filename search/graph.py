"""The search graph: proof states merged by key, tactic edges, and final statuses.

Identical states reached by different paths are one node, so the structure is a
directed graph (cycles included), not a tree. Edge structure lives in a
``networkx.DiGraph`` whose nodes are state keys plus three :class:`Terminal`
sentinels. A node is PROVED once any out-edge reaches the proof-complete
sentinel or a proved node, and FAILED once it is expanded and every out-edge
reaches a failed node or an error/timeout terminal. Both statuses are final.
"""

from __future__ import annotations

import enum
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx

from search.outcomes import NewState, ProofComplete, TacticError, TacticOutcome
from search.states import ProofState

__all__ = ["ChildUpdate", "NodeStatus", "SearchEdge", "SearchGraph", "SearchNode", "Terminal"]


class NodeStatus(enum.Enum):
    """A node's status; PROVED and FAILED are final."""

    OPEN = "open"
    PROVED = "proved"
    FAILED = "failed"


class Terminal(enum.Enum):
    """Sentinel destinations of edges that do not lead to a proof state."""

    PROOF_COMPLETE = "proof_complete"
    ERROR = "error"
    TIMEOUT = "timeout"


@dataclass(kw_only=True, eq=False)
class SearchNode:
    """One proof state in the graph (mutable: the search updates it in place).

    ``depth`` is the shortest known distance from the root, ``proof_so_far`` the
    tactic path that first reached the node, ``path_score`` the best known sum of
    candidate scores along a path to it, ``distance_to_proof`` the length of the
    shortest proof found from it (``math.inf`` when none is known). ``stage`` is the next
    round of a staged generator to expand it with; ``expanded`` is set after the last.
    """

    state: ProofState
    status: NodeStatus = NodeStatus.OPEN
    depth: int
    proof_so_far: tuple[str, ...]
    path_score: float
    priority: float = 0.0
    second_priority: float | None = None
    remaining_steps: float | None = None
    expanded: bool = False
    stage: int = 0
    distance_to_proof: float = math.inf

    @property
    def key(self) -> str:
        """The state's merge key."""
        return self.state.key


@dataclass(frozen=True, kw_only=True)
class SearchEdge:
    """A tactic applied to ``source``, leading to a state key or a terminal."""

    tactic: str
    source: str
    destination: str | Terminal


@dataclass(frozen=True, kw_only=True)
class ChildUpdate:
    """What adding one outcome changed.

    ``key`` is the destination state's key (``None`` for a terminal); ``created``
    says the node is new; ``score_improved`` that an existing node got a better
    ``path_score``; ``depth_lowered`` lists every node whose depth decreased.
    """

    key: str | None
    created: bool = False
    score_improved: bool = False
    depth_lowered: tuple[str, ...] = ()


_FAILED_TERMINALS = (Terminal.ERROR, Terminal.TIMEOUT)


class SearchGraph:
    """Nodes keyed by ``ProofState.key``, edges in a ``networkx.DiGraph``."""

    def __init__(self, root: ProofState, *, priority: float = 0.0) -> None:
        self._nodes: dict[str, SearchNode] = {}
        self._edges: list[SearchEdge] = []
        self._digraph: Any = nx.DiGraph()
        self._digraph.add_nodes_from(Terminal)
        self._seen_statuses: dict[str, NodeStatus] = {}
        self.root_key = root.key
        self._insert(SearchNode(state=root, depth=0, proof_so_far=(), path_score=0.0))
        self._nodes[self.root_key].priority = priority

    # ----------------------------------------------------------------- access
    @property
    def root(self) -> SearchNode:
        """The node of the theorem's initial state."""
        return self._nodes[self.root_key]

    def node(self, key: str) -> SearchNode:
        """The node with merge key ``key`` (``KeyError`` if unknown)."""
        return self._nodes[key]

    def __contains__(self, key: object) -> bool:
        return key in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def __iter__(self) -> Iterator[SearchNode]:
        return iter(self._nodes.values())

    @property
    def edges(self) -> tuple[SearchEdge, ...]:
        """Every edge in insertion order (several tactics may join the same pair)."""
        return tuple(self._edges)

    def children(self, key: str) -> list[str | Terminal]:
        """Distinct destinations of ``key``'s out-edges, in insertion order."""
        return list(self._digraph.successors(key))

    def tactics_tried(self, key: str) -> set[str]:
        """Every tactic already run on ``key`` (each run adds an out-edge, whatever its outcome)."""
        return {
            tactic
            for destination in self._digraph.successors(key)
            for tactic in self._digraph.edges[key, destination]["tactics"]
        }

    # --------------------------------------------------------------- updates
    def add_outcome(
        self, source: str, tactic: str, outcome: TacticOutcome, *, score: float
    ) -> ChildUpdate:
        """Record ``tactic`` run on ``source`` with ``outcome`` and propagate statuses."""
        if isinstance(outcome, NewState):
            return self._add_state_edge(source, tactic, outcome.state, score)
        if isinstance(outcome, ProofComplete):
            terminal = Terminal.PROOF_COMPLETE
        elif isinstance(outcome, TacticError):
            terminal = Terminal.ERROR
        else:
            terminal = Terminal.TIMEOUT
        self._link(source, tactic, terminal)
        if terminal is Terminal.PROOF_COMPLETE:
            self._relax_distance(source, 1.0)
        return ChildUpdate(key=None)

    def finish_expansion(self, key: str) -> None:
        """Mark ``key`` expanded; it fails now if no out-edge can still lead to a proof."""
        node = self._nodes[key]
        node.expanded = True
        self._propagate_failure([key])

    def _add_state_edge(
        self, source: str, tactic: str, state: ProofState, score: float
    ) -> ChildUpdate:
        parent = self._nodes[source]
        key = state.key
        created = key not in self._nodes
        improved = False
        if created:
            self._insert(
                SearchNode(
                    state=state,
                    depth=parent.depth + 1,
                    proof_so_far=(*parent.proof_so_far, tactic),
                    path_score=parent.path_score + score,
                )
            )
        else:
            child = self._nodes[key]
            if parent.path_score + score > child.path_score:
                child.path_score = parent.path_score + score
                improved = True
        self._link(source, tactic, key)
        lowered = () if created else self._relax_depth(source, key)
        child = self._nodes[key]
        if child.status is NodeStatus.PROVED:
            self._relax_distance(source, child.distance_to_proof + 1)
        elif child.status is NodeStatus.FAILED:
            self._propagate_failure([source])
        return ChildUpdate(key=key, created=created, score_improved=improved, depth_lowered=lowered)

    def _insert(self, node: SearchNode) -> None:
        self._nodes[node.key] = node
        self._digraph.add_node(node.key)

    def _link(self, source: str, tactic: str, destination: str | Terminal) -> None:
        self._edges.append(SearchEdge(tactic=tactic, source=source, destination=destination))
        if self._digraph.has_edge(source, destination):
            self._digraph.edges[source, destination]["tactics"].append(tactic)
        else:
            self._digraph.add_edge(source, destination, tactics=[tactic])

    def _set_status(self, node: SearchNode, status: NodeStatus) -> None:
        if node.status is not NodeStatus.OPEN:
            raise AssertionError(f"status of a final node changed: {node.status} -> {status}")
        node.status = status
        self._seen_statuses[node.key] = status

    def _relax_depth(self, source: str, key: str) -> tuple[str, ...]:
        """Shortest-depth relaxation from ``source -> key`` through all descendants."""
        lowered: list[str] = []
        work = [(source, key)]
        while work:
            parent, child = work.pop()
            candidate = self._nodes[parent].depth + 1
            if candidate < self._nodes[child].depth:
                self._nodes[child].depth = candidate
                lowered.append(child)
                work.extend(
                    (child, grandchild)
                    for grandchild in self._digraph.successors(child)
                    if isinstance(grandchild, str)
                )
        return tuple(dict.fromkeys(lowered))

    def _relax_distance(self, key: str, distance: float) -> None:
        """Lower distances to the proof backwards from ``key``; finite means PROVED."""
        work = [(key, distance)]
        while work:
            current, candidate = work.pop()
            node = self._nodes[current]
            if candidate >= node.distance_to_proof:
                continue
            node.distance_to_proof = candidate
            if node.status is NodeStatus.OPEN:
                self._set_status(node, NodeStatus.PROVED)
            elif node.status is NodeStatus.FAILED:
                raise AssertionError(f"failed node {current!r} reaches a proof")
            work.extend((parent, candidate + 1) for parent in self._digraph.predecessors(current))

    def _propagate_failure(self, keys: list[str]) -> None:
        """Fail each expanded open node whose out-edges all lead to failure, upwards."""
        work = list(keys)
        while work:
            node = self._nodes[work.pop()]
            if node.status is not NodeStatus.OPEN or not node.expanded:
                continue
            if all(self._is_dead(child, node.key) for child in self._digraph.successors(node.key)):
                self._set_status(node, NodeStatus.FAILED)
                work.extend(p for p in self._digraph.predecessors(node.key) if p != node.key)

    def _is_dead(self, child: str | Terminal, source: str) -> bool:
        if isinstance(child, Terminal):
            return child in _FAILED_TERMINALS
        return child == source or self._nodes[child].status is NodeStatus.FAILED

    # ------------------------------------------------------------- analyses
    def shortest_proof(self) -> tuple[tuple[str, ...], tuple[ProofState, ...]] | None:
        """The shortest proof from the root: its tactics and the states it passes through."""
        if not nx.has_path(self._digraph, self.root_key, Terminal.PROOF_COMPLETE):
            return None
        path = nx.shortest_path(self._digraph, self.root_key, Terminal.PROOF_COMPLETE)
        tactics = tuple(
            self._digraph.edges[source, destination]["tactics"][0]
            for source, destination in itertools.pairwise(path)
        )
        states = tuple(self._nodes[key].state for key in path[:-1])
        return tactics, states

    def remaining_steps_labels(self) -> dict[str, int]:
        """For every state with a path to the proof, the length of its shortest proof."""
        reverse = self._digraph.reverse(copy=False)
        lengths = nx.single_source_shortest_path_length(reverse, Terminal.PROOF_COMPLETE)
        return {key: int(length) for key, length in lengths.items() if isinstance(key, str)}

    def proved(self) -> list[SearchNode]:
        """Every proved node, in insertion order."""
        return [node for node in self._nodes.values() if node.status is NodeStatus.PROVED]

    def to_networkx(self) -> Any:
        """A copy of the edge structure with node attributes, for analysis and pictures."""
        copy = self._digraph.copy()
        for key, node in self._nodes.items():
            copy.nodes[key].update(
                text=node.state.text,
                status=node.status.value,
                depth=node.depth,
                path_score=node.path_score,
                priority=node.priority,
                expanded=node.expanded,
                distance_to_proof=node.distance_to_proof,
            )
        return copy

    def to_dot(self) -> str:
        """The graph in Graphviz DOT text (states numbered in insertion order)."""
        ids: dict[str | Terminal, str] = {t: t.value for t in Terminal}
        ids.update({key: f"n{index}" for index, key in enumerate(self._nodes)})
        colours = {
            NodeStatus.OPEN: "white",
            NodeStatus.PROVED: "palegreen",
            NodeStatus.FAILED: "lightpink",
        }
        lines = ["digraph search {", "  node [shape=box, style=filled];"]
        for terminal in Terminal:
            lines.append(f'  {terminal.value} [label="{terminal.value}", shape=ellipse];')
        for key, node in self._nodes.items():
            label = _dot_escape(node.state.text or key)
            lines.append(f'  {ids[key]} [label="{label}", fillcolor={colours[node.status]}];')
        for edge in self._edges:
            label = _dot_escape(edge.tactic)
            lines.append(f'  {ids[edge.source]} -> {ids[edge.destination]} [label="{label}"];')
        lines.append("}")
        return "\n".join(lines) + "\n"

    def check_invariants(self) -> None:
        """Raise ``AssertionError`` if a status, distance or depth invariant is broken."""
        labels = self.remaining_steps_labels()
        depths = nx.single_source_shortest_path_length(self._digraph, self.root_key)
        for key, node in self._nodes.items():
            self._check_node(node, labels.get(key), depths.get(key))
        root_proved = self.root.status is NodeStatus.PROVED
        assert root_proved == (self.root_key in labels), "root proved iff a proof path exists"
        for key, status in self._seen_statuses.items():
            assert self._nodes[key].status is status, f"status of {key!r} regressed"

    def _check_node(self, node: SearchNode, label: int | None, depth: int | None) -> None:
        children = self.children(node.key)
        if node.status is NodeStatus.PROVED:
            assert any(
                child is Terminal.PROOF_COMPLETE
                or (isinstance(child, str) and self._nodes[child].status is NodeStatus.PROVED)
                for child in children
            ), f"proved node {node.key!r} has no proved child"
        if node.status is NodeStatus.FAILED:
            assert node.expanded, f"failed node {node.key!r} was never expanded"
            assert all(self._is_dead(child, node.key) for child in children), (
                f"failed node {node.key!r} has a child that is not failed"
            )
        assert (node.status is NodeStatus.PROVED) == (label is not None), (
            f"node {node.key!r} is {node.status.value} but proof path exists: {label is not None}"
        )
        if label is not None:
            assert node.distance_to_proof == label, f"distance of {node.key!r} is stale"
        assert node.depth == depth, f"depth of {node.key!r} is {node.depth}, shortest {depth}"
        if node.status is not NodeStatus.OPEN:
            self._seen_statuses.setdefault(node.key, node.status)


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
