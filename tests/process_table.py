"""Reading the process table from /proc, for tests that check what outlives what."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

__all__ = ["children", "descendants", "group_members", "running"]


def _table() -> Iterator[tuple[int, str, list[str]]]:
    """(pid, command, the stat fields after the command) of every readable process."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        command, fields = stat.split("(", 1)[1].rsplit(")", 1)
        yield int(entry.name), command, fields.split()


def children(pid: int) -> list[int]:
    """Direct children of ``pid``, zombies included (from /proc)."""
    return [process for process, _, fields in _table() if int(fields[1]) == pid]


def descendants(pid: int, command: str) -> list[int]:
    """The processes called ``command`` anywhere below ``pid`` (a coqtop inside bwrap)."""
    table = list(_table())
    parents = {process: int(fields[1]) for process, _, fields in table}

    def below(process: int) -> bool:
        seen = set()
        while process in parents and process not in seen:
            seen.add(process)
            process = parents[process]
            if process == pid:
                return True
        return False

    return [process for process, name, _ in table if name == command and below(process)]


def group_members(group: int) -> list[int]:
    """The processes of process group ``group`` that still run (zombies left out)."""
    return [
        process
        for process, _, fields in _table()
        if int(fields[2]) == group and fields[0] not in ("Z", "X")
    ]


def running(pid: int) -> bool:
    """Whether ``pid`` exists and is neither a zombie nor dead."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")
