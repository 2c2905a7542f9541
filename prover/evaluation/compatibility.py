"""Whether a run directory made by an older version may be resumed under today's configuration.

An eval run directory is bound to the sha256 of its configuration's canonical JSON
(``EvalConfig.identity``). Every configuration field added later (``scoring.frontier``, for
example) changes that JSON, so without this check a directory made before the field existed
was refused as "another configuration" although today's command, with the new field at its
default, runs exactly the old search. The convention that makes this sound: **a field's
default is the behaviour from before the field existed.**

The check fails closed: the stored configuration is accepted only if every field it records
has today's value, nothing it records has disappeared, and every field it lacks is at its
default today. Anything else (a changed value, a removed field, a new field set away from its
default, a stored value of another shape) is "another configuration", as before.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["canonical_json", "fields_added_at_default"]


def fields_added_at_default(
    stored: Mapping[str, Any], parts: Mapping[str, Any]
) -> list[str] | None:
    """The dotted names of the fields ``parts`` has and ``stored`` lacks, or None if incompatible.

    ``stored`` is the configuration JSON recorded in the run directory; ``parts`` maps each
    top-level key of the identity to today's value (a dataclass, or a plain JSON value). An
    empty list means the two are the same configuration; a non-empty one names the fields
    added since, all at their defaults; None means another configuration.
    """
    if set(stored) - set(parts):
        return None
    added: list[str] = []
    for key, value in parts.items():
        if key not in stored:
            return None  # a whole top-level part is new: not a field with a default
        found = _compare(stored[key], value, key)
        if found is None:
            return None
        added.extend(found)
    return added


def _compare(stored: Any, value: Any, path: str) -> list[str] | None:
    """Fields added at their defaults below ``path``, or None if ``stored`` differs."""
    if not (dataclasses.is_dataclass(value) and not isinstance(value, type)):
        return [] if stored == canonical_json(value) else None
    if not isinstance(stored, dict):
        return None
    fields = dataclasses.fields(value)
    if set(stored) - {field.name for field in fields}:
        return None  # the stored configuration has a field that no longer exists
    added: list[str] = []
    for field in fields:
        current = getattr(value, field.name)
        name = f"{path}.{field.name}"
        if field.name not in stored:
            if not _is_default(field, current):
                return None
            added.append(name)
            continue
        found = _compare(stored[field.name], current, name)
        if found is None:
            return None
        added.extend(found)
    return added


def _is_default(field: dataclasses.Field[Any], current: Any) -> bool:
    """True if ``current`` is the field's declared default (a field without one never is)."""
    if field.default is not dataclasses.MISSING:
        return bool(canonical_json(current) == canonical_json(field.default))
    if field.default_factory is not dataclasses.MISSING:
        return bool(canonical_json(current) == canonical_json(field.default_factory()))
    return False


def canonical_json(value: Any) -> Any:
    """``value`` as the run identity's JSON holds it (dataclasses as dicts, paths and enums as
    strings, tuples as lists): what ``EvalConfig.identity`` stores and this module compares."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.loads(json.dumps(value, default=str, sort_keys=True))
