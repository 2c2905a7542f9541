"""Talking to ``coqtop -emacs``: reading replies, parsing prompts, goals and errors.

Layout on Coq 8.16 (``Show.`` after ``split.``)::

    2 goals (ID 7)

      x, y : R
      H : 0 < x
      ============================
      0 < x

    goal 2 (ID 8) is:
     True

``Show.`` prints only the first goal in full; ``Show 2.`` prints goal 2 in full as
``goal 2 (ID 8) is:`` followed by the same hypotheses / ``====`` / conclusion block.
Long hypotheses continue on deeper-indented lines. Other displays:
``No more goals.``, and the abnormal ``All the remaining goals are on the shelf.``,
``No more goals, but there are some goals you gave up:`` and ``This subproof is
complete, but there are some unfocused goals.``

Under ``Set Printing Unfocused.`` (the tracer sets it) a display inside a bullet or brace
ends with ``*** Unfocused goals:`` and a ``goal N (ID M) is:`` conclusion per goal waiting
outside the focus; :func:`split_unfocused` separates them from the focused display.
"""

from __future__ import annotations

import enum
import os
import re
import select
import subprocess
import time
from dataclasses import dataclass

from search.errors import BackendCrashed
from search.process import kill_tree
from search.states import Goal, Hypothesis, normalize_text

__all__ = [
    "CoqtopProcess",
    "DisplayKind",
    "GoalDisplay",
    "Prompt",
    "extract_error",
    "one_line",
    "parse_goal_block",
    "parse_goal_display",
    "parse_single_goal",
    "split_prompt",
    "split_unfocused",
]

# Nested proofs list every open proof: "<prompt>inner < 4 |inner|outer| 0 < </prompt>".
_PROMPT = re.compile(r"<prompt>(\S+) < (\d+) \|([^<>]*?)\| (\d+) < </prompt>\s*$")
_INFOMSG = re.compile(r"</?infomsg>|</?warning>")
# "2 goals (ID 7)", or with shelved evars "1 focused goal (shelved: 6) (ID 279)".
_GOALS_HEADER = re.compile(
    r"^(\d+) (?:focused )?goals?(?: \(shelved: \d+\))?(?: \(ID \d+\))?\s*$", re.MULTILINE
)
_GOAL_N_HEADER = re.compile(r"^goal (\d+)(?: \(ID \d+\))? is:\s*$", re.MULTILINE)
_SEPARATOR = re.compile(r"^\s*={4,}\s*$")
_HYPOTHESIS_START = re.compile(r"^  (?P<names>[^\s:,]+(?:, [^\s:,]+)*) (?P<separator>:=|:)(?: |$)")
_UNFOCUSED_MARKER = re.compile(r"^\*\*\* Unfocused goals:\s*$", re.MULTILINE)
_ERROR_LINE = re.compile(r"^Error:", re.MULTILINE)
_READ_CHUNK_BYTES = 65536
_PROMPT_END = b"</prompt>"


@dataclass(frozen=True, kw_only=True)
class Prompt:
    """A parsed ``<prompt>NAME < STATEID |PROOFNAMES| DEPTH < </prompt>``."""

    name: str
    state_id: int
    proof_names: tuple[str, ...]
    depth: int

    @property
    def in_proof(self) -> bool:
        """Whether a proof is open."""
        return bool(self.proof_names)


class DisplayKind(enum.Enum):
    """What a goal display says about the proof."""

    GOALS = "goals"
    NO_MORE_GOALS = "no_more_goals"
    SHELVED_ONLY = "shelved_only"
    GAVE_UP = "gave_up"
    UNFOCUSED = "unfocused"
    UNRECOGNIZED = "unrecognized"


@dataclass(frozen=True, kw_only=True)
class GoalDisplay:
    """A parsed ``Show.`` answer: its kind, the goal count, the first goal in full."""

    kind: DisplayKind
    goal_count: int = 0
    first_goal: Goal | None = None
    other_conclusions: tuple[str, ...] = ()


