"""Rounds 120 and 122: the checked compile under the user's file name.

Round 120: a proof that branches on the file's name past every check but coqc's.

Round ninety-eight's header reads `b = true` in a file whose name sorts before `Peano`
(`Checked`, `F`) and `false` after it (`X`). One admitted tactic branches on `b`: where it
is true, `reflexivity`; where it is false, round twenty-six's coq/coq#22378 term, which
proves `0 = 1` past coqc. The verifier's full check (term reading, coqchk-fixed, the
assumptions) read only `Checked.v`, where the honest branch runs; the file's own name was
compiled only by the names check's stock coqc, where the exploit branch ran and passed. A
request naming `X.v` (and a `--file` theorem of `X.v`) recorded the refuted `b = true` as
proved. The checked compile is now the user's own reading whenever the file has a name, so
every check reads the branch the user's coqc takes.

Round 122, on that fix: the checks tell the file's own objects from the installed
libraries' by full name, which now starts with the file's name. In `Coq.v`, a header's
`Module Logic. Module Classical_Prop : SIG. Axiom classic : False.` has the full name
`Coq.Logic.Classical_Prop.classic`, an allowed axiom, and `1 = 2` was recorded proved. A
file named as the first name of installed libraries is now refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq import checker_runs, copy_answers
from prover.backends.coq import library_paths as library_paths_module
from prover.backends.coq import verify as verify_module
from prover.backends.coq.assumptions_print import assumptions_print_problem
from prover.backends.coq.checker_runs import CHECKED
from prover.backends.coq.verify import verify_proof
from prover.data.theorem_files import theorem_from_file
from prover.interactive.statements import request_theorem
from search.process import run_to_end
from tests.soundness.kernel_controls import COQ_TOOLS, is_coq_816
from tests.soundness.test_file_name_readings import REQUEST_HEADER

pytestmark = COQ_TOOLS

HEADER = (
    "Require Import Coq.Reals.Abstract.ConstructiveReals.\n"
    "Require Import Coq.Reals.Cauchy.ConstructiveRcomplete.\n" + REQUEST_HEADER
)
_SPROP_IDENTITIES = " ".join(["(fun P p => p)"] * 6)
_BINDERS = "(x y : nat) (s1 s2 s3 s4 s5 s6 : (forall P : SProp, P -> P)) (i : ConstructiveReals)"
_PROJECTION = "match i with {| ConstructiveReals.CRcarrier := _ |} => VARIABLE end"
TACTIC = (
    "lazymatch eval compute in b with | true => reflexivity | false => exfalso; "
    f"exact (O_S 0 (f_equal (fun F => F 0 1 {_SPROP_IDENTITIES} "
    "ConstructiveRcomplete.CRealConstructive) (eq_refl : "
    f"(fun {_BINDERS} => {_PROJECTION.replace('VARIABLE', 'x')}) = "
    f"(fun {_BINDERS} => {_PROJECTION.replace('VARIABLE', 'y')})))) end."
)
"""True `b`: `reflexivity`; false `b`: coq/coq#22378's `0 = 1` (round twenty-six)."""
STATEMENT = "Theorem t : b = true."


def _compiles(folder: Path, module: str, text: str) -> bool:
    (folder / f"{module}.v").write_text(text)
    status, _, _ = run_to_end(
        ["coqc", "-q", f"{module}.v"], timeout_s=180, cwd=folder, merge_stderr=True
    )
    return status == 0


def _request(file: str | None) -> tuple[bool, str]:
    theorem = request_theorem(
        language="coq", header=HEADER, statement=STATEMENT, name=None, file=file
    )
    verification = verify_proof(theorem, [TACTIC], timeout_s=240)
    return verification.ok, verification.message or ",".join(verification.checks)


@pytest.mark.skipif(not is_coq_816(), reason="the kernel bug is Coq 8.16's")
def test_the_users_coqc_refutes_the_statement_and_takes_the_proof(tmp_path: Path) -> None:
    """Control: in `X.v` plain coqc proves `b <> true`, and takes the tactic's proof of
    `b = true` too (its exploit branch)."""
    refuted = HEADER + "Theorem n : b <> true.\nProof. compute. discriminate. Qed.\n"
    assert _compiles(tmp_path, "X", refuted)
    assert _compiles(tmp_path, "X", HEADER + f"{STATEMENT}\nProof.\n{TACTIC}\nQed.\n")


