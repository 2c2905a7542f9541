"""A real second process holding a run directory's lock, and a snapshot of a directory's
files, for the tests of the run-directory lock."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]

#: A holder that takes the lock as any process would: ``flock`` on ``DIR/.prover-lock``.
_HOLDER = """
import fcntl, os, sys
from pathlib import Path
directory = Path(sys.argv[1])
directory.mkdir(parents=True, exist_ok=True)
descriptor = os.open(directory / ".prover-lock", os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("locked", flush=True)
sys.stdin.read()
"""


@contextmanager
def lock_held_elsewhere(run_dir: Path) -> Iterator[subprocess.Popen[str]]:
    """A separate Python process that holds ``run_dir``'s lock until the block ends (killed)."""
    with subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(run_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPOSITORY,
    ) as process:
        try:
            assert process.stdout is not None
            assert process.stdout.readline() == "locked\n"
            yield process
        finally:
            process.kill()
            process.wait(timeout=30)


def files_of(directory: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under ``directory``: relative path -> (mtime in ns, contents)."""
    return {
        str(path.relative_to(directory)): (path.stat().st_mtime_ns, path.read_bytes())
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }
