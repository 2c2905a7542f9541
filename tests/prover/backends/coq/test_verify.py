"""verify_proof against real coqc and coqchk: which checks ran, the time budget, clean-up."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from prover.backends.coq.verify import verify_proof
from search.errors import BackendUnavailable
from search.states import Theorem

pytestmark = [
    pytest.mark.coq,
    pytest.mark.skipif(
        shutil.which("coqc") is None or shutil.which("coqchk") is None,
        reason="coqc/coqchk not installed",
    ),
]

REALS = "Require Import Reals Lra.\nOpen Scope R_scope.\n"


def theorem(statement: str, header: str = "", name: str = "t") -> Theorem:
    return Theorem(name=name, header=header, statement=f"Theorem {name} {statement}")


def test_a_real_proof_passes_all_three_checks_and_names_them() -> None:
    """A reals proof passes admission, coqc and coqchk; only the true stdlib axioms it rests
    on are reported (not `classic`, which the header loads but the proof does not use)."""
    verification = verify_proof(theorem(": forall x : R, 0 <= x * x.", REALS), ["intros x", "nra"])
    assert verification.ok, verification.message
    assert verification.checks == ("admission", "coqc", "coqchk")
    assert "Coq.Reals.ClassicalDedekindReals.sig_forall_dec" in verification.axioms
    assert "Coq.Logic.Classical_Prop.classic" not in verification.axioms
    assert not any("RbaseSymbolsImpl" in name for name in verification.axioms)
    assert verification.proof_text.endswith("Proof.\nintros x.\nnra.\nQed.\n")


def test_the_axioms_reported_are_the_theorems_own_not_the_environments() -> None:
    """A proof that uses no axiom reports none, though the header loads the reals (whose
    axioms coqchk's summary lists for the whole environment)."""
    verification = verify_proof(theorem(": (1 + 1 = 2)%nat.", REALS), ["reflexivity"])
    assert verification.ok, verification.message
    assert verification.axioms == ()


def test_a_rejected_tactic_stops_before_coqc() -> None:
    """Admission failure: no file is compiled and only the message says why."""
    verification = verify_proof(theorem(": False."), ["idtac.(**)Reset t.(**)exact I."])
    assert not verification.ok
    assert verification.checks == ()
    assert verification.message is not None and "one tactic sentence" in verification.message


def test_a_wrong_proof_fails_at_coqc_and_coqchk_never_runs() -> None:
    """A proof coqc rejects reports no passed check beyond admission."""
    verification = verify_proof(theorem(": 1 = 2."), ["reflexivity"])
    assert not verification.ok
    assert verification.checks == ("admission",)
    assert verification.message is not None and verification.message.startswith("coqc rejected")


def test_the_time_budget_covers_the_whole_check() -> None:
    """A slow proof is cut at the verification budget, with a message saying so."""
    verification = verify_proof(
        theorem(": True."), ["do 100000000 idtac", "exact I"], timeout_s=1.0
    )
    assert not verification.ok
    assert verification.message is not None and "timed out" in verification.message
    assert verification.time_s < 10


def test_temporary_directories_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Passing, failing and timed-out checks all leave no temporary directory behind."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    verify_proof(theorem(": True."), ["exact I"])
    verify_proof(theorem(": False."), ["exact I"])
    verify_proof(theorem(": True."), ["do 100000000 idtac"], timeout_s=0.5)
    assert list(tmp_path.iterdir()) == []


def test_missing_coqchk_is_backend_unavailable() -> None:
    """Without the kernel checker nothing can be verified: an infrastructure error, not a pass."""
    with pytest.raises(BackendUnavailable, match="coqchk"):
        verify_proof(theorem(": True."), ["exact I"], coqchk_path="/nonexistent/coqchk")


@pytest.mark.coq
def test_theorem_inside_an_open_section_is_checked_with_the_section_closed() -> None:
    """A --file theorem inside a Section verifies: the checked file closes the section after Qed."""
    header = "Section S.\nVariable n : nat.\nHypothesis positive : 0 < n.\n"
    theorem = Theorem(name="in_section", header=header, statement="Lemma in_section : n = n.")
    verification = verify_proof(theorem, ["reflexivity."])
    assert verification.ok, verification.message
    assert verification.proof_text.rstrip().endswith("Qed.\nEnd S.")


@pytest.mark.coq
def test_theorem_inside_a_module_with_a_signature_is_checked_with_the_module_closed() -> None:
    """A theorem inside `Module M <: S.` verifies although the rest of M is not in the file."""
    header = (
        "Module Type S.\nParameter x : nat.\nParameter later : nat.\nEnd S.\n"
        "Module M <: S.\nDefinition x := 1.\n"
    )
    theorem = Theorem(name="in_module", header=header, statement="Lemma in_module : x = 1.")
    verification = verify_proof(theorem, ["reflexivity."])
    assert verification.ok, verification.message
    assert "Module M.\n" in verification.proof_text


def test_a_coqc_killed_by_a_signal_is_named_as_such(tmp_path: Path) -> None:
    """A coqc that dies from a signal (as the memory cap kills it) is reported as killed,
    with the cap, not as a rejection quoting its timing lines."""
    killed = tmp_path / "coqc"
    killed.write_text("#!/bin/sh\nkill -9 $$\n", encoding="utf-8")
    killed.chmod(0o755)
    verification = verify_proof(
        theorem(": 1 = 1."),
        ["reflexivity"],
        coqc_path=str(killed),
        memory_limit_mb=512,
        sandbox="off",  # the fake is in pytest's /tmp, which the sandbox hides
    )
    assert not verification.ok and verification.checks == ("admission",)
    assert verification.message == "coqc was killed by signal 9 (memory cap: 512 MB)"


def test_a_superscript_in_a_statement_is_spaced_as_coq_reads_it() -> None:
    """`a²` (miniF2F's imo_1964_p2 writes it) is checked and compiled as `a ²`, the tokens
    Coq reads either way: the proof counts and the shown file has the spaced statement."""
    statement = Theorem(name="t", header=REALS, statement="Theorem t : forall a : R, 0 <= a².")
    verification = verify_proof(statement, ["intros a.", "apply Rle_0_sqr."], timeout_s=60)
    assert verification.ok, verification.message
    assert "0 <= a \u00b2." in verification.proof_text


def test_a_theorem_with_maximal_implicit_arguments_is_read_after_defined() -> None:
    """With a header fixpoint the term is printed through ``Eval fold`` of ``@name``: the
    implicit argument is not inserted (``MSetWeakList.elements_spec2w``'s class argument
    sent typeclass search out of memory, a false refusal)."""
    theorem = Theorem(
        name="t",
        header="Fixpoint f (n : nat) : nat := match n with 0 => 0 | S m => f m end.\n",
        statement="Theorem t {n : nat} : f n = f n.",
    )
    verification = verify_proof(theorem, ["reflexivity."])
    assert verification.ok, verification.message


@pytest.mark.coq
def test_a_proof_under_mathcomp_verifies_through_its_sealed_fields(tmp_path: Path) -> None:
    """mathcomp's sealed fields (`FinfunDef.finfunE`, `BigOp.bigop`, ...) are definitions
    coqchk -norec lists as axioms: they pass, so a proof under all_ssreflect counts."""
    probe = tmp_path / "Probe.v"
    probe.write_text("From mathcomp Require Import all_ssreflect all_algebra.\n")
    if subprocess.run(["coqc", "-q", probe.name], cwd=tmp_path, check=False).returncode:
        pytest.skip("mathcomp not installed")
    header = "From mathcomp Require Import all_ssreflect all_algebra.\n"
    theorem = Theorem(name="t", header=header, statement="Lemma t : 2 + 2 = 4.")
    verification = verify_proof(theorem, ["by []."], timeout_s=120)
    assert verification.ok, verification.message
    assert verification.checks == ("admission", "coqc", "coqchk")


@pytest.mark.skipif(shutil.which("csdp") is None, reason="csdp not installed")
def test_a_request_naming_its_file_takes_a_psatz_proof_in_place() -> None:
    """The file refusals read what the user wrote: a proof by psatz (an external program,
    refused in user text) verifies in a request's named file, with the names check."""
    from prover.interactive.statements import request_theorem

    named = request_theorem(
        language="coq", header="Require Import Reals Psatz.\nOpen Scope R_scope.\n",
        statement="Theorem t : forall x : R, 0 <= x * x.", name=None, file="Mine.v",
    )  # fmt: skip
    verification = verify_proof(named, ["intros x.", "psatz R 2."], timeout_s=200)
    assert verification.ok, verification.message
    assert "names" in verification.checks
