"""Rounds ninety-three, ninety-six and ninety-seven: a header whose reading depends on the
stack size.

ssreflect's ``apply:`` tries a lemma with 0, 1, 2, ... holes inside a handler that catches
every exception, ``Stack_overflow`` included. In the round's header the first try needs a
deep stack (a ``Hint Extern`` whose ``vm_compute`` readback recurses), so ``b`` reads
``false`` under an 8 MB stack and ``true`` under a larger one: ``t : b = false`` was
recorded proved and verified, while a plain coqc with a larger stack proved ``b = true``.
Every coqc a verification rests on now runs under ``strace``, and a run that reached its
stack limit (a ``SIGSEGV``) or its memory cap (a failed allocation) is refused
(:mod:`prover.backends.coq.limit_trace`): a run that reached neither reads the same under
any larger stack and memory cap.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from prover.backends.coq import bytecode_reading, limit_trace
from prover.backends.coq.verify import verify_proof
from prover.data.theorem_files import theorem_from_file
from search.process import run_to_end
from search.states import Theorem
from tests.soundness.attacks import deep_stack_header
from tests.soundness.kernel_controls import COQ_TOOLS

FILE = (
    deep_stack_header(300_000, kind="bool", deep="true", shallow="false")
    + "\nTheorem t : b = false.\nProof.\nAdmitted.\n"
)


def _theorem(folder: Path, statement: str = "b = false") -> Theorem:
    path = folder / "F.v"
    path.write_text(FILE.replace("b = false", statement))
    return theorem_from_file(path, "t", language="coq")


def _no_bytecode_problem(*_args: object, **_kwargs: object) -> None:
    """The bytecode reading switched off (the controls)."""


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_without_the_limits_record_the_small_stack_reading_is_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: with strace's record not read (and no bytecode compile), `t : b = false`
    verifies."""
    monkeypatch.setattr(limit_trace, "limit_problem", lambda *_args, **_kwargs: None)
    monkeypatch.setattr(bytecode_reading, "bytecode_reading_problem", _no_bytecode_problem)
    verification = verify_proof(_theorem(tmp_path), ["reflexivity."], timeout_s=120)
    assert verification.ok, verification.message


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_file_whose_compile_reached_the_stack_limit_is_refused(tmp_path: Path) -> None:
    """`t : b = false` is refused naming the 5 MB stack limit the header's reading reached."""
    verification = verify_proof(_theorem(tmp_path), ["reflexivity."], timeout_s=120)
    assert not verification.ok
    assert "coqc was refused: it reached its 5 MB stack limit" in (verification.message or "")


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_any_statement_after_such_a_header_is_refused(tmp_path: Path) -> None:
    """`t : b = b` is refused too: the refusal is of the header's reading, not the statement."""
    verification = verify_proof(_theorem(tmp_path, "b = b"), ["reflexivity."], timeout_s=120)
    assert not verification.ok
    assert "stack limit" in (verification.message or "")


ROUND_96_HEADER = deep_stack_header(45_000, kind="nat", deep="1", shallow="0")
"""Round ninety-six's header: `b` reads 1 where the recursion fits the stack, 0 where it does
not (ssreflect's `apply:` catches the overflow); 45,000 levels fit under an 8 MB limit with a
small environment and not with a 1 MB larger one."""


