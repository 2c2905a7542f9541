"""The project's one exception hierarchy for infrastructure failures.

Tactic failures are *values* (see :mod:`search.outcomes`); everything here is an
exception because the thing that failed is the machinery, not the proof step::

    ProverError
    ├── ConfigError            a configuration value is invalid (also a ValueError)
    ├── InputError             user input cannot be used (also a ValueError)
    │   ├── BenchmarkError     unknown benchmark/split, broken benchmark line
    │   └── StatementError     a theorem statement or header does not elaborate
    ├── BackendError           the proof assistant could not be used
    │   ├── BackendUnavailable it could not be started (binary missing, init failed)
    │   └── BackendCrashed     it died or spoke garbage mid-run
    └── GeneratorError         the tactic generator could not produce candidates

Foreign errors (``OSError``, ``subprocess`` errors, HTTP errors, LeanDojo's) are
translated at the boundary that sees them, with ``raise ... from exc``.
"""

from __future__ import annotations

__all__ = [
    "BackendCrashed",
    "BackendError",
    "BackendUnavailable",
    "BenchmarkError",
    "ConfigError",
    "GeneratorError",
    "InputError",
    "ProverError",
    "StatementError",
]


class ProverError(Exception):
    """Base class of every error this project raises on purpose."""


class ConfigError(ProverError, ValueError):
    """A configuration value is invalid; the message names the field and the value."""


class InputError(ProverError, ValueError):
    """User-supplied input (a file, a name, a statement) cannot be used."""


class BenchmarkError(InputError):
    """An unknown benchmark or split, an unknown theorem name, or a broken data line."""


class StatementError(InputError):
    """A theorem's header or statement is rejected by the proof assistant."""


class BackendError(ProverError):
    """The proof assistant itself failed (not a tactic: the process or its protocol)."""


class BackendUnavailable(BackendError):
    """The proof assistant could not be started (missing binary, failed initialisation)."""


class BackendCrashed(BackendError):
    """The proof assistant died, was killed, or produced output we cannot parse."""


class GeneratorError(ProverError):
    """The tactic generator failed as a whole (unreachable server, unloadable model)."""
