"""Coq 8.16 behind :class:`search.protocols.ProofEnvironment`, driven through ``coqtop -emacs``.

One persistent coqtop per environment (:class:`~prover.backends.coq.warm_coqtop.WarmCoqtop`:
a proof state's handle is the tuple of tactics from the root, reached by ``BackTo`` and
replay; the header is reused while the next theorem has the same one). Every tactic, and
every tactic of a handle before it is replayed, passes admission first
(:func:`prover.backends.coq.admission.check_coq_tactic`). A hang or a crash fails only
that tactic: coqtop restarts and re-opens the theorem on the next call.

Finished proofs are re-checked by :meth:`CoqEnvironment.verify`
(:func:`prover.backends.coq.verify.verify_proof`): tactic admission again, ``coqc``
in a fresh temporary directory, then the kernel checker ``coqchk``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from prover.backends.coq.admission import check_coq_tactic
from prover.backends.coq.characters import spaced_theorem
from prover.backends.coq.config import CoqConfig
from prover.backends.coq.coqtop import read_goals
from prover.backends.coq.environment_readings import folder_caches
from prover.backends.coq.goals import DisplayKind, extract_error, one_line
from prover.backends.coq.kernel_bugs import recursive_root, target_refusal
from prover.backends.coq.library_paths import file_library, library_path_refusal
from prover.backends.coq.name_resolution import file_check_before_search
from prover.backends.coq.verify import verify_proof
from prover.backends.coq.warm_coqtop import WarmCoqtop
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

__all__ = ["CoqConfig", "CoqEnvironment"]

logger = logging.getLogger(__name__)


class CoqEnvironment(Closing):
    """A :class:`~search.protocols.ProofEnvironment` over one warm coqtop process.

    Not thread-safe: use one environment per worker. Also a context manager.
    """

    def __init__(self, config: CoqConfig | None = None) -> None:
        self._warm_coqtop = WarmCoqtop(config if config is not None else CoqConfig())
        self._theorem: Theorem | None = None

    @property
    def config(self) -> CoqConfig:
        """The settings; a replaced config applies from the next coqtop start or send."""
        return self._warm_coqtop.config

    @config.setter
    def config(self, config: CoqConfig) -> None:
        self._warm_coqtop.config = config

    def open(self, theorem: Theorem) -> ProofState:
        """Start proving ``theorem``; raises ``StatementError`` if it does not elaborate.

        A coqtop that dies while opening (an out-of-memory abort on a loaded machine) is
        restarted and the theorem opened once more; a second death raises ``BackendCrashed``.
        """
        try:
            return self._open_once(theorem)
        except BackendCrashed as exc:
            logger.warning("coqtop died opening %s (%s); opening it once more", theorem.name, exc)
            self._warm_coqtop.kill()
            return self._open_once(theorem)

    def _open_once(self, theorem: Theorem) -> ProofState:
        theorem = spaced_theorem(theorem)
        refusal = target_refusal(
            theorem.header, theorem.statement, name=theorem.name
        ) or library_path_refusal(theorem)
        library = file_library(theorem.source)
        caches = folder_caches(theorem.source)  # read by a plain coqc in the file's folder
        if isinstance(caches, str):
            refusal = refusal or caches
        elif refusal is None and theorem.file_text is not None and library is not None:
            refusal = file_check_before_search(
                theorem.file_text,
                header=theorem.header,
                name=theorem.name,
                library=library,
                whole_context=theorem.whole_context,
                coqc=self.config.coqc_path,
                memory_limit_mb=self.config.memory_limit_mb,
                timeout_s=self.config.verify_timeout_s,
                sandbox=self.config.sandbox,
                folder_files=caches,
            )
        if refusal is not None:
            raise StatementError(f"{theorem.name}: {refusal}")
        warm = self._warm_coqtop
        if not warm.alive():
            warm.kill()
            warm.start()
        self._theorem = None
        with warm.open_budget(theorem):
            warm.open_theorem(theorem, theorem.header, self.config.prelude)
            self._theorem = theorem
            outcome = self._show(())
        if not isinstance(outcome, NewState):
            raise StatementError(f"{theorem.name}: unexpected initial proof state: {outcome}")
        goals = outcome.state.goals
        names = [
            name for goal in goals for hypothesis in goal.hypotheses for name in hypothesis.names
        ]
        recursive = recursive_root(theorem.name, len(goals), names)
        if recursive is not None:
            self._theorem = None
            raise StatementError(f"{theorem.name}: {recursive}")
        return outcome.state

    def run_tactic(self, state: ProofState, tactic: str, *, timeout_s: float) -> TacticOutcome:
        """Run one tactic on ``state`` (any state returned earlier for this theorem)."""
        checked = check_coq_tactic(tactic)
        if isinstance(checked, TacticError):
            return checked
        if not timeout_s > 0:
            raise ConfigError(f"timeout_s must be > 0, got {timeout_s!r}")
        path = _path_of(state)
        replay_problem = _replay_problem(path)
        if replay_problem is not None:
            return replay_problem
        if not self._warm_coqtop.alive():
            restart_started = time.monotonic()
            self._restart()
            # The restart is charged to this call: a search whose time is nearly up
            # must not get a full tactic timeout on top of a restart.
            remaining_s = timeout_s - (time.monotonic() - restart_started)
            if remaining_s <= 0:
                return TacticTimeout(timeout_s=timeout_s)
            timeout_s = remaining_s
        try:
            return self._run_checked(path, checked, timeout_s)
        except BackendCrashed as exc:
            return self._fail_crashed_tactic(exc)

    def _run_checked(self, path: tuple[str, ...], tactic: str, timeout_s: float) -> TacticOutcome:
        warm = self._warm_coqtop
        replay_failure = warm.navigate(path, timeout_s)
        if replay_failure is not None:
            return replay_failure
        before = warm.current_id
        outcome = warm.execute(tactic, timeout_s)
        if outcome is not None:
            return outcome
        if warm.current_id == before:
            raise BackendCrashed("coqtop state did not advance after a successful tactic")
        return self._show((*path, tactic))

    def _fail_crashed_tactic(self, error: BackendCrashed) -> TacticOutcome:
        """A tactic killed coqtop (e.g. out of memory): that candidate fails, nothing more.

        coqtop is restarted by the next call (:meth:`_restart`), so a search whose time
        is up does not pay for a restart it will not use; the restart counts against
        that call's own timeout.
        """
        logger.info("coqtop crashed during a tactic (%s); it restarts on the next call", error)
        self._warm_coqtop.kill()
        return TacticError(message=f"coqtop crashed while running the tactic: {error}")

    def _restart(self) -> None:
        """Bring a dead coqtop back to the current theorem's root.

        A broken backend is one that cannot be brought back: ``restart_attempts`` failed
        restarts raise ``BackendCrashed``. Crashing candidates never do.
        """
        theorem = self._require_theorem()
        failure: BackendCrashed | BackendUnavailable | None = None
        for attempt in range(1, self.config.restart_attempts + 1):
            try:
                self._reopen(theorem)
                return
            except (BackendCrashed, BackendUnavailable) as exc:
                failure = exc
                logger.warning("restarting coqtop failed (attempt %d): %s", attempt, exc)
        raise BackendCrashed(
            f"coqtop cannot be restarted for {theorem.name} "
            f"({self.config.restart_attempts} attempts): {failure}"
        ) from failure

    def _reopen(self, theorem: Theorem) -> None:
        """Restart coqtop and re-open ``theorem`` at its root, within the open budget."""
        warm = self._warm_coqtop
        warm.kill()
        warm.start()
        with warm.open_budget(theorem):
            warm.open_theorem(theorem, theorem.header, self.config.prelude)

    def _require_theorem(self) -> Theorem:
        if self._theorem is None:
            raise BackendCrashed("run_tactic called before a successful open()")
        return self._theorem

    def _show(self, path: tuple[str, ...]) -> TacticOutcome:
        """Print the current goals; ProofComplete only for a plain ``No more goals.``."""
        try:
            reading = read_goals(lambda command: self._warm_coqtop.command(command)[0])
        except ValueError as exc:
            raise BackendCrashed(str(exc)) from exc
        if reading.kind is DisplayKind.NO_MORE_GOALS:
            return self._guarded_completion()
        if reading.kind is not DisplayKind.GOALS:
            reasons = {
                DisplayKind.SHELVED_ONLY: "only shelved goals remain",
                DisplayKind.GAVE_UP: "goals were given up",
                DisplayKind.UNFOCUSED: "unfocused goals remain",
            }
            reason = reasons.get(
                reading.kind, f"unrecognized goal display: {one_line(reading.body)}"
            )
            return TacticError(message=f"unsupported proof state: {reason}")
        return NewState(state=ProofState(goals=reading.goals, handle=path))

    def _guarded_completion(self) -> TacticOutcome:
        """``No more goals``: a proof only if its (co)fixpoints pass the guard check.

        Coq checks the guard of ``fix``/``cofix`` only at ``Qed``; ``Guarded.`` checks it
        now, so the search never takes an unguarded term for a proof.
        """
        body, _ = self._warm_coqtop.command("Guarded.")
        error = extract_error(body)
        if error is not None:
            return TacticError(message=f"the proof term is not guarded: {one_line(error)}")
        return ProofComplete()

    def verify(self, theorem: Theorem, proof: Sequence[str]) -> Verification:
        """Re-check the complete proof: admission, ``coqc`` then ``coqchk``, in fresh processes."""
        return verify_proof(
            theorem,
            proof,
            prelude=self.config.prelude,
            coqc_path=self.config.coqc_path,
            coqchk_path=self.config.coqchk_path,
            memory_limit_mb=self.config.memory_limit_mb,
            timeout_s=self.config.verify_timeout_s,
            sandbox=self.config.sandbox,
        )

    def close(self) -> None:
        """Kill coqtop; safe to call more than once."""
        try:
            self._warm_coqtop.kill()
        finally:
            self._theorem = None


def _path_of(state: ProofState) -> tuple[str, ...]:
    handle = state.handle
    if not isinstance(handle, tuple) or not all(isinstance(t, str) for t in handle):
        raise TypeError(f"not a Coq proof state handle: {handle!r}")
    return handle


def _replay_problem(path: tuple[str, ...]) -> TacticError | None:
    """A handle's tactics are replayed on navigation: each must be an admitted sentence too.

    Handles built by this environment hold admitted, normalized tactics; anything else
    (a handle built by hand) is rejected before it reaches coqtop.
    """
    for tactic in path:
        if check_coq_tactic(tactic) != tactic:
            return TacticError(message=f"rejected: the state's path holds {tactic[:80]!r}")
    return None
