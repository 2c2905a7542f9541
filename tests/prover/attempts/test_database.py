"""Tests of the SQLite results store and its JSONL mirror (real SQLite files)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from prover.attempts.database import ResultsDatabase
from prover.attempts.record import AttemptRecord
from search.errors import ConfigError, InputError


def _record(name: str, attempt: int, status: str = "failed") -> AttemptRecord:
    proof = ("lia.",) if status == "proved" else None
    return AttemptRecord(
        name=name, attempt=attempt, seed=7, status=status, proof=proof, verified=proof is not None
    )


def _jsonl_keys(path: Path) -> list[tuple[str, int]]:
    lines = path.read_text().splitlines()
    return [(json.loads(line)["name"], json.loads(line)["attempt"]) for line in lines]


def test_database_uses_wal_and_keeps_attempts_once(tmp_path: Path) -> None:
    """A second add of the same (name, attempt) is ignored; the journal mode is WAL."""
    with ResultsDatabase(tmp_path) as database:
        database.bind_config("abc", {"x": 1})
        assert database.add(_record("t1", 0))
        assert not database.add(_record("t1", 0, "proved"))
        assert database.completed() == {("t1", 0)}
    connection = sqlite3.connect(tmp_path / "results.sqlite")
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


def test_other_configuration_is_refused(tmp_path: Path) -> None:
    """A directory bound to one config hash refuses another, naming the directory."""
    with ResultsDatabase(tmp_path) as database:
        database.bind_config("first", {})
    with ResultsDatabase(tmp_path) as database, pytest.raises(ConfigError, match=str(tmp_path)):
        database.bind_config("second", {})


def test_replaced_configuration_binds_and_needs_one_to_replace(tmp_path: Path) -> None:
    """replace_config rebinds a bound directory to a new hash; an unbound one is refused."""
    with ResultsDatabase(tmp_path / "empty") as database, pytest.raises(ConfigError):
        database.replace_config("new", {"x": 2})
    with ResultsDatabase(tmp_path) as database:
        database.bind_config("old", {"x": 1})
        database.replace_config("new", {"x": 2})
    with ResultsDatabase(tmp_path) as database:
        database.bind_config("new", {"x": 2})
        assert database.stored_config() == {"x": 2}
        with pytest.raises(ConfigError):
            database.bind_config("old", {"x": 1})


def test_torn_last_line_is_repaired_not_duplicated(tmp_path: Path) -> None:
    """A half-written JSONL line is cut and the attempt re-appended exactly once."""
    with ResultsDatabase(tmp_path) as database:
        database.bind_config("h", {})
        for attempt in range(3):
            database.add(_record("t", attempt))
        database.append_jsonl(_record("t", 0))
        with database.jsonl_path.open("a") as handle:
            handle.write('{"name": "t", "attempt": 1, "se')
        assert database.sync_jsonl() == 2
        assert sorted(_jsonl_keys(database.jsonl_path)) == [("t", 0), ("t", 1), ("t", 2)]
        assert database.sync_jsonl() == 0


def test_corrupt_middle_line_raises_naming_the_file_and_keeps_data(tmp_path: Path) -> None:
    """A broken complete line is an InputError naming file and line; SQLite keeps everything."""
    with ResultsDatabase(tmp_path) as database:
        database.bind_config("h", {})
        database.add(_record("t", 0))
        database.add(_record("t", 1))
        database.jsonl_path.write_text("not json\n" + json.dumps(_record("t", 1).to_dict()) + "\n")
        with pytest.raises(InputError, match=r"results\.jsonl line 1"):
            database.sync_jsonl()
        assert database.count() == 2
        database.jsonl_path.unlink()
        assert database.sync_jsonl() == 2


def test_line_unknown_to_the_database_is_refused(tmp_path: Path) -> None:
    """A JSONL attempt the database never recorded belongs to another run."""
    with ResultsDatabase(tmp_path) as database:
        database.bind_config("h", {})
        database.jsonl_path.write_text(json.dumps(_record("other", 0).to_dict()) + "\n")
        with pytest.raises(InputError, match="does not belong to this run"):
            database.sync_jsonl()


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    """A garbage results.sqlite raises InputError naming it."""
    (tmp_path / "results.sqlite").write_bytes(b"garbage" * 200)
    with pytest.raises(InputError, match=r"results\.sqlite"):
        ResultsDatabase(tmp_path)


def test_a_changed_theorem_text_is_refused_and_new_ones_recorded(tmp_path: Path) -> None:
    """Same fingerprints resume, new names are recorded, a changed one is refused by name."""
    with ResultsDatabase(tmp_path) as database:
        database.bind_config("abc", {"x": 1})
        database.add(_record("legacy", 0, "proved"))
        with pytest.raises(ConfigError, match="'legacy' was recorded before statement fing"):
            database.bind_theorems({"t1": "aaa", "legacy": "lll"})
        database.bind_theorems({"t1": "aaa"})
        database.bind_theorems({"t1": "aaa", "t2": "bbb"})
        with pytest.raises(ConfigError, match=r"statement of 't1' \(and 1 more\) changed"):
            database.bind_theorems({"t1": "zzz", "t2": "yyy"})
    with ResultsDatabase(tmp_path) as database, pytest.raises(ConfigError, match="'legacy'"):
        database.bind_theorems({"legacy": "lll"})


def test_a_replaced_record_reaches_the_jsonl_even_after_a_crash(tmp_path: Path) -> None:
    """replace() overwrites the stored attempt and drops its graph once not proved; the JSONL
    mirror is rewritten by the next sync, also when the process died before syncing."""
    with ResultsDatabase(tmp_path) as database:
        database.bind_config("abc", {})
        database.add(_record("t1", 0, "proved"), graph='{"nodes": []}')
        database.add(_record("t2", 0))
        database.sync_jsonl()
        failed = AttemptRecord(name="t1", attempt=0, seed=7, status="failed", error="refused")
        database.replace(failed)  # the process "dies" here: no sync
    with ResultsDatabase(tmp_path) as database:
        assert [record.status for record in database.records()] == ["failed", "failed"]
        assert database.graph("t1", 0) is None
        assert database.sync_jsonl() == 0
        lines = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
        assert [(line["name"], line["status"], line["error"]) for line in lines] == [
            ("t1", "failed", "refused"),
            ("t2", "failed", None),
        ]
        assert database.sync_jsonl() == 0  # nothing stale any more: an ordinary sync
        assert not (tmp_path / "results.jsonl.rewrite").exists()


def test_replacing_an_attempt_that_was_never_recorded_is_refused(tmp_path: Path) -> None:
    """replace() of an unknown (name, attempt) raises naming it and marks nothing stale."""
    with ResultsDatabase(tmp_path) as database:
        database.bind_config("abc", {})
        with pytest.raises(InputError, match="no attempt 0 of ghost"):
            database.replace(_record("ghost", 0))
        database.add(_record("t1", 0))
        assert database.sync_jsonl() == 1  # an append, not a rewrite


_FOREIGN_OBJECTS = {
    "trigger": "CREATE TRIGGER keep_it AFTER INSERT ON attempts BEGIN "
    "UPDATE attempts SET status = 'proved' WHERE name = NEW.name; END",
    "view": "DROP TABLE attempts; CREATE VIEW attempts AS SELECT 1 AS name",
    "table": "CREATE TABLE extra (x)",
    "index": "CREATE INDEX by_status ON attempts (status)",
    "definition": "DROP TABLE theorems; CREATE TABLE theorems (name TEXT PRIMARY KEY, fingerprint)",
}


@pytest.mark.parametrize("kind", sorted(_FOREIGN_OBJECTS))
def test_a_schema_object_a_results_database_never_has_is_refused_untouched(
    tmp_path: Path, kind: str
) -> None:
    """A trigger, a view named like a table, an extra table or index, or a table of another
    definition is one InputError naming the file, and the file is left byte for byte."""
    with ResultsDatabase(tmp_path) as database:
        database.bind_config("abc", {})
        database.add(_record("t1", 0))
    with sqlite3.connect(tmp_path / "results.sqlite") as connection:
        connection.executescript(_FOREIGN_OBJECTS[kind])
    connection.close()
    before = (tmp_path / "results.sqlite").read_bytes()
    with pytest.raises(InputError, match=r"results\.sqlite holds a schema object") as caught:
        ResultsDatabase(tmp_path)
    assert "\n" not in str(caught.value)
    assert (tmp_path / "results.sqlite").read_bytes() == before


def test_a_database_of_an_older_version_without_a_newer_table_opens(tmp_path: Path) -> None:
    """A database holding only some of the tables, exactly as defined, is not foreign: the
    missing table (theorems, added later) is created and its rows are read."""
    with ResultsDatabase(tmp_path) as database:
        database.bind_config("abc", {})
        database.add(_record("t1", 0))
    with sqlite3.connect(tmp_path / "results.sqlite") as connection:
        connection.execute("DROP TABLE theorems")
    connection.close()
    with ResultsDatabase(tmp_path) as database:
        assert database.completed() == {("t1", 0)}
        database.bind_theorems({"t2": "bbb"})


def test_a_trigger_calling_a_function_added_while_open_stops_the_write(tmp_path: Path) -> None:
    """trusted_schema=OFF: a trigger another connection adds after the check may not call
    an SQL function; the insert fails as one InputError naming the file, nothing stored."""
    with ResultsDatabase(tmp_path) as database:
        database.bind_config("abc", {})
        with sqlite3.connect(tmp_path / "results.sqlite") as other:
            other.execute(
                "CREATE TRIGGER forge AFTER INSERT ON attempts BEGIN UPDATE attempts SET "
                "record = json_set(NEW.record, '$.status', 'proved'); END"
            )
        other.close()
        with pytest.raises(InputError, match=r"results\.sqlite failed: unsafe use of json_set"):
            database.add(_record("t1", 0))
        assert database.count() == 0


def test_a_jsonl_line_edited_into_a_proof_is_rewritten_from_the_database(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Round eighty-four: a line flipped to `proved` by `admit.` (the training commands read
    the JSONL) is replaced by the database's record on the next sync, with a warning."""
    with ResultsDatabase(tmp_path) as database:
        database.bind_config("abc", {})
        for attempt in (0, 1):
            database.add(_record("t", attempt))
            database.append_jsonl(_record("t", attempt))
        lines = (tmp_path / "results.jsonl").read_text().splitlines()
        forged = {**json.loads(lines[1]), "status": "proved", "proof": ["admit."], "verified": True}
        (tmp_path / "results.jsonl").write_text(f"{lines[0]}\n{json.dumps(forged)}\n")
        assert database.sync_jsonl() == 0
    rows = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert [row["status"] for row in rows] == ["failed", "failed"]
    assert "1 line(s) differ from results.sqlite" in caplog.text


