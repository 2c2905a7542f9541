"""The shared config validators: what they accept and how their errors name the field."""

from __future__ import annotations

import pytest

from search.errors import ConfigError
from search.validation import MIN_MEMORY_LIMIT_MB, require_memory_limit


@pytest.mark.parametrize("value", [None, MIN_MEMORY_LIMIT_MB, 4096])
def test_memory_limit_accepts_no_cap_or_a_large_enough_one(value: int | None) -> None:
    """None (no cap) and caps of at least the minimum pass."""
    require_memory_limit("CoqConfig.memory_limit_mb", value)


@pytest.mark.parametrize("value", [MIN_MEMORY_LIMIT_MB - 1, 0, -5, True, 512.0])
def test_memory_limit_refuses_small_or_non_integer_caps_naming_the_field(value: object) -> None:
    """A cap below the minimum, a bool or a float is refused with the field and the value."""
    with pytest.raises(ConfigError, match=r"^CoqConfig\.memory_limit_mb must be at least 256"):
        require_memory_limit("CoqConfig.memory_limit_mb", value)  # type: ignore[arg-type]
