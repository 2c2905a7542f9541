"""Small validators shared by the frozen config objects; errors name the field and value."""

from __future__ import annotations

import math
from pathlib import Path

from search.errors import ConfigError, InputError

__all__ = [
    "MIN_MEMORY_LIMIT_MB",
    "require_memory_limit",
    "require_non_negative",
    "require_non_negative_int",
    "require_output_directory",
    "require_positive",
    "require_probability",
]


MIN_MEMORY_LIMIT_MB = 256
"""The smallest address-space cap of a proof-assistant process (coqtop needs about this)."""


def require_memory_limit(name: str, value: int | None) -> None:
    """Raise :class:`ConfigError` unless ``value`` is ``None`` (no cap) or a large enough cap."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < MIN_MEMORY_LIMIT_MB:
        raise ConfigError(
            f"{name} must be at least {MIN_MEMORY_LIMIT_MB} (megabytes; unset for no cap),"
            f" got {value!r}"
        )


def require_positive(name: str, value: float | None, *, allow_none: bool = False) -> None:
    """Raise :class:`ConfigError` unless ``value`` is a finite number above zero."""
    if value is None and allow_none:
        return
    if value is None or isinstance(value, bool) or not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{name} must be a positive number, got {value!r}")


def require_non_negative(name: str, value: float) -> None:
    """Raise :class:`ConfigError` unless ``value`` is a finite number at least zero."""
    if isinstance(value, bool) or not math.isfinite(value) or value < 0:
        raise ConfigError(f"{name} must be a non-negative number, got {value!r}")


def require_non_negative_int(name: str, value: object) -> None:
    """Raise :class:`ConfigError` unless ``value`` is an integer (not a bool) at least zero."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{name} must be a non-negative integer, got {value!r}")


def require_probability(name: str, value: float) -> None:
    """Raise :class:`ConfigError` unless ``0 <= value <= 1``."""
    if isinstance(value, bool) or not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ConfigError(f"{name} must lie in [0, 1], got {value!r}")


def require_output_directory(path: Path, what: str = "output directory") -> None:
    """Raise :class:`InputError` unless ``path`` is a directory or can be created as one.

    Nothing is created, so a command can check its output before it computes anything.
    """
    if path.is_dir():
        return
    if path.exists():
        raise InputError(f"{path} exists and is not a directory; choose another {what}")
    for parent in path.parents:
        if parent.is_dir():
            return
        if parent.exists():
            raise InputError(f"cannot create the {what} {path}: {parent} is not a directory")
