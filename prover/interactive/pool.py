"""A bounded pool of proof environments shared by the server's ``/search`` requests.

Environments are not thread-safe, so each request borrows one for itself. They are
created on first use (starting coqtop costs a second; a server that never searches
never starts one) and closed once, when the server stops, after the requests that
hold one have given it back (or a bounded wait has passed).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator

from search.errors import ConfigError, ProverError
from search.protocols import ProofEnvironment

__all__ = ["EnvironmentPool", "PoolBusy", "PoolClosed"]

logger = logging.getLogger(__name__)


class PoolBusy(ProverError):
    """Every environment stayed borrowed for the whole wait."""


class PoolClosed(ProverError):
    """The pool is closed: the server is shutting down."""


class EnvironmentPool:
    """At most ``size`` proof environments, created on first use and borrowed one at a time."""

    def __init__(self, factory: Callable[[], ProofEnvironment], *, size: int = 1) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ConfigError(f"search workers must be a positive integer, got {size!r}")
        self.size = size
        self._factory = factory
        self._idle: queue.LifoQueue[ProofEnvironment | None] = queue.LifoQueue()
        for _ in range(size):
            self._idle.put(None)
        self._created: list[ProofEnvironment] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextlib.contextmanager
    def borrow(self, *, wait_s: float) -> Iterator[ProofEnvironment]:
        """An environment for this thread alone; ``PoolBusy`` if none frees up within ``wait_s``."""
        if self._closed:
            raise PoolClosed("the server is shutting down")
        try:
            environment = self._idle.get(timeout=wait_s)
        except queue.Empty:
            raise PoolBusy(
                f"every search worker stayed busy for {wait_s:g} s; retry later"
            ) from None
        try:
            if environment is None:
                environment = self._create()
            yield environment
        finally:
            self._idle.put(environment)

    def _create(self) -> ProofEnvironment:
        with self._lock:
            if self._closed:
                raise PoolClosed("the server is shutting down")
            environment = self._factory()
            self._created.append(environment)
            return environment

    def close(self, *, wait_s: float = 30.0) -> None:
        """Close every environment created so far, after waiting up to ``wait_s`` for borrowers.

        New borrowers are refused from the first call on; a second call does nothing.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
        deadline = time.monotonic() + wait_s
        while self._idle.qsize() < self.size and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._idle.qsize() < self.size:
            logger.warning("closing environments still borrowed after %.0f s", wait_s)
        with self._lock:
            created, self._created = self._created, []
        for environment in created:
            try:
                environment.close()
            except ProverError as exc:
                logger.warning("closing an environment failed: %s", exc)
