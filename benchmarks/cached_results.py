"""Results a benchmark script reuses from an earlier run count only for the same theorems.

The search benchmarks (:mod:`benchmarks.progress_search`, :mod:`benchmarks.expert_search`)
resume: a shard or a theorem folder whose ``results.jsonl`` exists is not run again, and its
records are read back by theorem name or by folder. Red-team round ninety had them count
proofs of other statements: a miniF2F theorem's cached proof after the benchmark's text of
that name changed (``PROVER_DATA_DIR``), and a trace theorem's folder, numbered by its
position in the sample, holding another theorem's proof after ``--seed`` or
``--chunk-size`` changed. So the output folder records each benchmark theorem's
fingerprint (:attr:`search.states.Theorem.theorem_id`: name, header and statement) when
it is first run, and a later run whose text differs stops with one line
(:func:`bind_benchmark_texts`); trace theorems are run in folders named after them
(:func:`theorem_folder_name`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = [
    "benchmark_fingerprints",
    "bind_benchmark_texts",
    "result_files",
    "theorem_folder_name",
]

_FINGERPRINTS = "theorems.json"


def benchmark_fingerprints(split: str, names: Sequence[str]) -> dict[str, str]:
    """Each miniF2F-Coq theorem of ``split`` in ``names``: its fingerprint, by name."""
    from prover.data.selection import ProblemSelection, load_problems

    selection = ProblemSelection(benchmark="minif2f-coq", split=split, names=tuple(names))
    return {
        entry.key: entry.theorem.theorem_id
        for entry in load_problems(selection, language="coq")
        if entry.theorem is not None
    }


def bind_benchmark_texts(output: Path, fingerprints: Mapping[str, str]) -> None:
    """Record ``fingerprints`` in ``output``, or stop (one line) if a theorem recorded there
    had another text (its cached results would count for today's), or if ``output`` holds
    results from before texts were recorded (nothing ties them to today's)."""
    path = output / _FINGERPRINTS
    if not path.is_file() and output.is_dir() and result_files(output):
        raise SystemExit(
            f"{output}: holds cached results but no record of the theorem texts they are for "
            f"({_FINGERPRINTS}); use another --output"
        )
    stored: dict[str, str] = json.loads(path.read_text()) if path.is_file() else {}
    changed = sorted(name for name, text in fingerprints.items() if stored.get(name, text) != text)
    if changed:
        more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
        raise SystemExit(
            f"{output}: the benchmark's text of {changed[0]!r}{more} differs from the run "
            "whose results are cached there; use another --output"
        )
    output.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**stored, **fingerprints}, indent=1, sort_keys=True) + "\n")


def theorem_folder_name(index: int, key: str) -> str:
    """The folder of the ``index``-th sampled trace theorem ``key``: named after the theorem,
    so that a folder from another sample is never read as this one's."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return f"theorem-{index:04d}-{digest}"


def result_files(folder: Path) -> list[Path]:
    """Every ``results.jsonl`` below ``folder``, sorted, except those a ``--force`` moved
    into a ``previous-*`` folder: they are another run's (round ninety counted one)."""
    return sorted(
        path
        for path in folder.rglob("results.jsonl")
        if not any(part.startswith("previous-") for part in path.relative_to(folder).parts)
    )
