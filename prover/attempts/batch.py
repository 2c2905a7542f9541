"""``prover prove`` as a library: one attempt per selected theorem, written as it ends.

The run directory gets ``results.jsonl`` (one :class:`AttemptRecord` per line, fsynced),
``config.json`` and ``summary.json``. An existing run is never overwritten: with
``force`` its files move to ``DIR/previous-<time>/`` (the same rule as ``prover eval``).
The directory is locked for the whole run (:func:`locked_run_directory`): a second run on it
is refused, ``--force`` or not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from models.progress.config import ScoringConfig, build_scoring
from models.registry import GeneratorConfig, build_generator
from prover.attempts.jsonl import JsonlWriter
from prover.attempts.learning import header_learning
from prover.attempts.record import AttemptRecord
from prover.attempts.run import prove_entries, summarize
from prover.attempts.run_directory import (
    DirectoryIdentity,
    ensure_run_directory,
    locked_run_directory,
    move_aside,
    replace_file,
)
from prover.backends.factory import BackendConfig, open_environment
from prover.data.benchmarks import BenchmarkEntry
from prover.data.selection import ProblemSelection, check_unique_keys, load_problems
from search.config import SearchConfig
from search.errors import ConfigError
from search.protocols import NodeScorer, ProofEnvironment, SamplingSchedule, TacticGenerator
from search.states import Theorem

__all__ = [
    "EXIT_ATTEMPT_ERRORS",
    "EXIT_OK",
    "ProveConfig",
    "exit_status",
    "prepare_run_directory",
    "run_prove",
]

#: Exit status when every attempt ran (proved or failed).
EXIT_OK = 0
#: Exit status when the run finished but at least one attempt ended in ``error``.
EXIT_ATTEMPT_ERRORS = 3

_RUN_FILES = ("results.jsonl", "config.json", "summary.json")


@dataclass(frozen=True, kw_only=True)
class ProveConfig:
    """Everything ``prover prove`` needs, built once from the command line."""

    problems: ProblemSelection
    backend: BackendConfig
    generator: GeneratorConfig
    search: SearchConfig
    output: Path
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    force: bool = False
    show_progress: bool = True

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view, written to DIR/config.json."""
        return json.loads(json.dumps(asdict(self), default=str))  # type: ignore[no-any-return]


def exit_status(records: Sequence[AttemptRecord]) -> int:
    """:data:`EXIT_OK` if every attempt ran, :data:`EXIT_ATTEMPT_ERRORS` if any ended in error."""
    return EXIT_ATTEMPT_ERRORS if any(r.status == "error" for r in records) else EXIT_OK


def prepare_run_directory(output: Path, *, force: bool) -> Path:
    """Create ``output`` and return its results file; an earlier run is refused or moved aside.

    Without ``force`` a directory whose ``results.jsonl`` holds results is refused; with it,
    the earlier results, configuration and summary move together to ``previous-<time>/``.
    """
    ensure_run_directory(output)
    results = output / _RUN_FILES[0]
    if results.exists() and results.stat().st_size > 0:
        if not force:
            raise ConfigError(
                f"{results} already holds results; choose another --output, "
                "use `prover eval` to resume, or pass --force to start over"
            )
        move_aside(output, _RUN_FILES)
    return results


def run_prove(config: ProveConfig) -> int:
    """Run ``prover prove`` end to end; returns the exit status (:func:`exit_status`)."""
    entries = load_problems(config.problems, language=config.backend.language)
    check_unique_keys(entries)
    with locked_run_directory(config.output) as directory:
        return _run_locked(entries, config, directory)


def _run_locked(
    entries: Sequence[BenchmarkEntry], config: ProveConfig, directory: DirectoryIdentity
) -> int:
    """The run, once this process holds the run directory's lock (``directory``: the folder
    it led to then, checked again before the summary is written by name)."""
    results_path = prepare_run_directory(config.output, force=config.force)
    replace_file(config.output / "config.json", json.dumps(config.to_dict(), indent=2) + "\n")
    generator = build_generator(config.generator, language=config.backend.language)
    scorer, schedule = build_scoring(config.scoring, config.search)
    before_theorem = None
    if config.problems.file:  # the lemmas above: knn learns them, progress their lengths
        before_theorem = header_learning(generator, config.backend, progress=scorer)
    environment = open_environment(config.backend)
    try:
        with JsonlWriter(results_path) as writer:
            records = _prove_with_progress(
                entries,
                config,
                environment,
                generator,
                writer,
                scorer=scorer,
                schedule=schedule,
                before_theorem=before_theorem,
            )
    finally:
        environment.close()
    summary = summarize(records)
    directory.check()
    replace_file(config.output / "summary.json", json.dumps(asdict(summary), indent=2) + "\n")
    print(summary.render())
    print(f"results: {results_path}")
    return exit_status(records)


def _prove_with_progress(
    entries: Sequence[BenchmarkEntry],
    config: ProveConfig,
    environment: ProofEnvironment,
    generator: TacticGenerator,
    writer: JsonlWriter,
    *,
    scorer: NodeScorer | None = None,
    schedule: SamplingSchedule | None = None,
    before_theorem: Callable[[Theorem], None] | None = None,
) -> list[AttemptRecord]:
    from tqdm import tqdm

    solved = 0
    with tqdm(total=len(entries), unit="thm", disable=not config.show_progress) as bar:

        def on_record(record: AttemptRecord) -> None:
            nonlocal solved
            writer.write(record)
            solved += record.proved
            bar.set_postfix(solved=solved, last=record.name[:24])
            bar.update(1)

        return prove_entries(
            entries,
            environment=environment,
            generator=generator,
            config=config.search,
            on_record=on_record,
            scorer=scorer,
            schedule=schedule,
            before_theorem=before_theorem,
        )
