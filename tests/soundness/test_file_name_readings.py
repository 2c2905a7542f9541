"""Rounds ninety-eight and ninety-nine: a header whose reading depends on the file's name.

`firstorder` orders its candidate witnesses with `Constr.compare`, and two objects with one
short name compare by their module paths, from the file's own name outwards. The header
below reads `b = true` in a file whose name sorts before `Wf` and `false` after it. For a
file named `Wf.v` the names tie with `Coq.Init.Wf`, so the logical prefix of the user's build
decides: the bare `Wf` the prover compiled read `true`, a project's `-Q . Lib` read `false`,
and `t : b = true` was recorded proved. A file named after a library it loads is now refused.
"""

from __future__ import annotations

from pathlib import Path

from prover.backends.coq.verify import verify_proof
from prover.data.theorem_files import theorem_from_file
from search.process import run_to_end
from tests.soundness.kernel_controls import COQ_TOOLS

HEADER = """Inductive Acc (A : Type) (R : A -> A -> Prop) (x : A) : Prop := mkAcc.
Definition b : bool := ltac:(
  let p := constr:(fun (P : Prop -> Prop) (pa : P (@Coq.Init.Wf.Acc nat lt 0))
                       (pb : P (@Acc nat lt 0)) => (ltac:(firstorder) : exists X, P X)) in
  lazymatch p with
  | context [ex_intro _ (@Coq.Init.Wf.Acc _ _ _) _] => exact true
  | _ => exact false
  end).
"""


def _reading_of_b(folder: Path, prefix: list[str]) -> str:
    """What a plain coqc of `Wf.v` reads `b` as, under the logical prefix flags `prefix`."""
    (folder / "Wf.v").write_text(HEADER + "Eval compute in b.\n")
    status, output, _ = run_to_end(
        ["coqc", "-q", *prefix, "Wf.v"], timeout_s=120, cwd=folder, merge_stderr=True
    )
    assert status == 0, output
    return output.decode().split("=", 1)[1].split(":", 1)[0].strip()


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_the_build_prefix_decides_the_reading_of_a_file_named_wf(tmp_path: Path) -> None:
    """Control: `Wf.v` reads `b = true` bare and `false` under the project prefix `Lib`."""
    assert _reading_of_b(tmp_path, []) == "true"
    assert _reading_of_b(tmp_path, ["-Q", ".", "Lib"]) == "false"


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_file_named_after_a_library_it_loads_is_refused(tmp_path: Path) -> None:
    """`t : b = true` in `Wf.v` is refused, naming the library `Coq.Init.Wf`."""
    path = tmp_path / "Wf.v"
    path.write_text(HEADER + "\nTheorem t : b = true.\nProof.\nAdmitted.\n")
    theorem = theorem_from_file(path, "t", language="coq")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not verification.ok
    assert "is also the last name of the library Coq.Init.Wf" in (verification.message or "")


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_the_same_header_in_a_file_whose_name_ties_with_none_verifies(tmp_path: Path) -> None:
    """In `F.v` (no library it loads ends in `F`) every prefix reads `b = true`, and the
    proof verifies: the refusal is of the name, not of the header."""
    path = tmp_path / "F.v"
    path.write_text(HEADER + "\nTheorem t : b = true.\nProof.\nAdmitted.\n")
    theorem = theorem_from_file(path, "t", language="coq")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert verification.ok, verification.message
