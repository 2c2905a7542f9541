"""One coqtop for a replay, through the project's own driver and goal parsers.

coqtop is started with the file's load-path flags by
:func:`prover.backends.coq.coqtop.start_coqtop` and its goals are read by
:func:`prover.backends.coq.coqtop.read_goals`, the very functions the search's
:class:`~prover.backends.coq.environment.CoqEnvironment` uses, so a traced state is the
text the search shows generators. The search never focuses, so it sees every goal; a
replay inside a bullet or brace sees only the focused ones, so the session turns on
``Printing Unfocused`` and keeps the conclusions of the goals waiting outside the focus
apart (:class:`ShownGoals`): the focused state stays what a tactic there acts on, and the
whole count of goals left is still known.
"""

from __future__ import annotations

from dataclasses import dataclass

from prover.backends.coq.coqtop import read_goals, start_coqtop
from prover.backends.coq.goals import DisplayKind, Prompt, extract_error, split_unfocused
from prover.backends.sandbox import require_sandbox_mode
from search.closing import Closing
from search.errors import BackendCrashed, ConfigError
from search.process import DEFAULT_MEMORY_LIMIT_MB
from search.states import Goal, ProofState
from search.validation import require_memory_limit

__all__ = ["CoqtopSession", "ReplaySettings", "Reply", "SessionFailure", "ShownGoals"]


class SessionFailure(Exception):
    """coqtop hung past the sentence timeout, crashed, or printed garbage."""


@dataclass(frozen=True, kw_only=True)
class ReplaySettings:
    """How to run coqtop for a replay: binary, extra flags, memory cap, time limits (s).

    ``coqtop_args`` carries load-path flags (``-topfile``, ``-noinit``, ``-R``...).
    ``excluded_statements`` holds statement keys (see
    :func:`prover.tracing.benchmark_filter.statement_key`) never traced. ``sandbox``:
    where coqtop runs (:func:`prover.backends.sandbox.sandboxed`; a server replaying a
    request's header uses ``bwrap``).
    """

    coqtop_path: str = "coqtop"
    coqtop_args: tuple[str, ...] = ()
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB
    start_timeout_s: float = 30.0
    sentence_timeout_s: float = 300.0
    excluded_statements: frozenset[str] = frozenset()
    sandbox: str = "off"

    def __post_init__(self) -> None:
        if not self.coqtop_path.strip():
            raise ConfigError("ReplaySettings.coqtop_path must be a non-empty path")
        require_memory_limit("ReplaySettings.memory_limit_mb", self.memory_limit_mb)
        require_sandbox_mode("ReplaySettings.sandbox", self.sandbox)
        for name in ("start_timeout_s", "sentence_timeout_s"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"ReplaySettings.{name} must be > 0, got {getattr(self, name)!r}")


@dataclass(frozen=True, kw_only=True)
class Reply:
    """coqtop's answer to one sentence: output body, prompt, and whether it was accepted."""

    body: str
    prompt: Prompt
    accepted: bool

    @property
    def error(self) -> str:
        """Coq's error message (one line), for a rejected sentence."""
        message = extract_error(self.body) or self.body.strip() or "Coq rejected the sentence"
        return " ".join(message.split())


@dataclass(frozen=True, kw_only=True)
class ShownGoals:
    """The goals before a step: the focused ones, and the conclusions of those outside.

    ``unfocused`` is empty outside bullets and braces; inside them it holds the goals the
    search would also see (it never focuses), hypotheses left out as Coq prints them.
    """

    state: ProofState
    unfocused: tuple[str, ...] = ()

    @property
    def unfocused_text(self) -> str:
        """The unfocused goals rendered like a state's goals (``⊢ conclusion``), or ``""``."""
        return "\n\n".join(Goal(hypotheses=(), conclusion=c).render() for c in self.unfocused)


class CoqtopSession(Closing):
    """A started ``coqtop -emacs`` with its state id; also a context manager."""

    def __init__(self, settings: ReplaySettings) -> None:
        self.settings = settings
        self._started = start_coqtop(
            coqtop_path=settings.coqtop_path,
            arguments=settings.coqtop_args,
            memory_limit_mb=settings.memory_limit_mb,
            start_timeout_s=settings.start_timeout_s,
            prefix="coqtop-trace-",
            sandbox=settings.sandbox,
        )
        self._coqtop = self._started.coqtop
        self.state_id = self._started.state_id

    def send(self, sentence: str) -> Reply:
        """Send one sentence; raises :class:`SessionFailure` on a hang or a crash."""
        try:
            reply = self._coqtop.send(sentence, timeout_s=self.settings.sentence_timeout_s)
        except BackendCrashed as exc:
            raise SessionFailure(f"coqtop crashed: {exc}") from exc
        if reply is None:
            raise SessionFailure(
                f"coqtop did not answer within {self.settings.sentence_timeout_s:g} s"
            )
        body, prompt = reply
        accepted = prompt.state_id != self.state_id
        self.state_id = prompt.state_id
        return Reply(body=body, prompt=prompt, accepted=accepted)

    def show_unfocused_goals(self) -> None:
        """Turn on ``Printing Unfocused`` (once, before the source), so :meth:`goals` sees
        the goals outside a bullet or brace; :class:`SessionFailure` if Coq refuses it."""
        if not self.send("Set Printing Unfocused.").accepted:
            raise SessionFailure("coqtop refused Set Printing Unfocused.")

    def goals(self) -> ShownGoals | str:
        """The goals now, as the search would render them; a reason string if unsupported."""
        unfocused: list[tuple[str, ...]] = []

        def show(command: str) -> str:
            body, outside = split_unfocused(self.send(command).body)
            unfocused.append(outside)
            return body

        try:
            reading = read_goals(show)
        except ValueError as exc:
            return f"{exc} (state before a step)"
        if reading.kind is not DisplayKind.GOALS:
            return f"unsupported proof state before a step ({reading.kind.value})"
        state = ProofState(goals=reading.goals, handle=())
        return ShownGoals(state=state, unfocused=unfocused[0] if unfocused else ())

    def close(self) -> None:
        """Kill coqtop and remove its working directory; safe to call twice."""
        self._started.kill()
