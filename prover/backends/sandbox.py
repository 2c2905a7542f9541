"""Run a proof-assistant process inside a bubblewrap sandbox (``--sandbox bwrap``).

Admission keeps what untrusted text can *say* to Coq small, but coqtop, coqc and coqchk
still run that text as this user, and Coq 8.16's VM has open memory-safety bugs
(docs/soundness.md). A process that escaped through one could write to this user's files,
the project's code and its checker included, and so fake the next "proved". The sandbox
contains that: the process sees the whole file system read-only, except its own working
directory (where coqc writes the ``.vo`` and lia/nra their caches), gets a private empty
``/tmp``, no network, its own process, IPC and host-name namespaces, no capabilities, and
dies with its parent.

``bwrap`` is not started with ``--new-session``: the process must stay in the process
group that :func:`search.process.kill_tree` kills (it has no terminal to abuse, since
:func:`search.process.spawn` starts it in a session of its own). Its own PID namespace
also reaches what left that group: when the sandboxed process exits, the kernel kills
every process still in its namespace, ``setsid`` ones included.

The sandbox is every command's default (:data:`DEFAULT_SANDBOX`), since a ``--file``
header or a tactic can make Coq run code too (docs/soundness.md, rounds 31 and 32).
Before its first use, bwrap is tried once (:func:`require_sandbox`): where it is missing
or cannot make its namespaces, the run stops with one line naming ``--sandbox off``,
never an unsandboxed run nobody asked for.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from search.errors import BackendUnavailable, ConfigError
from search.process import probe_failure

__all__ = [
    "DEFAULT_SANDBOX",
    "SANDBOX_MODES",
    "require_sandbox",
    "require_sandbox_mode",
    "sandboxed",
]

#: ``off``: run the process as it is; ``bwrap``: inside bubblewrap (Debian: bubblewrap).
SANDBOX_MODES = ("off", "bwrap")

#: Where every Coq process and the Lean REPL run unless ``--sandbox off`` is given.
DEFAULT_SANDBOX = "bwrap"

#: How long the one trial run of bwrap may take.
_PROBE_TIMEOUT_S = 30.0


def require_sandbox_mode(field: str, mode: str) -> None:
    """Raise :class:`ConfigError` naming ``field`` unless ``mode`` is a known sandbox mode."""
    if mode not in SANDBOX_MODES:
        known = ", ".join(SANDBOX_MODES)
        raise ConfigError(f"{field} must be one of {known}, got {mode!r}")


def require_sandbox(mode: str) -> str | None:
    """The sandbox program ``mode`` runs under (None for ``off``), checked to exist.

    Raises :class:`BackendUnavailable` naming ``bwrap`` when the sandbox was asked for
    and cannot be found: an unsandboxed run is never a silent fallback. A server calls
    this at start, so that it does not fail only at its first request.
    """
    require_sandbox_mode("sandbox", mode)
    if mode == "off":
        return None
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise BackendUnavailable(
            "bwrap not found: the sandbox needs bubblewrap (apt-get install -y bubblewrap), "
            "or pass --sandbox off to run unsandboxed"
        )
    failure = _probe_failure(bwrap)
    if failure is not None:
        raise BackendUnavailable(
            f"bwrap cannot make its sandbox here ({failure}): pass --sandbox off to run unsandboxed"
        )
    return bwrap


@functools.cache
def _probe_failure(bwrap: str) -> str | None:
    """Why ``bwrap`` cannot run ``true`` in the sandbox :func:`sandboxed` builds (None: it
    can). Tried once per program path and process: bwrap needs user namespaces, which some
    containers forbid, and it should fail there before any proof-assistant process starts.
    """
    with tempfile.TemporaryDirectory(prefix="prover-sandbox-probe-") as directory:
        argv = [bwrap, *_isolation(Path(directory), None), "true"]
        return probe_failure(argv, timeout_s=_PROBE_TIMEOUT_S)


def sandboxed(
    argv: Sequence[str], *, mode: str, workdir: Path, cwd: Path | None = None
) -> list[str]:
    """``argv``, wrapped so that it runs in ``mode``'s sandbox with ``workdir`` writable
    and ``cwd`` (default: ``workdir``; a Lean project, read-only) as its working directory
    (raises like :func:`require_sandbox`)."""
    bwrap = require_sandbox(mode)
    if bwrap is None:
        return list(argv)
    return [bwrap, *_isolation(workdir, cwd), *argv]


def _isolation(workdir: Path, cwd: Path | None) -> list[str]:
    """bwrap's options up to ``--``: ``workdir`` writable, ``cwd`` readable and current."""
    directory = str(workdir.resolve())
    # A read-only working directory is bound again after the private /tmp hides it (a
    # Lean project may live under /tmp).
    readable = () if cwd is None else ("--ro-bind", str(cwd.resolve()), str(cwd.resolve()))
    return [
        *("--ro-bind", "/", "/"),
        *("--dev", "/dev"),
        *("--proc", "/proc"),
        *("--tmpfs", "/tmp"),
        *("--tmpfs", "/dev/shm"),
        *readable,
        *("--bind", directory, directory),
        *("--chdir", str(cwd.resolve()) if cwd is not None else directory),
        "--unshare-all",
        *("--cap-drop", "ALL"),
        "--die-with-parent",
        "--",
    ]
