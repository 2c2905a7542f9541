"""``--backend leandojo``: Lean 4 through LeanDojo's ``Dojo`` (legacy backend).

LeanDojo is deprecated upstream and works only up to about Lean 4.18 (see
``docs/backends/lean.md``); prefer ``--backend lean-repl``. ``lean_dojo`` has import-time
side effects (it checks git, creates its cache, reconfigures loguru), so it is
imported lazily here only, with ``DISABLE_REMOTE_CACHE=1`` set first (required
offline). The ``Dojo`` class is injected (``dojo_factory``) so the mapping can be
tested against a fake with the same interface.

Outcome mapping: ``TacticState`` → :class:`NewState` (goals parsed from ``pp``),
``ProofFinished`` → :class:`ProofComplete`, ``LeanError`` → :class:`TacticError`,
``ProofGivenUp`` → ``TacticError("gave up")``. ``DojoInitError`` → StatementError,
other start-up failures → BackendUnavailable; ``DojoTacticTimeoutError`` → the
context is left and a new Dojo entered (states are replayed along their path) →
:class:`TacticTimeout`; ``DojoCrashError`` → the Dojo is restarted, then
BackendCrashed (noting out-of-memory). Results and errors are matched by class
name so that fakes need not subclass LeanDojo's types.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prover.backends.lean.goals import parse_goals
from prover.backends.lean.text import assemble_proof, proof_text_rejection, tactic_rejection
from search.closing import Closing
from search.errors import (
    BackendCrashed,
    BackendUnavailable,
    ConfigError,
    ProverError,
    StatementError,
)
from search.outcomes import (
    NewState,
    ProofComplete,
    TacticError,
    TacticOutcome,
    TacticTimeout,
    Verification,
)
from search.states import ProofState, Theorem

__all__ = ["LeanDojoConfig", "LeanDojoEnvironment", "LeanDojoHandle"]


@dataclass(frozen=True, kw_only=True)
class LeanDojoConfig:
    """A local git repository traced by LeanDojo, and the file holding the theorems.

    ``file_path`` is relative to ``project_dir``; when ``None``, a theorem's
    ``source`` must be that relative ``.lean`` path. ``timeout_s`` is the Dojo's
    per-interaction timeout (fixed per Dojo, LeanDojo has no per-call timeout).
    ``repl_command`` (optional) verifies proofs with the Lean REPL instead of
    ``lean_dojo.check_proof``.
    """

    project_dir: Path
    file_path: Path | None = None
    commit: str | None = None
    timeout_s: float = 600.0
    repl_command: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.timeout_s < 1:
            raise ConfigError(
                f"timeout_s must be >= 1 (LeanDojo uses whole seconds), got {self.timeout_s}"
            )
        if self.file_path is not None and self.file_path.suffix != ".lean":
            raise ConfigError(f"file_path must be a .lean file, got {self.file_path}")


@dataclass(frozen=True, kw_only=True)
class LeanDojoHandle:
    """A pointer to a Dojo state; ``path`` replays it in a re-entered Dojo."""

    theorem_id: str
    generation: int
    path: tuple[str, ...]


def _lean_dojo() -> Any:
    os.environ.setdefault("DISABLE_REMOTE_CACHE", "1")
    try:
        import lean_dojo
    except ImportError as exc:
        raise BackendUnavailable(
            f"lean_dojo is not installed (pip install '.[lean]'): {exc}"
        ) from exc
    return lean_dojo


class LeanDojoEnvironment(Closing):
    """A :class:`search.protocols.ProofEnvironment` over ``lean_dojo.Dojo``."""

    def __init__(
        self,
        config: LeanDojoConfig,
        *,
        dojo_factory: Callable[..., Any] | None = None,
        entry_factory: Callable[[Theorem], Any] | None = None,
        proof_checker: Callable[[Any, str], bool] | None = None,
    ) -> None:
        if not config.project_dir.is_dir():
            raise BackendUnavailable(f"LeanDojo project directory not found: {config.project_dir}")
        self.config = config
        self._dojo_factory = dojo_factory
        self._entry_factory = entry_factory
        self._proof_checker = proof_checker
        self._repo: Any = None
        self._theorem: Theorem | None = None
        self._entry: Any = None
        self._context: Any = None
        self._dojo: Any = None
        self._states: dict[tuple[str, ...], Any] = {}
        self._generation = 0

    def _make_entry(self, theorem: Theorem) -> Any:
        if self._entry_factory is not None:
            return self._entry_factory(theorem)
        lean_dojo = _lean_dojo()
        file_path = self.config.file_path or Path(theorem.source or "")
        if file_path.suffix != ".lean":
            raise ConfigError(f"no .lean file for {theorem.name!r}: set LeanDojoConfig.file_path")
        if self._repo is None:
            try:
                if self.config.commit is None:
                    self._repo = lean_dojo.LeanGitRepo.from_path(self.config.project_dir)
                else:
                    self._repo = lean_dojo.LeanGitRepo(
                        str(self.config.project_dir), self.config.commit
                    )
            except Exception as exc:
                raise BackendUnavailable(
                    f"LeanDojo cannot use {self.config.project_dir}: {exc}"
                ) from exc
        return lean_dojo.Theorem(self._repo, file_path, theorem.name)

    def _enter(self, name: str) -> Any:
        """Enter a new Dojo for the current entry; returns the initial TacticState."""
        factory = self._dojo_factory or _lean_dojo().Dojo
        context = factory(self._entry, timeout=max(1, int(self.config.timeout_s)))
        try:
            dojo, init_state = context.__enter__()
        except ProverError:
            raise
        except Exception as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            if type(exc).__name__ == "DojoInitError":
                raise StatementError(f"LeanDojo could not open {name!r}: {first}") from exc
            raise BackendUnavailable(f"LeanDojo could not start for {name!r}: {first}") from exc
        self._context, self._dojo = context, dojo
        self._generation += 1
        self._states = {(): init_state}
        return init_state

    def _leave(self) -> None:
        context, self._context, self._dojo, self._states = self._context, None, None, {}
        if context is not None:
            with contextlib.suppress(Exception):
                context.__exit__(None, None, None)

    def open(self, theorem: Theorem) -> ProofState:
        """Enter a Dojo on ``theorem``; return its initial state."""
        self._leave()
        self._theorem, self._entry = theorem, self._make_entry(theorem)
        init_state = self._enter(theorem.name)
        handle = LeanDojoHandle(theorem_id=theorem.theorem_id, generation=self._generation, path=())
        return ProofState(goals=parse_goals(init_state.pp), handle=handle, text=init_state.pp)

    def run_tactic(self, state: ProofState, tactic: str, *, timeout_s: float) -> TacticOutcome:
        """Run ``tactic``; the Dojo's own ``timeout`` (config.timeout_s) bounds it."""
        rejection = tactic_rejection(tactic)
        if rejection is not None:
            return TacticError(message=rejection)
        handle, theorem = self._current(state)
        lean_state = self._resolve(handle)
        if lean_state is None:
            return TacticError(message="cannot replay this state after a LeanDojo restart")
        try:
            result = self._dojo.run_tac(lean_state, tactic)
        except Exception as exc:
            return self._tactic_failure(exc, theorem, timeout_s)
        return self._outcome(result, handle, tactic)

    def _tactic_failure(self, exc: Exception, theorem: Theorem, timeout_s: float) -> TacticOutcome:
        kind = type(exc).__name__
        if kind == "DojoTacticTimeoutError":
            self._restart(theorem)
            return TacticTimeout(timeout_s=min(timeout_s, self.config.timeout_s))
        if kind == "DojoCrashError":
            memory = " (out of memory)" if getattr(exc, "is_out_of_memory", False) else ""
            with contextlib.suppress(ProverError):
                self._restart(theorem)
            raise BackendCrashed(f"LeanDojo crashed{memory} on {theorem.name!r}: {exc}") from exc
        raise BackendCrashed(f"LeanDojo failed on {theorem.name!r}: {kind}: {exc}") from exc

    def _restart(self, theorem: Theorem) -> None:
        self._leave()
        try:
            self._enter(theorem.name)
        except (StatementError, BackendUnavailable) as exc:
            raise BackendCrashed(f"LeanDojo could not be restarted: {exc}") from exc

    def _current(self, state: ProofState) -> tuple[LeanDojoHandle, Theorem]:
        handle = state.handle
        if not isinstance(handle, LeanDojoHandle):
            raise ConfigError(f"not a LeanDojo proof state: {handle!r}")
        if self._theorem is None or handle.theorem_id != self._theorem.theorem_id:
            raise ConfigError("proof state belongs to a theorem that is not open")
        if self._dojo is None:
            self._restart(self._theorem)
        return handle, self._theorem

    def _resolve(self, handle: LeanDojoHandle) -> Any:
        """The live TacticState for ``handle``, replaying its path after a restart."""
        if handle.path in self._states:
            return self._states[handle.path]
        current = self._states[()]
        for depth, tactic in enumerate(handle.path, start=1):
            prefix = handle.path[:depth]
            if prefix not in self._states:
                result = self._dojo.run_tac(current, tactic)
                if type(result).__name__ != "TacticState":
                    return None
                self._states[prefix] = result
            current = self._states[prefix]
        return current

    def _outcome(self, result: Any, handle: LeanDojoHandle, tactic: str) -> TacticOutcome:
        kind = type(result).__name__
        if kind == "ProofFinished":
            return ProofComplete(message=getattr(result, "message", None))
        if kind == "LeanError":
            return TacticError(message=str(result.error))
        if kind == "ProofGivenUp":
            return TacticError(message="gave up")
        if kind != "TacticState":
            raise BackendCrashed(f"LeanDojo returned an unknown result {kind}")
        path = (*handle.path, tactic)
        self._states[path] = result
        new_handle = LeanDojoHandle(
            theorem_id=handle.theorem_id, generation=self._generation, path=path
        )
        return NewState(
            state=ProofState(goals=parse_goals(result.pp), handle=new_handle, text=result.pp)
        )

    def verify(self, theorem: Theorem, proof: Sequence[str]) -> Verification:
        """Re-check through the REPL if configured, else with ``lean_dojo.check_proof``."""
        if self.config.repl_command is not None:
            from prover.backends.lean.repl import LeanReplEnvironment
            from prover.backends.lean.repl_config import LeanReplConfig

            repl_config = LeanReplConfig(
                repl_command=self.config.repl_command, project_dir=self.config.project_dir
            )
            with LeanReplEnvironment(repl_config) as repl:
                return repl.verify(theorem, proof)
        text = assemble_proof(theorem, proof)
        rejections = [tactic_rejection(tactic) for tactic in proof]
        rejection = next(filter(None, rejections), None) or proof_text_rejection(
            text, forbid_native=True
        )
        if rejection is not None:
            return Verification(ok=False, proof_text=text, message=rejection)
        checker = self._proof_checker or _lean_dojo().check_proof
        body = "by\n" + "\n".join("  " + tactic.replace("\n", "\n  ") for tactic in proof)
        try:
            ok = bool(checker(self._make_entry(theorem), body))
        except Exception as exc:
            return Verification(ok=False, proof_text=text, message=f"check_proof failed: {exc}")
        note = "axioms not audited (lean_dojo.check_proof); native_decide rejected by text scan"
        return Verification(
            ok=ok,
            proof_text=text,
            message=note if ok else "check_proof rejected it",
            checks=("admission", "leandojo-check-proof") if ok else ("admission",),
        )

    def close(self) -> None:
        """Leave the Dojo (which kills its Lean process tree)."""
        self._leave()
        self._theorem = None
