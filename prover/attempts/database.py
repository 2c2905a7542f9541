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
from collections.abc import Mapping, Sequence
from contextlib import closing
from functools import cache
from pathlib import Path
from typing import Any

from prover.attempts.jsonl import JsonlWriter, cut_torn_tail, read_numbered_jsonl
from prover.attempts.record import AttemptRecord
from prover.attempts.run_directory import (
    DATABASE_NAME,
    JSONL_NAME,
    DirectoryIdentity,
    ensure_run_directory,
)
from search.closing import Closing
from search.errors import ConfigError, InputError

__all__ = ["DATABASE_NAME", "JSONL_NAME", "ResultsDatabase"]

logger = logging.getLogger(__name__)


#: Set while a replaced record is missing from the JSONL mirror (see ``replace``).
_JSONL_STALE = "jsonl_stale"

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
CREATE TABLE IF NOT EXISTS theorems (name TEXT PRIMARY KEY, fingerprint TEXT NOT NULL);
"""
#: What :func:`_check_schema` compares: every schema object, with its defining SQL.
_SCHEMA_ROWS = "SELECT type, name, tbl_name, sql FROM sqlite_master"


class ResultsDatabase(Closing):
    """The SQLite store of one run directory, bound to one configuration hash."""

    def __init__(self, run_dir: Path) -> None:
        ensure_run_directory(run_dir)
        self.run_dir = run_dir
        self.path = run_dir / DATABASE_NAME
        self.jsonl_path = run_dir / JSONL_NAME
        # The JSONL is written by name: only while the path leads to this folder (round 88).
        self._directory = DirectoryIdentity.of(run_dir)
        self._connection = _open(self.path)

    def _execute(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Run one statement; an SQLite failure is one :class:`InputError` naming the file.

        Besides a full disk, that is a file changed under the run: for instance a trigger
        another process added that calls a function, which ``trusted_schema=OFF`` refuses.
        """
        try:
            return self._connection.execute(sql, parameters)
        except sqlite3.DatabaseError as exc:
            raise InputError(
                f"{self.path} failed: {exc} (was it changed by another program during the run?)"
            ) from exc

    # ------------------------------------------------------------ configuration
    def bind_config(self, config_hash: str, config: dict[str, Any]) -> None:
        """Record the run's configuration, or refuse a directory made with another one."""
        stored = self._meta("config_hash")
        if stored is None:
            if self.count() > 0:
                raise ConfigError(f"{self.path} holds attempts but no configuration hash")
            self._record_config(config_hash, config)
            return
        if stored != config_hash:
            raise ConfigError(
                f"run directory {self.run_dir} belongs to another configuration "
                f"(stored {stored[:12]}, now {config_hash[:12]}); use the same flags to "
                "resume, another --run-dir, or --force to move the old results aside"
            )

    def replace_config(self, config_hash: str, config: dict[str, Any]) -> None:
        """Record a new configuration for this directory (the caller judged it the same run)."""
        if self._meta("config_hash") is None:
            raise ConfigError(f"{self.path} has no configuration to replace")
        self._record_config(config_hash, config)

    def _record_config(self, config_hash: str, config: dict[str, Any]) -> None:
        self._set_meta("config_hash", config_hash)
        self._set_meta("config", json.dumps(config, sort_keys=True))

    def stored_config(self) -> dict[str, Any] | None:
        """The configuration this directory was created with, if any."""
        text = self._meta("config")
        value: dict[str, Any] | None = json.loads(text) if text is not None else None
        return value

    def bind_theorems(self, fingerprints: Mapping[str, str]) -> None:
        """Record each theorem's fingerprint; refuse one whose text changed since.

        A run resumes by theorem name, so without this an attempt recorded for ``1 = 1``
        would count for the same name's ``1 = 2`` after the file was edited (a red-team
        probe, 2026-12-04). Attempts recorded before fingerprints existed cannot be matched
        to any text, so they are refused too: round seven counted such a run's proof of
        ``1 = 1`` for the edited ``1 = 2``, then bound the new text silently.
        """
        changed, legacy = self._unmatched(fingerprints)
        if changed or legacy:
            names = changed or legacy
            more = f" (and {len(names) - 1} more)" if len(names) > 1 else ""
            why = (
                "changed since its attempts were recorded"
                if changed
                else "was recorded before statement fingerprints existed, so nothing ties "
                "its attempts to today's text"
            )
            raise ConfigError(
                f"the header or statement of {names[0]!r}{more} {why} in {self.run_dir}, and "
                "they would count for the current text; use another --run-dir, or --force to "
                "move the old results aside"
            )
        for name, fingerprint in sorted(fingerprints.items()):
            self._execute(
                "INSERT OR IGNORE INTO theorems (name, fingerprint) VALUES (?, ?)",
                (name, fingerprint),
            )

    def changed_theorems(self, fingerprints: Mapping[str, str]) -> list[str]:
        """The names whose recorded attempts cannot count for ``fingerprints``, sorted: a
        recorded fingerprint differs, or attempts were recorded before fingerprints."""
        changed, legacy = self._unmatched(fingerprints)
        return sorted({*changed, *legacy})

    def _unmatched(self, fingerprints: Mapping[str, str]) -> tuple[list[str], list[str]]:
        """(names whose stored fingerprint differs, names with attempts but no fingerprint)."""
        stored = self._fingerprints()
        recorded = {name for name, _attempt in self.completed()}
        return _changed(fingerprints, stored), sorted(recorded & set(fingerprints) - set(stored))

    def _fingerprints(self) -> dict[str, str]:
        rows = self._execute("SELECT name, fingerprint FROM theorems")
        return {str(name): str(value) for name, value in rows}

    def _meta(self, key: str) -> str | None:
        row = self._execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # ------------------------------------------------------------ attempts
    def add(self, record: AttemptRecord, *, graph: str | None = None) -> bool:
        """Commit one attempt (durable on return); False if it was already stored."""
        cursor = self._execute(
            "INSERT OR IGNORE INTO attempts "
            "(name, attempt, seed, status, record, graph, recorded_at, sequence) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(sequence), 0) + 1 FROM attempts))",
            (
                record.name,
                record.attempt,
                record.seed,
                record.status,
                json.dumps(record.to_dict(), ensure_ascii=False),
                graph,
                time.time(),
            ),
        )
        return cursor.rowcount == 1

    def replace(self, record: AttemptRecord) -> None:
        """Overwrite a recorded attempt (a proof re-checked on resume); the JSONL mirror is
        rewritten by the next :meth:`sync_jsonl`, even after a crash in between.

        A record that is no longer proved loses its stored search graph.
        """
        self._execute("BEGIN IMMEDIATE")
        try:
            cursor = self._execute(
                "UPDATE attempts SET status = ?, record = ?, "
                "graph = CASE WHEN ? THEN graph END WHERE name = ? AND attempt = ?",
                (
                    record.status,
                    json.dumps(record.to_dict(), ensure_ascii=False),
                    record.proved,
                    record.name,
                    record.attempt,
                ),
            )
            if cursor.rowcount != 1:
                raise InputError(f"{self.path} has no attempt {record.attempt} of {record.name}")
            self._set_meta(_JSONL_STALE, "1")
        except BaseException:
            self._execute("ROLLBACK")
            raise
        self._execute("COMMIT")

    def completed(self) -> set[tuple[str, int]]:
        """The ``(name, attempt)`` pairs already recorded."""
        rows = self._execute("SELECT name, attempt FROM attempts")
        return {(str(name), int(attempt)) for name, attempt in rows}

    def count(self) -> int:
        """How many attempts are recorded."""
        return int(self._execute("SELECT COUNT(*) FROM attempts").fetchone()[0])

    def records(self) -> list[AttemptRecord]:
        """Every recorded attempt, in the order they were recorded."""
        rows = self._execute("SELECT record FROM attempts ORDER BY sequence")
        return [
            AttemptRecord.from_dict(json.loads(text), where=f"{self.path} attempt {number}")
            for number, (text,) in enumerate(rows, start=1)
        ]

    def graph(self, name: str, attempt: int) -> str | None:
        """The node-link JSON of the search graph of a proved attempt, if stored."""
        row = self._execute(
            "SELECT graph FROM attempts WHERE name = ? AND attempt = ?", (name, attempt)
        ).fetchone()
        return str(row[0]) if row and row[0] is not None else None

    # ------------------------------------------------------------ the JSONL mirror
    def sync_jsonl(self) -> int:
        """Make ``results.jsonl`` hold each recorded attempt exactly once; returns lines added.

        After :meth:`replace` the whole file is rewritten from the database (0 is returned).
        Otherwise a torn final line (a writer killed mid-line) is cut off; a broken line elsewhere,
        a duplicate or an attempt the database does not know raises :class:`InputError`
        naming the file and line (the database keeps every attempt either way). A line whose
        record differs from the database's (a line edited by hand: red-team round eighty-four
        flipped one into a proof by ``admit.``, which the training commands read) makes the
        whole file rewritten from the database, with a warning (0 is returned).
        """
        if self._meta(_JSONL_STALE) is not None:
            self._rewrite_jsonl()
            return 0
        present = self._read_jsonl_records()
        stored = self.records()
        edited = sum(
            present[(r.name, r.attempt)] != r for r in stored if (r.name, r.attempt) in present
        )
        if edited:
            logger.warning(
                "%s: %d line(s) differ from %s; the file is rewritten from it",
                self.jsonl_path, edited, DATABASE_NAME,
            )  # fmt: skip
            self._rewrite_jsonl()
            return 0
        missing = [r for r in stored if (r.name, r.attempt) not in present]
        if missing:
            self._directory.check()
            with JsonlWriter(self.jsonl_path) as writer:
                for record in missing:
                    writer.write(record)
        return len(missing)

    def _rewrite_jsonl(self) -> None:
        """Write every record to a new ``results.jsonl`` and swap it in atomically."""
        self._directory.check()
        records = self.records()
        temporary = self.jsonl_path.with_name(self.jsonl_path.name + ".rewrite")
        temporary.unlink(missing_ok=True)
        with JsonlWriter(temporary) as writer:
            for record in records:
                writer.write(record)
        os.replace(temporary, self.jsonl_path)
        self._execute("DELETE FROM meta WHERE key = ?", (_JSONL_STALE,))

    def append_jsonl(self, record: AttemptRecord) -> None:
        """Append one committed attempt to ``results.jsonl`` (flushed and fsynced)."""
        self._directory.check()
        with JsonlWriter(self.jsonl_path) as writer:
            writer.write(record)

    def _read_jsonl_records(self) -> dict[tuple[str, int], AttemptRecord]:
        """The JSONL's records by (name, attempt); a broken, repeated or unknown line raises."""
        if not self.jsonl_path.exists():
            return {}
        cut_torn_tail(self.jsonl_path)
        known = self.completed()
        records: dict[tuple[str, int], AttemptRecord] = {}
        hint = f"delete {self.jsonl_path} to regenerate it from {self.path}"
        try:
            values = read_numbered_jsonl(self.jsonl_path, skip_broken_last_line=False)
        except InputError as exc:
            raise InputError(f"{exc}; every attempt is kept in {DATABASE_NAME}: {hint}") from exc
        for number, value in values:
            record = _typed_record(value, where=f"{self.jsonl_path} line {number}")
            key = (record.name, record.attempt)
            if key in records:
                raise InputError(
                    f"{self.jsonl_path} line {number} repeats attempt {key[1]} of {key[0]}; {hint}"
                )
            if key not in known:
                raise InputError(
                    f"{self.jsonl_path} line {number} ({key[0]} attempt {key[1]}) is not in "
                    f"{self.path}; it does not belong to this run; {hint}"
                )
            records[key] = record
        return records

    # ------------------------------------------------------------ lifetime
    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._connection.close()


