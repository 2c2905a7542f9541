"""Tests of which stored run configurations today's configuration may resume."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prover.evaluation.compatibility import fields_added_at_default


@dataclass(frozen=True, kw_only=True)
class Inner:
    """A nested configuration part with a plain default and a factory default."""

    width: int = 4
    names: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, kw_only=True)
class Outer:
    """A top-level part: a required field, a path, a nested part and a new-style field."""

    time_limit: float
    model: Path | None = None
    inner: Inner = field(default_factory=Inner)
    frontier: str = "single"


def _stored(**changes: Any) -> dict[str, Any]:
    stored: dict[str, Any] = {
        "outer": {
            "time_limit": 10.0,
            "model": "/models/knn",
            "inner": {"width": 4, "names": []},
            "frontier": "single",
        },
        "attempts": 2,
    }
    stored["outer"].update(changes)
    return stored


def _parts(**changes: Any) -> dict[str, Any]:
    outer = Outer(time_limit=10.0, model=Path("/models/knn"), **changes)
    return {"outer": outer, "attempts": 2}


def test_the_same_configuration_adds_nothing() -> None:
    """A stored configuration equal to today's (paths and tuples as JSON) gives no fields."""
    assert fields_added_at_default(_stored(), _parts()) == []


def test_a_field_missing_from_the_record_at_its_default_is_named() -> None:
    """A field added since the run, at its default today, is compatible and named by path."""
    stored = _stored()
    del stored["outer"]["frontier"]
    assert fields_added_at_default(stored, _parts()) == ["outer.frontier"]


def test_a_nested_field_with_a_factory_default_is_named() -> None:
    """A nested field with a default factory, missing from the record, is compatible."""
    stored = _stored()
    del stored["outer"]["inner"]["names"]
    assert fields_added_at_default(stored, _parts()) == ["outer.inner.names"]


def test_a_missing_field_away_from_its_default_is_another_configuration() -> None:
    """A field the old run lacked but today's command sets to a non-default value refuses."""
    stored = _stored()
    del stored["outer"]["frontier"]
    assert fields_added_at_default(stored, _parts(frontier="alternating")) is None


def test_a_missing_field_without_a_default_is_another_configuration() -> None:
    """A required field has no default, so its absence from the record is never compatible."""
    stored = _stored()
    del stored["outer"]["time_limit"]
    assert fields_added_at_default(stored, _parts()) is None


def test_a_changed_value_is_another_configuration() -> None:
    """A recorded value that differs from today's (nested or not) refuses."""
    assert fields_added_at_default(_stored(time_limit=60.0), _parts()) is None
    assert fields_added_at_default(_stored(inner={"width": 8, "names": []}), _parts()) is None


def test_a_removed_field_or_part_is_another_configuration() -> None:
    """A field or top-level part recorded by the old run that no longer exists refuses."""
    assert fields_added_at_default(_stored(retired=True), _parts()) is None
    stored = _stored()
    stored["ray"] = "auto"
    assert fields_added_at_default(stored, _parts()) is None


def test_a_new_top_level_part_or_a_stored_scalar_is_another_configuration() -> None:
    """A whole new part, or a record of another shape where a part is expected, refuses."""
    assert fields_added_at_default({"outer": _stored()["outer"]}, _parts()) is None
    assert fields_added_at_default({"outer": 3, "attempts": 2}, _parts()) is None
