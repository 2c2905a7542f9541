"""Round 126: a header that reads its folder through `Redirect` and the universe counter.

`Redirect "probe" C` opens `probe.out` in the folder coqc runs in before it runs `C`; where
that folder holds a folder `probe.out`, the open fails and `C` never runs. `Fail` succeeds
either way, but Coq 8.16 numbers universes from a counter `Fail` does not undo, and the
numbers enter the hashes by which `lia` orders its side facts (round 125). So the header
below reads `b = true` in the prover's private folders and `false` beside a folder
`probe.out`, and `t : b = true` was recorded proved. A `--file` using `Redirect` is refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq import library_paths as library_paths_module
from prover.backends.coq.verify import verify_proof
from prover.data.theorem_files import theorem_from_file
from search.process import run_to_end
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS

HEADER = """Require Import Lia.
Definition g (T : Type) : nat := 5.
Definition h (T : Type) : nat := 7.
Fail Check (Type : nat).
Fail Check (Type : nat).
Fail Check (Type : nat).
Fail Check (Type : nat).
Fail Redirect "probe" Check (Type : nat).
Definition w : g Type + h Type >= 0. Proof. lia. Defined.
Definition b : bool.
Proof.
  let t := eval unfold w in w in
  lazymatch t with
  | context [Znat.Nat2Z.is_nonneg ?x] => lazymatch x with g _ => exact true | _ => exact false end
  end.
Defined.
"""


def _folder(root: Path, *, blocked: bool) -> Path:
    """The user's folder with `F.v`, and with a folder `probe.out` when ``blocked``."""
    root.mkdir(parents=True)
    if blocked:
        (root / "probe.out").mkdir()
    (root / "F.v").write_text(HEADER + "\nTheorem t : b = true.\nProof.\nAdmitted.\n")
    return root / "F.v"


def _reading(folder: Path) -> str:
    """What `b` computes to in `F.v` of ``folder`` (the reading depends on the file's name
    too, round 125: the same name as the theorem's file)."""
    (folder / "F.v").write_text(HEADER + "Eval compute in b.\n")
    status, output, _ = run_to_end(
        ["coqc", "-q", "F.v"], timeout_s=120, cwd=folder, merge_stderr=True
    )
    assert status == 0, output
    return "true" if "= true" in output.decode() else "false"


def test_the_folder_decides_the_reading(tmp_path: Path) -> None:
    """Control: plain coqc reads `b = true` in a clean folder, `false` beside `probe.out`."""
    assert _reading(_folder(tmp_path / "clean", blocked=False).parent) == "true"
    assert _reading(_folder(tmp_path / "blocked", blocked=True).parent) == "false"


def test_without_the_refusal_the_blocked_folders_theorem_was_recorded_proved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: with the refusal off, `t : b = true` of the blocked folder's `F.v` verifies."""
    monkeypatch.setattr(library_paths_module, "folder_output_refusal", lambda _text: None)
    theorem = theorem_from_file(_folder(tmp_path / "user", blocked=True), "t", language="coq")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=180)
    assert verification.ok, verification.message


def test_a_file_using_redirect_is_refused(tmp_path: Path) -> None:
    """The same file is refused, in a blocked folder or not."""
    for blocked in (True, False):
        path = _folder(tmp_path / str(blocked), blocked=blocked)
        theorem = theorem_from_file(path, "t", language="coq")
        verification = verify_proof(theorem, ["reflexivity."], timeout_s=180)
        assert not verification.ok and "uses Redirect" in (verification.message or "")