def _open(path: Path) -> sqlite3.Connection:
    """Connect to ``path``, refuse a foreign schema before anything is read or written, then
    set WAL and create the tables; a file SQLite cannot read is one :class:`InputError`."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        # Defence in depth: SQL functions with side effects may not run from the schema.
        connection.execute("PRAGMA trusted_schema=OFF")
        _check_schema(connection, path)
        _check_integrity(connection, path)
        connection.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit survives power loss too, so the fsynced JSONL never runs ahead.
        connection.execute("PRAGMA synchronous=FULL")
        connection.executescript(_SCHEMA)
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise InputError(f"{path} is not a usable results database: {exc}") from exc
    except BaseException:
        connection.close()
        raise
    return connection


def _check_schema(connection: sqlite3.Connection, path: Path) -> None:
    """Refuse a database holding any schema object :data:`_SCHEMA` does not create, exactly.

    A run directory is only files that anything may have edited: a trigger, a view named
    like a table, or a table of another definition would run inside this process's own
    connection, and ``CREATE TABLE IF NOT EXISTS`` leaves them in place (red-team round
    82 planted a trigger that rewrote each new attempt into a proof by ``admit.``). A
    database of an older version, lacking a table created since, is a subset and opens.
    """
    rows = [tuple(row) for row in connection.execute(_SCHEMA_ROWS)]
    foreign = [row for row in rows if row not in _expected_schema()]
    if foreign:
        kind, name = foreign[0][0], foreign[0][1]
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise InputError(
            f"{path} holds a schema object a results database never has ({kind} {name!r}"
            f"{more}); it is refused before anything in it is read or run: move it away "
            "or use another --run-dir"
        )


def _check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    """Refuse a database SQLite's own integrity check faults: its schema rows may match
    while an index points elsewhere (red-team round eighty-eight aimed the attempts' key
    index at a deleted twin table, so that looking up one attempt found another's row, and a
    refused proof was written over a row of a theorem outside the run)."""
    problems = [
        " ".join(str(row[0]).split()) for row in connection.execute("PRAGMA integrity_check")
    ]
    if problems != ["ok"]:
        raise InputError(
            f"{path} fails SQLite's integrity check ({problems[0]}"
            f"{f' and {len(problems) - 1} more' if len(problems) > 1 else ''}); it is refused "
            "before anything in it is read: move it away or use another --run-dir"
        )


@cache
def _expected_schema() -> frozenset[tuple[object, ...]]:
    """The ``sqlite_master`` rows :data:`_SCHEMA` creates, read from a fresh in-memory
    database (so the SQL text is written once, here and nowhere else)."""
    with closing(sqlite3.connect(":memory:")) as connection:
        connection.executescript(_SCHEMA)
        return frozenset(tuple(row) for row in connection.execute(_SCHEMA_ROWS))


def _typed_record(value: dict[str, Any], *, where: str) -> AttemptRecord:
    try:
        return AttemptRecord.from_dict(value, where=where)
    except InputError as exc:
        raise InputError(
            f"{exc}; every attempt is kept in {DATABASE_NAME}: delete the JSONL file to "
            "regenerate it"
        ) from exc


def _changed(fingerprints: Mapping[str, str], stored: Mapping[str, str]) -> list[str]:
    """The names in both whose fingerprints differ, sorted."""
    return sorted(name for name, value in fingerprints.items() if stored.get(name, value) != value)
