"""Which theorems a run works on: a benchmark split (filtered by name or count) or one file's.

:class:`ProblemSelection` is the validated choice (built by the CLI from ``--benchmark``,
``--split``, ``--statements``, ``--names``, ``--limit``, ``--file``, ``--theorem``);
:func:`load_problems` resolves it to benchmark entries for a backend's proof language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from prover.data.benchmarks import (
    SPLITS,
    BenchmarkEntry,
    benchmark_spec,
    load_benchmark,
    select_entries,
    unknown_names,
)
from prover.data.theorem_files import theorem_from_file
from search.errors import BenchmarkError, ConfigError, InputError

__all__ = ["ProblemSelection", "check_unique_keys", "load_problems"]


@dataclass(frozen=True, kw_only=True)
class ProblemSelection:
    """A benchmark split (optionally filtered by ``names`` and ``limit``) or one file's theorem.

    Attributes:
        benchmark: registered benchmark name (``minif2f-coq``, ``minif2f-lean4``, ...).
        split: ``valid`` or ``test``.
        statements: statement version of a Lean benchmark (None: its default).
        names: theorem names to run, in this order (empty: every theorem of the split).
        limit: run only the first ``limit`` selected theorems.
        file: a ``.v`` or ``.lean`` file holding the theorem (instead of a benchmark).
        theorem: the theorem's name inside ``file``.
    """

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
    _check_names_in_split(entries, problems, benchmark=spec.name)
    return select_entries(entries, names=problems.names or None, limit=problems.limit)


def _check_names_in_split(
    entries: list[BenchmarkEntry], problems: ProblemSelection, *, benchmark: str
) -> None:
    """Refuse ``--names`` absent from the split in one line naming the split, and the other
    split where a name is found there (the usual slip: a test theorem asked of valid)."""
    missing = unknown_names(entries, problems.names)
    if not missing:
        return
    message = f"unknown theorem name(s) in {benchmark} --split {problems.split}: "
    message += ", ".join(missing)
    for other in SPLITS:
        if other != problems.split:
            there = load_benchmark(benchmark, split=other, statements=problems.statements)
            absent = set(unknown_names(there, missing))
            found = [name for name in missing if name not in absent]
            if found:
                message += f" ({', '.join(found)} in --split {other})"
    raise BenchmarkError(message)


def check_unique_keys(entries: Sequence[BenchmarkEntry]) -> None:
    """Refuse a selection naming one theorem twice: results are kept and read by name, so
    the two would be counted as one (``prove`` took both until red-team round ninety)."""
    seen: set[str] = set()
    for entry in entries:
        if entry.key in seen:
            raise InputError(f"theorem {entry.key!r} appears twice in the selection")
        seen.add(entry.key)
