"""Rounds forty-one to forty-three: `prove --file` could prove another theorem than the file's.

Found by red-team rounds (2026-12-05), default flags, no hostile model. (1) Inside a section
the prover opened the proof with `Proof.`, so its proof could use a section hypothesis the
file's theorem does not take: the file chooses by `Proof using.` (round 41, which the first
fix refused after the statement only), `Set Default Proof Using "Type".`, `Time Proof using.`,
`idtac. Proof using.` or an `Import` of a module exporting that setting (round 42); with
`Hypothesis absurd : False`, the file's `t : 1 = 2` (refuted by the file) was proved from
`absurd` (`nia`) and recorded proved. (2) With two declarations of `t` (a `Reset` or a module
between them; the last a `Definition t : P := ...` in round 42) the prover proved the first,
while Coq's `t` is the last. Now a section theorem opens with `Proof using Type.` in the
search and in the checked file (the statement's own variables, which every choice of the
file keeps too), and a name declared more than once is refused; round 43 hid the second
declaration behind `Time` (`prover/backends/coq/declared_names.py` now reads past control prefixes
and counts constructors, fields, binders and mutual definitions too).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

import prover.backends.coq.proof_source as proof_source_module
from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.backends.coq.proof_source import build_proof_source
from prover.backends.coq.verify import verify_proof
from prover.cli.main import main
from prover.data.theorem_files import coq_declaration_from_source
from search.errors import InputError
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS

SECTION = "Section S.\nHypothesis absurd : False.\n"
REFUTATION = (
    "Lemma not_t : ~ (1 = 2).\nProof. discriminate. Qed.\n"
    "Lemma t_false : False.\nProof. exact (not_t t). Qed.\n"
)
#: Ways the file keeps `absurd` out of its `t` (each file compiles and refutes `t`).
CHOICES = {
    "proof using": "Proof using.\n",
    "default after the statement": 'Set Default Proof Using "Type".\nProof.\n',
    "time proof using": "Time Proof using.\n",
    "proof using after a tactic": "idtac.\nProof using.\n",
    "imported default": "Import M.\nProof.\n",
}
MODULE = 'Module M.\n#[export] Set Default Proof Using "Type".\nEnd M.\n'
RESET = (
    "Definition P := 1 = 1.\nTheorem t : P.\nProof. reflexivity. Qed.\n"
    "Reset P.\nDefinition P := 1 = 2.\nLemma t_statement : P.\nProof.\nAdmitted.\n"
    "Definition t : P := t_statement.\n"
    "Lemma not_t : ~ P.\nProof. discriminate. Qed.\n"
)


#: Round 43: module B's `t` (two = 2, refuted) behind `Time`; `Import A B` makes it the file's.
TIMED = (
    "Module A.\nDefinition two := 1.\nTheorem t : 1 = two.\nProof.\nAdmitted.\nEnd A.\n"
    "Module B.\nDefinition two := 2.\nTime Theorem t : 1 = two.\nProof.\nAdmitted.\nEnd B.\n"
    "Import A B.\nLemma not_t : ~ (1 = two).\nProof. discriminate. Qed.\n"
    "Lemma t_false : False.\nProof. exact (not_t t). Qed.\n"
)


def _section_file(choice: str) -> str:
    return f"{MODULE}{SECTION}Theorem t : 1 = 2.\n{CHOICES[choice]}Admitted.\nEnd S.\n{REFUTATION}"


def _compiles(directory: Path, name: str, text: str) -> None:
    (directory / f"{name}.v").write_text(text)
    compiled = subprocess.run(
        ["coqc", "-q", f"{name}.v"], cwd=directory, capture_output=True, text=True, check=False
    )
    assert compiled.returncode == 0, compiled.stderr


@pytest.mark.parametrize("choice", sorted(CHOICES))
def test_a_section_theorem_the_file_refutes_is_not_proved(choice: str, tmp_path: Path) -> None:
    """Each file compiles and refutes its `t`; `prove --file` does not record it proved (the
    portfolio's `nia` from `absurd` fails under `Proof using Type.`)."""
    _compiles(tmp_path, "F", _section_file(choice))
    status = main([
        "prove", "--file", str(tmp_path / "F.v"), "--theorem", "t", "--time-limit", "20",
        "--output", str(tmp_path / "run"), "--no-progress",
    ])  # fmt: skip
    lines = (tmp_path / "run" / "results.jsonl").read_text().splitlines()
    assert [json.loads(line)["status"] for line in lines] == ["failed"], lines
    assert status == 0


def test_opened_with_proof_the_section_hypothesis_proves_it() -> None:
    """The control: opened with a plain `Proof.`, the theorem is proved from `absurd` and
    verified; with the prover's opening it is refused."""
    theorem = Theorem(name="t", header=SECTION, statement="Theorem t : 1 = 2.")
    source = build_proof_source(header=SECTION, statement=theorem.statement, tactics=["idtac."])
    assert "\nProof using Type.\n(try clear absurd).\n" in source
    assert not verify_proof(theorem, ["exfalso.", "exact absurd."], timeout_s=120).ok
    assert proof_source_module.proof_opening("Section S.\n")[0] == "Proof using Type."
    assert proof_source_module.proof_opening("Module S.\n") == ("Proof.",)


def test_opened_with_proof_the_control_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the fix (`Proof.` everywhere) the same proof passed coqc and coqchk."""
    monkeypatch.setattr(proof_source_module, "proof_opening", lambda _header, **_: ("Proof.",))
    theorem = Theorem(name="t", header=SECTION, statement="Theorem t : 1 = 2.")
    assert verify_proof(theorem, ["exfalso.", "exact absurd."], timeout_s=120).ok


def test_a_section_hypothesis_the_statement_needs_is_kept() -> None:
    """An honest section theorem whose statement mentions a section variable still verifies."""
    header = "Section S.\nVariable n : nat.\nHypothesis positive : 0 < n.\n"
    theorem = Theorem(name="t", header=header, statement="Theorem t : n = n.")
    assert verify_proof(theorem, ["reflexivity."], timeout_s=120).ok


def test_a_name_declared_twice_is_refused(tmp_path: Path) -> None:
    """Round 42's file (the last `t` a `Definition` after `Reset`) compiles and refutes its
    `t`; the prover refuses the name in one line."""
    _compiles(tmp_path, "R", RESET)
    with pytest.raises(InputError, match="'t' is declared 2 times"):
        coq_declaration_from_source(RESET, "t")
    with pytest.raises(InputError, match="declared 2 times"):
        coq_declaration_from_source("Theorem t : True.\nAdmitted.\nAxiom t : False.\n", "t")


def test_a_second_declaration_behind_time_is_counted(tmp_path: Path) -> None:
    """Round 43's file compiles and refutes its `t` (module B's, behind `Time`); the prover
    refuses the name instead of proving module A's true `t`."""
    _compiles(tmp_path, "T", TIMED)
    with pytest.raises(InputError, match="'t' is declared 2 times"):
        coq_declaration_from_source(TIMED, "t")


