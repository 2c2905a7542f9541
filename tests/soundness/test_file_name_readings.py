"""Rounds 98, 99, 101, 103 and 104: a header whose reading depends on the file's name.

`firstorder` orders its candidate witnesses with `Constr.compare`, and two objects with one
short name compare by their module paths, from the file's own name outwards. The header
below reads `b = true` in a file whose name sorts before `Wf` and `false` after it. For a
file named `Wf.v` the names tie with `Coq.Init.Wf`, so the logical prefix of the user's build
decides: the bare `Wf` the prover compiled read `true`, a project's `-Q . Lib` read `false`,
and `t : b = true` was recorded proved. A file named after a library it loads is now refused.

Round 101 joined that choice to round ninety-seven's bytecode stack overflow: only where the
witness reads `false` (a file named after `Wf`, as `X.v`) does a hint recurse deep enough to
overflow coqc.byte's stack, which ssreflect's `apply:` catches. The bytecode reading was
compiled as `Checked.v` (no overflow), so `t : b = 1` passed while `coqc.byte X.v` read
`b = 0`. The reading now compiles under the user's file name.

A request has no file: its verdict is for the checked file `Checked.v`, and a request that
names its file (`file`, `Theorem.file_name`) is also checked read under that name, as a
`--file` theorem is (round ninety-eight for requests). Round 103: that check first put the
statement admitted in the user's file and the proof on a copy at the end, after the
header's section closed; a section's local instance, which the file's name decided, was
gone there, so the copy passed while the user's `X.v` with the proof in place failed. The
proof now runs in place in that file.

Round 104: a file can name itself by its full logical path. In `F.v` built with `-Q . Lib`,
`Lib.F.x` is the file's own top-level `x`, a full name that beats the module path of the
file's `Module Lib. Module F. Definition x ...`, which the prover's bare `F` read: `t :
Lib.F.x = 0` was recorded proved where the project refutes it. A qualified name with a later
part equal to the file's name is now refused (so round ninety-nine's `Wf.v`, whose header
writes `Coq.Init.Wf.Acc`, is refused for that first; the name tie itself is refused for
`Peano.v` below).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from prover.backends.coq import bytecode_reading
from prover.backends.coq import verify as verify_module
from prover.backends.coq.checker_runs import CHECKED
from prover.backends.coq.verify import verify_proof
from prover.data.theorem_files import theorem_from_file
from prover.interactive.statements import request_theorem
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
    """`t : b = true` in `Wf.v` is refused (its header writes `Coq.Init.Wf.Acc`, a part
    named as the file: round 104); in `Peano.v`, whose header names no `Peano`, the name tie
    with `Coq.Init.Peano` refuses it."""
    path = tmp_path / "Wf.v"
    path.write_text(HEADER + "\nTheorem t : b = true.\nProof.\nAdmitted.\n")
    theorem = theorem_from_file(path, "t", language="coq")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not verification.ok
    assert "a part 'Wf', the file's own library name" in (verification.message or "")
    path = tmp_path / "Peano.v"
    path.write_text(REQUEST_HEADER + "\nTheorem t : b = true.\nProof.\nAdmitted.\n")
    theorem = theorem_from_file(path, "t", language="coq")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not verification.ok
    assert "is also the last name of the library Coq.Init.Peano" in (verification.message or "")


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


ROUND_101_HEADER = (
    "From Coq Require Import ssreflect.\n"
    + HEADER.replace("Definition b : bool", "Definition w : bool")
    + """Class Deep := deep : True.
#[export] Hint Extern 0 Deep => (lazymatch eval compute in w with
  | true => exact I
  | false => let x := eval vm_compute in (Nat.iter 29450 S 0) in exact I end) : typeclass_instances.
