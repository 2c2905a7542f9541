"""checker_runs: the bytecode reading of a header and statement, run once per process."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from prover.backends.coq import checker_runs
from prover.backends.coq.verify import verify_proof
from prover.data.theorem_files import theorem_from_file

needs_tools = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("coqc", "coqc.byte", "strace")),
    reason="coqc, coqc.byte or strace not installed",
)


@needs_tools
def test_a_passed_reading_is_not_compiled_again_but_a_changed_one_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two proofs of one theorem run coqc.byte once; another statement runs it again."""
    bytecode_runs: list[list[str]] = []
    real_run_checker = checker_runs.run_checker

    def counting(argv: list[str], *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("bytecode"):
            bytecode_runs.append(argv)
        return real_run_checker(argv, *args, **kwargs)

    monkeypatch.setattr(checker_runs, "run_checker", counting)
    monkeypatch.setattr(checker_runs, "_PASSED_READINGS", set())
    path = tmp_path / "F.v"
    path.write_text("Definition two := 2.\n\nTheorem t : two = 2.\nProof.\nAdmitted.\n")
    theorem = theorem_from_file(path, "t", language="coq")
    for proof in (["reflexivity."], ["unfold two.", "reflexivity."]):
        verification = verify_proof(theorem, proof, timeout_s=120)
        assert verification.ok, verification.message
    assert len(bytecode_runs) == 1
    path.write_text("Definition two := 2.\n\nTheorem t : 2 = two.\nProof.\nAdmitted.\n")
    changed = theorem_from_file(path, "t", language="coq")
    assert verify_proof(changed, ["reflexivity."], timeout_s=120).ok
    assert len(bytecode_runs) == 2


def test_only_a_missing_bytecode_plugin_skips_the_bytecode_reading() -> None:
    """coqc.byte's error for a plugin shipped without a `.cma` is recognised; another
    Dynlink error is not (it refuses)."""
    missing = (
        'Dynlink error: error loading shared library: Sys_error("/usr/lib/ocaml/coq/../'
        'coq-hammer-tactics/hammer_lib.cma: No such file or directory")'
    )
    assert checker_runs._MISSING_BYTECODE_PLUGIN.search(missing)
    other = 'Dynlink error: error loading shared library: Failure("no implementation")'
    assert not checker_runs._MISSING_BYTECODE_PLUGIN.search(other)
