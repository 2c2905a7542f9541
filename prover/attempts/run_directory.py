"""Run directories: created with a clear error, and never overwritten.

Both ``prover prove`` and ``prover eval`` write into a run directory. Starting over
(``--force``) moves the previous run's files into ``DIR/previous-<time>/``: results,
configuration and summary stay together and nothing is deleted. One process at a time
uses a directory: :func:`locked_run_directory` holds an exclusive ``flock`` on
``DIR/.prover-lock`` for the whole run (red-team round 82 ran ``--force`` into a running
eval's directory, and the two runs' results, summary and report mixed).
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from search.errors import InputError
from search.validation import require_output_directory

__all__ = ["LOCK_NAME", "ensure_run_directory", "locked_run_directory", "move_aside"]

logger = logging.getLogger(__name__)

#: The file a run locks in its directory; it is never moved aside nor deleted.
LOCK_NAME = ".prover-lock"


def ensure_run_directory(path: Path) -> None:
    """Create ``path`` (and its parents); a file in the way is one clear error naming it."""
    require_output_directory(path, "run directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the run directory {path}: {exc.strerror or exc}") from exc


def move_aside(run_dir: Path, names: Sequence[str]) -> Path | None:
    """Move the files ``names`` present in ``run_dir`` into a new ``previous-<time>/``.

    Returns that directory, or None when none of the files exists.
    """
    present = [run_dir / name for name in names if (run_dir / name).exists()]
    if not present:
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = run_dir / f"previous-{stamp}"
    suffix = 1
    while aside.exists():
        suffix += 1
        aside = run_dir / f"previous-{stamp}-{suffix}"
    aside.mkdir()
    for path in present:
        shutil.move(str(path), str(aside / path.name))
    logger.warning("--force: moved the previous run's files to %s", aside)
    return aside


@contextmanager
def locked_run_directory(path: Path) -> Iterator[None]:
    """Create ``path`` if needed and hold an exclusive lock on it until the block ends.

    The lock (``flock`` on ``path/.prover-lock``, taken without waiting) is released when
    the block exits by any path, or by the operating system when the process dies. A
    directory another process holds is one :class:`InputError` naming it, raised before
    anything in it is read, moved or written; ``--force`` does not override it.
    """
    ensure_run_directory(path)
    lock = path / LOCK_NAME
    try:
        descriptor = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise InputError(f"cannot open the lock file {lock}: {exc.strerror or exc}") from exc
    try:
        _lock_or_refuse(descriptor, path)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _lock_or_refuse(descriptor: int, path: Path) -> None:
    """Take the exclusive lock on ``descriptor`` now, or raise naming the directory."""
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
            raise InputError(f"cannot lock the run directory {path}: {exc.strerror}") from exc
        raise InputError(
            f"another prover run is using the run directory {path} (it holds "
            f"{path / LOCK_NAME}); wait for it to end or choose another directory"
        ) from exc
