"""The frontier: a max-priority queue of node keys, optionally alternating two orders.

Entries are ordered by ``(-priority, insertion counter)``, so equal priorities pop
in the order they were pushed. Pushing a key again supersedes its earlier entry
(lazy deletion). Popping skips keys the ``is_eligible`` predicate rejects, for
example nodes that are no longer OPEN or were already expanded.

A key pushed with a ``second_priority`` is queued in a second order too, and pops
then alternate between the two orders (one from each in turn, the first order
first), as planners alternate open lists of different heuristics (Röger and Helmert,
ICAPS 2010). The search uses it to take turns between the progress model's order and
the generator's own scores: a node the generator ranks well is reached after roughly
twice the expansions it needs alone, however wrong the predictions are (not a strict
bound: nodes the first order's expansions create join the second order too). A key
popped from one order is gone from both.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable

__all__ = ["Frontier"]

_Heap = list[tuple[float, int, str]]


def _always(key: str) -> bool:
    return True


class Frontier:
    """Best-first queue of state keys; the highest priority pops first."""

    def __init__(self, is_eligible: Callable[[str], bool] = _always) -> None:
        self._heaps: tuple[_Heap, _Heap] = ([], [])
        self._latest: dict[str, int] = {}
        self._counter = itertools.count()
        self._is_eligible = is_eligible
        self._turn = 0

    def push(self, key: str, priority: float, second_priority: float | None = None) -> None:
        """Queue ``key`` with ``priority`` (and in the second order with ``second_priority``),
        replacing any earlier entry for it.

        A NaN priority is treated as ``-inf`` so that it cannot corrupt the heap order.
        """
        counter = next(self._counter)
        self._latest[key] = counter
        heapq.heappush(self._heaps[0], (-_ordered(priority), counter, key))
        if second_priority is not None:
            heapq.heappush(self._heaps[1], (-_ordered(second_priority), counter, key))

    def pop(self) -> str | None:
        """The best eligible key of the order whose turn it is, or ``None`` when none is left.

        When the order whose turn it is has no live key, the other one answers.
        """
        first = self._turn
        for order in (first, 1 - first):
            key = self._pop_from(self._heaps[order])
            if key is not None:
                self._turn = 1 - order
                return key
        return None

    def pop_batch(self, size: int) -> list[str]:
        """Up to ``size`` eligible keys, taken in turn as :meth:`pop` takes them."""
        batch: list[str] = []
        while len(batch) < size:
            key = self.pop()
            if key is None:
                break
            batch.append(key)
        return batch

    def __len__(self) -> int:
        """Queued keys (some may turn out ineligible when popped)."""
        return len(self._latest)

    def __contains__(self, key: object) -> bool:
        return key in self._latest

    def _pop_from(self, heap: _Heap) -> str | None:
        while heap:
            _, counter, key = heapq.heappop(heap)
            if self._latest.get(key) != counter:
                continue  # superseded, or already popped from the other order
            del self._latest[key]
            if self._is_eligible(key):
                return key
        return None


def _ordered(priority: float) -> float:
    return -math.inf if math.isnan(priority) else priority
