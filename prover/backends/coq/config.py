"""How the Coq backend runs: binaries, memory cap, time limits and the prelude."""

from __future__ import annotations

from dataclasses import dataclass

from prover.backends.sandbox import DEFAULT_SANDBOX, require_sandbox_mode
from search.errors import ConfigError
from search.process import DEFAULT_MEMORY_LIMIT_MB
from search.validation import require_memory_limit

__all__ = ["FIXED_COQCHK", "PROVER_STACK_MB", "CoqConfig"]

FIXED_COQCHK = "coqchk-fixed"
"""The kernel checker verification runs by default: Coq 8.16.1's coqchk rebuilt with the fixes
for coq/coq#22378 and #21051 (``bash scripts/build_coqchk.sh``, which ``scripts/setup.sh``
runs). Stock 8.16.1 coqchk accepts false proofs through let-ins in a constructor context and
through module strengthening (docs/soundness.md, red-team rounds 24-28);
``coqchk_path="coqchk"`` runs it anyway."""

PROVER_STACK_MB = 5
"""The stack limit every coqtop, coqc and coqchk of the backend runs with (not the inherited
one), so that the search reads a header as verification does; verification refuses a coqc
that reached it (:mod:`prover.backends.coq.limit_trace`). Below the usual 8 MB on purpose: the
stack a program can use is its limit minus what ``exec`` puts on top (arguments and
environment, at most a quarter of the limit, and a random offset of up to 8 KB), so a run
that never reached 5 MB needs less than any coqc under a limit of 8 MB or more has, whatever
its environment (red-team round ninety-six: at exactly 8 MB, a user's larger environment
read a header otherwise)."""


@dataclass(frozen=True, kw_only=True)
class CoqConfig:
    """How to run Coq: binaries, memory cap, time limits (seconds) and an optional prelude.

    ``prelude`` (e.g. ``"Require Import Lra Lia Psatz."``) is loaded inside every proof,
    right after ``Proof.``, in the interactive session and in verification alike, so that
    the statement is read as its header alone gives it.
    ``open_timeout_s`` is the budget of opening a theorem (header, statement, prelude),
    separate from the search's time limit; the time it took is reported as
    ``open_time_s``. ``restart_attempts`` is how many times a dead coqtop is restarted
    and brought back to the theorem before the backend counts as broken.
    ``tactic_grace_s`` is how long past a tactic's timeout the watchdog waits for Coq's own
    ``Timeout`` to answer before it kills coqtop (1 s; 5 s cost searches up to 9.5 s past
    their limit with no gain: docs/backends/coq.md).
    ``coqchk_path`` is the last check's kernel checker (:data:`FIXED_COQCHK`).
    ``sandbox`` is where coqtop, coqc and coqchk run: ``off`` (as they are) or ``bwrap``
    (:mod:`prover.backends.sandbox`: read-only file system but their working directory,
    no network, its own process namespace; the default of every command).
    """

    coqtop_path: str = "coqtop"
    coqc_path: str = "coqc"
    coqchk_path: str = FIXED_COQCHK
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB
    start_timeout_s: float = 30.0
    command_timeout_s: float = 120.0
    verify_timeout_s: float = 300.0
    tactic_grace_s: float = 1.0
    open_timeout_s: float = 60.0
    prelude: str = ""
    restart_attempts: int = 2
    sandbox: str = DEFAULT_SANDBOX

    def __post_init__(self) -> None:
        for field_name in ("coqtop_path", "coqc_path", "coqchk_path"):
            if not getattr(self, field_name).strip():
                raise ConfigError(f"CoqConfig.{field_name} must be a non-empty path")
        require_memory_limit("CoqConfig.memory_limit_mb", self.memory_limit_mb)
        require_sandbox_mode("CoqConfig.sandbox", self.sandbox)
        for field_name in (
            "start_timeout_s",
            "command_timeout_s",
            "verify_timeout_s",
            "open_timeout_s",
        ):
            value = getattr(self, field_name)
            if not value > 0:
                raise ConfigError(f"CoqConfig.{field_name} must be > 0, got {value!r}")
        if not self.tactic_grace_s >= 0:
            raise ConfigError(f"CoqConfig.tactic_grace_s must be >= 0, got {self.tactic_grace_s!r}")
        if self.restart_attempts < 1:
            raise ConfigError(
                f"CoqConfig.restart_attempts must be >= 1, got {self.restart_attempts!r}"
            )
