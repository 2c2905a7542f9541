"""Cached benchmark results count only for the same theorems (red-team round ninety)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.cached_results import bind_benchmark_texts, result_files, theorem_folder_name


def test_a_changed_theorem_text_stops_a_run_reusing_its_cache(tmp_path: Path) -> None:
    """The first run records each theorem's fingerprint; a run whose text of one of them
    differs stops with one line naming it; new theorems are added."""
    bind_benchmark_texts(tmp_path, {"a": "1", "b": "2"})
    bind_benchmark_texts(tmp_path, {"a": "1", "c": "3"})
    with pytest.raises(SystemExit, match="text of 'b' differs"):
        bind_benchmark_texts(tmp_path, {"b": "changed"})


def test_cached_results_without_recorded_texts_stop_the_run(tmp_path: Path) -> None:
    """Results written before texts were recorded are tied to no text: one line, stop."""
    (tmp_path / "shard-0").mkdir()
    (tmp_path / "shard-0" / "results.jsonl").write_text("")
    with pytest.raises(SystemExit, match="no record of the theorem texts"):
        bind_benchmark_texts(tmp_path, {"a": "1"})


def test_results_moved_aside_by_force_are_not_read(tmp_path: Path) -> None:
    """`previous-*` folders (another run's results, moved aside) are left out."""
    for folder in ("shard-0", "shard-0/previous-20261206-010000", "previous-x/shard-1"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "results.jsonl").write_text("")
    assert result_files(tmp_path) == [tmp_path / "shard-0" / "results.jsonl"]


def test_trace_theorem_folders_are_named_after_their_theorem() -> None:
    """Two theorems at one position get two folders; one theorem keeps its folder."""
    assert theorem_folder_name(3, "stdlib:A.v:t") == theorem_folder_name(3, "stdlib:A.v:t")
    assert theorem_folder_name(3, "stdlib:A.v:t") != theorem_folder_name(3, "stdlib:B.v:t")