_ABNORMAL_MARKERS = (
    ("goals you gave up", DisplayKind.GAVE_UP),
    ("remaining goals are on the shelf", DisplayKind.SHELVED_ONLY),
    ("unfocused goal", DisplayKind.UNFOCUSED),
)


def split_prompt(output: str) -> tuple[str, Prompt] | None:
    """Split raw output into its body and the final prompt; None if no prompt ends it."""
    match = _PROMPT.search(output)
    if match is None:
        return None
    names = tuple(match.group(3).split("|")) if match.group(3) else ()
    prompt = Prompt(
        name=match.group(1),
        state_id=int(match.group(2)),
        proof_names=tuple(n for n in names if n),
        depth=int(match.group(4)),
    )
    return output[: match.start()], prompt


def _clean(body: str) -> str:
    return _INFOMSG.sub("", body)


def _join_lines(lines: list[str]) -> str:
    return normalize_text(" ".join(lines))


def _split_let_value(rest: str) -> tuple[str, str]:
    """Split ``value : type`` at the last ``" : "`` outside brackets (a heuristic)."""
    depth = 0
    split_at = -1
    for index, character in enumerate(rest):
        if character in "([{":
            depth += 1
        elif character in ")]}":
            depth -= 1
        elif depth == 0 and rest.startswith(" : ", index):
            split_at = index
    if split_at < 0:
        return rest, ""
    return rest[:split_at].strip(), rest[split_at + 3 :].strip()


def _parse_hypotheses(lines: list[str]) -> tuple[Hypothesis, ...]:
    """Group hypothesis lines (continuations are indented deeper) and parse each group."""
    groups: list[tuple[re.Match[str], list[str]]] = []
    for line in lines:
        if not line.strip():
            continue
        match = _HYPOTHESIS_START.match(line)
        if match is not None:
            groups.append((match, [line[match.end() :]]))
        elif groups:
            groups[-1][1].append(line)
    hypotheses: list[Hypothesis] = []
    for match, parts in groups:
        names = tuple(match.group("names").split(", "))
        rest = _join_lines(parts)
        if match.group("separator") == ":=":
            value, type_text = _split_let_value(rest)
            hypotheses.append(Hypothesis(names=names, type=type_text, value=value))
        else:
            hypotheses.append(Hypothesis(names=names, type=rest))
    return tuple(hypotheses)


def parse_goal_block(block: str) -> Goal:
    """Parse hypotheses, the ``====`` line and the conclusion (text after a goal header).

    Raises ``ValueError`` when there is no ``====`` separator line.
    """
    lines = block.split("\n")
    separator = next((i for i, line in enumerate(lines) if _SEPARATOR.match(line)), None)
    if separator is None:
        raise ValueError("goal display without a ==== separator line")
    conclusion_lines: list[str] = []
    for line in lines[separator + 1 :]:
        if _GOAL_N_HEADER.match(line):
            break
        conclusion_lines.append(line)
    return Goal(
        hypotheses=_parse_hypotheses(lines[:separator]),
        conclusion=_join_lines(conclusion_lines),
    )


def _other_conclusions(text: str) -> tuple[str, ...]:
    headers = list(_GOAL_N_HEADER.finditer(text))
    conclusions: list[str] = []
    for index, header in enumerate(headers):
        end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
        conclusions.append(normalize_text(text[header.end() : end]))
    return tuple(conclusions)


def split_unfocused(body: str) -> tuple[str, tuple[str, ...]]:
    """``body`` without its ``*** Unfocused goals:`` section, and that section's conclusions.

    Without the section (no focus, or the flag unset) the body is returned whole with ``()``.
    """
    marker = _UNFOCUSED_MARKER.search(body)
    if marker is None:
        return body, ()
    return body[: marker.start()], _other_conclusions(_clean(body[marker.end() :]))


