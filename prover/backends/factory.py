"""Build a proof environment from the backend the user chose (``--backend``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prover.backends.sandbox import DEFAULT_SANDBOX, require_sandbox_mode
from search.errors import ConfigError
from search.protocols import ProofEnvironment
from search.validation import require_memory_limit

if TYPE_CHECKING:
    from prover.backends.coq.config import CoqConfig

__all__ = [
    "BACKEND_LANGUAGES",
    "DEFAULT_COQ_PRELUDE",
    "BackendConfig",
    "coq_config",
    "open_environment",
]

#: Tactic libraries loaded after every Coq header, so that lia/lra/nra/nia exist for every
#: statement (151 miniF2F-Coq headers import Reals without Lra). ZifyNat teaches lia nat's
#: division and modulo (as Euclidean division equations; without it `lia` fails on
#: `n mod 5 = 3 -> 2 * n mod 5 = 1`): 63 -> 79 portfolio proofs on miniF2F-Coq valid
#: (docs/backends/coq.md). It adds no axiom and leaves the statement untouched; the
#: verified file contains it too.
DEFAULT_COQ_PRELUDE = "Require Import Lia Lra Psatz ZifyNat."

#: Backend name → the proof language its tactics are written in.
BACKEND_LANGUAGES = {"coq": "coq", "lean-repl": "lean4", "leandojo": "lean4"}


@dataclass(frozen=True, kw_only=True)
class BackendConfig:
    """Which proof assistant to drive and how to start it.

    Attributes:
        name: ``--backend``: ``coq``, ``lean-repl`` or ``leandojo``.
        lean_repl_command: ``--lean-repl-cmd``, already split into argv (None: the
            REPL backend's default, ``lake env repl``).
        lean_project: ``--lean-project``: the Lean project directory.
        memory_limit_mb: ``--memory-limit-mb``; None keeps each backend's own default cap
            (:class:`~prover.backends.coq.config.CoqConfig`: 8 GB,
            :class:`~prover.backends.lean.repl_config.LeanReplConfig`: 16 GB).
        coq_prelude: ``--coq-prelude``: sentences loaded inside every Coq proof.
        sandbox: ``--sandbox``: ``off`` or ``bwrap`` (coqtop, coqc and coqchk, or the Lean
            REPL and its kernel check, in bubblewrap: :mod:`prover.backends.sandbox`; the
            default); leandojo runs unsandboxed only when given ``off``.
    """

    name: str = "coq"
    lean_repl_command: tuple[str, ...] | None = None
    lean_project: Path | None = None
    memory_limit_mb: int | None = None
    coq_prelude: str = DEFAULT_COQ_PRELUDE
    sandbox: str = DEFAULT_SANDBOX

    def __post_init__(self) -> None:
        if self.name not in BACKEND_LANGUAGES:
            known = ", ".join(BACKEND_LANGUAGES)
            raise ConfigError(f"--backend must be one of {known}, got {self.name!r}")
        require_memory_limit("memory_limit_mb", self.memory_limit_mb)
        require_sandbox_mode("--sandbox", self.sandbox)
        if self.sandbox != "off" and self.name == "leandojo":
            raise ConfigError(
                f"--sandbox {self.sandbox} runs Coq's and the Lean REPL's processes; the "
                "leandojo backend runs unsandboxed: pass --sandbox off to accept that"
            )
        if self.lean_repl_command is not None and not all(self.lean_repl_command):
            raise ConfigError(f"lean_repl_command must be non-empty, got {self.lean_repl_command}")

    @property
    def language(self) -> str:
        """The proof language of this backend ("coq" or "lean4")."""
        return BACKEND_LANGUAGES[self.name]


def _memory(config: BackendConfig) -> dict[str, Any]:
    """Only what the user set is passed on: every other value is the backend's default."""
    return {} if config.memory_limit_mb is None else {"memory_limit_mb": config.memory_limit_mb}


def coq_config(config: BackendConfig) -> CoqConfig:
    """The CoqConfig of ``config`` (prelude, sandbox, memory cap), for every Coq process
    the prover starts: the search's environment and the header learner's replays."""
    from prover.backends.coq.config import CoqConfig

    return CoqConfig(prelude=config.coq_prelude, sandbox=config.sandbox, **_memory(config))


def open_environment(config: BackendConfig) -> ProofEnvironment:
    """Create the environment ``config`` names; the caller must ``close()`` it."""
    if config.name == "coq":
        from prover.backends.coq.environment import CoqEnvironment

        return CoqEnvironment(coq_config(config))
    memory = _memory(config)
    if config.name == "lean-repl":
        from prover.backends.lean.repl import LeanReplEnvironment
        from prover.backends.lean.repl_config import LeanReplConfig

        command: dict[str, Any] = (
            {} if config.lean_repl_command is None else {"repl_command": config.lean_repl_command}
        )
        return LeanReplEnvironment(
            LeanReplConfig(
                project_dir=config.lean_project, sandbox=config.sandbox, **command, **memory
            )
        )
    from prover.backends.lean.dojo import LeanDojoConfig, LeanDojoEnvironment

    if config.lean_project is None:
        raise ConfigError("--backend leandojo needs --lean-project DIR (a git repository)")
    return LeanDojoEnvironment(LeanDojoConfig(project_dir=config.lean_project))
