"""Config validation errors in the words of the command line: the flag, not the field.

The config dataclasses validate themselves and name their own fields (``time_limit_s must
be a positive number``); a user typed ``--time-limit``. Every ``*_from_arguments`` function
builds its config inside :func:`naming_flags`, which rewrites such a message once, here,
for every flag: the field becomes the flag the user typed (``--time-limit must be ...``).
"""

from __future__ import annotations

import argparse
import contextlib
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from search.errors import ConfigError

__all__ = [
    "FLAG_NAMES",
    "FlagError",
    "config_from_flags",
    "flag_names",
    "naming_flags",
    "same_names",
]

Config = TypeVar("Config")

#: The namespace attribute holding :func:`flag_names` of the subcommand's parser.
FLAG_NAMES = "flag_names"


class FlagError(ConfigError):
    """A :class:`ConfigError` whose message names the flags the user typed."""


def flag_names(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each option destination of ``parser`` and the option a user types for it."""
    return {
        action.dest: max(action.option_strings, key=len)
        for action in parser._actions
        if action.option_strings
    }


@contextlib.contextmanager
def naming_flags(arguments: argparse.Namespace, fields: Mapping[str, str]) -> Iterator[None]:
    """Re-raise a :class:`ConfigError` raised inside naming flags instead of config fields.

    ``fields`` maps each field of the config built inside to the destination of its flag
    (``{"time_limit_s": "time_limit"}``). A field is rewritten where a message names it as
    the subject of a check (``FIELD must``, ``Class.FIELD must``, ``FIELD (value)``); an
    error naming none of them passes unchanged, for an enclosing config to translate.
    """
    try:
        yield
    except FlagError:
        raise
    except ConfigError as exc:
        known: dict[str, str] = getattr(arguments, FLAG_NAMES, None) or {}
        flags = {
            field: known.get(dest, "--" + dest.replace("_", "-")) for field, dest in fields.items()
        }
        message = _with_flags(str(exc), flags)
        if message == str(exc):
            raise
        raise FlagError(message) from exc


def same_names(*fields: str) -> dict[str, str]:
    """The field -> flag destination table of fields each filled by the flag of its name."""
    return {field: field for field in fields}


def config_from_flags(
    config_type: Callable[..., Config],
    arguments: argparse.Namespace,
    fields: Mapping[str, str],
    **values: Any,
) -> Config:
    """``config_type`` with each of ``fields`` (field -> flag destination) set from its flag,
    except those given in ``values`` (a flag's value converted first); errors name flags."""
    with naming_flags(arguments, fields):
        flagged = {field: getattr(arguments, dest) for field, dest in fields.items()}
        return config_type(**{**flagged, **values})


def _with_flags(message: str, flags: Mapping[str, str]) -> str:
    """``message`` with each field of ``flags`` named as a subject replaced by its flag."""
    if not flags:
        return message
    names = "|".join(re.escape(field) for field in sorted(flags, key=len, reverse=True))
    subject = re.compile(rf"(?<![\w.-])(?:[A-Z]\w*\.)?({names})(?=\s+must\b|\s*\()")
    return subject.sub(lambda match: flags[match.group(1)], message)