def parse_goal_display(body: str) -> GoalDisplay:
    """Classify and parse the answer to ``Show.`` (prompt already removed)."""
    text = _clean(body)
    for marker, kind in _ABNORMAL_MARKERS:
        if marker in text:
            return GoalDisplay(kind=kind)
    header = _GOALS_HEADER.search(text)
    if header is None:
        if text.strip() == "No more goals.":
            return GoalDisplay(kind=DisplayKind.NO_MORE_GOALS)
        return GoalDisplay(kind=DisplayKind.UNRECOGNIZED)
    rest = text[header.end() :]
    try:
        first = parse_goal_block(rest)
    except ValueError:
        return GoalDisplay(kind=DisplayKind.UNRECOGNIZED)
    others = _other_conclusions(rest)
    count = int(header.group(1))
    if count != 1 + len(others):
        return GoalDisplay(kind=DisplayKind.UNRECOGNIZED)
    return GoalDisplay(
        kind=DisplayKind.GOALS, goal_count=count, first_goal=first, other_conclusions=others
    )


def parse_single_goal(body: str, number: int) -> Goal:
    """Parse the answer to ``Show N.``; raises ``ValueError`` if it is not goal ``number``."""
    text = _clean(body)
    header = _GOAL_N_HEADER.search(text)
    if header is None or int(header.group(1)) != number:
        raise ValueError(f"expected the display of goal {number}")
    return parse_goal_block(text[header.end() :])


def _drop_environment(lines: list[str]) -> list[str]:
    """Drop a leading ``In environment`` hypothesis dump from an error message."""
    if not lines or lines[0].strip() != "In environment":
        return lines
    index = 1
    while index < len(lines) and (
        _HYPOTHESIS_START.match("  " + lines[index]) or lines[index].startswith(" ")
    ):
        index += 1
    return lines[index:] or lines


def extract_error(body: str, *, max_chars: int = 1000) -> str | None:
    """The message after ``Error:`` (environment dump dropped, shortened), or None."""
    text = _clean(body)
    match = _ERROR_LINE.search(text)
    if match is None:
        return None
    lines = [line.rstrip() for line in text[match.end() :].strip().split("\n")]
    message = "\n".join(line for line in _drop_environment(lines) if line.strip())
    if len(message) > max_chars:
        message = message[: max_chars - 3] + "..."
    return message


class CoqtopProcess:
    """One ``coqtop -emacs`` process: send a sentence, read until its prompt."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process

    def send(self, sentence: str, *, timeout_s: float) -> tuple[str, Prompt] | None:
        """Send one sentence; its output and prompt, or None past the deadline.

        Raises :class:`BackendCrashed` when the process is gone or prints garbage.
        """
        deadline = time.monotonic() + timeout_s
        stdin = self.process.stdin
        if stdin is None:
            raise BackendCrashed("coqtop has no stdin pipe")
        try:
            stdin.write(sentence.encode("utf-8") + b"\n")
            stdin.flush()
        except OSError as exc:
            raise BackendCrashed(f"coqtop died (cannot write: {exc})") from exc
        return self.read_reply(deadline)

    def read_reply(self, deadline: float) -> tuple[str, Prompt] | None:
        """Read until the output ends with a prompt; None once ``deadline`` passes."""
        stdout = self.process.stdout
        if stdout is None:
            raise BackendCrashed("coqtop has no stdout pipe")
        descriptor = stdout.fileno()
        buffer = b""
        while not buffer.rstrip().endswith(_PROMPT_END):
            remaining_s = deadline - time.monotonic()
            if remaining_s <= 0:
                return None
            ready, _, _ = select.select([descriptor], [], [], remaining_s)
            if not ready:
                return None
            chunk = os.read(descriptor, _READ_CHUNK_BYTES)
            if not chunk:
                tail = buffer.decode("utf-8", "replace").strip()[-300:]
                raise BackendCrashed(f"coqtop exited unexpectedly; last output: {tail!r}")
            buffer += chunk
        reply = split_prompt(buffer.decode("utf-8", "replace"))
        if reply is None:
            raise BackendCrashed("coqtop printed a malformed prompt")
        return reply

    def kill(self) -> None:
        """Kill the process tree."""
        kill_tree(self.process)


def one_line(text: str, limit: int = 300) -> str:
    """coqtop's output on one line (whitespace runs collapsed), cut to ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
