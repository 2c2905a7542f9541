"""The one JSONL reader and writer of attempt results (``results.jsonl``).

Every line is one JSON object; every write is flushed and fsynced before it returns, so a
crash loses at most the line being written. :func:`read_jsonl` skips a torn final line (a
writer killed in mid-write) and raises on any other broken line, naming the file and line;
:func:`cut_torn_tail` cuts a torn final line off. :func:`read_records`, the reader of
results, keeps every readable attempt and warns once per file about the lines it skipped.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path
from typing import IO, Any

from prover.attempts.record import AttemptRecord
from search.closing import Closing
from search.errors import InputError

__all__ = ["JsonlWriter", "cut_torn_tail", "read_jsonl", "read_numbered_jsonl", "read_records"]

logger = logging.getLogger(__name__)


class JsonlWriter(Closing):
    """Appends one JSON object per line to ``path``; a crash loses at most the current line.

    The file is opened without following a symbolic link and must be a regular file with no
    other name (red-team round ninety-two planted a link during a run, and the run's lines
    would have gone to another run's results)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, flags, 0o644)
        except OSError as exc:
            raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or status.st_nlink != 1:
            os.close(descriptor)
            raise InputError(
                f"{path} is not a file of its own (a hard link or not a regular file): "
                "appending to it would write into another file"
            )
        self._file: IO[str] = os.fdopen(descriptor, "a", encoding="utf-8")

    def write(self, record: AttemptRecord | dict[str, Any]) -> None:
        """Write ``record`` as one line and make it durable."""
        value = record.to_dict() if isinstance(record, AttemptRecord) else record
        self._file.write(json.dumps(value, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        """Close the file (idempotent)."""
        if not self._file.closed:
            self._file.close()


def read_jsonl(path: Path, *, skip_broken_last_line: bool = True) -> list[dict[str, Any]]:
    """Read a JSONL file; a torn final line (a killed writer) is skipped, other breaks raise."""
    return [
        value for _, value in read_numbered_jsonl(path, skip_broken_last_line=skip_broken_last_line)
    ]


def read_numbered_jsonl(
    path: Path, *, skip_broken_last_line: bool = True
) -> list[tuple[int, dict[str, Any]]]:
    """Like :func:`read_jsonl`, each object with its 1-based line number (for messages)."""
    lines = _numbered_lines(path)
    last = lines[-1][0] if lines else 0
    values = []
    for number, line in lines:
        try:
            values.append((number, _json_object(line)))
        except ValueError as exc:
            if skip_broken_last_line and number == last:
                break
            raise InputError(f"{path} line {number} {exc}") from exc
    return values


def read_records(path: Path) -> list[AttemptRecord]:
    """Every readable attempt of a ``results.jsonl``, typed.

    A line that is no valid record (a torn last line of a killed writer, a corrupted one)
    is skipped, so that the attempts of the other lines are kept; one warning per file
    names the path, how many lines were skipped and the first of them.
    """
    records = []
    skipped: list[str] = []
    for number, line in _numbered_lines(path):
        try:
            records.append(AttemptRecord.from_dict(_json_object(line), where=f"line {number}"))
        except InputError as exc:  # before ValueError, of which it is a kind
            skipped.append(str(exc))
        except ValueError as exc:
            skipped.append(f"line {number} {exc}")
    if skipped:
        logger.warning(
            "%s: skipped %d unreadable line%s of %d, the first: %s; kept the other %d",
            path, len(skipped), "" if len(skipped) == 1 else "s",
            len(records) + len(skipped), skipped[0], len(records),
        )  # fmt: skip
    return records


def _numbered_lines(path: Path) -> list[tuple[int, bytes]]:
    """The non-blank lines of ``path`` with their 1-based numbers; InputError if unreadable.

    Split on ``\\n`` only, as bytes: ``str.splitlines`` would also split at a U+2028 or
    U+0085 that ``json.dumps(ensure_ascii=False)`` leaves inside a string, and a line that
    is not UTF-8 is then one bad line rather than a file that cannot be read.
    """
    try:
        lines = path.read_bytes().split(b"\n")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    return [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]


def _json_object(line: bytes) -> dict[str, Any]:
    """The JSON object on ``line``; ValueError saying what is wrong with it otherwise."""
    try:
        value = json.loads(line.decode("utf-8"))
    except ValueError as exc:  # UnicodeDecodeError included
        raise ValueError(f"is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ValueError("is not a JSON object")
    return value


def cut_torn_tail(path: Path) -> None:
    """Drop an unterminated last line: the trace of a writer killed in mid-write."""
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return
    keep = data.rfind(b"\n") + 1
    logger.warning("%s: dropping a torn last line (%d bytes)", path, len(data) - keep)
    with path.open("r+b") as handle:
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
