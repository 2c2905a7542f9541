"""``prover prove``: configuration, theorem selection and the batch loop with its progress bar."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from models.progress.config import ScoringConfig, build_scoring, scoring_config_from_arguments
from models.registry import GeneratorConfig, build_generator, generator_config_from_arguments
from prover.attempts.record import AttemptRecord
from prover.attempts.run import prove_entries, summarize
from prover.attempts.store import JsonlWriter
from prover.backends.factory import BackendConfig, open_environment
from prover.cli.flags import add_problem_flags, add_search_flags
from prover.data.benchmarks import BenchmarkEntry, benchmark_spec, load_benchmark, select_entries
from prover.data.theorem_files import theorem_from_file
from search.config import SearchConfig
from search.errors import ConfigError
from search.protocols import NodeScorer, OnlineLearner, SamplingSchedule, TacticGenerator
from search.states import Theorem

__all__ = [
    "ProblemSelection",
    "ProveConfig",
    "header_learning",
    "load_problems",
    "prove_config_from_arguments",
    "register",
    "run_prove",
]


@dataclass(frozen=True, kw_only=True)
class ProblemSelection:
    """Which theorems to run: a benchmark split (optionally filtered) or one file's theorem."""

    benchmark: str | None = None
    split: str | None = None
    statements: str | None = None
    names: tuple[str, ...] = ()
    limit: int | None = None
    file: Path | None = None
    theorem: str | None = None

    def __post_init__(self) -> None:
        if self.file is not None:
            if not self.theorem:
                raise ConfigError("--file needs --theorem NAME")
            if self.benchmark is not None:
                raise ConfigError("give either --file/--theorem or --benchmark, not both")
        elif self.benchmark is None or self.split is None:
            raise ConfigError("give --benchmark B --split S, or --file F --theorem NAME")


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


def search_config_from_arguments(arguments: argparse.Namespace) -> SearchConfig:
    """The search budgets given on the command line."""
    return SearchConfig(
        time_limit_s=arguments.time_limit,
        max_expansions=arguments.max_expansions,
        tactic_timeout_s=arguments.tactic_timeout,
        max_depth=arguments.max_depth,
        num_candidates=arguments.num_candidates,
        expansion_batch_size=arguments.expansion_batch_size,
        seed=arguments.seed,
    )


def backend_config_from_arguments(arguments: argparse.Namespace) -> BackendConfig:
    """The backend given on the command line."""
    return BackendConfig(
        name=arguments.backend,
        lean_repl_command=arguments.lean_repl_cmd,
        lean_project=arguments.lean_project,
        memory_limit_mb=arguments.memory_limit_mb,
        coq_prelude=arguments.coq_prelude,
    )


def problems_from_arguments(arguments: argparse.Namespace) -> ProblemSelection:
    """The theorem selection given on the command line."""
    names = tuple(n.strip() for n in (arguments.names or "").split(",") if n.strip())
    return ProblemSelection(
        benchmark=arguments.benchmark,
        split=arguments.split,
        statements=arguments.statements,
        names=names,
        limit=arguments.limit,
        file=arguments.file,
        theorem=arguments.theorem,
    )


def prove_config_from_arguments(arguments: argparse.Namespace) -> ProveConfig:
    """Build and validate the whole configuration of a ``prove`` run."""
    return ProveConfig(
        problems=problems_from_arguments(arguments),
        backend=backend_config_from_arguments(arguments),
        generator=generator_config_from_arguments(arguments),
        search=search_config_from_arguments(arguments),
        scoring=scoring_config_from_arguments(arguments),
        output=arguments.output,
        force=arguments.force,
        show_progress=not arguments.no_progress,
    )


def load_problems(problems: ProblemSelection, *, language: str) -> list[BenchmarkEntry]:
    """Resolve a selection to benchmark entries, checking the benchmark suits the backend."""
    if problems.file is not None and problems.theorem is not None:
        theorem = theorem_from_file(problems.file, problems.theorem, language=language)
        return [BenchmarkEntry(key=theorem.name, theorem=theorem)]
    if problems.benchmark is None or problems.split is None:
        raise ConfigError("give --benchmark B --split S, or --file F --theorem NAME")
    spec = benchmark_spec(problems.benchmark)
    if spec.language != language:
        raise ConfigError(
            f"benchmark {spec.name} is written for {spec.language}, "
            f"but the chosen backend runs {language}"
        )
    entries = load_benchmark(spec.name, split=problems.split, statements=problems.statements)
    return select_entries(entries, names=problems.names or None, limit=problems.limit)


def prepare_output(output: Path, *, force: bool) -> Path:
    """Create the run directory; an existing results file is kept aside, never overwritten."""
    output.mkdir(parents=True, exist_ok=True)
    results = output / "results.jsonl"
    if results.exists() and results.stat().st_size > 0:
        if not force:
            raise ConfigError(
                f"{results} already holds results; choose another --output, "
                "use `prover eval` to resume, or pass --force to start over"
            )
        results.rename(output / f"results.{time.strftime('%Y%m%d-%H%M%S')}.jsonl")
    return results


def run_prove(config: ProveConfig) -> int:
    """Run ``prover prove`` end to end; returns the process exit status."""
    entries = load_problems(config.problems, language=config.backend.language)
    results_path = prepare_output(config.output, force=config.force)
    (config.output / "config.json").write_text(json.dumps(config.to_dict(), indent=2) + "\n")
    generator = build_generator(config.generator, language=config.backend.language)
    scorer, schedule = build_scoring(config.scoring, config.search)
    before_theorem = header_learning(generator, config.backend) if config.problems.file else None
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
    (config.output / "summary.json").write_text(json.dumps(asdict(summary), indent=2) + "\n")
    print(summary.render())
    print(f"results: {results_path}")
    return 0


def _prove_with_progress(
    entries: Sequence[BenchmarkEntry],
    config: ProveConfig,
    environment: Any,
    generator: Any,
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
            writer.write(record.to_dict())
            solved += record.status == "proved"
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


def header_learning(
    generator: TacticGenerator, backend: BackendConfig
) -> Callable[[Theorem], None] | None:
    """For a theorem of a real Coq file: learn its header's proofs first (online learning)."""
    if backend.language != "coq" or not isinstance(generator, OnlineLearner):
        return None
    from prover.attempts.learning import HeaderLearner
    from prover.backends.coq.environment import CoqConfig

    learner = HeaderLearner(generator, coq=CoqConfig(memory_limit_mb=backend.memory_limit_mb))

    def learn(theorem: Theorem) -> None:
        learner(theorem)

    return learn


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``prove`` subcommand to the ``prover`` parser."""
    parser = commands.add_parser("prove", help="prove theorems and write DIR/results.jsonl")
    add_problem_flags(parser)
    add_search_flags(parser)
    parser.add_argument("--output", type=Path, required=True, help="run directory")
    parser.add_argument("--force", action="store_true", help="start over in an existing DIR")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(handler=_run_prove)


def _run_prove(arguments: argparse.Namespace) -> int:
    return run_prove(prove_config_from_arguments(arguments))
