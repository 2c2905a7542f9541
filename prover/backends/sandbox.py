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
:func:`search.process.spawn` starts it in a session of its own).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from search.errors import BackendUnavailable, ConfigError

__all__ = ["SANDBOX_MODES", "require_sandbox", "require_sandbox_mode", "sandboxed"]

#: ``off``: run the process as it is; ``bwrap``: inside bubblewrap (Debian: bubblewrap).
SANDBOX_MODES = ("off", "bwrap")


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
    return bwrap


def sandboxed(
    argv: Sequence[str], *, mode: str, workdir: Path, cwd: Path | None = None
) -> list[str]:
    """``argv``, wrapped so that it runs in ``mode``'s sandbox with ``workdir`` writable
    and ``cwd`` (default: ``workdir``; a Lean project, read-only) as its working directory
    (raises like :func:`require_sandbox`)."""
    bwrap = require_sandbox(mode)
    if bwrap is None:
        return list(argv)
    directory = str(workdir.resolve())
    # A read-only working directory is bound again after the private /tmp hides it (a
    # Lean project may live under /tmp).
    readable = () if cwd is None else ("--ro-bind", str(cwd.resolve()), str(cwd.resolve()))
    return [
        bwrap,
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
        *argv,
    ]
