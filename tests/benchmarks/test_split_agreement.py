"""benchmarks.split_agreement: a file's outcome, and with the limits trace, a reached limit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmarks.split_agreement import classify
from prover.tracing.libraries import SourceFile
from tests.soundness.attacks import deep_stack_header

needs_tools = pytest.mark.skipif(
    shutil.which("coqc") is None or shutil.which("strace") is None,
    reason="coqc or strace not installed",
)

DEEP_HEADER = deep_stack_header(300_000, kind="bool", deep="true", shallow="false")


def _source(folder: Path, text: str) -> SourceFile:
    path = folder / "F.v"
    path.write_text(text)
    return SourceFile(library="test", path=path, file="F.v", module="F")


@needs_tools
def test_a_plain_file_agrees_with_and_without_the_trace(tmp_path: Path) -> None:
    """An ordinary file's split agrees, and under the trace it reaches no limit."""
    source = _source(tmp_path, "Theorem t : 1 = 1.\nProof. reflexivity. Qed.\n")
    coqc = shutil.which("coqc") or "coqc"
    assert classify(source, coqc, 60)["outcome"] == "agrees"
    assert classify(source, coqc, 60, strace=shutil.which("strace"))["outcome"] == "agrees"


@needs_tools
def test_a_file_whose_compile_overflows_the_stack_is_limit_reached(tmp_path: Path) -> None:
    """A file that compiles only because ssreflect caught a stack overflow is counted
    `limit_reached` under the trace, and `agrees` without it."""
    source = _source(tmp_path, DEEP_HEADER)
    coqc = shutil.which("coqc") or "coqc"
    assert classify(source, coqc, 60)["outcome"] == "agrees"
    row = classify(source, coqc, 60, strace=shutil.which("strace"))
    assert row["outcome"] == "limit_reached" and "5 MB stack limit" in row["reason"]
