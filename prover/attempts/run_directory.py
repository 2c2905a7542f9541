"""Run directories: created with a clear error, and never overwritten.

Both ``prover prove`` and ``prover eval`` write into a run directory. Starting over
(``--force``) moves the previous run's files into ``DIR/previous-<time>/``: results,
configuration and summary stay together and nothing is deleted.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

from search.errors import InputError
from search.validation import require_output_directory

__all__ = ["ensure_run_directory", "move_aside"]

logger = logging.getLogger(__name__)


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