Class C (A : Type) := val : A.
#[export] Instance c1 `{Deep} : C nat := 1.
#[export] Instance c0 : C (unit -> nat) := fun _ => 0.
Definition b : nat.
Proof. apply: val; try exact tt. Defined.
"""
)
"""`w` is round ninety-eight's witness choice; `b` needs a deep recursion where `w` is false,
and reads 0 where that recursion overflows the stack (the bytecode coqc's, after `Wf`)."""

needs_bytecode = pytest.mark.skipif(
    shutil.which("coqc.byte") is None, reason="coqc.byte not installed"
)


def _reading(folder: Path, coqc: str, module: str) -> str:
    """What `coqc` (native or bytecode) reads `b` as in a file named `module`.v."""
    (folder / f"{module}.v").write_text(ROUND_101_HEADER + "Eval compute in b.\n")
    status, output, _ = run_to_end(
        [coqc, "-q", f"{module}.v"], timeout_s=120, cwd=folder, merge_stderr=True
    )
    assert status == 0, output
    return output.decode().split("=", 1)[1].split(":", 1)[0].strip()


def _round_101_theorem(folder: Path) -> Path:
    path = folder / "X.v"
    path.write_text(ROUND_101_HEADER + "\nTheorem t : b = 1.\nProof.\nAdmitted.\n")
    return path


@COQ_TOOLS[0]
@COQ_TOOLS[1]
@needs_bytecode
def test_only_the_bytecode_reading_under_the_users_name_reads_otherwise(tmp_path: Path) -> None:
    """Control: `b` reads 1 natively in `X.v` and in `Checked.v`, and under coqc.byte in
    `Checked.v`; coqc.byte reads 0 in `X.v`, the user's file."""
    assert _reading(tmp_path, "coqc", "X") == "1"
    assert _reading(tmp_path, "coqc", "Checked") == "1"
    assert _reading(tmp_path, "coqc.byte", "Checked") == "1"
    assert _reading(tmp_path, "coqc.byte", "X") == "0"


@COQ_TOOLS[0]
@COQ_TOOLS[1]
@needs_bytecode
def test_the_bytecode_reading_as_checked_would_count_the_proof(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: with the bytecode reading compiled as `Checked.v` (before the fix), `t : b = 1`
    in `X.v` verifies."""
    reading = bytecode_reading.bytecode_reading_problem
    monkeypatch.setattr(
        bytecode_reading,
        "bytecode_reading_problem",
        lambda text, tools, **_kwargs: reading(text, tools, library=None),
    )
    theorem = theorem_from_file(_round_101_theorem(tmp_path), "t", language="coq")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=180)
    assert verification.ok, verification.message


@COQ_TOOLS[0]
@COQ_TOOLS[1]
@needs_bytecode
def test_the_bytecode_reading_under_the_users_file_name_refuses(tmp_path: Path) -> None:
    """`t : b = 1` in `X.v` is refused: the bytecode reading, as `X.v`, reaches its limit."""
    theorem = theorem_from_file(_round_101_theorem(tmp_path), "t", language="coq")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=180)
    assert not verification.ok
    assert "the bytecode coqc.byte does not read the file alike" in (verification.message or "")


REQUEST_HEADER = """Record le (n m : nat) : Prop := mkle {}.
Definition b : bool.
Proof.
  let p := constr:(fun (P : Prop -> Prop) (pa : P (0 <= 0)) (pb : P (le 0 0)) =>
                     (ltac:(firstorder) : exists X, P X)) in
  lazymatch p with
  | context [ex_intro _ (0 <= 0) _] => exact true
  | _ => exact false
  end.
Defined.
"""
"""Round ninety-eight through a request header (no inductive type, no qualified name): the
header's own `le` beside `Coq.Init.Peano.le`; `b` reads `true` in a file whose name sorts
before `Peano` (`Checked`) and `false` after it (`X`)."""


def _verified_request(file: str | None) -> tuple[bool, str]:
    theorem = request_theorem(
        language="coq", header=REQUEST_HEADER, statement="Theorem t : b = true.", name=None,
        file=file,
    )  # fmt: skip
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=180)
    return verification.ok, verification.message or ",".join(verification.checks)


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_request_headers_reading_depends_on_the_file_name(tmp_path: Path) -> None:
    """Control: plain coqc reads `b = true` in `Checked.v` and `false` in `X.v`, and the
    request without a file verifies `t : b = true`, true of `Checked.v` only."""
    for module, expected in (("Checked", "true"), ("X", "false")):
        (tmp_path / f"{module}.v").write_text(REQUEST_HEADER + "Eval compute in b.\n")
        status, output, _ = run_to_end(
            ["coqc", "-q", f"{module}.v"], timeout_s=120, cwd=tmp_path, merge_stderr=True
        )
        assert status == 0 and f"= {expected}" in output.decode(), output
    assert _verified_request(None)[0]


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_request_naming_its_file_is_checked_under_that_name() -> None:
    """Named `X.v`, the same request is refused (the checked compile, under that name,
    reads `b = false`); named `F.v` it verifies with the names check; `Peano.v` ties with a
    loaded library and is refused."""
    ok, message = _verified_request("X.v")
    assert not ok and 'Unable to unify "true" with "b"' in message
    ok, message = _verified_request("F.v")
    assert ok and "names" in message
    ok, message = _verified_request("Peano.v")
    assert not ok and "is also the last name of the library Coq.Init.Peano" in message


ROUND_103_HEADER = (
    REQUEST_HEADER.replace("Definition b : bool", "Definition w : bool")
    + """Definition k : nat.
Proof.
  lazymatch eval compute in w with
  | true => exact 0
  | false => exact 1
  end.
Defined.
Class D (n : nat) : Prop := mkD {}.
Instance d0 : D 0 := {}.
Section S.
Local Instance d1 : D k := {}.
"""
)
"""`k` is 0 in `Checked.v` and `F.v`, 1 in `X.v`; the section's local instance `d1 : D k` is
the one `exact _` finds inside the section, `d0 : D 0` the one after it."""
ROUND_103_PROOF = ["eexists.", "split.", "exact _.", "reflexivity."]


def _verified_round_103(file: str) -> tuple[bool, str]:
    theorem = request_theorem(
        language="coq", header=ROUND_103_HEADER, statement="Theorem t : exists n, D n /\\ n = 0.",
        name=None, file=file,
    )  # fmt: skip
    verification = verify_proof(theorem, ROUND_103_PROOF, timeout_s=240)
    return verification.ok, verification.message or ",".join(verification.checks)


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_with_the_proof_only_on_a_copy_a_file_rejecting_it_in_place_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: plain coqc rejects the proof in place in `X.v` and takes it in `F.v`; with
    the user's file holding the statement admitted (before the fix) and the full check
    read as `Checked.v` (before round 120's), `X.v` verified."""
    in_place = "\n".join(
        ["Theorem t : exists n, D n /\\ n = 0.", "Proof.", *ROUND_103_PROOF, "Qed.", "End S.", ""]
    )
    for module, compiles in (("X", False), ("F", True)):
        (tmp_path / f"{module}.v").write_text(ROUND_103_HEADER + in_place)
        status, output, _ = run_to_end(
            ["coqc", "-q", f"{module}.v"], timeout_s=120, cwd=tmp_path, merge_stderr=True
        )
        assert (status == 0) is compiles, output
    users_file = verify_module._users_file
    monkeypatch.setattr(
        verify_module,
        "_users_file",
        lambda given, _proof, closings: users_file(given, ["Proof.", "Admitted."], closings),
    )
    monkeypatch.setattr(verify_module, "users_file", lambda library: CHECKED)
    assert _verified_round_103("X.v")[0]


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_request_whose_proof_fails_in_place_in_its_named_file_is_refused() -> None:
    """Named `X.v` the request is refused; named `F.v`, where the proof runs in place, it
    verifies with the names check."""
    ok, message = _verified_round_103("X.v")
    assert not ok and 'Unable to unify "0" with "k"' in message
    ok, message = _verified_round_103("F.v")
    assert ok and "names" in message


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_file_whose_proof_fails_in_place_under_its_name_is_refused(tmp_path: Path) -> None:
    """Round 103's `--file` shape, closed by round 120: the full check now runs the proof in
    place under the file's own name, so `X.v` (whose `coqc` rejects it there) is refused and
    `F.v` verifies."""
    for module, counted in (("X", False), ("F", True)):
        path = tmp_path / f"{module}.v"
        path.write_text(
            ROUND_103_HEADER + "Theorem t : exists n, D n /\\ n = 0.\nProof.\nAdmitted.\nEnd S.\n"
        )
        theorem = theorem_from_file(path, "t", language="coq")
        verification = verify_proof(theorem, ROUND_103_PROOF, timeout_s=240)
        assert verification.ok is counted, (module, verification.message)
        if not counted:
            assert 'Unable to unify "0" with "k"' in (verification.message or "")


ROUND_104_FILE = """Definition x : nat := 1.
Module Lib.
  Module F.
    Definition x : nat := 0.
  End F.
End Lib.

Theorem t : Lib.F.x = 0.
Proof.
Admitted.
"""


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_project_prefix_makes_a_qualified_name_the_files_own(tmp_path: Path) -> None:
    """Control: bare `coqc F.v` reads `Lib.F.x` as the module's 0; under `-Q . Lib` it is the
    file's own top-level 1."""
    readings = {}
    for prefix in ([], ["-Q", ".", "Lib"]):
        (tmp_path / "F.v").write_text(ROUND_104_FILE + "Eval compute in Lib.F.x.\n")
        status, output, _ = run_to_end(
            ["coqc", "-q", *prefix, "F.v"], timeout_s=120, cwd=tmp_path, merge_stderr=True
        )
        assert status == 0, output
        readings[len(prefix)] = output.decode().split("=", 1)[1].split(":", 1)[0].strip()
    assert readings == {0: "0", 3: "1"}


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_file_naming_itself_by_a_prefixed_path_is_refused(tmp_path: Path) -> None:
    """`t : Lib.F.x = 0` in `F.v` is refused before coqc, naming the part `F`."""
    path = tmp_path / "F.v"
    path.write_text(ROUND_104_FILE)
    theorem = theorem_from_file(path, "t", language="coq")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not verification.ok
    assert "a part 'F', the file's own library name" in (verification.message or "")
