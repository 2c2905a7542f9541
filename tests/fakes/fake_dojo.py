"""A FAKE of LeanDojo's ``Dojo`` (same interface), driven by recorded Lean states.

``FakeDojo(theorem, timeout=...)`` is a context manager returning ``(dojo,
init_state)``; ``run_tac(state, tactic)`` returns real ``lean_dojo`` result objects
(``TacticState``/``ProofFinished``/``LeanError``/``ProofGivenUp``). Transitions come
from ``traced_tactics_sample.jsonl`` keyed by (theorem, tactic path). Special
tactics raise: ``fake_timeout`` → ``DojoTacticTimeoutError``, ``fake_crash`` →
``DojoCrashError("OOM")``; ``sorry`` → ``ProofGivenUp``. An unknown theorem name
raises ``DojoInitError`` on entry. Class attribute ``entries`` counts entries.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import TracebackType
from typing import Any

from fixture_data import DEFAULT_DATA, data_file

os.environ.setdefault("DISABLE_REMOTE_CACHE", "1")

from lean_dojo import LeanError, ProofFinished, ProofGivenUp, TacticState
from lean_dojo.interaction.dojo import (
    DojoCrashError,
    DojoInitError,
    DojoTacticTimeoutError,
)

DATA = Path(os.environ.get("FAKE_LEAN_DATA", str(DEFAULT_DATA)))


def _material() -> tuple[dict[str, str], dict[tuple[str, tuple[str, ...]], str]]:
    roots: dict[str, str] = {}
    transitions: dict[tuple[str, tuple[str, ...]], str] = {}
    sample = data_file(DATA, "traced_tactics_sample.jsonl")
    for line in sample.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        name = record["theorem"]
        if "sstrace" in record:
            steps = [(s["tactic"], s["state_after"]) for s in record["sstrace"]]
            roots.setdefault(name, record["sstrace"][0]["state_before"])
        else:
            befores = [s["state_before"] for s in record["trace"]] + ["no goals"]
            steps = [(s["tactic"], befores[i + 1]) for i, s in enumerate(record["trace"])]
            roots.setdefault(name, befores[0])
        path: tuple[str, ...] = ()
        for tactic, after in steps:
            path = (*path, tactic)
            transitions.setdefault((name, path), after)
    return roots, transitions


class FakeDojo:
    """Drop-in for ``lean_dojo.Dojo`` in tactic mode."""

    entries = 0

    def __init__(self, entry: Any, timeout: int = 600, **_: Any) -> None:
        self.entry = entry
        self.timeout = timeout
        self.roots, self.transitions = _material()
        self.paths: dict[int, tuple[str, ...]] = {}
        self.is_crashed = False
        self.has_timedout = False

    def __enter__(self) -> tuple[FakeDojo, TacticState]:
        name = self.entry.full_name
        if name not in self.roots:
            raise DojoInitError(f"Failed to locate the theorem with `{name}`")
        FakeDojo.entries += 1
        self.paths = {0: ()}
        return self, TacticState(self.roots[name], 0)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.paths = {}

    def run_tac(self, state: TacticState, tactic: str) -> Any:
        """Run ``tactic`` on ``state`` like ``Dojo.run_tac``."""
        if tactic == "fake_timeout":
            self.has_timedout = True
            raise DojoTacticTimeoutError()
        if tactic == "fake_crash":
            self.is_crashed = True
            raise DojoCrashError("OOM")
        if tactic == "sorry":
            return ProofGivenUp()
        path = (*self.paths[state.id], tactic)
        after = self.transitions.get((self.entry.full_name, path))
        if after is None:
            return LeanError(f"fake: tactic '{tactic}' is not in the recorded material")
        new_id = len(self.paths)
        self.paths[new_id] = path
        if after == "no goals":
            return ProofFinished(new_id)
        return TacticState(after, new_id)
