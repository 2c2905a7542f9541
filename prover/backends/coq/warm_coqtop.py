"""One persistent ``coqtop -emacs -quiet`` and the proof states reached in it, by state id.

A proof state is the tuple of tactics from the theorem's root; :meth:`WarmCoqtop.navigate`
``BackTo``-s the longest common prefix of the current and the target path and replays
only the rest. The header is loaded once and reused (``BackTo`` the state after it)
while the next theorem has the same header. Tactics run as ``Timeout N tac.`` under a
hard watchdog: a hang kills the process tree. State ids live and die with the process,
so killing it also forgets the loaded header and the tactic stack.

:class:`~prover.backends.coq.environment.CoqEnvironment` drives it: admission, restarts
and goals are its business.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Iterator

from prover.backends.coq.config import CoqConfig
from prover.backends.coq.coqtop import StartedCoqtop, start_coqtop
from prover.backends.coq.goals import CoqtopProcess, Prompt, extract_error, one_line
from prover.backends.coq.section_opening import proof_opening
from prover.backends.coq.sentences import CoqSentence, split_for_coqtop
from prover.backends.coq.text import CoqTextError
from search.errors import BackendCrashed, StatementError
from search.outcomes import TacticError, TacticOutcome, TacticTimeout
from search.states import Theorem

__all__ = ["WarmCoqtop"]

logger = logging.getLogger(__name__)


class WarmCoqtop:
    """A coqtop process (started on demand), its current state id and the states it holds.

    ``config`` is read at every start and send, so replacing it takes effect at once.
    """

    def __init__(self, config: CoqConfig) -> None:
        self.config = config
        self._started: StartedCoqtop | None = None
        self._initial_id = 0
        self.current_id = 0
        self._header: str | None = None
        self._header_id = 0
        self._root_id = 0
        self._stack: list[tuple[str, int]] = []
        self._open_deadline: float | None = None

    def start(self) -> None:
        """Start a fresh coqtop; nothing is loaded in it yet."""
        started = start_coqtop(
            coqtop_path=self.config.coqtop_path,
            memory_limit_mb=self.config.memory_limit_mb,
            start_timeout_s=self.config.start_timeout_s,
            sandbox=self.config.sandbox,
        )
        self._started = started
        self._initial_id = self.current_id = started.state_id
        self._header = None
        self._stack = []
        logger.debug("started coqtop pid %d", started.coqtop.process.pid)

    @property
    def coqtop(self) -> CoqtopProcess | None:
        """The running process, or None once killed (or before the first start)."""
        return self._started.coqtop if self._started is not None else None

    def alive(self) -> bool:
        """Whether a started coqtop is still running."""
        return self.coqtop is not None and self.coqtop.process.poll() is None

    def kill(self) -> None:
        """Kill coqtop's process tree and forget every state it held (idempotent)."""
        started, self._started = self._started, None
        self._header = None
        self._stack = []
        if started is not None:
            started.kill()

    def _send(self, sentence: str, timeout_s: float) -> tuple[str, Prompt] | None:
        """Send one sentence; None past the deadline. A dead process is killed and raised."""
        coqtop = self.coqtop
        if coqtop is None:
            raise BackendCrashed("coqtop is not running")
        try:
            reply = coqtop.send(sentence, timeout_s=timeout_s)
        except BackendCrashed:
            self.kill()
            raise
        if reply is not None:
            self.current_id = reply[1].state_id
        return reply

    def command(self, sentence: str) -> tuple[str, Prompt]:
        """Send a non-tactic sentence; a missing answer is a crash, or, while a theorem
        is being opened, the open budget running out (:meth:`open_budget`)."""
        timeout_s = self.config.command_timeout_s
        if self._open_deadline is not None:
            timeout_s = min(timeout_s, self._open_deadline - time.monotonic())
        reply = self._send(sentence, timeout_s) if timeout_s > 0 else None
        if reply is None:
            self.kill()
            if self._open_deadline is not None and time.monotonic() >= self._open_deadline:
                raise _OpenBudgetSpent(sentence)
            raise BackendCrashed(f"coqtop did not answer {sentence[:60]!r} within {timeout_s} s")
        return reply

    @contextlib.contextmanager
    def open_budget(self, theorem: Theorem) -> Iterator[None]:
        """Bound opening ``theorem`` (header, statement, prelude) by ``open_timeout_s``.

        Past the budget coqtop is killed and ``StatementError`` says so; the search's
        own time limit starts only once the theorem is open.
        """
        budget_s = self.config.open_timeout_s
        self._open_deadline = time.monotonic() + budget_s
        try:
            yield
        except _OpenBudgetSpent as exc:
            raise StatementError(
                f"{theorem.name}: opening the theorem (header, statement, prelude) took more "
                f"than its budget of {budget_s:g} s (CoqConfig.open_timeout_s); stopped at "
                f"{str(exc)[:60]!r}"
            ) from None
        finally:
            self._open_deadline = None

    def _back_to(self, state_id: int) -> None:
        if self.current_id == state_id:
            return
        _, prompt = self.command(f"BackTo {state_id}.")
        if prompt.state_id != state_id:
            self.kill()
            raise BackendCrashed(f"BackTo {state_id} landed on state {prompt.state_id}")

    def open_theorem(self, theorem: Theorem, header: str, prelude: str = "") -> None:
        """Bring coqtop to the root of ``theorem``'s proof, after ``header`` (reused if loaded)
        and, inside the proof, ``prelude``: the statement is read as the header alone gives
        it, as verification reads it (:func:`~prover.backends.coq.proof_source.build_proof_source`).

        Raises ``StatementError`` when Coq rejects the header, the statement or the prelude.
        """
        self._load_header(header, theorem)
        self._open_statement(theorem, prelude)

    def _send_sentences(self, text: str, *, what: str, theorem: Theorem) -> Prompt | None:
        """Send every sentence of ``text``; the first Coq error raises ``StatementError``."""
        sentences = _coqtop_sentences(text, what=what, theorem=theorem)
        prompt: Prompt | None = None
        for sentence in sentences:
            if not sentence.terminated:
                raise StatementError(f"{theorem.name}: {what} ends without a '.'")
            before = self.current_id
            body, prompt = self.command(sentence.text)
            if prompt.state_id == before:
                error = extract_error(body) or body.strip()
                raise StatementError(f"{theorem.name}: Coq rejected the {what}: {one_line(error)}")
        return prompt

    def _load_header(self, header: str, theorem: Theorem) -> None:
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
        self._header_id = self.current_id

    def _open_statement(self, theorem: Theorem, prelude: str) -> None:
        try:
            prompt = self._send_sentences(theorem.statement, what="statement", theorem=theorem)
            if prompt is None or not prompt.in_proof:
                raise StatementError(f"{theorem.name}: the statement does not open a proof")
            opening = "\n".join(proof_opening(theorem.header, whole_context=theorem.whole_context))
            opened = self._send_sentences(opening, what="proof opening", theorem=theorem)
            prompt = opened if opened is not None else prompt
            if prelude.strip():
                loaded = self._send_sentences(prelude, what="prelude", theorem=theorem)
                prompt = loaded if loaded is not None else prompt
        except StatementError:
            self._back_to(self._header_id)
            raise
        self._root_id = prompt.state_id
        self._stack = []

    def navigate(self, path: tuple[str, ...], timeout_s: float) -> TacticOutcome | None:
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
            outcome = self.execute(tactic, timeout_s)
            if outcome is not None:
                if isinstance(outcome, TacticError):
                    return TacticError(message=f"replaying {tactic!r} failed: {outcome.message}")
                return outcome
        return None

    def execute(self, tactic: str, timeout_s: float) -> TacticOutcome | None:
        """Send ``Timeout N tactic``; None on success (pushed onto the stack), else the failure."""
        before = self.current_id
        sentence = f"Timeout {math.ceil(timeout_s)} {tactic}"
        reply = self._send(sentence, timeout_s + self.config.tactic_grace_s)
        if reply is None:
            logger.info("tactic %r hung past %.1f s; killing coqtop", tactic, timeout_s)
            self.kill()  # restarted by the next call, if there is one
            return TacticTimeout(timeout_s=timeout_s)
        body, prompt = reply
        if prompt.state_id == before:
            message = extract_error(body) or one_line(body) or "Coq rejected the tactic"
            if _is_timeout(message):
                return TacticTimeout(timeout_s=timeout_s)
            return TacticError(message=message)
        if not prompt.in_proof:
            self._back_to(before)
            return TacticError(message="the tactic left the proof")
        self._stack.append((tactic, prompt.state_id))
        return None


def _coqtop_sentences(text: str, *, what: str, theorem: Theorem) -> list[CoqSentence]:
    """The commands of a header or statement, one per send (bullets and braces split off).

    Sending ``- tac.`` in one piece makes coqtop answer twice, and every later reply
    would land one sentence late.
    """
    try:
        return split_for_coqtop(text)
    except CoqTextError as exc:
        raise StatementError(f"{theorem.name}: {what} cannot be split: {exc}") from exc


class _OpenBudgetSpent(Exception):
    """Internal: a command sent while opening a theorem ran past the open budget."""


def _is_timeout(message: str) -> bool:
    """Whether Coq's error is its own ``Timeout!``.

    Output a tactic printed before being cut (``idtac`` in a loop) follows the error
    line, so only the first line counts.
    """
    lines = message.strip().splitlines()
    return bool(lines) and lines[0].strip() == "Timeout!"
