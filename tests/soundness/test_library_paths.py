"""Round forty-nine: a qualified name read against the file's own library path.

Found by a red-team round (2026-12-05), default flags, no hostile model. Coq reads a
qualified name such as `Checked.x` against every object whose full path ends that way, the
file's own top level included, and an absolute name beats a module's relative one. The
file's top level is `ProverCheck.Checked` when the prover checks it, `Top` in the search's
coqtop and `F` under the user's `coqc F.v`: a header with a module `Checked` (or `Top`, or
`F`) beside a top-level constant of the same short name made the statement `Checked.x +
Top.y = 2` mean `2 + 2 = 2` to the user's compile (which refutes it) and a true `0 + 2 = 2`
to the verifier, and it was recorded proved. Such qualified names are now refused
(:func:`prover.backends.coq.library_paths.library_path_refusal`); round fifty wrote the
name after the dot with a non-ASCII first letter (`Checked.αx`), which the first reading
missed.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import prover.backends.coq.verify as verify_module
from prover.data.theorem_files import coq_declaration_from_source
from search.states import Theorem
from tests.soundness.file_runs import compile_alone, prove_file
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS

REFUTED = "Check T.\nLemma refute : {statement}. Proof. discriminate. Qed.\n"
#: Round 49's files: (file name, text, the statement's negation the file proves).
FILES = {
    "H.v": (
        "Module Checked. Definition x := 2. End Checked.\nDefinition x := 0.\n"
        "Module Top. Definition y := 2. End Top.\nDefinition y := 0.\n"
        "Theorem T : Checked.x + Top.y = 2.\nAdmitted.\n",
        "Checked.x + Top.y <> 2",
    ),
    "U.v": (  # round 50: the name after the dot starts with a non-ASCII letter
        "Module Checked. Definition αx := 2. End Checked.\nDefinition αx := 0.\n"
        "Module Top. Definition αy := 2. End Top.\nDefinition αy := 0.\n"
        "Theorem T : Checked.αx + Top.αy = 2.\nAdmitted.\n",
        "Checked.αx + Top.αy <> 2",
    ),
    "F.v": (
        "Definition x := 2.\nModule F. Definition x := 1. End F.\n"
        "Theorem T : 1 = F.x.\nAdmitted.\n",
        "1 <> x",  # the file's `F.x` is its top-level `x` (its absolute name under `coqc F.v`)
    ),
}


def _compiled(directory: Path, file: str) -> str:
    text, negation = FILES[file]
    source = text + REFUTED.format(statement=negation)
    compile_alone(directory, file, source)
    return source


def test_round_49s_file_is_refused_before_any_search(tmp_path: Path) -> None:
    """The file compiles and refutes `T`; `prove --file` refuses it when opening it."""
    _compiled(tmp_path, "H.v")
    records, status = prove_file(tmp_path / "H.v", "T", tmp_path / "run")
    assert [record["status"] for record in records] == ["error"], records
    assert "qualified name starting with 'Checked'" in json.dumps(records[0])
    assert status == 3  # an attempt ended in an error (docs/evaluation.md)


#: Why each file is refused before anything runs: the qualified name, or for `F.v` first
#: its module named as the file (round 122: the checks read the theorem's place from the
#: file's name).
REFUSALS = {
    "H.v": "qualified name starting with",
    "U.v": "qualified name starting with",
    "F.v": "declares a module named 'F'",
}


@pytest.mark.parametrize("file", sorted(FILES))
def test_the_library_path_refusal_stops_the_proof_first(
    file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`reflexivity` is refused before anything runs; without the refusal (the control) the
    checked compile refuses it too: since round 120 it is the user's own `coqc`, which
    refutes `T` (round 56's names check was the first to read it so)."""
    source = _compiled(tmp_path, file)
    theorem = coq_declaration_from_source(source, "T", origin=str(tmp_path / file))
    refused = verify_module.verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not refused.ok and refused.checks == ()
    assert REFUSALS[file] in (refused.message or "")
    monkeypatch.setattr(verify_module, "library_path_refusal", lambda _theorem: None)
    control = verify_module.verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not control.ok and control.checks == ("admission",), control.message
    assert "coqc rejected the proof: Unable to unify" in (control.message or "")