def test_the_search_sees_only_what_the_statement_needs() -> None:
    """In the search's coqtop the section theorem's root goal keeps the statement's variable
    and drops the hypothesis it does not need (so the search cannot spend itself on a proof
    the kernel will refuse)."""
    header = f"{SECTION}Variable n : nat.\n"
    with CoqEnvironment(CoqConfig()) as environment:
        root = environment.open(Theorem(name="t", header=header, statement="Theorem t : n = n."))
        assert "n : nat" in root.text and "absurd" not in root.text


def test_the_theorems_own_binders_are_kept() -> None:
    """Round 45: the clearing step touches section variables only; a hypothesis written as a
    binder of the theorem (not needed by its goal) stays, and the proof using it verifies."""
    header = f"{SECTION}Variable m : nat.\n"
    theorem = Theorem(name="t", header=header, statement="Theorem t (n : nat) (H : n = 1) : n = 1.")
    verification = verify_proof(theorem, ["exact H."], timeout_s=120)
    assert verification.ok, verification.message
    assert "(try clear m); (try clear absurd)." in verification.proof_text


def test_a_header_abstract_wrapper_is_refused_in_a_section() -> None:
    """Round 46: a header `Ltac` wrapping `abstract` let a subproof name a section variable
    `Proof using Type` leaves out (only coqchk refused it); inside a section such a header
    is refused before anything runs, as after fixpoints."""
    header = f"{SECTION}Ltac hide t := abstract t.\n"
    theorem = Theorem(name="t", header=header, statement="Theorem t : 1 = 2.")
    refused = verify_proof(theorem, ["hide ltac:(exfalso; exact absurd)."], timeout_s=60)
    assert not refused.ok and "writes 'abstract' outside a proof step" in (refused.message or "")
    assert refused.checks == ()


#: A bare `Admitted.` (no `Proof` sentence): Coq 8.16 generalises `t` over every section
#: variable, even under an exported `Default Proof Using "Type"`.
BARE = f"{MODULE}Import M.\n{SECTION}Variable n : nat.\nTheorem t : 1 = 2.\nAdmitted.\nEnd S.\n"


def test_a_bare_admitted_takes_every_section_variable(tmp_path: Path) -> None:
    """The premise of `whole_context`, on this machine's coqc: the file's `t` is
    `False -> nat -> 1 = 2` (so `absurd` cannot refute it), and a proof opened with
    `Proof using All.` gives the prover's `t` exactly that type."""
    check = "Check (t : False -> nat -> 1 = 2).\n"
    _compiles(tmp_path, "Bare", BARE + check)
    proved = BARE.replace("Admitted.", "Proof using All.\nexfalso. exact absurd.\nQed.")
    _compiles(tmp_path, "Proved", proved + check)
    (tmp_path / "Refuting.v").write_text(BARE + REFUTATION)
    refuting = subprocess.run(
        ["coqc", "-q", "Refuting.v"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert refuting.returncode != 0 and 'has type "False -> nat -> 1 = 2"' in refuting.stderr


def test_a_section_hypothesis_serves_a_theorem_the_file_admits_bare(tmp_path: Path) -> None:
    """A section theorem whose file proof is a bare `Admitted.` is proved from a section
    hypothesis its statement does not mention (under `Proof using Type` it was lost), and
    the recorded proof opens with `Proof using All.`."""
    source = (
        "Require Import Lia.\nSection S.\nVariable n : nat.\nHypothesis positive : 0 < n.\n"
        "Variable m : nat.\nTheorem t : n + m <> m.\nAdmitted.\nEnd S.\n"
    )
    (tmp_path / "G.v").write_text(source)
    theorem = coq_declaration_from_source(source, "t", origin=str(tmp_path / "G.v"))
    assert theorem.whole_context
    verification = verify_proof(theorem, ["lia."], timeout_s=120)
    assert verification.ok, verification.message
    assert "\nProof using All.\nlia.\nQed." in verification.proof_text
    narrowed = verify_proof(replace(theorem, whole_context=False), ["lia."], timeout_s=120)
    assert not narrowed.ok
    status = main([
        "prove", "--file", str(tmp_path / "G.v"), "--theorem", "t", "--time-limit", "20",
        "--output", str(tmp_path / "run"), "--no-progress",
    ])  # fmt: skip
    lines = (tmp_path / "run" / "results.jsonl").read_text().splitlines()
    assert [json.loads(line)["status"] for line in lines] == ["proved"], lines
    assert status == 0
