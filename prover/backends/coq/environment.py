"""Coq 8.16 behind :class:`search.protocols.ProofEnvironment`, driven through ``coqtop -emacs``.

One persistent ``coqtop -emacs -quiet`` per environment. A proof state's handle is
the tuple of tactics from the root; running a tactic ``BackTo``-s the longest
common prefix of the current and the target path and replays only the rest. The
header is loaded once and reused (``BackTo`` the state after it) while the next
theorem has the same header. Tactics run as ``Timeout N tac.`` under a hard
watchdog; a hang kills the process tree, restarts coqtop and re-opens the theorem.

Finished proofs are re-checked by :meth:`CoqEnvironment.verify`
(:func:`prover.backends.coq.verify.verify_proof`): tactic admission again, ``coqc``
in a fresh temporary directory, then the kernel checker ``coqchk``.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace

from prover.backends.coq.admission import check_coq_tactic
from prover.backends.coq.compat import coq816_header
from prover.backends.coq.config import CoqConfig
from prover.backends.coq.coqtop import StartedCoqtop, read_goals, start_coqtop
from prover.backends.coq.goals import (
    CoqtopProcess,
    DisplayKind,
    Prompt,
    extract_error,
)
from prover.backends.coq.sentences import CoqSentence, split_for_coqtop
from prover.backends.coq.text import CoqTextError
from prover.backends.coq.verify import verify_proof
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
        self.config = config if config is not None else CoqConfig()
        self._started: StartedCoqtop | None = None
        self._initial_id = 0
        self._current_id = 0
        self._header: str | None = None
        self._header_id = 0
        self._theorem: Theorem | None = None
        self._root_id = 0
        self._stack: list[tuple[str, int]] = []
        self._open_deadline: float | None = None

    def _start(self) -> CoqtopProcess:
        started = start_coqtop(
            coqtop_path=self.config.coqtop_path,
            memory_limit_mb=self.config.memory_limit_mb,
            start_timeout_s=self.config.start_timeout_s,
        )
        self._started = started
        self._initial_id = self._current_id = started.state_id
        self._header = None
        self._stack = []
        logger.debug("started coqtop pid %d", started.coqtop.process.pid)
        return started.coqtop

    @property
    def _coqtop(self) -> CoqtopProcess | None:
        return self._started.coqtop if self._started is not None else None

    def _alive(self) -> bool:
        return self._coqtop is not None and self._coqtop.process.poll() is None

    def _kill(self) -> None:
        started, self._started = self._started, None
        self._header = None
        self._stack = []
        if started is not None:
            started.kill()

    def _send(self, sentence: str, timeout_s: float) -> tuple[str, Prompt] | None:
        """Send one sentence; None past the deadline. A dead process is killed and raised."""
        coqtop = self._coqtop
        if coqtop is None:
            raise BackendCrashed("coqtop is not running")
        try:
            reply = coqtop.send(sentence, timeout_s=timeout_s)
        except BackendCrashed:
            self._kill()
            raise
        if reply is not None:
            self._current_id = reply[1].state_id
        return reply

    def _command(self, sentence: str) -> tuple[str, Prompt]:
        """Send a non-tactic sentence; a missing answer is a crash, or, while a theorem
        is being opened, the open budget running out (:meth:`_open_budget`)."""
        timeout_s = self.config.command_timeout_s
        if self._open_deadline is not None:
            timeout_s = min(timeout_s, self._open_deadline - time.monotonic())
        reply = self._send(sentence, timeout_s) if timeout_s > 0 else None
        if reply is None:
            self._kill()
            if self._open_deadline is not None and time.monotonic() >= self._open_deadline:
                raise _OpenBudgetSpent(sentence)
            raise BackendCrashed(f"coqtop did not answer {sentence[:60]!r} within {timeout_s} s")
        return reply

    @contextlib.contextmanager
    def _open_budget(self, theorem: Theorem) -> Iterator[None]:
        """Bound opening ``theorem`` (header, prelude, statement) by ``open_timeout_s``.

        Past the budget coqtop is killed and ``StatementError`` says so; the search's
        own time limit starts only once the theorem is open.
        """
        budget_s = self.config.open_timeout_s
        self._open_deadline = time.monotonic() + budget_s
        try:
            yield
        except _OpenBudgetSpent as exc:
            raise StatementError(
                f"{theorem.name}: opening the theorem (header, prelude, statement) took more "
                f"than its budget of {budget_s:g} s (CoqConfig.open_timeout_s); stopped at "
                f"{str(exc)[:60]!r}"
            ) from None
        finally:
            self._open_deadline = None

    def _back_to(self, state_id: int) -> None:
        if self._current_id == state_id:
            return
        _, prompt = self._command(f"BackTo {state_id}.")
        if prompt.state_id != state_id:
            self._kill()
            raise BackendCrashed(f"BackTo {state_id} landed on state {prompt.state_id}")

    def open(self, theorem: Theorem) -> ProofState:
        """Start proving ``theorem``; raises ``StatementError`` if it does not elaborate.

        A coqtop that dies while opening (an out-of-memory abort on a loaded machine) is
        restarted and the theorem opened once more; a second death raises ``BackendCrashed``.
        """
        try:
            return self._open_once(theorem)
        except BackendCrashed as exc:
            logger.warning("coqtop died opening %s (%s); opening it once more", theorem.name, exc)
            self._kill()
            return self._open_once(theorem)

    def _open_once(self, theorem: Theorem) -> ProofState:
        if not self._alive():
            self._kill()
            self._start()
        self._theorem = None
        with self._open_budget(theorem):
            self._load_header(theorem)
            self._open_statement(theorem)
            self._theorem = theorem
            outcome = self._show(())
        if not isinstance(outcome, NewState):
            raise StatementError(f"{theorem.name}: unexpected initial proof state: {outcome}")
        return outcome.state

    def _send_sentences(self, text: str, *, what: str, theorem: Theorem) -> Prompt | None:
        """Send every sentence of ``text``; the first Coq error raises ``StatementError``."""
        sentences = _coqtop_sentences(text, what=what, theorem=theorem)
        prompt: Prompt | None = None
        for sentence in sentences:
            if not sentence.terminated:
                raise StatementError(f"{theorem.name}: {what} ends without a '.'")
            before = self._current_id
            body, prompt = self._command(sentence.text)
            if prompt.state_id == before:
                error = extract_error(body) or body.strip()
                raise StatementError(f"{theorem.name}: Coq rejected the {what}: {_one_line(error)}")
        return prompt

    def _header_text(self, theorem: Theorem) -> str:
        """The header as Coq 8.16 loads it (see :mod:`compat`), then the prelude."""
        header = coq816_header(theorem.header)
        if not self.config.prelude.strip():
            return header
        return f"{header.rstrip()}\n{self.config.prelude.strip()}\n"

    def _load_header(self, theorem: Theorem) -> None:
        header = self._header_text(theorem)
        if self._header is not None and self._header == header:
            self._back_to(self._header_id)
            return
        self._back_to(self._initial_id)
        self._header = None
        try:
            self._send_sentences(header, what="header", theorem=theorem)
        except StatementError:
            self._back_to(self._initial_id)
            raise
        self._header = header
        self._header_id = self._current_id

    def _open_statement(self, theorem: Theorem) -> None:
        try:
            prompt = self._send_sentences(theorem.statement, what="statement", theorem=theorem)
            if prompt is None or not prompt.in_proof:
                raise StatementError(f"{theorem.name}: the statement does not open a proof")
            _, prompt = self._command("Proof.")
        except StatementError:
            self._back_to(self._header_id)
            raise
        self._root_id = prompt.state_id
        self._stack = []

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
        if not self._alive():
            self._restart()
        try:
            return self._run_checked(path, checked, timeout_s)
        except BackendCrashed as exc:
            return self._fail_crashed_tactic(exc)

    def _run_checked(self, path: tuple[str, ...], tactic: str, timeout_s: float) -> TacticOutcome:
        replay_failure = self._navigate(path, timeout_s)
        if replay_failure is not None:
            return replay_failure
        before = self._current_id
        outcome = self._execute(tactic, timeout_s)
        if outcome is not None:
            return outcome
        if self._current_id == before:
            raise BackendCrashed("coqtop state did not advance after a successful tactic")
        return self._show((*path, tactic))

    def _fail_crashed_tactic(self, error: BackendCrashed) -> TacticOutcome:
        """A tactic killed coqtop (e.g. out of memory): that candidate fails, nothing more.

        coqtop is restarted by the next call (:meth:`_restart`), so a search whose time
        is up does not pay for a restart it will not use.
        """
        logger.info("coqtop crashed during a tactic (%s); it restarts on the next call", error)
        self._kill()
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
        self._kill()
        self._start()
        with self._open_budget(theorem):
            self._load_header(theorem)
            self._open_statement(theorem)

    def _require_theorem(self) -> Theorem:
        if self._theorem is None:
            raise BackendCrashed("run_tactic called before a successful open()")
        return self._theorem

    def _navigate(self, path: tuple[str, ...], timeout_s: float) -> TacticOutcome | None:
        """Bring coqtop to ``path``: BackTo the common prefix, replay the rest."""
        common = 0
        while (
            common < len(path)
            and common < len(self._stack)
            and self._stack[common][0] == path[common]
        ):
            common += 1
        if common < len(self._stack):
            self._back_to(self._stack[common - 1][1] if common else self._root_id)
            del self._stack[common:]
        for tactic in path[common:]:
            outcome = self._execute(tactic, timeout_s)
            if outcome is not None:
                if isinstance(outcome, TacticError):
                    return TacticError(message=f"replaying {tactic!r} failed: {outcome.message}")
                return outcome
        return None

    def _execute(self, tactic: str, timeout_s: float) -> TacticOutcome | None:
        """Send ``Timeout N tactic``; None on success (pushed onto the stack), else the failure."""
        before = self._current_id
        sentence = f"Timeout {math.ceil(timeout_s)} {tactic}"
        reply = self._send(sentence, timeout_s + self.config.tactic_grace_s)
        if reply is None:
            logger.info("tactic %r hung past %.1f s; killing coqtop", tactic, timeout_s)
            self._kill()  # restarted by the next call, if there is one
            return TacticTimeout(timeout_s=timeout_s)
        body, prompt = reply
        if prompt.state_id == before:
            message = extract_error(body) or _one_line(body) or "Coq rejected the tactic"
            if _is_timeout(message):
                return TacticTimeout(timeout_s=timeout_s)
            return TacticError(message=message)
        if not prompt.in_proof:
            self._back_to(before)
            return TacticError(message="the tactic left the proof")
        self._stack.append((tactic, prompt.state_id))
        return None

    def _show(self, path: tuple[str, ...]) -> TacticOutcome:
        """Print the current goals; ProofComplete only for a plain ``No more goals.``."""
        try:
            reading = read_goals(lambda command: self._command(command)[0])
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
                reading.kind, f"unrecognized goal display: {_one_line(reading.body)}"
            )
            return TacticError(message=f"unsupported proof state: {reason}")
        return NewState(state=ProofState(goals=reading.goals, handle=path))

    def _guarded_completion(self) -> TacticOutcome:
        """``No more goals``: a proof only if its (co)fixpoints pass the guard check.

        Coq checks the guard of ``fix``/``cofix`` only at ``Qed``; ``Guarded.`` checks it
        now, so the search never takes an unguarded term for a proof.
        """
        body, _ = self._command("Guarded.")
        error = extract_error(body)
        if error is not None:
            return TacticError(message=f"the proof term is not guarded: {_one_line(error)}")
        return ProofComplete()

    def verify(self, theorem: Theorem, proof: Sequence[str]) -> Verification:
        """Re-check the complete proof: admission, ``coqc`` then ``coqchk``, in fresh processes."""
        return verify_proof(
            replace(theorem, header=self._header_text(theorem)),
            proof,
            coqc_path=self.config.coqc_path,
            coqchk_path=self.config.coqchk_path,
            memory_limit_mb=self.config.memory_limit_mb,
            timeout_s=self.config.verify_timeout_s,
        )

    def close(self) -> None:
        """Kill coqtop; safe to call more than once."""
        try:
            self._kill()
        finally:
            self._theorem = None


def _coqtop_sentences(text: str, *, what: str, theorem: Theorem) -> list[CoqSentence]:
    """The commands of a header or statement, one per send (bullets and braces split off).

    Sending ``- tac.`` in one piece makes coqtop answer twice, and every later reply
    would land one sentence late.
    """
    try:
        return split_for_coqtop(text)
    except CoqTextError as exc:
        raise StatementError(f"{theorem.name}: {what} cannot be split: {exc}") from exc


def _path_of(state: ProofState) -> tuple[str, ...]:
    handle = state.handle
    if not isinstance(handle, tuple) or not all(isinstance(t, str) for t in handle):
        raise TypeError(f"not a Coq proof state handle: {handle!r}")
    return handle


class _OpenBudgetSpent(Exception):
    """Internal: a command sent while opening a theorem ran past the open budget."""


def _is_timeout(message: str) -> bool:
    """Whether Coq's error is its own ``Timeout!``.

    Output a tactic printed before being cut (``idtac`` in a loop) follows the error
    line, so only the first line counts.
    """
    lines = message.strip().splitlines()
    return bool(lines) and lines[0].strip() == "Timeout!"


def _replay_problem(path: tuple[str, ...]) -> TacticError | None:
    """A handle's tactics are replayed on navigation: each must be an admitted sentence too.

    Handles built by this environment hold admitted, normalized tactics; anything else
    (a handle built by hand) is rejected before it reaches coqtop.
    """
    for tactic in path:
        if check_coq_tactic(tactic) != tactic:
            return TacticError(message=f"rejected: the state's path holds {tactic[:80]!r}")
    return None


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