#: Round 56: the rest of the file (not the header or statement) branches on its own library
#: name: under the user's `coqc U1.v`, `U1.x` is the top-level `x` (0) and the file derives
#: `False` from `T`; under the random library name the names check used, it was module
#: `U1`'s `x` (1), the branch took `exact I`, and the copy at the end met no constraint.
BRANCHING_ON_THE_NAME = (
    "Require Import Coq.Logic.Hurkens.\n"
    "Theorem T : forall X : Type, exists Y : Type, X = Y.\nAdmitted.\n"
    "Definition x := 0.\nModule U1. Definition x := 1. End U1.\n"
    "Definition refute_T :=\n  ltac:(let v := eval compute in U1.x in\n"
    "        match v with\n"
    "        | 0 => exact (match T Type with ex_intro _ Y e => TypeNeqSmallType.paradox Y e end)\n"
    "        | _ => exact I\n        end).\n"
    "Definition is_false : False := refute_T.\n"
)


def test_the_names_check_compiles_the_file_under_its_own_name(tmp_path: Path) -> None:
    """The file compiles as `U1.v` (and derives False); the proof passes admission, coqc and
    coqchk and is refused by the copy at the end, compiled as `U1`: a universe
    inconsistency. Without the file (the control) it verifies."""
    compile_alone(tmp_path, "U1.v", BRANCHING_ON_THE_NAME)
    theorem = coq_declaration_from_source(BRANCHING_ON_THE_NAME, "T", origin=str(tmp_path / "U1.v"))
    tactics = ["intros X.", "exists X.", "reflexivity."]
    refused = verify_module.verify_proof(theorem, tactics, timeout_s=120)
    assert not refused.ok and refused.checks == ("admission", "coqc", "coqchk"), refused
    assert "universe inconsistency" in (refused.message or ""), refused.message
    control = replace(theorem, file_text=None)
    assert verify_module.verify_proof(control, tactics, timeout_s=120).ok


#: Round 57: a compiled library beside the user's file. A plain `coqc S1.v` in its folder
#: binds the folder to the empty logical path, so `Require Import Bool.` loads the
#: project's `Bool.vo` (whose `negb` is the identity), not the installed `Coq.Bool.Bool`
#: every compile of the prover loads: `negb true = false` was recorded proved.
PROJECT_BOOL = "Definition negb (b : bool) := b.\n"
SHADOWED = (
    "Require Import Bool.\nTheorem T : negb true = false.\nAdmitted.\n"
    "Lemma boom : if negb true then False else True.\nProof. rewrite T. exact I. Qed.\n"
)


def test_a_compiled_library_beside_the_file_that_it_requires_is_refused(
    tmp_path: Path,
) -> None:
    """The folder holds `Bool.vo` and the file requires `Bool`: `prove --file` refuses it
    when opening it, and verification refuses the proof, naming the library; without the
    folder's library (the control: the same file elsewhere) the proof verifies."""
    compile_alone(tmp_path, "Bool.v", PROJECT_BOOL)
    compile_alone(tmp_path, "S1.v", SHADOWED)
    records, status = prove_file(tmp_path / "S1.v", "T", tmp_path / "run")
    assert [record["status"] for record in records] == ["error"], records
    assert "libraries the file may require (Bool.v, Bool.vo" in json.dumps(records[0])
    assert status == 3
    theorem = coq_declaration_from_source(SHADOWED, "T", origin=str(tmp_path / "S1.v"))
    refused = verify_module.verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not refused.ok and "Bool.vo" in (refused.message or ""), refused.message
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    control = replace(theorem, source=str(elsewhere / "S1.v"))
    assert verify_module.verify_proof(control, ["reflexivity."], timeout_s=120).ok


