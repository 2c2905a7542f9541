"""The frontier: a max-priority queue of node keys with deterministic tie-breaking.

Entries are ordered by ``(-priority, insertion counter)``, so equal priorities pop
in the order they were pushed. Pushing a key again supersedes its earlier entry
(lazy deletion). Popping skips keys the ``is_eligible`` predicate rejects, for
example nodes that are no longer OPEN or were already expanded.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable

__all__ = ["Frontier"]


def _always(key: str) -> bool:
    return True


class Frontier:
    """Best-first queue of state keys; the highest priority pops first."""

    def __init__(self, is_eligible: Callable[[str], bool] = _always) -> None:
        self._heap: list[tuple[float, int, str]] = []
        self._latest: dict[str, int] = {}
        self._counter = itertools.count()
        self._is_eligible = is_eligible

    def push(self, key: str, priority: float) -> None:
        """Queue ``key`` with ``priority``, replacing any earlier entry for it.

        A NaN priority is treated as ``-inf`` so that it cannot corrupt the heap order.
        """
        if math.isnan(priority):
            priority = -math.inf
        counter = next(self._counter)
        self._latest[key] = counter
        heapq.heappush(self._heap, (-priority, counter, key))

    def pop(self) -> str | None:
        """The best eligible key, or ``None`` when none is left."""
        while self._heap:
            _, counter, key = heapq.heappop(self._heap)
            if self._latest.get(key) != counter:
                continue
            del self._latest[key]
            if self._is_eligible(key):
                return key
        return None

    def pop_batch(self, size: int) -> list[str]:
        """Up to ``size`` eligible keys, best first."""
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
