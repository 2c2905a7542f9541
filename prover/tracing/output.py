"""The trace directory: one part file per traced source, merged into the final data.

Layout of ``DIR``::

    parts/<library>/<file>.json.gz   what one source gave (written atomically, fsynced)
    steps.jsonl.gz                   one row per proof step, de-duplicated within a split
    theorems.jsonl                   one row per proof-bearing declaration
    manifest.json                    versions, counts by library and split, times, runs

A part is written to a temporary name, fsynced and renamed, so a SIGKILL loses at most
the files being replayed at that moment; a source whose part exists is never redone.
The merged files are rebuilt from every part of ``DIR`` at the end of each run.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from search.errors import InputError

__all__ = ["FilePart", "MergeSummary", "TraceDirectory", "write_atomically"]

PARTS_FOLDER = "parts"
PART_SUFFIX = ".json.gz"
STEPS_FILE = "steps.jsonl.gz"
THEOREMS_FILE = "theorems.jsonl"
MANIFEST_FILE = "manifest.json"
MINIF2F_REASON = "miniF2F statement"


@dataclass(frozen=True, kw_only=True)
class FilePart:
    """What one source file gave: rows (without ``split``), counts and its error if any."""

    library: str
    file: str
    module: str
    split: str
    error: str | None
    sentences: int
    elapsed_s: float
    qed_sentences: int
    steps: list[dict[str, Any]] = field(default_factory=list)
    theorems: list[dict[str, Any]] = field(default_factory=list)


@dataclass(kw_only=True)
class MergeSummary:
    """Counts of a merge, by library then split (also written into the manifest)."""

    counts: dict[str, dict[str, dict[str, int]]]
    duplicates_removed: dict[str, int]
    minif2f_filtered: int
    coverage: dict[str, dict[str, float]]
    replay_s: float

    def steps_by_split(self) -> dict[str, int]:
        """Rows written, by split, summed over libraries."""
        totals: Counter[str] = Counter()
        for by_split in self.counts.values():
            for split, counts in by_split.items():
                totals[split] += counts["steps"]
        return dict(totals)


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a fsynced temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary_name(path)
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_folder(path.parent)


class TraceDirectory:
    """Reads and writes one trace directory (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def part_path(self, library: str, file: str) -> Path:
        """Where the part of ``file`` of ``library`` lives."""
        return self.root / PARTS_FOLDER / library / (file + PART_SUFFIX)

    def is_done(self, library: str, file: str) -> bool:
        """Whether this source was already traced (or failed) in an earlier run."""
        return self.part_path(library, file).is_file()

    def write_part(self, part: FilePart) -> None:
        """Store one source's result atomically (it survives a SIGKILL right after)."""
        data = gzip.compress(json.dumps(asdict(part)).encode("utf-8"), compresslevel=6)
        write_atomically(self.part_path(part.library, part.file), data)

    def parts(self) -> Iterator[FilePart]:
        """Every stored part, in (library, file) order."""
        folder = self.root / PARTS_FOLDER
        paths = sorted(p for p in folder.rglob("*" + PART_SUFFIX) if not p.name.startswith("."))
        for path in paths:
            try:
                record = json.loads(gzip.decompress(path.read_bytes()))
                yield FilePart(**record)
            except (OSError, ValueError, TypeError, EOFError) as exc:
                raise InputError(f"broken trace part {path}: {exc}") from exc

    def merge(self, manifest: dict[str, Any]) -> MergeSummary:
        """Rebuild steps, theorems and manifest from every part; ``manifest`` adds run info."""
        merger = _Merger()
        steps_path = self.root / STEPS_FILE
        temporary = _temporary_name(steps_path)
        with temporary.open("wb") as raw, gzip.open(raw, "wt", encoding="utf-8") as steps:
            theorem_lines = [line for part in self.parts() for line in merger.add(part, steps)]
            steps.flush()
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, steps_path)
        write_atomically(self.root / THEOREMS_FILE, "".join(theorem_lines).encode("utf-8"))
        summary = merger.summary()
        manifest = {**manifest, **asdict(summary)}
        text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        write_atomically(self.root / MANIFEST_FILE, text.encode("utf-8"))
        return summary

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest of an earlier run, or None."""
        path = self.root / MANIFEST_FILE
        if not path.is_file():
            return None
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"broken trace manifest {path}: {exc}") from exc
        return record if isinstance(record, dict) else None


def _zero_counts() -> dict[str, int]:
    return {"files": 0, "failed_files": 0, "theorems_traced": 0, "theorems_skipped": 0, "steps": 0}


class _Merger:
    """Accumulates rows and counts over the parts, de-duplicating steps within a split."""

    def __init__(self) -> None:
        self.seen: dict[str, set[bytes]] = defaultdict(set)
        self.counts: dict[str, dict[str, dict[str, int]]] = defaultdict(
            lambda: defaultdict(_zero_counts)
        )
        self.duplicates: Counter[str] = Counter()
        self.minif2f = 0
        self.qed_sources: Counter[str] = Counter()
        self.qed_traced: Counter[str] = Counter()
        self.replay_s = 0.0

    def add(self, part: FilePart, steps: Any) -> list[str]:
        """Write the part's new steps to ``steps``; return its theorem lines."""
        counts = self.counts[part.library][part.split]
        counts["files"] += 1
        counts["failed_files"] += part.error is not None
        self.qed_sources[part.library] += part.qed_sentences
        self.replay_s += part.elapsed_s
        for row in part.steps:
            key = hashlib.sha256(f"{row['state']}\x00{row['tactic']}".encode()).digest()
            if key in self.seen[part.split]:
                self.duplicates[part.split] += 1
                continue
            self.seen[part.split].add(key)
            steps.write(json.dumps({**row, "split": part.split}) + "\n")
            counts["steps"] += 1
        lines = []
        for theorem in part.theorems:
            traced = theorem["status"] == "traced"
            counts["theorems_traced" if traced else "theorems_skipped"] += 1
            self.minif2f += theorem["reason"] == MINIF2F_REASON
            self.qed_traced[part.library] += traced and theorem["ending"] == "Qed"
            lines.append(json.dumps({**theorem, "split": part.split}) + "\n")
        return lines

    def summary(self) -> MergeSummary:
        coverage = {
            library: {
                "qed_in_sources": float(total),
                "qed_traced": float(self.qed_traced[library]),
                "share": self.qed_traced[library] / total if total else 0.0,
            }
            for library, total in self.qed_sources.items()
        }
        return MergeSummary(
            counts={library: dict(by_split) for library, by_split in self.counts.items()},
            duplicates_removed=dict(self.duplicates),
            minif2f_filtered=self.minif2f,
            coverage=coverage,
            replay_s=round(self.replay_s, 1),
        )
