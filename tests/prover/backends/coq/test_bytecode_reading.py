"""bytecode_reading: run once per process, skipped only for a real native-only plugin."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from prover.backends.coq import bytecode_reading
from prover.backends.coq.bytecode_reading import native_only_plugin
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
    real_run_checker = bytecode_reading.run_checker

    def counting(argv: list[str], *args: Any, **kwargs: Any) -> Any:
        bytecode_runs.append(argv)
        return real_run_checker(argv, *args, **kwargs)

    monkeypatch.setattr(bytecode_reading, "run_checker", counting)
    monkeypatch.setattr(bytecode_reading, "_PASSED_READINGS", set())
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


def _error(path: str) -> str:
    return (
        'File "./Checked.v", line 1, characters 0-35:\nError:\n'
        f'Dynlink error: error loading shared library: Sys_error("{path}.cma: No such file '
        'or directory")\n'
    )


def test_a_native_only_plugin_is_read_from_the_last_error_and_the_file_system(
    tmp_path: Path,
) -> None:
    """The skip needs coqc.byte's last error to be the Dynlink one, exactly, for a plugin
    with a .cmxs and no .cma; a plugin with both, or none, does not skip."""
    plugin = tmp_path / "only_native"
    (tmp_path / "only_native.cmxs").write_bytes(b"")
    report = "Initial stack limit: 8192k bytes\nGrowing stack to 64k bytes\n"
    assert native_only_plugin(report + _error(str(plugin)), "Checked") == str(plugin)
    assert native_only_plugin(_error(str(tmp_path / "absent")), "Checked") is None
    assert native_only_plugin(_error(str(plugin)), "X") is None  # an error in another file
    renamed = _error(str(plugin)).replace("./Checked.v", "./X.v")
    assert native_only_plugin(renamed, "X") == str(plugin)
    (tmp_path / "only_native.cma").write_bytes(b"")
    assert native_only_plugin(_error(str(plugin)), "Checked") is None


def test_a_dynlink_message_a_header_prints_does_not_skip(tmp_path: Path) -> None:
    """Round one hundred: the message inside a warning, or followed by another error, is not
    coqc.byte's last error, so the reading is not skipped."""
    (tmp_path / "p.cmxs").write_bytes(b"")
    forged = _error(str(tmp_path / "p")).replace("Error:", "Warning:")
    assert native_only_plugin(forged, "Checked") is None
    later = _error(str(tmp_path / "p")) + 'File "./Checked.v", line 9, characters 0-4:\nError:\nx\n'
    assert native_only_plugin(later, "Checked") is None
    prefixed = _error(str(tmp_path / "p")).replace("Error:\n", "Error:\nTactic failure:\n")
    assert native_only_plugin(prefixed, "Checked") is None
