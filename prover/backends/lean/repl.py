"""``--backend lean-repl``: Lean 4 through the Lean REPL's JSON protocol.

One warm REPL process per distinct header: the header (imports, options, opens)
is elaborated once as a command without ``env`` and its env id reused for every
theorem with that header. A theorem is opened as ``<statement> := by sorry`` on
that env; the ``sorries[0].proofState`` is the root, and tactics run in tactic
mode. A step proves the theorem only when ``proofStatus == "Completed"`` and no
message has severity ``error`` (a failing tactic returns a *new* proof state with
``goals: []``, see the ``invalid_tactic`` gotcha).

Handles are :class:`LeanReplHandle` values (process generation, proofState id and
the tactic path from the root). After a timeout, crash (exit 137), garbage output
or ``Unknown proof state.``, the process tree is killed, restarted, the header
re-elaborated, and old handles are replayed along their path in the new process.

Why not lean-interact: its ``LeanREPLConfig`` clones and builds its own REPL fork
from GitHub eagerly in ``__init__`` (it cannot work offline and leaves a broken
cache behind), and it hides the process behind its own restart logic. A thin
client over a configurable command (``--lean-repl-cmd``, default ``lake env repl``
in ``--lean-project``) keeps the protocol testable against a fake executable and
lets :mod:`prover.backends.lean.setup` own project set-up.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prover.backends.lean.goals import parse_goal_list
from prover.backends.lean.kernel_check import LeanKernelChecker, find_lean4checker
from prover.backends.lean.repl_config import LeanReplConfig
from prover.backends.lean.repl_process import ReplProcess
from prover.backends.lean.text import (
    assemble_proof,
    declaration_name,
    proof_text_rejection,
    sorry_statement,
    tactic_rejection,
)
from prover.backends.lean.verify import check_command_response
from prover.backends.sandbox import sandboxed
from search.closing import Closing
from search.errors import BackendCrashed, BackendUnavailable, ConfigError, StatementError
from search.outcomes import (
    NewState,
    ProofComplete,
    TacticError,
    TacticOutcome,
    TacticTimeout,
    Verification,
)
from search.states import ProofState, Theorem

__all__ = ["LeanReplEnvironment", "LeanReplHandle"]

_UNKNOWN_PROOF_STATE = "Unknown proof state."


@dataclass(frozen=True, kw_only=True)
class LeanReplHandle:
    """A pointer to a REPL proof state that survives restarts by replaying ``path``."""

    theorem_id: str
    generation: int
    proof_state: int
    path: tuple[str, ...]


class _Session:
    """One warm REPL process for one header."""

    def __init__(self, header: str) -> None:
        self.header = header
        self.process: ReplProcess | None = None
        self.header_env = 0
        self.generation = 0


class LeanReplEnvironment(Closing):
    """A :class:`search.protocols.ProofEnvironment` over the Lean REPL."""

    def __init__(self, config: LeanReplConfig) -> None:
        if config.project_dir is not None and not config.project_dir.is_dir():
            raise BackendUnavailable(f"Lean project directory not found: {config.project_dir}")
        self.config = config
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._theorem: Theorem | None = None
        self._known: dict[tuple[str, ...], int] = {}
        self._crashes = 0
        self._kernel_checker = config.kernel_checker
        if self._kernel_checker is None and config.detect_lean4checker:
            found = find_lean4checker(config.project_dir)
            if found is not None:
                self._kernel_checker = LeanKernelChecker(
                    checker_command=(str(found),),
                    project_dir=config.project_dir,
                    memory_limit_mb=config.memory_limit_mb,
                    timeout_s=config.verify_timeout_s,
                    sandbox=config.sandbox,
                )
        self._workdir: Path | None = None

    # -- processes -----------------------------------------------------------------

    def _session(self, header: str) -> _Session:
        session = self._sessions.get(header)
        if session is None:
            session = _Session(header)
            self._sessions[header] = session
            while len(self._sessions) > self.config.max_warm_processes:
                _, evicted = self._sessions.popitem(last=False)
                self._stop(evicted)
        self._sessions.move_to_end(header)
        if session.process is None:
            try:
                self._start(session)
            except BaseException:
                self._sessions.pop(header, None)
                raise
        return session

    def _command(self) -> list[str]:
        """The REPL's argv, inside the sandbox when configured: the whole file system
        read-only, an empty private writable directory, no network."""
        if self.config.sandbox == "off":
            return list(self.config.repl_command)
        if self._workdir is None:
            self._workdir = Path(tempfile.mkdtemp(prefix="lean-repl-"))
        return sandboxed(
            self.config.repl_command,
            mode=self.config.sandbox,
            workdir=self._workdir,
            cwd=self.config.project_dir or Path.cwd(),
        )

    def _start(self, session: _Session) -> None:
        process = ReplProcess(
            self._command(),
            cwd=self.config.project_dir,
            memory_limit_mb=self.config.memory_limit_mb,
        )
        first_line = session.header.strip().splitlines()[0] if session.header.strip() else "(empty)"
        try:
            response = process.request(
                {"cmd": session.header}, timeout_s=self.config.start_timeout_s
            )
        except BackendCrashed as exc:
            process.close()
            raise BackendUnavailable(f"Lean REPL did not start: {exc}") from exc
        if response is None:
            process.close()
            raise BackendUnavailable(
                f"header {first_line!r} did not elaborate within {self.config.start_timeout_s} s"
            )
        errors = _errors(response)
        if errors or "env" not in response:
            process.close()
            detail = errors[0] if errors else str(response.get("message", response))
            raise StatementError(f"header {first_line!r} does not elaborate: {_first_line(detail)}")
        session.process = process
        session.header_env = int(response["env"])

    def _stop(self, session: _Session) -> None:
        if session.process is not None:
            session.process.close()
            session.process = None

    def _restart(self, session: _Session) -> None:
        """Kill and restart ``session``'s process; old proof-state ids become invalid."""
        self._stop(session)
        session.generation += 1
        self._known = {}
        self._crashes += 1
        if self._crashes > self.config.max_consecutive_crashes:
            raise BackendCrashed(f"Lean REPL failed {self._crashes} times in a row; giving up")
        try:
            self._start(session)
        except (BackendUnavailable, StatementError) as exc:
            raise BackendCrashed(f"Lean REPL could not be restarted: {exc}") from exc

    def _request(
        self, session: _Session, payload: dict[str, Any], timeout_s: float
    ) -> dict[str, Any] | None:
        if session.process is None:
            self._start(session)
        assert session.process is not None
        return session.process.request(payload, timeout_s=timeout_s)

    # -- ProofEnvironment ----------------------------------------------------------

    def open(self, theorem: Theorem) -> ProofState:
        """Elaborate ``<statement> := by sorry`` on the header env; return the root state."""
        session = self._session(theorem.header)
        self._theorem, self._known = theorem, {}
        proof_state, goal = self._open_root(session, theorem)
        handle = LeanReplHandle(
            theorem_id=theorem.theorem_id,
            generation=session.generation,
            proof_state=proof_state,
            path=(),
        )
        return ProofState(goals=parse_goal_list([goal]), handle=handle, text=goal)

    def _open_root(self, session: _Session, theorem: Theorem) -> tuple[int, str]:
        payload = {"cmd": sorry_statement(theorem.statement), "env": session.header_env}
        try:
            response = self._request(session, payload, self.config.open_timeout_s)
        except BackendCrashed:
            self._restart(session)
            raise
        if response is None:
            self._restart(session)
            limit = self.config.open_timeout_s
            raise StatementError(
                f"statement of {theorem.name!r} did not elaborate within {limit} s"
            )
        errors = _errors(response)
        sorries = response.get("sorries") or []
        if errors or "message" in response or len(sorries) != 1:
            detail = errors[0] if errors else str(response.get("message", "no single sorry"))
            raise StatementError(
                f"statement of {theorem.name!r} does not elaborate: {_first_line(detail)}"
            )
        self._known[()] = int(sorries[0]["proofState"])
        return int(sorries[0]["proofState"]), str(sorries[0]["goal"])

    def run_tactic(self, state: ProofState, tactic: str, *, timeout_s: float) -> TacticOutcome:
        """Run ``tactic`` on ``state``; unsafe text is rejected without reaching Lean."""
        rejection = tactic_rejection(tactic)
        if rejection is not None:
            return TacticError(message=rejection)
        handle, theorem = self._current(state)
        session = self._session(theorem.header)
        for attempt in range(2):
            try:
                proof_state = self._resolve(session, theorem, handle, timeout_s)
                if proof_state is None:
                    return TacticError(message="cannot replay this state after a Lean restart")
                payload = {"tactic": tactic, "proofState": proof_state}
                response = self._request(session, payload, timeout_s)
            except BackendCrashed as exc:
                self._restart(session)
                return TacticError(message=f"Lean crashed on this tactic (restarted): {exc}")
            if response is None:
                self._restart(session)
                return TacticTimeout(timeout_s=timeout_s)
            if (
                "proofState" not in response
                and attempt == 0
                and (response.get("message") == _UNKNOWN_PROOF_STATE)
            ):
                self._restart(session)
                continue
            self._crashes = 0
            return self._outcome(response, handle, session.generation, tactic)
        return TacticError(message=f"Lean REPL: {_UNKNOWN_PROOF_STATE} (after restart)")

    def _current(self, state: ProofState) -> tuple[LeanReplHandle, Theorem]:
        handle = state.handle
        if not isinstance(handle, LeanReplHandle):
            raise ConfigError(f"not a Lean REPL proof state: {handle!r}")
        if self._theorem is None or handle.theorem_id != self._theorem.theorem_id:
            raise ConfigError("proof state belongs to a theorem that is not open")
        return handle, self._theorem

    def _resolve(
        self, session: _Session, theorem: Theorem, handle: LeanReplHandle, timeout_s: float
    ) -> int | None:
        """The live proofState id for ``handle``, replaying its path after a restart."""
        if handle.generation == session.generation:
            return handle.proof_state
        if handle.path in self._known:
            return self._known[handle.path]
        current = self._known.get(())
        if current is None:
            current, _ = self._open_root(session, theorem)
        for depth, tactic in enumerate(handle.path, start=1):
            if handle.path[:depth] in self._known:
                current = self._known[handle.path[:depth]]
                continue
            response = self._request(session, {"tactic": tactic, "proofState": current}, timeout_s)
            if response is None or _errors(response) or "proofState" not in response:
                return None
            current = int(response["proofState"])
            self._known[handle.path[:depth]] = current
        return current

    def _outcome(
        self, response: dict[str, Any], handle: LeanReplHandle, generation: int, tactic: str
    ) -> TacticOutcome:
        errors = _errors(response)
        if "proofState" not in response:
            return TacticError(message=f"Lean REPL: {response.get('message', response)}")
        if errors:
            return TacticError(message="\n".join(errors))
        status = str(response.get("proofStatus", ""))
        goals = [str(goal) for goal in response.get("goals") or []]
        if status == "Completed":
            return ProofComplete(message=None)
        if not goals:
            return TacticError(message=f"proof not complete: {status or 'no status'}")
        path = (*handle.path, tactic)
        proof_state = int(response["proofState"])
        self._known[path] = proof_state
        new_handle = LeanReplHandle(
            theorem_id=handle.theorem_id, generation=generation, proof_state=proof_state, path=path
        )
        text = "\n\n".join(goals)
        return NewState(
            state=ProofState(goals=parse_goal_list(goals), handle=new_handle, text=text)
        )

    def verify(self, theorem: Theorem, proof: Sequence[str]) -> Verification:
        """Admission, then header + statement + proof in a fresh REPL env with the axioms
        audited (``#print axioms``), then, when available, ``lean4checker``'s kernel replay.

        ``checks`` names what ran and passed: ``admission``, ``lean-repl``,
        ``print-axioms`` and ``lean4checker``.
        """
        started = time.monotonic()
        text = assemble_proof(theorem, proof)
        rejections = [tactic_rejection(tactic) for tactic in proof]
        rejection = next(filter(None, rejections), None) or proof_text_rejection(text)
        if rejection is not None:
            return Verification(ok=False, proof_text=text, message=rejection)
        name = declaration_name(theorem)
        session = self._session(theorem.header)
        source = f"{text}\n"
        command = f"{source}#print axioms {name}\n"
        try:
            response = self._request(session, {"cmd": command}, self.config.verify_timeout_s)
        except BackendCrashed as exc:
            self._restart(session)
            return Verification(ok=False, proof_text=text, message=f"Lean crashed: {exc}")
        if response is None:
            self._restart(session)
            timed_out = f"verification timed out after {self.config.verify_timeout_s} s"
            return Verification(
                ok=False, proof_text=text, message=timed_out, time_s=time.monotonic() - started
            )
        ok, message, axioms = check_command_response(
            response, name=name, print_line=source.count("\n") + 1
        )
        checks: tuple[str, ...] = ("admission",)
        if ok:
            checks = ("admission", "lean-repl", "print-axioms")
            if self._kernel_checker is not None:
                message = self._kernel_checker.check(text)
                ok = message is None
                checks = (*checks, "lean4checker") if ok else checks
        return Verification(
            ok=ok,
            proof_text=text,
            message=message,
            axioms=axioms,
            time_s=time.monotonic() - started,
            checks=checks,
        )

    def close(self) -> None:
        """Kill every REPL process tree."""
        for session in self._sessions.values():
            self._stop(session)
        self._sessions.clear()
        self._theorem = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None


def _errors(response: dict[str, Any]) -> list[str]:
    return [
        str(message.get("data", ""))
        for message in response.get("messages") or []
        if isinstance(message, dict) and message.get("severity") == "error"
    ]


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "(no message)"