def test_a_compiled_library_the_file_does_not_require_is_no_matter(tmp_path: Path) -> None:
    """A folder holding other compiled libraries (`A.vo`, the file's own `S1.vo`): the
    file's theorem verifies."""
    compile_alone(tmp_path, "A.v", PROJECT_BOOL)
    source = "Require Import Bool.\nTheorem T : negb true = false.\nAdmitted.\n"
    compile_alone(tmp_path, "S1.v", source)
    theorem = coq_declaration_from_source(source, "T", origin=str(tmp_path / "S1.v"))
    verified = verify_module.verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert verified.ok and verified.checks[-1] == "names", verified.message


def test_a_request_qualifying_a_name_its_header_declares_is_refused() -> None:
    """Round 60: `/search` proved `Nat.add 1 1 = 2` after `Definition add (a b : nat) :=
    0.` (the standard `1 + 1 = 2`), which a file `Nat.v` with that text refutes (its
    `Nat.add` is the header's). Verification now refuses it before anything runs; a
    qualified name the header declares nothing under (the control) verifies."""
    theorem = Theorem(
        name="t",
        header="Definition add (a b : nat) := 0.\n",
        statement="Theorem t : Nat.add 1 1 = 2.",
    )
    refused = verify_module.verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not refused.ok and refused.checks == ()
    assert "in a file named Nat.v it would be the header's own 'add'" in (refused.message or "")
    control = replace(theorem, statement="Theorem t : Nat.mul 1 1 = 1.")
    assert verify_module.verify_proof(control, ["reflexivity."], timeout_s=120).ok


#: Round 61: a class field with a binder before its colon, which the textual reading of
#: declared names missed; in a file `Nat.v`, `Nat.add` is that field (through the instance,
#: the first argument), and `Nat.add 1 1 = 2` says `1 = 2`.
FIELD_HEADER = (
    "Class C := { add {A : Type} : A -> A -> A }.\nInstance i : C := Build_C (fun A x y => x).\n"
)


