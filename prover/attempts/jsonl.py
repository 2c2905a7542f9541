"""The one JSONL reader and writer of attempt results (``results.jsonl``).

Every line is one JSON object; every write is flushed and fsynced before it returns, so a
crash loses at most the line being written. A torn final line (a writer killed in
mid-write) is skipped on reading or cut off with :func:`cut_torn_tail`; any other broken
line is an error naming the file and line.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import IO, Any

from prover.attempts.record import AttemptRecord
from search.closing import Closing
from search.errors import InputError

__all__ = ["JsonlWriter", "cut_torn_tail", "read_jsonl", "read_numbered_jsonl", "read_records"]

logger = logging.getLogger(__name__)


class JsonlWriter(Closing):
    """Appends one JSON object per line to ``path``; a crash loses at most the current line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file: IO[str] = path.open("a", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc

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
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    values = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            if skip_broken_last_line and number == len(lines):
                break
            raise InputError(f"{path} line {number} is not valid JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise InputError(f"{path} line {number} is not a JSON object")
        values.append((number, value))
    return values


def read_records(path: Path) -> list[AttemptRecord]:
    """Every attempt of a ``results.jsonl``, typed; a malformed line raises naming it."""
    return [
        AttemptRecord.from_dict(value, where=f"{path} line {number}")
        for number, value in read_numbered_jsonl(path)
    ]


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