@pytest.mark.skipif(not is_coq_816(), reason="the kernel bug is Coq 8.16's")
def test_checked_only_as_checked_the_named_request_was_recorded_proved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Control: with the full check reading `Checked.v` whatever the file's name (before
    the fix), the request naming `X.v` verified."""
    monkeypatch.setattr(verify_module, "users_file", lambda library: CHECKED)
    ok, message = _request("X.v")
    assert ok, message


def test_a_request_naming_its_file_gets_every_check_under_that_name() -> None:
    """Named `X.v` the request is refused by the term reading of the exploit branch; named
    `F.v` (honest branch) and with no file (`Checked.v`) it verifies."""
    ok, message = _request("X.v")
    assert not ok and "coq/coq#22378" in message, message
    assert _request("F.v")[0]
    assert _request(None)[0]


def test_a_file_theorem_gets_every_check_under_the_files_name(tmp_path: Path) -> None:
    """The same theorem read from the user's `X.v` (`prove --file`) is refused, and from
    `F.v` it verifies."""
    for module, counted in (("X", False), ("F", True)):
        path = tmp_path / f"{module}.v"
        path.write_text(HEADER + f"{STATEMENT}\nProof.\nAdmitted.\n")
        theorem = theorem_from_file(path, "t", language="coq")
        verification = verify_proof(theorem, [TACTIC], timeout_s=240)
        assert verification.ok is counted, (module, verification.message)


def _read_prints_without_the_files_library(monkeypatch: pytest.MonkeyPatch) -> None:
    """The prints of assumptions read as before round 123: a name in the file's own library
    may count as an allowed assumption's tail."""

    def unanchored(printed: str | None, listed: tuple[str, ...], **options: object) -> str | None:
        parameters = options.get("parameters", ())
        assert isinstance(parameters, tuple)
        return assumptions_print_problem(
            printed, listed, library="ProverCheck.Checked", parameters=parameters
        )

    monkeypatch.setattr(checker_runs, "assumptions_print_problem", unanchored)
    monkeypatch.setattr(copy_answers, "assumptions_print_problem", unanchored)


COQ_FILE = """Module Type SIG. Parameter x : False. End SIG.
Module Logic.
Module Classical_Prop : SIG.
  Axiom classic : False.
  Definition x : False := classic.
End Classical_Prop.
End Logic.

Theorem one_eq_two : 1 = 2.
Proof.
Admitted.
"""
"""The header's own axiom gets the allowed name `Coq.Logic.Classical_Prop.classic` in `Coq.v`;
sealed by `SIG`, it has no name `Locate` finds."""


def _coq_file(folder: Path) -> tuple[bool, str]:
    folder.mkdir(exist_ok=True)
    path = folder / "Coq.v"
    path.write_text(COQ_FILE)
    theorem = theorem_from_file(path, "one_eq_two", language="coq")
    verification = verify_proof(theorem, ["destruct Logic.Classical_Prop.x."], timeout_s=240)
    return verification.ok, verification.message or ",".join(verification.axioms)


def test_in_a_file_named_coq_the_headers_axiom_took_an_allowed_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: plain coqc takes the proof of `1 = 2` from the header's own axiom, and with
    the name check switched off (and the prints read as before round 123, whose rule
    refuses it too) the file's theorem verified, reporting the allowed axiom."""
    in_place = COQ_FILE.replace("Admitted.", "destruct Logic.Classical_Prop.x.\nQed.")
    assert _compiles(tmp_path, "Coq", in_place + "Print Assumptions one_eq_two.\n")
    monkeypatch.setattr(library_paths_module, "checked_name_refusal", lambda *_args: None)
    _read_prints_without_the_files_library(monkeypatch)  # round 123's rule refuses it too
    ok, axioms = _coq_file(tmp_path / "off")
    assert ok and axioms == "Coq.Logic.Classical_Prop.classic", axioms


def test_a_file_named_as_installed_libraries_first_name_is_refused(tmp_path: Path) -> None:
    """The same file is refused for its name, before any compile."""
    ok, message = _coq_file(tmp_path)
    assert not ok and "is the first name of installed libraries" in message, message


SETS_FILE = """From Coq Require Ensembles.
Module Type SIG. Parameter x : False. End SIG.
Module Ensembles : SIG.
  Axiom Extensionality_Ensembles : False.
  Definition d : False := Extensionality_Ensembles.
  Definition x : False := d.
End Ensembles.

Theorem one_eq_two : 1 = 2.
Proof.
Admitted.
"""
"""Round 123: in `Sets.v` the sealed axiom prints as `Sets.Ensembles.Extensionality_Ensembles`,
the tail of the allowed `Coq.Sets.Ensembles.Extensionality_Ensembles`."""


def _sets_file(folder: Path) -> tuple[bool, str]:
    folder.mkdir(exist_ok=True)
    path = folder / "Sets.v"
    path.write_text(SETS_FILE)
    theorem = theorem_from_file(path, "one_eq_two", language="coq")
    verification = verify_proof(
        theorem, ["destruct Ensembles.x."], coqchk_path="coqchk", timeout_s=240
    )
    return verification.ok, verification.message or ",".join(verification.axioms)


def test_with_stock_coqchk_an_own_name_read_as_an_allowed_tail_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: stock coqchk lists no axiom behind the sealed module (round twenty), and with
    the prints read without the file's library (before the fix) `1 = 2` verified."""
    _read_prints_without_the_files_library(monkeypatch)
    ok, axioms = _sets_file(tmp_path)
    assert ok and axioms == "Coq.Sets.Ensembles.Extensionality_Ensembles", axioms


def test_an_own_name_is_never_an_allowed_tail_even_with_stock_coqchk(tmp_path: Path) -> None:
    """The print names an object of the file's own library: refused."""
    ok, message = _sets_file(tmp_path)
    assert not ok and "an object of the file's own library" in message, message
