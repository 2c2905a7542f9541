"""Reading the process table from /proc, for tests that check what outlives what."""

from __future__ import annotations

from pathlib import Path

__all__ = ["children", "running"]


def children(pid: int) -> list[int]:
    """Direct children of ``pid``, zombies included (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` exists and is neither a zombie nor dead."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")
