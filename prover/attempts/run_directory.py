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
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from search.errors import InputError
from search.validation import require_output_directory

__all__ = [
    "DATABASE_NAME",
    "JSONL_NAME",
    "LOCK_NAME",
    "DirectoryIdentity",
    "ensure_run_directory",
    "linked_run_files_refusal",
    "locked_run_directory",
    "move_aside",
    "replace_file",
]

logger = logging.getLogger(__name__)

#: The file a run locks in its directory; it is never moved aside nor deleted.
LOCK_NAME = ".prover-lock"
#: An eval run's database and the JSONL mirror every run writes.
DATABASE_NAME = "results.sqlite"
JSONL_NAME = "results.jsonl"
#: Every file a prove or eval run reads or writes by name in its directory, and the folder
#: of its search graphs: each must be itself, not a link (:func:`linked_run_files_refusal`).
_RUN_FILE_NAMES = (
    *(f"{DATABASE_NAME}{suffix}" for suffix in ("", "-wal", "-shm", "-journal")),
    JSONL_NAME,
    f"{JSONL_NAME}.rewrite",
    "config.json",
    "summary.json",
    "report.html",
)
_GRAPHS = "graphs"


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


@dataclass(frozen=True)
class DirectoryIdentity:
    """The folder a run directory's path led to when the run took it (device and inode).

    Files the run writes by name after that (the JSONL appends, ``summary.json``,
    ``report.html``) are written only while the path still leads there: red-team round
    eighty-eight swapped the run directory's parent for a link into another run's during
    the run, and the summary and report landed in that run's directory.
    """

    path: Path
    device: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> DirectoryIdentity:
        """The identity ``path`` has now."""
        status = os.stat(path)
        return cls(path=path, device=status.st_dev, inode=status.st_ino)

    def check(self) -> None:
        """Raise :class:`InputError` if ``path`` no longer leads to the same folder."""
        try:
            status = os.stat(self.path)
        except OSError as exc:
            raise InputError(f"the run directory {self.path} is gone: {exc.strerror}") from exc
        if (status.st_dev, status.st_ino) != (self.device, self.inode):
            raise InputError(
                f"the run directory {self.path} was replaced during the run (the path leads "
                "to another folder now); nothing more is written through it"
            )


@contextmanager
def locked_run_directory(path: Path) -> Iterator[DirectoryIdentity]:
    """Create ``path`` if needed, hold an exclusive lock on it until the block ends, and give
    the block the folder's :class:`DirectoryIdentity` to check before writing by name.

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
        refusal = linked_run_files_refusal(path)
        if refusal is not None:
            raise InputError(refusal)
        yield DirectoryIdentity.of(path)
    finally:
        os.close(descriptor)  # releases the lock


def linked_run_files_refusal(path: Path) -> str | None:
    """Why the run directory ``path`` may not be used, or None: one of the names a run reads
    or writes in it (the database and its side files, the JSONL, ``config.json``,
    ``summary.json``, ``report.html``, ``graphs/`` and its files) is a symbolic link, a
    file with a second name (a hard link: round eighty-eight) or not a regular file (a
    folder for ``graphs``). Runs open these by name, so a link planted in a handed-over
    directory made a resumed eval write its summary and report into another run's
    directory (red-team round eighty-four); files written whole are also replaced by rename
    (:func:`replace_file`), for links planted after this check (round ninety-two)."""
    for name in _RUN_FILE_NAMES:
        if not _is_kind(path / name, stat.S_ISREG):
            return _linked(path / name)
    graphs = path / _GRAPHS
    if not _is_kind(graphs, stat.S_ISDIR):
        return _linked(graphs)
    if graphs.is_dir():
        for entry in sorted(graphs.iterdir()):
            if not _is_kind(entry, stat.S_ISREG):
                return _linked(entry)
    return None


def _is_kind(path: Path, kind: Callable[[int], bool]) -> bool:
    """Whether ``path`` is absent, or itself of the ``kind`` asked: not a symbolic link and,
    for a regular file, its only name (a hard link is another run's file under this name:
    round eighty-eight)."""
    try:
        status = path.lstat()
    except FileNotFoundError:
        return True
    mode = status.st_mode
    if stat.S_ISLNK(mode) or not kind(mode):
        return False
    return not stat.S_ISREG(mode) or status.st_nlink == 1


def _linked(path: Path) -> str:
    return (
        f"{path} is a symbolic link, a hard link or not a regular file; a run reads and "
        "writes it by name, so it would act on whatever it leads to: remove it or use "
        "another directory"
    )


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


def replace_file(path: Path, text: str) -> None:
    """Write ``text`` as ``path``: into a new file beside it, then renamed over the name.

    A rename replaces whatever the name held, a symbolic or hard link included, and never
    writes into what it led to (red-team round ninety-two planted a link named
    ``summary.json`` during a run, after the check at the lock, and the summary went into
    another run's file)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        descriptor = os.open(temporary, flags, 0o644)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
