"""Build a proof environment from the backend the user chose (``--backend``)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from search.errors import ConfigError
from search.protocols import ProofEnvironment

__all__ = ["BACKEND_LANGUAGES", "DEFAULT_COQ_PRELUDE", "BackendConfig", "open_environment"]

#: Tactic libraries loaded after every Coq header, so that lia/lra/nra/nia exist for every
#: statement (151 miniF2F-Coq headers import Reals without Lra). It adds no axiom and leaves
#: the statement untouched; the verified file contains it too.
DEFAULT_COQ_PRELUDE = "Require Import Lia Lra Psatz."

#: Backend name → the proof language its tactics are written in.
BACKEND_LANGUAGES = {"coq": "coq", "lean-repl": "lean4", "leandojo": "lean4"}


@dataclass(frozen=True, kw_only=True)
class BackendConfig:
    """Which proof assistant to drive and how to start it."""

    name: str = "coq"
    lean_repl_command: str | None = None
    lean_project: Path | None = None
    memory_limit_mb: int = 8192
    coq_prelude: str = DEFAULT_COQ_PRELUDE

    def __post_init__(self) -> None:
        if self.name not in BACKEND_LANGUAGES:
            known = ", ".join(BACKEND_LANGUAGES)
            raise ConfigError(f"--backend must be one of {known}, got {self.name!r}")
        if self.memory_limit_mb < 256:
            raise ConfigError(f"memory_limit_mb must be at least 256, got {self.memory_limit_mb}")

    @property
    def language(self) -> str:
        """The proof language of this backend ("coq" or "lean4")."""
        return BACKEND_LANGUAGES[self.name]


def open_environment(config: BackendConfig) -> ProofEnvironment:
    """Create the environment ``config`` names; the caller must ``close()`` it."""
    if config.name == "coq":
        from prover.backends.coq.environment import CoqConfig, CoqEnvironment

        return CoqEnvironment(
            CoqConfig(memory_limit_mb=config.memory_limit_mb, prelude=config.coq_prelude)
        )
    if config.name == "lean-repl":
        from prover.backends.lean.repl import LeanReplConfig, LeanReplEnvironment

        command = shlex.split(config.lean_repl_command or "lake env repl")
        return LeanReplEnvironment(
            LeanReplConfig(
                repl_command=tuple(command),
                project_dir=config.lean_project,
                memory_limit_mb=config.memory_limit_mb,
            )
        )
    from prover.backends.lean.dojo import LeanDojoConfig, LeanDojoEnvironment

    if config.lean_project is None:
        raise ConfigError("--backend leandojo needs --lean-project DIR (a git repository)")
    return LeanDojoEnvironment(LeanDojoConfig(project_dir=config.lean_project))
