"""``prover eval`` as a library: K attempts per theorem, resumable, local workers or Ray; pass@k.

The run directory holds ``results.sqlite`` (source of truth, WAL), ``results.jsonl`` (one
line per attempt, the fields of ``prover prove``), ``config.json``, ``summary.json``,
``graphs/`` (search graphs of proved attempts) and ``report.html``. Rerunning the same
command resumes (proofs another version of the verifier accepted are checked again first:
:mod:`prover.evaluation.reverify`); another configuration in the same directory is refused
unless --force. One run at a time uses a directory (a lock file), and the summary counts
the records this process verified or produced, not whatever the database holds at the end.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.progress.config import ScoringConfig
from models.registry import GeneratorConfig
from prover.attempts.batch import exit_status
from prover.attempts.database import DATABASE_NAME, JSONL_NAME, ResultsDatabase
from prover.attempts.record import AttemptRecord, attempt_seed
from prover.attempts.run import error_record
from prover.attempts.run_directory import (
    ensure_run_directory,
    locked_run_directory,
    move_aside,
    replace_file,
)
from prover.backends.factory import BackendConfig
from prover.data.benchmarks import BenchmarkEntry
from prover.data.selection import ProblemSelection, check_unique_keys, load_problems
from prover.evaluation.compatibility import canonical_json, fields_added_at_default
from prover.evaluation.reverify import recheck_proofs
from prover.evaluation.summary import unmatched_rows
from search.config import SearchConfig
from search.errors import ConfigError

__all__ = ["EvalConfig", "config_hash", "open_run_directory", "run_eval"]

logger = logging.getLogger(__name__)

_RUN_FILES = (DATABASE_NAME, f"{DATABASE_NAME}-wal", f"{DATABASE_NAME}-shm", JSONL_NAME)
_DERIVED_FILES = ("summary.json", "report.html", "config.json", "graphs")


@dataclass(frozen=True, kw_only=True)
class EvalConfig:
    """Everything ``prover eval`` needs; :meth:`identity` is what defines the run."""

    problems: ProblemSelection
    backend: BackendConfig
    generator: GeneratorConfig
    search: SearchConfig
    attempts: int
    run_dir: Path
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    workers: int = 1
    ray: str | None = None
    force: bool = False
    show_progress: bool = True
    write_report: bool = True

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ConfigError(f"--attempts must be at least 1, got {self.attempts}")
        if self.workers < 1:
            raise ConfigError(f"--workers must be at least 1, got {self.workers}")
        model = self.generator.backend is not None
        if self.attempts > 1 and model and self.generator.temperature <= 0:
            raise ConfigError(
                f"--attempts {self.attempts} with a model generator needs --temperature "
                f"above 0 (got {self.generator.temperature}); otherwise attempts repeat"
            )

    def identity_parts(self) -> dict[str, Any]:
        """What defines the run, by part (no run-dir, workers...); :meth:`identity` is its JSON."""
        return {
            "problems": self.problems,
            "backend": self.backend,
            "generator": self.generator,
            "search": self.search,
            "scoring": self.scoring,
            "attempts": self.attempts,
        }

    def identity(self) -> dict[str, Any]:
        """The canonical configuration hashed into the run directory."""
        return {key: canonical_json(value) for key, value in self.identity_parts().items()}


def config_hash(config: EvalConfig) -> str:
    """sha256 of the canonical JSON of :meth:`EvalConfig.identity`."""
    text = json.dumps(config.identity(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def open_run_directory(config: EvalConfig, fingerprints: Mapping[str, str]) -> ResultsDatabase:
    """Open (or create) the run's database, refusing a directory of another configuration
    or one whose theorems (by name) had another text (``fingerprints``: each theorem's id)."""
    run_dir = config.run_dir
    ensure_run_directory(run_dir)
    stray = run_dir / JSONL_NAME
    if stray.exists() and not (run_dir / DATABASE_NAME).exists() and not config.force:
        raise ConfigError(
            f"{stray} exists but {run_dir} holds no {DATABASE_NAME}: it is not an eval run "
            "directory; choose another --run-dir or pass --force to move it aside"
        )
    if config.force:
        _move_aside_if_other(config, fingerprints)
    database = ResultsDatabase(run_dir)
    try:
        _upgrade_if_compatible(database, config)
        database.bind_config(config_hash(config), config.identity())
        database.bind_theorems(fingerprints)
    except BaseException:
        database.close()
        raise
    return database


def _upgrade_if_compatible(database: ResultsDatabase, config: EvalConfig) -> None:
    """Rebind a directory made before some fields existed, if they are all at their defaults.

    Such a directory holds the same search as today's command (see
    :mod:`prover.evaluation.compatibility`), so it resumes instead of being refused.
    """
    stored = database.stored_config()
    added = None if stored is None else fields_added_at_default(stored, config.identity_parts())
    if added:  # None: another configuration (bind_config refuses it); []: the same one
        logger.warning(
            "resuming %s, made before %s existed (at %s default now); its configuration "
            "record is updated",
            config.run_dir,
            ", ".join(added),
            "its" if len(added) == 1 else "their",
        )
        database.replace_config(config_hash(config), config.identity())


def _move_aside_if_other(config: EvalConfig, fingerprints: Mapping[str, str]) -> None:
    run_dir = config.run_dir
    database_path = run_dir / DATABASE_NAME
    if database_path.exists():
        with ResultsDatabase(run_dir) as database:
            stored = database.stored_config()
            parts = config.identity_parts()
            same_run = stored is not None and fields_added_at_default(stored, parts) is not None
            if same_run and not database.changed_theorems(fingerprints):
                return  # the same run, or one made before some fields existed: it resumes
    move_aside(run_dir, (*_RUN_FILES, *_DERIVED_FILES))


def run_eval(config: EvalConfig) -> int:
    """Run ``prover eval`` end to end; returns the process exit status.

    The run directory is locked for the whole run (:func:`locked_run_directory`): a second
    run on it is refused, ``--force`` or not.
    """
    entries = load_problems(config.problems, language=config.backend.language)
    check_unique_keys(entries)
    with locked_run_directory(config.run_dir) as directory:
        with open_run_directory(config, _fingerprints(entries)) as database:
            records = _run_in(entries, config, database)
            directory.check()  # the summary and report are written by name
            summary = _write_summary(entries, config, records)
        print(summary.render())
        if config.write_report:
            from prover.evaluation.report import write_report

            directory.check()
            target = write_report(
                [config.run_dir], own_records=records, own_attempts=config.attempts
            )
            print(f"report: {target}")
    print(f"results: {config.run_dir / JSONL_NAME}")
    return exit_status(records)


def _run_in(
    entries: Sequence[BenchmarkEntry], config: EvalConfig, database: ResultsDatabase
) -> list[AttemptRecord]:
    """Resume, run the pending attempts, and return the records the summary counts.

    Those are the records this process verified or produced (``own``), not the
    database's rows: anything may write to the file during the run (red-team round 82
    rewrote rows into proofs by ``admit.`` while the run went on), so a row that differs
    from this process's record is named in a warning and not counted.
    """
    theorems = {entry.key: entry.theorem for entry in entries if entry.theorem is not None}
    # The JSONL is read first: a broken line stops the run naming it, before the
    # re-check of every stored proof rewrites the file from the database.
    repaired = database.sync_jsonl()
    if repaired:
        logger.warning("appended %d attempt(s) missing from %s", repaired, JSONL_NAME)
    resumed = recheck_proofs(database.records(), theorems, config.backend, database, resuming=True)
    if resumed.checked:
        database.sync_jsonl()
    # A stored proof counts only once this pass verified it again (a theorem in `theorems`).
    own = {(r.name, r.attempt): r for r in resumed.records if not r.proved or r.name in theorems}
    replace_file(
        config.run_dir / "config.json",
        json.dumps({"hash": config_hash(config), **config.identity()}, indent=2) + "\n",
    )
    _record_broken_entries(entries, config, database, own)
    _run_pending(entries, config, database, own)
    # A worker running other code (a Ray node, files edited during the run) named
    # another verifier: its proofs are checked here before the summary counts them.
    final = recheck_proofs(list(own.values()), theorems, config.backend, database)
    if final.checked:
        database.sync_jsonl()
    for problem in unmatched_rows(final.records, database.records()):
        logger.warning("%s: %s; the summary counts what this run verified", database.path, problem)
    return final.records


def _fingerprints(entries: Sequence[BenchmarkEntry]) -> dict[str, str]:
    """Each loaded theorem's id over its name, header and statement, by record name."""
    return {e.key: e.theorem.theorem_id for e in entries if e.theorem is not None}


def _record_broken_entries(
    entries: Sequence[BenchmarkEntry],
    config: EvalConfig,
    database: ResultsDatabase,
    own: dict[tuple[str, int], AttemptRecord],
) -> None:
    """Record an error attempt for each entry that has no theorem (into ``own`` too)."""
    for entry in entries:
        if entry.theorem is not None:
            continue
        for attempt in range(config.attempts):
            if (entry.key, attempt) in own:
                continue
            seed = attempt_seed(config.search.seed, entry.key, attempt)
            message = entry.error or "no theorem"
            record = error_record(entry.key, attempt=attempt, seed=seed, message=message)
            _store(database, record, None)
            own[(entry.key, attempt)] = record


def _store(database: ResultsDatabase, record: AttemptRecord, graph: str | None) -> None:
    """Commit a new attempt and mirror it; a row already there was written by someone else."""
    if not database.add(record, graph=graph):
        logger.warning(
            "%s attempt %d: %s already held a row for it, written by another writer; this "
            "run's own result counts, not that row",
            record.name,
            record.attempt,
            database.path,
        )
        return
    database.append_jsonl(record)
    if graph is not None:
        graphs = database.run_dir / "graphs"
        graphs.mkdir(exist_ok=True)
        replace_file(graphs / f"{record.name}.a{record.attempt}.json", graph)


def _run_pending(
    entries: Sequence[BenchmarkEntry],
    config: EvalConfig,
    database: ResultsDatabase,
    own: dict[tuple[str, int], AttemptRecord],
) -> None:
    """Run every attempt ``own`` lacks; each outcome is stored and added to ``own``."""
    from prover.evaluation.workers import AttemptOutcome, AttemptTask, WorkerSetup, run_local_pool

    tasks = [
        AttemptTask(key=entry.key, attempt=attempt, theorem=entry.theorem)
        for entry in entries
        if entry.theorem is not None
        for attempt in range(config.attempts)
        if (entry.key, attempt) not in own
    ]
    setup = WorkerSetup(
        backend=config.backend,
        generator=config.generator,
        search=config.search,
        scoring=config.scoring,
    )
    progress = _Progress(entries, config, list(own.values()))
    try:

        def on_outcome(outcome: AttemptOutcome) -> None:
            _store(database, outcome.record, outcome.graph)
            own[(outcome.record.name, outcome.record.attempt)] = outcome.record
            progress.update(outcome.record)

        if config.ray is not None:
            from prover.evaluation.ray_workers import run_ray_pool

            run_ray_pool(
                tasks, setup, workers=config.workers, address=config.ray, on_outcome=on_outcome
            )
        else:
            run_local_pool(tasks, setup, workers=config.workers, on_outcome=on_outcome)
    finally:
        progress.close()


class _Progress:
    """The tqdm bar: theorems done, solved, pass@1 so far, ETA."""

    def __init__(
        self,
        entries: Sequence[BenchmarkEntry],
        config: EvalConfig,
        records: Sequence[AttemptRecord],
    ) -> None:
        from tqdm import tqdm

        self.attempts = config.attempts
        self.finished: dict[str, int] = defaultdict(int)
        self.proved: dict[str, int] = defaultdict(int)
        for record in records:
            self._count(record)
        done = sum(n >= self.attempts for n in self.finished.values())
        self.bar = tqdm(
            total=len(entries), initial=done, unit="thm", disable=not config.show_progress
        )
        self._postfix()

    def _count(self, record: AttemptRecord) -> None:
        self.finished[record.name] += 1
        self.proved[record.name] += record.proved

    def update(self, record: AttemptRecord) -> None:
        self._count(record)
        if self.finished[record.name] == self.attempts:
            self.bar.update(1)
        self._postfix()

    def _postfix(self) -> None:
        attempts = sum(self.finished.values())
        proved = sum(self.proved.values())
        solved = sum(count > 0 for count in self.proved.values())
        pass_at_1 = proved / attempts if attempts else 0.0
        self.bar.set_postfix(solved=solved, pass1=f"{100 * pass_at_1:.1f}%", attempts=attempts)

    def close(self) -> None:
        self.bar.close()


def _write_summary(
    entries: Sequence[BenchmarkEntry], config: EvalConfig, records: Sequence[AttemptRecord]
) -> Any:
    """Summarize ``records`` (this process's own) into DIR/summary.json."""
    from prover.evaluation.summary import summarize_run

    summary = summarize_run([entry.key for entry in entries], records, attempts=config.attempts)
    payload = summary.to_dict()
    payload["config_hash"] = config_hash(config)
    payload["budget"] = {
        "time_limit_s": config.search.time_limit_s,
        "max_expansions": config.search.max_expansions,
        "num_candidates": config.search.num_candidates,
        "generator": config.generator.name,
    }
    replace_file(config.run_dir / "summary.json", json.dumps(payload, indent=2) + "\n")
    return summary
