"""Fixtures of the soundness suite (the harness itself is in harness.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest

from tests.soundness.harness import HostileCompletions, handler_for


@pytest.fixture
def hostile_server() -> Iterator[HostileCompletions]:
    """A loopback completions server returning ``hostile_server.tactics``."""
    state = HostileCompletions()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
