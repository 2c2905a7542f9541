"""Benchmark registry and loading: which file holds which statements, split by split.

A benchmark file is JSONL, one theorem per line. A broken line does not stop a
batch: it becomes a :class:`BenchmarkEntry` carrying the error, so the run records
it and goes on with the next theorem.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from prover.data.coq816_headers import coq816_header
from search.errors import BenchmarkError, ConfigError
from search.states import Theorem

__all__ = [
    "BENCHMARKS",
    "BenchmarkEntry",
    "BenchmarkSpec",
    "data_directory",
    "load_benchmark",
    "select_entries",
    "unknown_names",
]


@dataclass(frozen=True, kw_only=True)
class BenchmarkSpec:
    """A named benchmark: its proof language and one data file per statement version;
    ``maps_coq816_headers``: its shipped Coq headers are mapped for Coq 8.16 when loaded."""

    name: str
    language: str
    files: dict[str, str]
    default_statements: str
    key_field: str = "name"
    maps_coq816_headers: bool = False


BENCHMARKS: dict[str, BenchmarkSpec] = {
    "minif2f-coq": BenchmarkSpec(
        name="minif2f-coq",
        language="coq",
        files={"rocq": "minif2f_coq.jsonl"},
        default_statements="rocq",
        maps_coq816_headers=True,
    ),
    "minif2f-lean4": BenchmarkSpec(
        name="minif2f-lean4",
        language="lean4",
        files={
            "deepseek": "minif2f_lean4.jsonl",
            "yangky11": "minif2f_lean4_yangky11_v4.24.jsonl",
        },
        default_statements="deepseek",
    ),
    "proofnet-lean4": BenchmarkSpec(
        name="proofnet-lean4",
        language="lean4",
        files={
            "deepseek": "proofnet_lean4.jsonl",
            "rahul3613": "proofnet_lean4_rahul3613_v4.20.jsonl",
        },
        default_statements="deepseek",
        key_field="proofnet_id",
    ),
}

SPLITS = ("valid", "test")


@dataclass(frozen=True, kw_only=True)
class BenchmarkEntry:
    """One line of a benchmark: a theorem, or the error that line produced."""

    key: str
    theorem: Theorem | None
    error: str | None = None


def data_directory() -> Path:
    """Where benchmark files live: ``$PROVER_DATA_DIR``, or the package data ``statements/``.

    The statements ship inside the installed package, so ``pip install .`` works from any
    folder (no checkout-relative path).
    """
    override = os.environ.get("PROVER_DATA_DIR")
    if override:
        return Path(override)
    return Path(str(resources.files("prover.data") / "statements"))


def benchmark_spec(name: str) -> BenchmarkSpec:
    """The registered benchmark ``name``; unknown names raise :class:`BenchmarkError`."""
    try:
        return BENCHMARKS[name]
    except KeyError:
        known = ", ".join(sorted(BENCHMARKS))
        raise BenchmarkError(f"unknown benchmark {name!r} (known: {known})") from None


def load_benchmark(name: str, *, split: str, statements: str | None = None) -> list[BenchmarkEntry]:
    """Load every entry of ``split`` from benchmark ``name`` (statement version optional)."""
    spec = benchmark_spec(name)
    if split not in SPLITS:
        raise BenchmarkError(f"unknown split {split!r} for {name} (known: {', '.join(SPLITS)})")
    version = statements or spec.default_statements
    if version not in spec.files:
        known = ", ".join(sorted(spec.files))
        raise ConfigError(f"--statements {version!r} is not available for {name} (known: {known})")
    path = data_directory() / spec.files[version]
    entries = read_entries(path, key_field=spec.key_field)
    if spec.maps_coq816_headers:
        shipped = _shipped_headers(spec.files[version], spec.key_field)
        entries = [_mapped(entry, shipped) for entry in entries]
    return [entry for entry in entries if _in_split(entry, split)]


@functools.cache
def _shipped_headers(file_name: str, key_field: str) -> frozenset[str]:
    """The headers of the package's own copy of ``file_name`` (never ``$PROVER_DATA_DIR``'s)."""
    path = Path(str(resources.files("prover.data") / "statements" / file_name))
    entries = read_entries(path, key_field=key_field)
    return frozenset(entry.theorem.header for entry in entries if entry.theorem is not None)


def _mapped(entry: BenchmarkEntry, shipped: frozenset[str]) -> BenchmarkEntry:
    """``entry`` with its header as Coq 8.16 loads it (:mod:`prover.data.coq816_headers`).

    Only a header that is byte for byte one of the shipped file's is mapped: the mappings
    rewrite text, and were audited for those headers alone. A header a user's benchmark file
    (through ``$PROVER_DATA_DIR``) writes anew is loaded as written (fail closed: red-team
    round thirty-five remapped a file's own ``Stdlib`` module through them).
    """
    if entry.theorem is None or entry.theorem.header not in shipped:
        return entry
    theorem = replace(entry.theorem, header=coq816_header(entry.theorem.header))
    return replace(entry, theorem=theorem)


def read_entries(path: Path, *, key_field: str = "name") -> list[BenchmarkEntry]:
    """Parse a JSONL benchmark file; broken lines become entries carrying their error."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BenchmarkError(f"cannot read benchmark file {path}: {exc.strerror or exc}") from exc
    entries = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            entries.append(_parse_line(line, path=path, number=number, key_field=key_field))
    return entries


def _parse_line(line: str, *, path: Path, number: int, key_field: str) -> BenchmarkEntry:
    where = f"{path.name} line {number}"
    try:
        record = json.loads(line)
        if not isinstance(record, dict):
            raise TypeError("not a JSON object")
        key = str(record.get(key_field) or record["name"])
        theorem = _theorem_from_record(record)
    except (ValueError, KeyError, TypeError) as exc:
        detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        error = f"broken benchmark line ({where}): {detail}"
        return BenchmarkEntry(key=where, theorem=None, error=error)
    return BenchmarkEntry(key=key, theorem=theorem)


def _theorem_from_record(record: dict[str, Any]) -> Theorem:
    return Theorem(
        name=str(record["name"]),
        header=str(record.get("header") or ""),
        statement=str(record["formal_statement"]),
        split=record.get("split"),
        source=record.get("source"),
        informal_statement=record.get("informal_statement"),
    )


def _in_split(entry: BenchmarkEntry, split: str) -> bool:
    # Broken lines have no split; keep them so the run records their error.
    return entry.theorem is None or entry.theorem.split == split


def unknown_names(entries: Sequence[BenchmarkEntry], names: Sequence[str]) -> list[str]:
    """The ``names`` that select none of ``entries`` (by key or theorem name), in order."""
    known = {e.key for e in entries} | {e.theorem.name for e in entries if e.theorem is not None}
    return [name for name in names if name not in known]


def select_entries(
    entries: Sequence[BenchmarkEntry],
    *,
    names: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[BenchmarkEntry]:
    """Pick entries by name (in the order given; unknown names raise) and/or the first ``limit``."""
    selected = list(entries)
    if names:
        by_key = {entry.key: entry for entry in entries}
        by_name = {entry.theorem.name: entry for entry in entries if entry.theorem is not None}
        missing = unknown_names(entries, names)
        if missing:
            unknown = ", ".join(missing)
            raise BenchmarkError(f"unknown theorem name(s) in this benchmark split: {unknown}")
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise BenchmarkError(f"--names lists {', '.join(repeated)} more than once")
        selected = [by_key.get(name) or by_name[name] for name in names]
    if limit is not None:
        if limit < 1:
            raise ConfigError(f"--limit must be a positive integer, got {limit}")
        selected = selected[:limit]
    return selected
