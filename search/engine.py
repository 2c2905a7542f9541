"""Best-first proof search over any :class:`~search.protocols.ProofEnvironment`.

The loop pops the best open nodes, asks the generator for candidates for all of
them in one call, runs each node's candidates in descending score order, scores
the new children in one batch per expansion and queues them. It checks, after
every expansion and in this order: root proved, time limit, expansion limit,
empty frontier. A proof found in the step that exhausts a budget is reported as
PROVED (ReProver resets it to OPEN). Infrastructure errors become an ERROR result.
A staged generator (:class:`~search.protocols.StagedGenerator`) expands a node in
rounds: after each round but the last the node is queued again, behind its children.
``SearchConfig.resample_rounds`` adds rounds that ask the last stage again (a sampling
language model gives fresh tactics each time, seeded per round): the time a search would
leave unused once every candidate has been tried goes to new samples where they are
cheapest to try. A node's tactic is never run twice on it, and a round of the last stage
that brings no new tactic finishes the node, so a deterministic generator costs one call more.
Every generation request carries the search's deadline, so a slow generator (a
language model server) is cut at the time limit instead of overrunning it.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from search.config import SearchConfig
from search.errors import GeneratorError, ProverError
from search.frontier import Frontier
from search.graph import NodeStatus, SearchGraph, SearchNode
from search.outcomes import ProofComplete, TacticOutcome
from search.protocols import (
    GenerationRequest,
    NodeScorer,
    ProofEnvironment,
    SamplingSchedule,
    ScoreRequest,
    TacticGenerator,
    generation_stages,
)
from search.result import ProvedNode, SearchResult, SearchStatus, StopReason
from search.scoring import CumulativeScorer, FixedSchedule
from search.states import Candidate, Theorem

__all__ = ["MIN_TACTIC_TIMEOUT_S", "best_first_search", "derive_seed"]

MIN_TACTIC_TIMEOUT_S = 0.1
"""Floor of a tactic's timeout when little theorem time is left (project choice)."""

_SEED_MASK = (1 << 63) - 1


