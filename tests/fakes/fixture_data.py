"""Where the fakes find their recorded Lean material (shared by both fakes)."""

from __future__ import annotations

from pathlib import Path

#: Recorded fixtures live beside the fakes; benchmark statements in the repository's data folder.
DEFAULT_DATA = Path(__file__).resolve().parent / "data"
BENCHMARK_DATA = Path(__file__).resolve().parents[2] / "prover" / "data" / "statements"


def data_file(data_dir: Path, name: str) -> Path:
    """``data_dir/name`` when present (FAKE_LEAN_DATA override), else the vendored copy."""
    candidate = data_dir / name
    if candidate.exists():
        return candidate
    for folder in (DEFAULT_DATA, BENCHMARK_DATA):
        if (folder / name).exists():
            return folder / name
    return candidate
