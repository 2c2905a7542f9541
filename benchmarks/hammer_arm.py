"""CoqHammer as a benchmark arm: ``intros`` then ``hammer`` within the theorem's budget.

CoqHammer (Debian ``libcoq-hammer``) gives ``hammer`` through ``From Hammer Require Import
Hammer.``; it calls the ATPs (``eprover``, ``cvc4``, ``z3`` from Debian) through the
``predict`` and ``htimeout`` programs that the package installs in its libexec folder, not
on PATH, so that folder is put on this process's PATH (coqtop and coqc inherit it). The
ATP and reconstruction limits are set from the budget. A proof counts only after the same
independent check as every other arm (the checked file re-runs ``hammer``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from prover.attempts.record import AttemptRecord
from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.backends.factory import DEFAULT_COQ_PRELUDE
from search.errors import ProverError
from search.outcomes import NewState, ProofComplete
from search.states import Theorem

__all__ = ["HAMMER_LIBEXEC", "hammer_attempt", "hammer_prelude"]

#: Where Debian's libcoq-hammer installs ``predict`` and ``htimeout``.
HAMMER_LIBEXEC = Path("/usr/libexec/coq-hammer")


def hammer_prelude(time_limit_s: float) -> str:
    """The project's prelude plus CoqHammer, its limits a share of the theorem's budget."""
    atp_s = max(1, round(time_limit_s / 2))
    reconstruction_s = max(1, round(time_limit_s / 4))
    return (
        f"{DEFAULT_COQ_PRELUDE} From Hammer Require Import Hammer. "
        f"Set Hammer ATPLimit {atp_s}. Set Hammer ReconstrLimit {reconstruction_s}."
    )


def _put_hammer_on_path() -> None:
    if not (HAMMER_LIBEXEC / "predict").is_file():
        raise SystemExit(f"CoqHammer not installed ({HAMMER_LIBEXEC}/predict missing): "
                         "apt-get install -y libcoq-hammer eprover cvc4 z3")  # fmt: skip
    path = os.environ.get("PATH", "")
    if str(HAMMER_LIBEXEC) not in path.split(os.pathsep):
        os.environ["PATH"] = f"{HAMMER_LIBEXEC}{os.pathsep}{path}"


def hammer_attempt(theorem: Theorem, *, time_limit_s: float) -> AttemptRecord:
    """One attempt: open, ``intros``, ``hammer`` with the rest of the budget, verify."""
    _put_hammer_on_path()
    started = time.monotonic()
    config = CoqConfig(prelude=hammer_prelude(time_limit_s))
    with CoqEnvironment(config) as environment:
        try:
            root = environment.open(theorem)
            state, proof = root, ["intros."]
            introduced = environment.run_tactic(root, "intros.", timeout_s=2.0)
            if isinstance(introduced, NewState):
                state = introduced.state
            elif not isinstance(introduced, ProofComplete):
                proof = []
            search_s = time.monotonic() - started
            left_s = max(1.0, time_limit_s - search_s)
            outcome = environment.run_tactic(state, "hammer.", timeout_s=left_s)
            search_s = time.monotonic() - started
            if not isinstance(outcome, ProofComplete):
                return _record(theorem, "failed", search_s, error=str(outcome))
            verification = environment.verify(theorem, [*proof, "hammer."])
        except ProverError as exc:
            return _record(theorem, "error", time.monotonic() - started, error=str(exc))
    if not verification.ok:
        return _record(theorem, "failed", search_s, error=f"verification: {verification.message}")
    return AttemptRecord(
        name=theorem.name,
        attempt=0,
        seed=0,
        status="proved",
        proof=(*proof, "hammer."),
        proof_text=verification.proof_text,
        verified=True,
        expansions=1,
        time_s=round(search_s, 4),
        verify_time_s=round(verification.time_s, 4),
        checked_by=verification.checks,
    )


def _record(theorem: Theorem, status: str, time_s: float, *, error: str) -> AttemptRecord:
    return AttemptRecord(
        name=theorem.name,
        attempt=0,
        seed=0,
        status=status,
        expansions=0 if status == "error" else 1,
        time_s=round(time_s, 4),
        error=error[:500],
    )
