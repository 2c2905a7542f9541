"""Limits of the HTTP layer, importable without FastAPI (the CLI and the config use them)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.errors import ConfigError
from search.validation import require_positive

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_INPUT_CHARS",
    "MAX_NAME_CHARS",
    "MAX_PREFIX_CHARS",
    "MAX_PROOF_ITEMS",
    "MAX_PROOF_ITEM_CHARS",
    "HttpLimits",
]

MAX_BODY_BYTES = 1 << 20
"""Largest request body read (1 MiB); a larger one is answered 413."""

MAX_INPUT_CHARS = 100_000
"""Largest goal, state, header or statement accepted, in characters."""

MAX_NAME_CHARS = 256
MAX_PREFIX_CHARS = 1024
MAX_PROOF_ITEMS = 1000
MAX_PROOF_ITEM_CHARS = 10_000

_ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+")


@dataclass(frozen=True, kw_only=True)
class HttpLimits:
    """What the HTTP layer accepts, and how long it waits.

    ``allow_origins``: browser origins (``scheme://host[:port]``) allowed to call the
    server; a request carrying any other ``Origin`` header is refused (403). Empty by
    default: no web page can drive the server.
    ``max_body_bytes``: larger bodies get 413; up to ``drain_limit_bytes`` they are read
    and dropped first, so that the client sees the answer.
    ``body_timeout_s``: a body not complete by then gets 408 (a stalled client).
    ``request_timeout_s``: ``/generate``, ``/encode`` and ``/progress`` answer 504 after it;
    ``/search`` after its ``time_limit_s`` plus ``search_grace_s`` (header loading and
    verification).
    ``worker_threads``: requests computed at once; ``max_connections``: open connections
    (more get 503 from the server).
    """

    allow_origins: tuple[str, ...] = ()
    max_body_bytes: int = MAX_BODY_BYTES
    drain_limit_bytes: int = 8 * MAX_BODY_BYTES
    body_timeout_s: float = 60.0
    request_timeout_s: float = 120.0
    search_grace_s: float = 300.0
    worker_threads: int = 64
    max_connections: int = 512

    def __post_init__(self) -> None:
        for origin in self.allow_origins:
            if not _ORIGIN.fullmatch(origin):
                raise ConfigError(
                    f"--allow-origin must be scheme://host[:port] (no path, no '*'), got {origin!r}"
                )
        for name in ("body_timeout_s", "request_timeout_s", "search_grace_s"):
            require_positive(name, getattr(self, name))
        for name in ("max_body_bytes", "worker_threads", "max_connections"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if self.drain_limit_bytes < self.max_body_bytes:
            raise ConfigError(
                f"drain_limit_bytes ({self.drain_limit_bytes}) must be at least "
                f"max_body_bytes ({self.max_body_bytes})"
            )
