"""The results store of an eval run: SQLite (WAL) is the source of truth, JSONL mirrors it.

Every finished attempt is committed to ``DIR/results.sqlite`` first, then appended to
``DIR/results.jsonl``. After a crash (even SIGKILL) the database holds every attempt that
was committed; :meth:`ResultsDatabase.sync_jsonl` repairs a torn last JSONL line and
appends what the JSONL misses, so that each ``(name, attempt)`` appears exactly once.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from search.closing import Closing
from search.errors import ConfigError, InputError

__all__ = ["DATABASE_NAME", "JSONL_NAME", "ResultsDatabase", "StoredAttempt"]

logger = logging.getLogger(__name__)

DATABASE_NAME = "results.sqlite"
JSONL_NAME = "results.jsonl"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (
    name TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,
    record TEXT NOT NULL,
    graph TEXT,
    recorded_at REAL NOT NULL,
    sequence INTEGER NOT NULL,
    PRIMARY KEY (name, attempt)
);
"""

#: One stored attempt: its AttemptRecord.to_dict() view.
StoredAttempt = dict[str, Any]


class ResultsDatabase(Closing):
    """The SQLite store of one run directory, bound to one configuration hash."""

    def __init__(self, run_dir: Path) -> None:
        run_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir = run_dir
        self.path = run_dir / DATABASE_NAME
        self.jsonl_path = run_dir / JSONL_NAME
        try:
            self._connection = sqlite3.connect(self.path, isolation_level=None)
            self._connection.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit survives power loss too, so the fsynced JSONL never runs ahead.
            self._connection.execute("PRAGMA synchronous=FULL")
            self._connection.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path} is not a usable results database: {exc}") from exc

    # ------------------------------------------------------------ configuration
    def bind_config(self, config_hash: str, config: dict[str, Any]) -> None:
        """Record the run's configuration, or refuse a directory made with another one."""
        stored = self._meta("config_hash")
        if stored is None:
            if self.count() > 0:
                raise ConfigError(f"{self.path} holds attempts but no configuration hash")
            self._set_meta("config_hash", config_hash)
            self._set_meta("config", json.dumps(config, sort_keys=True))
            return
        if stored != config_hash:
            raise ConfigError(
                f"run directory {self.run_dir} belongs to another configuration "
                f"(stored {stored[:12]}, now {config_hash[:12]}); use the same flags to "
                "resume, another --run-dir, or --force to move the old results aside"
            )

    def stored_config(self) -> dict[str, Any] | None:
        """The configuration this directory was created with, if any."""
        text = self._meta("config")
        value: dict[str, Any] | None = json.loads(text) if text is not None else None
        return value

    def _meta(self, key: str) -> str | None:
        row = self._connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._connection.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value)
        )

    # ------------------------------------------------------------ attempts
    def add(self, record: StoredAttempt, *, graph: str | None = None) -> bool:
        """Commit one attempt (durable on return); False if it was already stored."""
        cursor = self._connection.execute(
            "INSERT OR IGNORE INTO attempts "
            "(name, attempt, seed, status, record, graph, recorded_at, sequence) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(sequence), 0) + 1 FROM attempts))",
            (
                record["name"],
                int(record["attempt"]),
                int(record["seed"]),
                record["status"],
                json.dumps(record, ensure_ascii=False),
                graph,
                time.time(),
            ),
        )
        return cursor.rowcount == 1

    def completed(self) -> set[tuple[str, int]]:
        """The ``(name, attempt)`` pairs already recorded."""
        rows = self._connection.execute("SELECT name, attempt FROM attempts")
        return {(str(name), int(attempt)) for name, attempt in rows}

    def count(self) -> int:
        """How many attempts are recorded."""
        return int(self._connection.execute("SELECT COUNT(*) FROM attempts").fetchone()[0])

    def records(self) -> list[StoredAttempt]:
        """Every recorded attempt, in the order they were recorded."""
        rows = self._connection.execute("SELECT record FROM attempts ORDER BY sequence")
        return [json.loads(row[0]) for row in rows]

    def graph(self, name: str, attempt: int) -> str | None:
        """The node-link JSON of the search graph of a proved attempt, if stored."""
        row = self._connection.execute(
            "SELECT graph FROM attempts WHERE name = ? AND attempt = ?", (name, attempt)
        ).fetchone()
        return str(row[0]) if row and row[0] is not None else None

    # ------------------------------------------------------------ the JSONL mirror
    def sync_jsonl(self) -> int:
        """Make ``results.jsonl`` hold each recorded attempt exactly once; returns lines added.

        A torn final line (a writer killed mid-line) is cut off; a broken line elsewhere,
        a duplicate or an attempt the database does not know raises :class:`InputError`
        naming the file and line (the database keeps every attempt either way).
        """
        present = self._read_jsonl_keys()
        missing = [r for r in self.records() if (r["name"], int(r["attempt"])) not in present]
        if missing:
            with self.jsonl_path.open("a", encoding="utf-8") as handle:
                for record in missing:
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        return len(missing)

    def append_jsonl(self, record: StoredAttempt) -> None:
        """Append one committed attempt to ``results.jsonl`` (flushed and fsynced)."""
        with self.jsonl_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def _read_jsonl_keys(self) -> set[tuple[str, int]]:
        if not self.jsonl_path.exists():
            return set()
        _cut_torn_tail(self.jsonl_path)
        known = self.completed()
        keys: set[tuple[str, int]] = set()
        lines = self.jsonl_path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            key = _line_key(line, where=f"{self.jsonl_path} line {number}")
            hint = f"delete {self.jsonl_path} to regenerate it from {self.path}"
            if key in keys:
                raise InputError(
                    f"{self.jsonl_path} line {number} repeats attempt {key[1]} of {key[0]}; {hint}"
                )
            if key not in known:
                raise InputError(
                    f"{self.jsonl_path} line {number} ({key[0]} attempt {key[1]}) is not in "
                    f"{self.path}; it does not belong to this run; {hint}"
                )
            keys.add(key)
        return keys

    # ------------------------------------------------------------ lifetime
    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._connection.close()


def _line_key(line: str, *, where: str) -> tuple[str, int]:
    try:
        value = json.loads(line)
        return str(value["name"]), int(value["attempt"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"{where} is not a valid attempt record ({exc}); every attempt is kept in "
            f"{DATABASE_NAME}: delete the JSONL file to regenerate it"
        ) from exc


def _cut_torn_tail(path: Path) -> None:
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
