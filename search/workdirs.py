"""Private temporary directories that do not outlive their process for long.

A backend's working directory (``coqtop-*``, ``coq-verify-*``) is removed on every
exit path Python can catch (``finally``, ``with``, SIGTERM turned into an exception by
the CLI). ``kill -9`` cannot be caught, so each directory also holds a lock file the
owning process keeps ``flock``-ed for the directory's lifetime: the kernel drops the
lock when the process dies, whatever killed it. Creating a directory first sweeps the
directories with the same prefix whose lock can be taken, i.e. whose owner is gone.
A lock works across PID namespaces and PID reuse, unlike a PID in the name.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "directory_identity",
    "make_private_directory",
    "private_directory",
    "remove_private_directory",
]

_LOCK_NAME = ".owner.lock"
# A directory is only swept once its lock file is this old: a directory being created
# has its lock file for a moment before its owner has locked it.
_GRACE_S = 10.0
_HELD: dict[Path, int] = {}
_HELD_LOCK = threading.Lock()


def _sweep_abandoned(prefix: str) -> None:
    """Remove ``prefix*`` directories in the temp dir whose owner process is gone."""
    base = Path(tempfile.gettempdir())
    with contextlib.suppress(OSError):
        for entry in os.scandir(base):
            if entry.name.startswith(prefix) and entry.is_dir(follow_symlinks=False):
                _remove_if_abandoned(Path(entry.path))


def _remove_if_abandoned(directory: Path) -> None:
    lock_path = directory / _LOCK_NAME
    try:
        descriptor = os.open(lock_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return  # no lock file: not ours, or still being created
    try:
        if time.time() - os.fstat(descriptor).st_mtime < _GRACE_S:
            raise BlockingIOError("too recent")
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        return  # its owner is alive, or it is being created
    try:
        shutil.rmtree(directory, ignore_errors=True)
    finally:
        os.close(descriptor)


def make_private_directory(prefix: str) -> Path:
    """A new directory ``<tmp>/<prefix>XXXX`` locked by this process; sweeps abandoned ones.

    Release it with :func:`remove_private_directory`.
    """
    _sweep_abandoned(prefix)
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        descriptor = os.open(
            directory / _LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600
        )
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    with _HELD_LOCK:
        _HELD[directory] = descriptor
    return directory


def remove_private_directory(directory: Path) -> None:
    """Delete ``directory`` and release its lock; safe to call twice."""
    shutil.rmtree(directory, ignore_errors=True)
    with _HELD_LOCK:
        descriptor = _HELD.pop(directory, None)
    if descriptor is not None:
        with contextlib.suppress(OSError):
            os.close(descriptor)


def directory_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the directory at ``path``, or None when there is none: a directory
    renamed away and replaced at the same path has another identity."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


@contextlib.contextmanager
def private_directory(prefix: str) -> Iterator[Path]:
    """``with private_directory("x-") as path:`` — removed on the way out, whatever happens."""
    directory = make_private_directory(prefix)
    try:
        yield directory
    finally:
        remove_private_directory(directory)
