"""Benchmark registry and loading."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from prover.data.benchmarks import load_benchmark, read_entries, select_entries
from search.errors import BenchmarkError, ConfigError


def test_minif2f_coq_splits_have_244_theorems_each() -> None:
    """Both miniF2F-Coq splits load completely, with headers and statements."""
    valid = load_benchmark("minif2f-coq", split="valid")
    test = load_benchmark("minif2f-coq", split="test")
    assert len(valid) == 244 and len(test) == 244
    assert all(e.theorem is not None and e.theorem.split == "valid" for e in valid)
    assert all(e.theorem is not None and e.theorem.statement.startswith("Theorem") for e in test)


def test_proofnet_keys_are_unique_proofnet_ids() -> None:
    """ProofNet entries are keyed by proofnet_id, since the DeepSeek names repeat."""
    entries = load_benchmark("proofnet-lean4", split="test")
    keys = [e.key for e in entries]
    assert len(keys) == len(set(keys)) == 186
    assert all("|" in key for key in keys)


def test_statement_versions_select_files() -> None:
    """--statements yangky11 loads the Lean 4.24 statements, whose header has no Aesop import."""
    entries = load_benchmark("minif2f-lean4", split="valid", statements="yangky11")
    assert entries[0].theorem is not None
    assert "import Aesop" not in entries[0].theorem.header


def test_unknown_benchmark_split_and_version_are_named() -> None:
    """Unknown benchmark, split or statement version raise errors naming the bad value."""
    with pytest.raises(BenchmarkError, match="nope"):
        load_benchmark("nope", split="valid")
    with pytest.raises(BenchmarkError, match="train"):
        load_benchmark("minif2f-coq", split="train")
    with pytest.raises(ConfigError, match="rahul3613"):
        load_benchmark("minif2f-lean4", split="valid", statements="rahul3613")


def test_broken_line_becomes_an_error_entry(tmp_path: Path) -> None:
    """A broken JSONL line yields an entry carrying an error naming the file and line."""
    path = tmp_path / "bench.jsonl"
    good = '{"name": "t", "split": "valid", "header": "", "formal_statement": "Theorem t : True."}'
    path.write_text(good + "\n{not json\n" + '{"name": "u"}\n')
    entries = read_entries(path)
    assert entries[0].theorem is not None and entries[0].error is None
    assert entries[1].theorem is None and "bench.jsonl line 2" in (entries[1].error or "")
    assert entries[2].theorem is None and "formal_statement" in (entries[2].error or "")


def test_select_by_names_keeps_order_and_rejects_unknown() -> None:
    """--names picks theorems in the order given; an unknown name is an error naming it."""
    entries = load_benchmark("minif2f-coq", split="valid")
    names = [entries[5].key, entries[2].key]
    assert [e.key for e in select_entries(entries, names=names)] == names
    with pytest.raises(BenchmarkError, match="no_such_theorem"):
        select_entries(entries, names=["no_such_theorem"])
    assert len(select_entries(entries, limit=3)) == 3


def test_a_name_given_twice_is_an_error() -> None:
    """--names listing a theorem twice is refused (prove would record one attempt twice)."""
    entries = load_benchmark("minif2f-coq", split="valid")
    names = [entries[0].key, entries[1].key, entries[0].key]
    with pytest.raises(BenchmarkError, match=f"--names lists {entries[0].key} more than once"):
        select_entries(entries, names=names)


@pytest.mark.slow
def test_installed_wheel_loads_benchmarks_from_any_folder(tmp_path: Path) -> None:
    """`pip install .` (not editable) ships the statements: loading works outside the checkout."""
    repository = Path(__file__).resolve().parents[3]
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the checkout
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(repository / name, source / name)
    for package in ("search", "models", "prover"):
        shutil.copytree(repository / package, source / package, ignore=_BUILD_JUNK)
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(source)],
        check=True, cwd=tmp_path, capture_output=True,
    )  # fmt: skip
    code = (
        "from prover.data.benchmarks import load_benchmark, data_directory;"
        "print(len(load_benchmark('minif2f-coq', split='test')), data_directory())"
    )
    environment = {k: v for k, v in os.environ.items() if k != "PROVER_DATA_DIR"}
    environment["PYTHONPATH"] = str(target)
    answer = subprocess.run(
        [sys.executable, "-c", code],
        env=environment, cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    count, location = answer.stdout.split()
    assert int(count) == 244
    assert Path(location).is_relative_to(target), "statements must come from the installed copy"


_BUILD_JUNK = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")


def _documented_selections() -> list[tuple[str, str, list[str], list[str]]]:
    """(file, benchmark, splits, names) of the README's and guides' commands with --names."""
    root = Path(__file__).resolve().parents[3]
    guides = sorted([*(root / "docs").glob("*.md"), *(root / "docs").glob("backends/*.md")])
    found = []
    for path in [root / "README.md", *guides]:
        text = path.read_text(encoding="utf-8").replace("\\\n", " ")
        for line in text.splitlines():
            words = line.split()
            if "--benchmark" in words and "--names" in words:
                benchmark = words[words.index("--benchmark") + 1]
                given = words[words.index("--split") + 1] if "--split" in words else None
                names = words[words.index("--names") + 1].split(",")
                found.append((path.name, benchmark, [given] if given else ["valid", "test"], names))
    return found


def test_documented_names_are_in_their_split() -> None:
    """The theorem names of the README's and docs' example commands exist in the split given."""
    selections = _documented_selections()
    assert len(selections) >= 3
    for source, benchmark, splits, names in selections:
        known = {entry.key for split in splits for entry in load_benchmark(benchmark, split=split)}
        assert set(names) <= known, (source, benchmark, splits, sorted(set(names) - known))
