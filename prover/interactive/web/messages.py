"""One clear message (and status) for a request that fails validation.

Pydantic reports a list of errors with machine types and locations; a client is
better served by the first one, in words that name the field and what was wrong,
e.g. ``field 'use_reward' must be a boolean, got a string``. Text fields past their
length limit answer 413, everything else 400.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["describe_kind", "validation_message"]

_EXPECTED = {
    "string_type": "a string",
    "bool_type": "a boolean",
    "int_type": "an integer",
    "float_type": "a number",
    "list_type": "a list of strings",
    "finite_number": "a finite number",
}
_BOUNDS = {
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
}
_NOT_AN_OBJECT = frozenset({"model_attributes_type", "model_type", "dict_type", "missing"})


def validation_message(errors: Sequence[Mapping[str, Any]]) -> tuple[int, str]:
    """``(status, message)`` for the first of FastAPI's validation ``errors``."""
    if not errors:
        return 400, "invalid request"
    error = errors[0]
    kind = str(error.get("type", ""))
    location = tuple(error.get("loc", ()))
    value = error.get("input")
    if location == ("body",) and kind in _NOT_AN_OBJECT:
        got = "nothing" if kind == "missing" else describe_kind(value)
        return 400, f"the request body must be a JSON object, got {got}"
    field = _field_name(location[1:] if location[:1] == ("body",) else location)
    status = 413 if kind == "string_too_long" else 400
    return status, _describe(kind, field, value, error)


def _describe(kind: str, field: str, value: Any, error: Mapping[str, Any]) -> str:
    context: Mapping[str, Any] = error.get("ctx") or {}
    size = len(value) if isinstance(value, str | list | dict) else 0
    if kind == "missing":
        return f"missing field {field!r}"
    if kind in _EXPECTED:
        return f"field {field!r} must be {_EXPECTED[kind]}, got {describe_kind(value)}"
    if kind == "string_too_long":
        return f"field {field!r} has {size} characters; at most {context.get('max_length')}"
    if kind == "too_long":
        return f"field {field!r} holds {size} items; at most {context.get('max_length')}"
    if kind in _BOUNDS:
        bound = next(iter(context.values()), "?")
        return f"field {field!r} must be {_BOUNDS[kind]} {bound}, got {value!r}"
    return f"field {field!r}: {error.get('msg', 'invalid')}"


def _field_name(location: Sequence[Any]) -> str:
    name = ""
    for part in location:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def describe_kind(value: Any) -> str:
    """``a string``, ``a number``, ``null`` ... for an error message."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    kinds = ((type(None), "null"), (dict, "an object"), (list, "a list"), (str, "a string"))
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)
