"""Fixtures of the soundness suite (the harness itself is in harness.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.soundness.harness import HostileCompletions, serve_hostile


@pytest.fixture
def hostile_server() -> Iterator[HostileCompletions]:
    """A loopback completions server returning ``hostile_server.tactics``."""
    with serve_hostile() as state:
        yield state