def test_a_database_whose_index_points_elsewhere_is_refused(tmp_path: Path) -> None:
    """Round eighty-eight: the attempts' key index aimed at a deleted twin table (the schema
    rows still match) finds one attempt's row for another's key; SQLite's integrity check
    faults it and the database is refused before use."""
    with ResultsDatabase(tmp_path) as database:
        database.bind_config("abc", {})
        for name in ("a", "b"):
            database.add(_record(name, 0))
    connection = sqlite3.connect(tmp_path / "results.sqlite", isolation_level=None)
    (table,) = connection.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'attempts'"
    ).fetchone()
    connection.execute(table.replace("attempts", "twin"))
    for rowid, name in ((2, "a"), (1, "b")):  # the twin's index maps each key to the other row
        connection.execute(
            "INSERT INTO twin (rowid, name, attempt, seed, status, record, recorded_at, sequence)"
            " VALUES (?, ?, 0, 7, 'failed', '{}', 0, ?)",
            (rowid, name, rowid),
        )
    twin_index = "SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_twin_1'"
    (root,) = connection.execute(twin_index).fetchone()
    connection.execute("PRAGMA writable_schema=ON")
    connection.execute(
        "UPDATE sqlite_master SET rootpage = ? WHERE name = 'sqlite_autoindex_attempts_1'", (root,)
    )
    connection.execute("DELETE FROM sqlite_master WHERE tbl_name = 'twin'")
    (version,) = connection.execute("PRAGMA schema_version").fetchone()
    connection.execute(f"PRAGMA schema_version = {version + 1}")
    connection.close()
    with pytest.raises(InputError, match="fails SQLite's integrity check"):
        ResultsDatabase(tmp_path)
