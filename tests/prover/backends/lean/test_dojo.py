"""The LeanDojo backend against a fake Dojo that returns real lean_dojo objects."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

os.environ.setdefault("DISABLE_REMOTE_CACHE", "1")
pytest.importorskip("lean_dojo", reason="lean-dojo is not installed (pip install '.[lean]')")

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "fakes"))
from fake_dojo import FakeDojo

from prover.backends.lean.dojo import LeanDojoConfig, LeanDojoEnvironment
from search.errors import BackendCrashed, BackendUnavailable, StatementError
from search.outcomes import NewState, ProofComplete, TacticError, TacticTimeout
from search.protocols import ProofEnvironment
from search.states import Theorem

HEADER = "import Mathlib\n"


def _theorem(name: str) -> Theorem:
    return Theorem(name=name, header=HEADER, statement=f"theorem {name} : True := by")


@pytest.fixture
def environment(tmp_path: Path) -> Iterator[LeanDojoEnvironment]:
    """A LeanDojo environment with the fake Dojo injected."""
    checked: list[tuple[Any, str]] = []

    def checker(entry: Any, proof: str) -> bool:
        checked.append((entry, proof))
        return True

    env = LeanDojoEnvironment(
        LeanDojoConfig(project_dir=tmp_path),
        dojo_factory=FakeDojo,
        entry_factory=lambda theorem: SimpleNamespace(full_name=theorem.name),
        proof_checker=checker,
    )
    with env:
        yield env


def test_is_a_proof_environment(environment: LeanDojoEnvironment) -> None:
    """The LeanDojo backend satisfies the ProofEnvironment protocol."""
    assert isinstance(environment, ProofEnvironment)


def test_two_step_proof_and_verification(environment: LeanDojoEnvironment) -> None:
    """TacticState maps to NewState with parsed goals, ProofFinished to ProofComplete."""
    root = environment.open(_theorem("amc12_2001_p5"))
    assert root.num_goals == 1
    step = environment.run_tactic(root, "ring_nf", timeout_s=10)
    assert isinstance(step, NewState) and "10000!" in step.state.goals[0].conclusion
    assert isinstance(environment.run_tactic(step.state, "norm_cast", timeout_s=10), ProofComplete)
    verification = environment.verify(_theorem("amc12_2001_p5"), ["ring_nf", "norm_cast"])
    assert verification.ok and "ring_nf\n  norm_cast" in verification.proof_text


def test_lean_error_and_gave_up(environment: LeanDojoEnvironment) -> None:
    """LeanError becomes TacticError; sorry is rejected before reaching the Dojo."""
    root = environment.open(_theorem("mathd_algebra_478"))
    failed = environment.run_tactic(root, "simp", timeout_s=10)
    assert isinstance(failed, TacticError) and "not in the recorded" in failed.message
    rejected = environment.run_tactic(root, "sorry", timeout_s=10)
    assert isinstance(rejected, TacticError) and rejected.message.startswith("rejected:")


def test_timeout_reenters_a_new_dojo_and_replays(environment: LeanDojoEnvironment) -> None:
    """DojoTacticTimeoutError → TacticTimeout, then old states work in a new Dojo."""
    step = environment.run_tactic(
        environment.open(_theorem("amc12_2001_p5")), "ring_nf", timeout_s=10
    )
    assert isinstance(step, NewState)
    entries = FakeDojo.entries
    assert isinstance(
        environment.run_tactic(step.state, "fake_timeout", timeout_s=5), TacticTimeout
    )
    assert FakeDojo.entries == entries + 1
    assert isinstance(environment.run_tactic(step.state, "norm_cast", timeout_s=10), ProofComplete)


def test_crash_is_backend_crashed_noting_oom(environment: LeanDojoEnvironment) -> None:
    """DojoCrashError raises BackendCrashed mentioning out of memory; the Dojo restarts."""
    root = environment.open(_theorem("mathd_algebra_478"))
    with pytest.raises(BackendCrashed, match="out of memory"):
        environment.run_tactic(root, "fake_crash", timeout_s=10)
    assert isinstance(environment.run_tactic(root, "nlinarith", timeout_s=10), ProofComplete)


def test_init_error_is_statement_error(environment: LeanDojoEnvironment) -> None:
    """DojoInitError on entry becomes a StatementError naming the theorem."""
    with pytest.raises(StatementError, match="no_such_theorem"):
        environment.open(_theorem("no_such_theorem"))


def test_verification_rejects_sorry_and_native_decide(environment: LeanDojoEnvironment) -> None:
    """Without an axiom audit, sorry and native_decide are rejected by the text scan."""
    theorem = _theorem("mathd_algebra_478")
    assert not environment.verify(theorem, ["sorry"]).ok
    assert not environment.verify(theorem, ["native_decide"]).ok


def test_missing_project_dir(tmp_path: Path) -> None:
    """A missing project directory is BackendUnavailable naming it."""
    with pytest.raises(BackendUnavailable, match="nowhere"):
        LeanDojoEnvironment(LeanDojoConfig(project_dir=tmp_path / "nowhere"))