def derive_seed(base_seed: int, key: str) -> int:
    """A generator seed from the base seed and a state key (sha256; stable across runs)."""
    digest = hashlib.sha256(f"{base_seed}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & _SEED_MASK


def best_first_search(
    theorem: Theorem,
    env: ProofEnvironment,
    generator: TacticGenerator,
    *,
    config: SearchConfig,
    scorer: NodeScorer | None = None,
    schedule: SamplingSchedule | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> SearchResult:
    """Search for a proof of ``theorem``; never raises for infrastructure errors.

    ``scorer`` defaults to :class:`CumulativeScorer` and ``schedule`` to
    :class:`FixedSchedule` with ``config.num_candidates``. ``clock`` measures the
    time budget and the generator/backend/scorer time split.
    """
    search = _Search(
        theorem=theorem,
        env=env,
        generator=generator,
        config=config,
        scorer=scorer if scorer is not None else CumulativeScorer(),
        schedule=schedule if schedule is not None else FixedSchedule(config.num_candidates),
        clock=clock,
    )
    return search.run()


@dataclass(kw_only=True)
class _Timers:
    generator_s: float = 0.0
    backend_s: float = 0.0
    scorer_s: float = 0.0


class _Search:
    """One search's mutable state; :meth:`run` drives the loop."""

    def __init__(
        self,
        *,
        theorem: Theorem,
        env: ProofEnvironment,
        generator: TacticGenerator,
        config: SearchConfig,
        scorer: NodeScorer,
        schedule: SamplingSchedule,
        clock: Callable[[], float],
    ) -> None:
        self.theorem = theorem
        self.env = env
        self.generator = generator
        self.config = config
        self.scorer = scorer
        self.schedule = schedule
        self.stages = generation_stages(generator)
        self.clock = clock
        self.timers = _Timers()
        self.expansions = 0
        self.start = 0.0
        self.open_time_s = 0.0
        self.graph: SearchGraph | None = None
        self.frontier = Frontier(self._is_eligible)

    def run(self) -> SearchResult:
        """Open the theorem, then search; turn ``ProverError`` into an ERROR result.

        Opening (loading the header and the statement) has its own budget in the
        environment and its own figure, ``open_time_s``: the time limit and ``time_s``
        cover the search after the root is open, so that a slow header neither eats the
        search budget unseen nor hides in it.
        """
        self.start = self.clock()
        try:
            self._open_root()
            reason = self._loop()
        except ProverError as error:
            message = f"{type(error).__name__}: {error}"
            if self.graph is not None and self.graph.root.status is NodeStatus.PROVED:
                return self._result(StopReason.PROOF_FOUND, error=message)
            return self._result(StopReason.ERROR, error=message)
        return self._result(reason)

    # ------------------------------------------------------------ the loop
    def _open_root(self) -> None:
        try:
            root_state = self.env.open(self.theorem)
        finally:
            self.open_time_s = self.clock() - self.start
        self.start = self.clock()  # the time limit starts once the root is open
        self.graph = SearchGraph(root_state)
        self._score_and_push([root_state.key])

    def _loop(self) -> StopReason:
        while True:
            reason = self._stop_reason()
            if reason is not None:
                return reason
            batch = self.frontier.pop_batch(self.config.expansion_batch_size)
            if not batch:
                return StopReason.FRONTIER_EMPTY
            candidate_lists = self._generate(batch)
            if self._elapsed() >= self.config.time_limit_s:
                # The generator answered at (or was cut by) the deadline: an empty list
                # then means "no time", not "no candidates", so no node is closed.
                return StopReason.TIME_LIMIT
            for key, candidates in zip(batch, candidate_lists, strict=True):
                self._expand(key, candidates)
                reason = self._stop_reason()
                if reason is not None:
                    return reason

    def _stop_reason(self) -> StopReason | None:
        if self._graph.root.status is NodeStatus.PROVED:
            return StopReason.PROOF_FOUND
        if self._elapsed() >= self.config.time_limit_s:
            return StopReason.TIME_LIMIT
        limit = self.config.max_expansions
        if limit is not None and self.expansions >= limit:
            return StopReason.MAX_EXPANSIONS
        return None

    def _generate(self, batch: Sequence[str]) -> list[list[Candidate]]:
        requests = [self._generation_request(self._graph.node(key)) for key in batch]
        started = self.clock()
        try:
            results = self.generator.generate(requests)
        finally:
            self.timers.generator_s += self.clock() - started
        if len(results) != len(requests):
            raise GeneratorError(
                f"generator returned {len(results)} candidate lists for {len(requests)} requests"
            )
        return [list(candidates) for candidates in results]

    def _generation_request(self, node: SearchNode) -> GenerationRequest:
        elapsed = self._elapsed()
        fraction = min(1.0, elapsed / self.config.time_limit_s)
        count = self.schedule.num_candidates(
            elapsed_fraction=fraction, depth=node.depth, remaining_steps=node.remaining_steps
        )
        stage = min(node.stage, self.stages - 1)
        repeat = node.stage - stage  # 0 on the generator's own rounds
        seed_key = node.key if repeat == 0 else f"{node.key}\x00resample {repeat}"
        return GenerationRequest(
            theorem=self.theorem,
            state=node.state,
            proof_so_far=node.proof_so_far,
            num_candidates=count,
            seed=derive_seed(self.config.seed, seed_key),
            # The generator's clock is the real one even when tests pass a fake ``clock``.
            deadline=time.monotonic() + max(0.0, self.config.time_limit_s - elapsed),
            stage=stage,
        )

    def _expand(self, key: str, candidates: Sequence[Candidate]) -> None:
        """Run ``candidates`` on node ``key``, then score and queue what changed."""
        graph = self._graph
        self.expansions += 1
        touched: dict[str, None] = {}
        lowered: dict[str, None] = {}
        complete = True
        tried = graph.tactics_tried(key)
        fresh = [c for c in _unique_by_descending_score(candidates) if c.tactic not in tried]
        for candidate in fresh:
            if self._elapsed() >= self.config.time_limit_s:
                complete = False
                break
            outcome = self._run_tactic(key, candidate.tactic)
            update = graph.add_outcome(key, candidate.tactic, outcome, score=candidate.score)
            if update.key is not None and (update.created or update.score_improved):
                touched[update.key] = None
            lowered.update(dict.fromkeys(update.depth_lowered))
            if isinstance(outcome, ProofComplete) or graph.root.status is NodeStatus.PROVED:
                break
        last_round = self._last_round(graph.node(key).stage, brought_new=bool(fresh))
        if complete and last_round:
            graph.finish_expansion(key)
        self._score_and_push(list(touched))
        for lowered_key in lowered:
            if lowered_key not in touched and self._is_eligible(lowered_key):
                node = graph.node(lowered_key)
                self.frontier.push(lowered_key, node.priority, node.second_priority)
        if complete and not last_round:
            self._queue_next_round(key, candidates)

    def _last_round(self, stage: int, *, brought_new: bool) -> bool:
        """Whether round ``stage`` of a node is its last (a barren round of the last stage is)."""
        if stage >= self.stages - 1 and not brought_new:
            return True
        return stage + 1 >= self.stages + self.config.resample_rounds

    def _queue_next_round(self, key: str, candidates: Sequence[Candidate]) -> None:
        """Queue ``key`` again for its staged generator's next round (if still open).

        The next round is queued after this round's children, at the node's priority plus
        its worst finite candidate score of this round (never above the node's own
        priority): with cumulative scores that is behind every child this round created,
        so the late sources (a language model) are asked only where the cheap ones have
        been tried and left the node open.
        """
        node = self._graph.node(key)
        if node.status is not NodeStatus.OPEN:
            self._graph.finish_expansion(key)
            return
        node.stage += 1
        scores = [c.score for c in candidates if math.isfinite(c.score)]
        offset = min([0.0, *scores])
        node.priority += offset
        if node.second_priority is not None:
            node.second_priority += offset
        self.frontier.push(key, node.priority, node.second_priority)

    def _run_tactic(self, key: str, tactic: str) -> TacticOutcome:
        state = self._graph.node(key).state
        remaining = self.config.time_limit_s - self._elapsed()
        timeout_s = min(self.config.tactic_timeout_s, max(remaining, MIN_TACTIC_TIMEOUT_S))
        started = self.clock()
        try:
            return self.env.run_tactic(state, tactic, timeout_s=timeout_s)
        finally:
            self.timers.backend_s += self.clock() - started

    def _score_and_push(self, keys: Sequence[str]) -> None:
        nodes = [self._graph.node(key) for key in keys]
        nodes = [n for n in nodes if n.status is NodeStatus.OPEN and not n.expanded]
        if not nodes:
            return
        requests = [
            ScoreRequest(state=n.state, proof_so_far=n.proof_so_far, path_score=n.path_score)
            for n in nodes
        ]
        started = self.clock()
        try:
            scores = self.scorer.score(requests)
        finally:
            self.timers.scorer_s += self.clock() - started
        if len(scores) != len(requests):
            raise ValueError(f"scorer returned {len(scores)} scores for {len(requests)} nodes")
        for node, score in zip(nodes, scores, strict=True):
            node.priority = score.priority
            node.second_priority = score.second_priority
            node.remaining_steps = score.remaining_steps
            self.frontier.push(node.key, score.priority, score.second_priority)

    # ------------------------------------------------------------- helpers
    @property
    def _graph(self) -> SearchGraph:
        if self.graph is None:
            raise AssertionError("the search graph exists only after the theorem is opened")
        return self.graph

    def _is_eligible(self, key: str) -> bool:
        node = self._graph.node(key)
        return (
            node.status is NodeStatus.OPEN
            and not node.expanded
            and node.depth < self.config.max_depth
        )

    def _elapsed(self) -> float:
        return self.clock() - self.start

    def _result(self, reason: StopReason, *, error: str | None = None) -> SearchResult:
        proof: tuple[str, ...] | None = None
        proof_states: tuple[str, ...] = ()
        proved_nodes: tuple[ProvedNode, ...] = ()
        if self.graph is not None:
            found = self.graph.shortest_proof()
            if found is not None:
                proof, states = found
                proof_states = tuple(state.text for state in states)
            proved_nodes = _proved_nodes(self.graph)
        if proof is not None:
            status = SearchStatus.PROVED
        else:
            status = SearchStatus.ERROR if error is not None else SearchStatus.FAILED
        return SearchResult(
            status=status,
            stop_reason=reason,
            proof=proof,
            proof_states=proof_states,
            expansions=self.expansions,
            num_nodes=len(self.graph) if self.graph is not None else 0,
            time_s=self._elapsed() if self.graph is not None else 0.0,
            open_time_s=self.open_time_s,
            generator_time_s=self.timers.generator_s,
            backend_time_s=self.timers.backend_s,
            scorer_time_s=self.timers.scorer_s,
            error=error,
            proved_nodes=proved_nodes,
            graph=self.graph,
        )


def _proved_nodes(graph: SearchGraph) -> tuple[ProvedNode, ...]:
    labels = graph.remaining_steps_labels()
    return tuple(
        ProvedNode(
            state=node.state.text,
            proof_so_far=node.proof_so_far,
            remaining_steps=labels[node.key],
        )
        for node in graph.proved()
    )


def _unique_by_descending_score(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Candidates sorted by descending score (stable), keeping each tactic's first copy."""
    seen: dict[str, None] = {}
    unique: list[Candidate] = []
    for candidate in sorted(candidates, key=lambda c: -c.score):
        if candidate.tactic not in seen:
            seen[candidate.tactic] = None
            unique.append(candidate)
    return unique
