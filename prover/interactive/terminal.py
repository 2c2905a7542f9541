"""The terminal side of ``prover assist``: a read-eval loop over an :class:`AssistSession`.

The session shows the goals and numbered suggestions; the user types a number to
apply a suggestion, a command (``:undo [N]``, ``:search [SECONDS]``, ``:proof``, ``:help``,
``:quit``; EOF quits too), or any other text to run it as a tactic, which the backend's
admission judges (it refuses a Coq bullet: a tactic runs on the first goal). A signed
number (``-1``, ``- 1``, ``+2``) is a suggestion number out of range, not a tactic: Coq
would read a bullet followed by a number, which is never a proof step.
A completed proof is verified whole in a fresh process and printed. Input and output
go through two callables, so the loop runs the same under a real terminal and in tests.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from models.registry import GeneratorConfig, build_generator
from prover.attempts.learning import header_learning
from prover.backends.factory import BackendConfig, open_environment
from prover.interactive.assist import AssistConfig, AssistSession
from search.outcomes import TacticError, TacticTimeout
from search.states import Theorem

__all__ = ["HELP", "PROMPT", "assist_in_terminal", "run_terminal"]

HELP = """\
  N               apply suggestion number N
  TACTIC          run TACTIC on the first goal
  :undo [N]       take back the last N tactics (default 1)
  :search [S]     automatic best-first search from here for S seconds
  :proof          show the tactics so far
  :help           this text
  :quit           leave (EOF too)"""

PROMPT = "assist> "

#: A suggestion number: ASCII digits (``int`` refuses some other digits, such as ``²``),
#: with an optional sign that only a wrong number carries.
_SUGGESTION_NUMBER = re.compile(r"([+-]?)\s*([0-9]+)")

#: A Coq bullet in front of a tactic (``- intro``, ``** lia``): the assistant always works
#: on the first goal, which is what the bullet would focus, so the tactic runs without it.
_BULLET_IN_FRONT = re.compile(r"[-+*]+\s+(\S.*)")


def assist_in_terminal(
    theorem: Theorem,
    *,
    backend: BackendConfig,
    generator: GeneratorConfig,
    progress_model: Path | None = None,
    config: AssistConfig | None = None,
) -> int:
    """``prover assist``: open the backend, run the session on this terminal, close it."""
    built = build_generator(generator, language=backend.language)
    progress = None
    if progress_model is not None:
        from models.progress import load_progress_predictor

        progress = load_progress_predictor(progress_model)
    learn_header = header_learning(built, backend, progress=progress)
    if learn_header is not None:
        learn_header(theorem)  # the lemmas above: knn learns them, progress their lengths
    if sys.stdin.isatty():
        import readline  # noqa: F401  (line editing and history for input())
    environment = open_environment(backend)
    try:
        session = AssistSession(
            theorem, environment=environment, generator=built, progress=progress, config=config
        )
        return run_terminal(session)
    finally:
        environment.close()


def run_terminal(
    session: AssistSession,
    *,
    read_line: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
    search_time_s: float | None = None,
) -> int:
    """Drive ``session`` until a verified proof (returns 0) or quit/EOF (returns 1).

    ``search_time_s`` (default: the session's ``config.search_time_s``) is what ``:search``
    without an argument runs.
    """
    if search_time_s is None:
        search_time_s = session.config.search_time_s
    session.start()
    write(f"Proving {session.theorem.name}: {session.theorem.statement.strip()}")
    write("Type :help for commands.")
    _show(session, write)
    while True:
        try:
            line = read_line(PROMPT).strip()
        except EOFError:
            write("\nbye: no proof finished")
            return 1
        if not line:
            continue
        if line in (":quit", ":q", ":exit"):
            write("bye: no proof finished")
            return 1
        changed = _dispatch(session, line, write, search_time_s)
        if session.complete:
            if _finish(session, write):
                return 0
            changed = True
        if changed:
            _show(session, write)


def _dispatch(
    session: AssistSession, line: str, write: Callable[[str], None], search_time_s: float
) -> bool:
    """Run one command or tactic; returns whether the state changed."""
    if line.startswith(":"):
        command, _, argument = line.partition(" ")
        handler = _COMMANDS.get(command)
        if handler is None:
            write(f"unknown command {command}; type :help")
            return False
        return handler(session, argument, write, search_time_s)
    number = _SUGGESTION_NUMBER.fullmatch(line)
    if number is not None:
        picked = _suggestion(session, number, write)
        if picked is None:
            return False
        line = picked
        write(f"applying: {line}")
    bulleted = _BULLET_IN_FRONT.fullmatch(line)
    if bulleted is not None:
        line = bulleted.group(1)
        write(f"applying: {line} (no bullet needed: a tactic runs on the first goal)")
    return _apply(session, line, write)


def _suggestion(
    session: AssistSession, number: re.Match[str], write: Callable[[str], None]
) -> str | None:
    """The tactic of the suggestion ``number`` names, or None after saying there is none."""
    sign, digits = number.groups()
    suggestions = session.suggestions()
    index = int(digits)
    if sign or not 1 <= index <= len(suggestions):
        write(f"no suggestion {sign}{digits}: choose 1..{len(suggestions)}")
        return None
    return suggestions[index - 1].tactic


def _help(session: AssistSession, argument: str, write: Callable[[str], None], _: float) -> bool:
    write(HELP)
    return False


def _proof(session: AssistSession, argument: str, write: Callable[[str], None], _: float) -> bool:
    write("\n".join(session.tactics) or "(no tactics yet)")
    return False


def _undo(session: AssistSession, argument: str, write: Callable[[str], None], _: float) -> bool:
    count = _positive_number(argument, default=1)
    if count is None or count != int(count):
        write("usage: :undo [N] with N a positive integer")
        return False
    write(f"undid {session.undo(int(count))} tactic(s)")
    return True


def _search_command(
    session: AssistSession, argument: str, write: Callable[[str], None], search_time_s: float
) -> bool:
    seconds = _positive_number(argument, default=search_time_s)
    if seconds is None:
        write("usage: :search [SECONDS] with a positive number")
        return False
    return _search(session, seconds, write)


_COMMANDS: dict[str, Callable[[AssistSession, str, Callable[[str], None], float], bool]] = {
    ":help": _help,
    ":h": _help,
    ":proof": _proof,
    ":undo": _undo,
    ":u": _undo,
    ":search": _search_command,
    ":s": _search_command,
}


def _apply(session: AssistSession, tactic: str, write: Callable[[str], None]) -> bool:
    outcome = session.apply(tactic)
    if isinstance(outcome, TacticError):
        write(f"error: {outcome.message}")
        return False
    if isinstance(outcome, TacticTimeout):
        write(f"timeout: the tactic ran past {outcome.timeout_s:g} s")
        return False
    return True


def _search(session: AssistSession, seconds: float, write: Callable[[str], None]) -> bool:
    write(f"searching for up to {seconds:g} s (Ctrl-C stops) ...")
    try:
        result = session.search(time_limit_s=seconds)
    except KeyboardInterrupt:
        write("search interrupted; restoring the session")
        session.restart()
        return True
    if result.proof is None:
        detail = f": {result.error}" if result.error else ""
        write(
            f"no proof found ({result.stop_reason.value}, {result.expansions} expansions){detail}"
        )
        return False
    write(
        f"found {len(result.proof)} tactic(s) in {result.time_s:.1f} s: {'; '.join(result.proof)}"
    )
    return True


def _finish(session: AssistSession, write: Callable[[str], None]) -> bool:
    """Verify the whole proof; on failure take back the last tactic and go on."""
    write("No more goals; verifying the whole proof in a fresh process ...")
    verification = session.verify()
    if verification.ok:
        write("Proof complete and VERIFIED:")
        write(verification.proof_text.rstrip())
        return True
    write(f"verification FAILED: {verification.message}; undoing the last tactic")
    session.undo()
    return False


def _show(session: AssistSession, write: Callable[[str], None]) -> None:
    state = session.state
    if state is None:
        return
    estimate = session.remaining_steps()
    extra = f", about {estimate:.1f} steps left" if estimate is not None else ""
    write(f"\n{state.num_goals} goal(s){extra}:")
    write(state.text)
    write("Suggestions:")
    for number, suggestion in enumerate(session.suggestions(), start=1):
        steps = (
            f"  steps {suggestion.remaining_steps:.1f}"
            if suggestion.remaining_steps is not None
            else ""
        )
        write(f"  {number:2d}. {suggestion.tactic:<48} score {suggestion.score:7.3f}{steps}")


def _positive_number(text: str, *, default: float) -> float | None:
    if not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value > 0 else None
