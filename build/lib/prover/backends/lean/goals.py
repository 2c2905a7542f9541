"""Parse Lean 4 pretty-printed goal states into :mod:`search.states` values.

Lean prints a tactic state as goals separated by blank lines. Each goal is an
optional ``case <tag>`` line, hypothesis lines ``a b : ℝ`` and a conclusion line
``⊢ P``; a long hypothesis type or conclusion continues on *indented* lines. The
text ``no goals`` (LeanDojo, ``state_after`` of a finished proof) means zero goals.

The parser keeps the original text of each type (continuation lines included), so
``Goal.render`` reproduces the input up to whitespace normalisation. A let-bound
hypothesis ``x : T := v`` keeps ``T := v`` as its type, which renders identically.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from search.errors import BackendCrashed
from search.states import Goal, Hypothesis

__all__ = ["NO_GOALS", "count_turnstiles", "parse_goal", "parse_goal_list", "parse_goals"]

NO_GOALS = "no goals"
_TURNSTILE = "⊢"
_CASE_PREFIX = "case "
# Names on the first line, then " :" followed by a space or a line break.
_HYPOTHESIS = re.compile(r"(?P<names>[^\n:]*?\S) :[ \n](?P<type>.*)\Z", re.DOTALL)


def count_turnstiles(text: str) -> int:
    """How many lines of ``text`` start (at column 0) with the ``⊢`` conclusion marker."""
    return sum(1 for line in text.splitlines() if line.startswith(_TURNSTILE))


def parse_goals(text: str) -> tuple[Goal, ...]:
    """Parse a whole pretty-printed state (goals separated by blank lines).

    Raises :class:`BackendCrashed` when the text is not a goal state, since that
    means the proof assistant printed something we cannot interpret.
    """
    stripped = text.strip("\n")
    if not stripped.strip() or stripped.strip() == NO_GOALS:
        return ()
    return tuple(parse_goal(block) for block in _split_goal_blocks(stripped))


def parse_goal_list(goal_texts: Iterable[str]) -> tuple[Goal, ...]:
    """Parse the REPL's ``goals`` list, where every entry is one goal."""
    goals: list[Goal] = []
    for goal_text in goal_texts:
        goals.extend(parse_goals(goal_text))
    return tuple(goals)


def parse_goal(text: str) -> Goal:
    """Parse one goal: optional ``case`` line, hypotheses, then ``⊢ conclusion``."""
    entries = _join_continuations(text.strip("\n").splitlines())
    tag: str | None = None
    if entries and entries[0].startswith(_CASE_PREFIX):
        tag = entries.pop(0)[len(_CASE_PREFIX) :].strip()
    if not entries or not entries[-1].startswith(_TURNSTILE):
        raise BackendCrashed(f"not a Lean goal (no '⊢' conclusion): {text[:200]!r}")
    conclusion = entries.pop()[len(_TURNSTILE) :].lstrip()
    hypotheses = tuple(_parse_hypothesis(entry) for entry in entries)
    return Goal(hypotheses=hypotheses, conclusion=conclusion, tag=tag)


def _split_goal_blocks(text: str) -> list[str]:
    """Split at blank lines; a block without ``⊢`` is glued to the next one.

    Goals never contain blank lines in Lean's output, but a defensive merge keeps
    an odd blank line inside a goal from producing a goal without a conclusion.
    """
    blocks: list[str] = []
    pending = ""
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        pending = f"{pending}\n{block}" if pending else block
        if count_turnstiles(pending) > 0:
            blocks.append(pending)
            pending = ""
    if pending:
        if not blocks:
            raise BackendCrashed(f"not a Lean goal state: {text[:200]!r}")
        blocks[-1] = f"{blocks[-1]}\n{pending}"
    return blocks


def _join_continuations(lines: list[str]) -> list[str]:
    """Group lines into entries: an indented line continues the previous entry."""
    entries: list[str] = []
    for line in lines:
        if entries and (line[:1].isspace() or not line):
            entries[-1] = f"{entries[-1]}\n{line}"
        else:
            entries.append(line)
    return entries


def _parse_hypothesis(entry: str) -> Hypothesis:
    """``a b : T`` → names ``(a, b)`` and type ``T``; a long type may start on the next line."""
    match = _HYPOTHESIS.match(entry)
    if match is None:
        raise BackendCrashed(f"not a Lean hypothesis: {entry[:200]!r}")
    return Hypothesis(names=tuple(match["names"].split()), type=match["type"].lstrip())
