"""Round 125: a reading that depends on the whole library path, not only on a name tie.

`lia` collects its side facts (`Nat2Z.is_nonneg x` for each `nat` atom) in a table ordered
by the hash of each constant's kernel name, which covers the file's whole library path. A
header that builds `b` by looking at the order of `lia`'s proof of `xj1 + xj2 >= 0` reads
`b = true` as the bare `F` (and as `ProverCheck.Checked`, and `Top`) and `false` as `Lib.F`,
the file's library under its project's `-Q . Lib` (and as a bare `Checked`). So `t : b =
true` in a project's `F.v` was recorded proved, and the project build refuted it; round
ninety-nine's refusal covered only a tie with a loaded library's name. A file inside a
project is now refused; a request without a file is checked as a plain `Checked.v`, the file
its answer names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq import library_paths as library_paths_module
from prover.backends.coq.verify import verify_proof
from prover.data.theorem_files import theorem_from_file
from prover.interactive.statements import request_theorem
from search.process import run_to_end
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS

HEADER = """Require Import Lia.
Definition xj1 : nat := 5.
Definition xj2 : nat := 7.
Definition w : xj1 + xj2 >= 0.
Proof. lia. Defined.
Definition b : bool.
Proof.
  let t := eval unfold w in w in
  lazymatch t with
  | context [Znat.Nat2Z.is_nonneg ?x] => lazymatch x with xj1 => exact true | _ => exact false end
  end.
Defined.
"""
FILE = HEADER + "\nTheorem t : b = true.\nProof.\nAdmitted.\n"


def _reading(folder: Path, flags: list[str], module: str) -> str:
    """What `b` computes to when `module.v` is compiled with ``flags``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{module}.v").write_text(HEADER + "Eval compute in b.\n")
    status, output, _ = run_to_end(
        ["coqc", "-q", *flags, f"{module}.v"], timeout_s=120, cwd=folder, merge_stderr=True
    )
    assert status == 0, output
    return "true" if "= true" in output.decode() else "false"


def test_the_library_path_decides_the_reading(tmp_path: Path) -> None:
    """Control: `b` is true as the bare `F` and as `ProverCheck.Checked`, false as `Lib.F`
    and as a bare `Checked`."""
    assert _reading(tmp_path / "a", [], "F") == "true"
    assert _reading(tmp_path / "b", ["-Q", ".", "Lib"], "F") == "false"
    assert _reading(tmp_path / "c", ["-Q", ".", "ProverCheck"], "Checked") == "true"
    assert _reading(tmp_path / "d", [], "Checked") == "false"


def _project_file(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "_CoqProject").write_text("-Q . Lib\nF.v\n")
    (root / "F.v").write_text(FILE)
    return root / "F.v"


def test_without_the_refusal_a_project_file_was_recorded_proved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: with the project refusal off, `t : b = true` of the project's `F.v` verifies
    (checked as the bare `F`), though the project's build reads `b = false`."""
    monkeypatch.setattr(library_paths_module, "project_prefix_refusal", lambda *_args: None)
    theorem = theorem_from_file(_project_file(tmp_path), "t", language="coq")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=180)
    assert verification.ok, verification.message


def test_a_file_inside_a_project_is_refused(tmp_path: Path) -> None:
    """The same file is refused, naming the project; outside a project it verifies."""
    theorem = theorem_from_file(_project_file(tmp_path / "project"), "t", language="coq")
    refused = verify_proof(theorem, ["reflexivity."], timeout_s=180)
    assert not refused.ok and "the file is inside a project" in (refused.message or "")
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "F.v").write_text(FILE)
    theorem = theorem_from_file(alone / "F.v", "t", language="coq")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=180)
    assert verification.ok, verification.message


def _request(file: str | None) -> bool:
    theorem = request_theorem(
        language="coq", header=HEADER, statement="Theorem t : b = true.", name=None, file=file
    )
    return verify_proof(theorem, ["intuition."], timeout_s=180).ok


def test_a_request_without_a_file_is_checked_as_the_plain_checked_file_it_names() -> None:
    """Without a file the request's verdict is for a plain `Checked.v`, where `b` is false:
    refused (it was checked as `ProverCheck.Checked` and answered proved); named `F.v`,
    where `b` is true, it verifies."""
    assert not _request(None)
    assert _request("F.v")
