"""Validation of the JSON bodies the assistance server accepts, and goal text parsing.

Every check raises :class:`RequestError`, which carries the HTTP status to answer
with; the message names the bad field and value, so a client sees what to fix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from search.errors import BackendCrashed, InputError
from search.states import Goal, ProofState, normalize_text

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_INPUT_CHARS",
    "RequestError",
    "optional_bool",
    "optional_int",
    "optional_number",
    "optional_text",
    "require_object",
    "required_text",
    "state_from_text",
    "text_list",
]

MAX_BODY_BYTES = 1 << 20
"""Largest request body read (1 MiB); a larger Content-Length is answered 413 unread."""

MAX_INPUT_CHARS = 100_000
"""Largest goal state or statement accepted, in characters."""


class RequestError(InputError):
    """A request the server refuses, with the HTTP status to answer (4xx, or 503)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def require_object(body: Any) -> Mapping[str, Any]:
    """The body must be a JSON object."""
    if not isinstance(body, dict):
        raise RequestError(400, f"the request body must be a JSON object, got {_kind(body)}")
    return body


def required_text(body: Mapping[str, Any], name: str, *, max_chars: int = MAX_INPUT_CHARS) -> str:
    """A required string field of at most ``max_chars`` characters."""
    if name not in body:
        raise RequestError(400, f"missing field {name!r}")
    return _text(body[name], name, max_chars)


def optional_text(
    body: Mapping[str, Any], name: str, *, default: str = "", max_chars: int = MAX_INPUT_CHARS
) -> str:
    """An optional string field; ``null`` counts as absent."""
    value = body.get(name)
    return default if value is None else _text(value, name, max_chars)


def optional_bool(body: Mapping[str, Any], name: str, *, default: bool = False) -> bool:
    """An optional boolean field; ``null`` counts as absent."""
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise RequestError(400, f"field {name!r} must be a boolean, got {_kind(value)}")
    return value


def optional_int(
    body: Mapping[str, Any], name: str, *, default: int | None, low: int, high: int
) -> int | None:
    """An optional integer field within ``[low, high]``."""
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(400, f"field {name!r} must be an integer, got {_kind(value)}")
    if not low <= value <= high:
        raise RequestError(400, f"field {name!r} must be in [{low}, {high}], got {value}")
    return value


def optional_number(
    body: Mapping[str, Any], name: str, *, default: float, low: float, high: float
) -> float:
    """An optional finite number field within ``(low, high]``."""
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RequestError(400, f"field {name!r} must be a number, got {_kind(value)}")
    if not math.isfinite(value) or not low < value <= high:
        raise RequestError(400, f"field {name!r} must be in ({low}, {high}], got {value}")
    return float(value)


def text_list(
    body: Mapping[str, Any], name: str, *, max_items: int = 1000, max_chars: int = 10_000
) -> tuple[str, ...]:
    """An optional list of strings (``null`` or absent: empty)."""
    value = body.get(name)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise RequestError(400, f"field {name!r} must be a list of strings, got {_kind(value)}")
    if len(value) > max_items:
        raise RequestError(400, f"field {name!r} holds {len(value)} items; at most {max_items}")
    return tuple(_text(item, f"{name}[{index}]", max_chars) for index, item in enumerate(value))


def state_from_text(text: str) -> ProofState:
    """A proof state from pretty-printed goals (Lean ``⊢`` layout or Coq ``====`` layout).

    Text that neither parser understands becomes one goal whose conclusion is the
    whole text, so a generator still sees it.
    """
    goals: Sequence[Goal] = ()
    if "====" in text:
        from prover.backends.coq.goals import parse_goal_block

        try:
            goals = (parse_goal_block(text),)
        except ValueError:
            goals = ()
    elif "⊢" in text:
        from prover.backends.lean.goals import parse_goals

        try:
            goals = parse_goals(text)
        except BackendCrashed:
            goals = ()
    if not goals:
        goals = (Goal(hypotheses=(), conclusion=normalize_text(text)),)
    return ProofState(goals=tuple(goals), handle=text, text=text)


def _text(value: Any, name: str, max_chars: int) -> str:
    if not isinstance(value, str):
        raise RequestError(400, f"field {name!r} must be a string, got {_kind(value)}")
    if len(value) > max_chars:
        raise RequestError(413, f"field {name!r} has {len(value)} characters; at most {max_chars}")
    return value


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)