def _reading_of_b(folder: Path, environment_kb: int) -> str:
    """What a plain coqc under an 8 MB stack limit reads `b` as, with `environment_kb` KB of
    extra environment (in 100 KB variables: one string may not exceed 128 KB)."""
    (folder / "R.v").write_text(ROUND_96_HEADER + "Eval compute in b.\n")
    padding = {f"PAD{index}": "y" * 100_000 for index in range(environment_kb // 100)}
    status, output, _ = run_to_end(
        ["coqc", "-q", "R.v"],
        timeout_s=120,
        cwd=folder,
        env={**os.environ, **padding},
        memory_limit_mb=None,
        stack_limit_mb=8,
        merge_stderr=True,
    )
    assert status == 0, output
    return output.decode().split("=", 1)[1].split(":", 1)[0].strip()


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_at_one_stack_limit_the_environment_decides_the_reading(tmp_path: Path) -> None:
    """Control: under the same 8 MB limit, `b` reads 1 with a small environment and 0 with
    1 MB more (the stack a program has is its limit less its arguments and environment)."""
    assert _reading_of_b(tmp_path, 0) == "1"
    assert _reading_of_b(tmp_path, 1000) == "0"


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_the_checked_run_has_less_stack_than_any_8_mb_coqc(tmp_path: Path) -> None:
    """`t : b = 1` is refused: under the verifier's 5 MB limit the header's recursion
    overflows, so no reading that a larger environment could change is counted."""
    path = tmp_path / "F.v"
    path.write_text(ROUND_96_HEADER + "\nTheorem t : b = 1.\nProof.\nAdmitted.\n")
    theorem = theorem_from_file(path, "t", language="coq")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not verification.ok
    assert "reached its 5 MB stack limit" in (verification.message or "")


ROUND_97_HEADER = deep_stack_header(29_450, kind="nat", deep="1", shallow="0")
"""Round ninety-seven's header: 29,450 levels fit native coqc's 5 MB run, and overflow the
bytecode coqc's stack (its default 1M words), which no `ulimit -s` changes."""

needs_bytecode = pytest.mark.skipif(
    shutil.which("coqc.byte") is None, reason="coqc.byte not installed"
)


def _round_97_theorem(folder: Path) -> Theorem:
    path = folder / "F.v"
    path.write_text(ROUND_97_HEADER + "\nTheorem t : b = 1.\nProof.\nAdmitted.\n")
    return theorem_from_file(path, "t", language="coq")


@COQ_TOOLS[0]
@COQ_TOOLS[1]
@needs_bytecode
def test_without_the_bytecode_compile_the_native_reading_is_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: native coqc under 5 MB reaches no limit and reads `b = 1`, while coqc.byte
    reads `b = 0`; with no bytecode compile, `t : b = 1` verifies."""
    (tmp_path / "R.v").write_text(ROUND_97_HEADER + "Eval compute in b.\n")
    byte = run_to_end(["coqc.byte", "-q", "R.v"], timeout_s=120, cwd=tmp_path, merge_stderr=True)
    assert byte[0] == 0 and "= 0" in byte[1].decode()
    monkeypatch.setattr(bytecode_reading, "bytecode_reading_problem", _no_bytecode_problem)
    verification = verify_proof(_round_97_theorem(tmp_path), ["reflexivity."], timeout_s=120)
    assert verification.ok, verification.message


@COQ_TOOLS[0]
@COQ_TOOLS[1]
@needs_bytecode
def test_a_file_the_bytecode_coqc_reads_otherwise_is_refused(tmp_path: Path) -> None:
    """`t : b = 1` is refused: the bytecode coqc's compile reaches its stack limit."""
    verification = verify_proof(_round_97_theorem(tmp_path), ["reflexivity."], timeout_s=120)
    assert not verification.ok
    assert "the bytecode coqc.byte does not read the file alike" in (verification.message or "")


FORGED_PLUGIN_WARNING = """#[deprecated(since="x", note="Dynlink error: error loading shared \
library: Sys_error(""/x/y.cma: No such file or directory"")")]
Ltac zz := idtac.
Definition z' : nat. Proof. zz. exact 0. Defined.
"""
"""Round one hundred: a deprecation warning whose note spells coqc.byte's error for a plugin
without a bytecode form; the first skip rule matched it anywhere in stderr."""


@COQ_TOOLS[0]
@COQ_TOOLS[1]
@needs_bytecode
def test_a_forged_missing_plugin_message_does_not_skip_the_bytecode_reading(
    tmp_path: Path,
) -> None:
    """Round ninety-seven's header with the forged warning is still refused for its stack."""
    path = tmp_path / "F.v"
    path.write_text(
        ROUND_97_HEADER + FORGED_PLUGIN_WARNING + "\nTheorem t : b = 1.\nProof.\nAdmitted.\n"
    )
    theorem = theorem_from_file(path, "t", language="coq")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not verification.ok
    assert "bytecode stack reached its default 8 MB limit" in (verification.message or "")