def test_coq_refuses_a_request_qualifying_a_name_its_header_declares(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Even with the textual reading switched off, the checked file asks Coq, right before
    the statement, that nothing of the header is at the top level under `add`: coqc refuses
    it; the same statement after a header that declares no `add` verifies."""
    monkeypatch.setattr(verify_module, "library_path_refusal", lambda _theorem: None)
    theorem = Theorem(name="t", header=FIELD_HEADER, statement="Theorem t : Nat.add 1 1 = 2.")
    refused = verify_module.verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not refused.ok and refused.checks == ("admission",), refused
    assert "The command has not failed!" in (refused.message or "")
    plain = replace(theorem, header="Require Import Arith.\n")
    assert verify_module.verify_proof(plain, ["reflexivity."], timeout_s=120).ok


def test_a_qualified_name_reaching_into_a_module_the_header_leaves_open_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Round 62: a benchmark header `Module Export Nat. Definition add ...` left open and the
    statement `Init.Nat.add 1 1 = 2`, which a file `Init.v` reads as the header's `add`:
    refused by the text reading (which now reads `Module Export Nat` as declaring `Nat`)
    and, with it switched off, by Coq's guard on the path `Nat.add`."""
    theorem = Theorem(
        name="t", header="Module Export Nat.\nDefinition add (a b : nat) := 0.\n",
        statement="Theorem t : Init.Nat.add 1 1 = 2.",
    )  # fmt: skip
    refused = verify_module.verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not refused.ok and "in a file named Init.v" in (refused.message or "")
    monkeypatch.setattr(verify_module, "library_path_refusal", lambda _theorem: None)
    guarded = verify_module.verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not guarded.ok and "The command has not failed!" in (guarded.message or "")


@pytest.mark.parametrize(
    ("header", "statement"),
    [
        ("Definition add (a b : nat) := 0.\n", "Theorem t : Nat .add 1 1 = 2."),
        ("Definition add (a b : nat) := 0.\n", "Theorem t : Nat\n.add 1 1 = 2."),
        ('#[deprecated(since="]", note="x")] Notation add a b := (0 : nat).\n',
         "Theorem t : Nat.add 1 1 = 2."),
        # Round 64: a pattern binder's quote right before the name hid it from the readings.
        ("Notation pair a b := (b, a).\n",
         "Theorem t : (let 'Datatypes.pair x y := (1, 2) in x) = 1."),
        # Round 65: a number right before the name (Coq reads `1` then `Nat.add`).
        ("Definition add (a b : nat) := 0.\nDefinition k (n : nat) (f : nat -> nat -> nat) := f.\n",
         "Theorem t : k 1Nat.add 1 1 = 2."),
    ],
)  # fmt: skip
def test_spaced_qualified_names_and_abbreviations_are_refused(
    header: str, statement: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Round 63: Coq reads `Nat .add` (a blank, even a newline, before the dot) as `Nat.add`,
    which the readings missed; an abbreviation with parameters escaped `Fail Check` (and
    the text reading, through a `]` inside an attribute's string). Both readings refuse now:
    the text reading first, and with it switched off Coq's guards (`Fail Print` sees the
    abbreviation)."""
    theorem = Theorem(name="t", header=header, statement=statement)
    refused = verify_module.verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not refused.ok and "in a file named" in (refused.message or ""), refused
    monkeypatch.setattr(verify_module, "library_path_refusal", lambda _theorem: None)
    guarded = verify_module.verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not guarded.ok and "The command has not failed!" in (guarded.message or "")


def test_a_header_universe_reached_by_a_qualified_name_is_refused() -> None:
    """Round 66: `Type@{X.u}` is the module's universe in the checked file (the statement
    reads `True`) and, in a file `X.v`, the header's top-level `u` (constrained above `v`:
    the cast fails and the statement reads `False`). Coq's guards ask about universes too:
    coqc refuses the proof."""
    theorem = Theorem(
        name="t",
        header="Universe v.\nModule X. Universe u. End X.\nUniverse u.\nConstraint v < u.\n",
        statement=(
            "Theorem t : ltac:(first [ let _ := constr:(Type@{X.u} : Type@{v}) in exact True "
            "| exact False ])."
        ),
    )
    refused = verify_module.verify_proof(theorem, ["exact I."], timeout_s=120)
    assert not refused.ok and "The command has not failed!" in (refused.message or ""), refused


#: Round 67: a polymorphic universe declared in a section is the file's `X.u` in a file
#: `X.v` while the section is open (the cast then typechecks and `b` is `true`), and is
#: gone when the guards before the statement run; in the checked file `X.u` is module X's.
SECTION_UNIVERSE = (
    "Universe v.\nModule X. Universe u. End X.\nConstraint v < X.u.\nSection S.\n"
    "Polymorphic Universe u.\nPolymorphic Definition b : bool := ltac:(first [ let _ := "
    "constr:(Type@{X.u} : Type@{v}) in exact true | exact false ]).\nEnd S.\n"
)


def test_a_universe_reached_inside_a_section_is_refused() -> None:
    """The guards are asked right before every `End` of the header too, where the section's
    universe still is: coqc refuses the proof; with the section's universe named otherwise
    (the control: `X.u` is module X's in any file) the proof verifies."""
    theorem = Theorem(name="t", header=SECTION_UNIVERSE, statement="Theorem t : b = false.")
    refused = verify_module.verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not refused.ok and "The command has not failed!" in (refused.message or ""), refused
    control = replace(
        theorem,
        header=SECTION_UNIVERSE.replace("Polymorphic Universe u.", "Polymorphic Universe z."),
    )
    assert verify_module.verify_proof(control, ["reflexivity."], timeout_s=120).ok
