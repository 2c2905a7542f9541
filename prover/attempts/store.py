"""Append-only JSONL results: each attempt is flushed and fsynced as soon as it ends."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any

from search.closing import Closing
from search.errors import InputError

__all__ = ["JsonlWriter", "read_jsonl"]


class JsonlWriter(Closing):
    """Appends one JSON object per line to ``path``; a crash loses at most the current line."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: IO[str] = path.open("a", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        """Write ``record`` as one line and make it durable."""
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        """Close the file (idempotent)."""
        if not self._file.closed:
            self._file.close()


def read_jsonl(path: Path, *, skip_broken_last_line: bool = True) -> list[dict[str, Any]]:
    """Read a JSONL file; a torn final line (a killed writer) is skipped, other breaks raise."""
    lines = path.read_text(encoding="utf-8").splitlines()
    records = []
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
        records.append(value)
    return records
