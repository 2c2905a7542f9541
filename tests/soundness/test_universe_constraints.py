"""Round fifty-one: a proof that fits the header but not the rest of the user's file.

Found by a red-team round (2026-12-05), default flags, no hostile model. The file admits
`T : forall X : Type, exists Y : Type, X = Y` and then derives `False` from `T Type` with
Hurkens' paradox, which pins `T`'s second universe below its first. The prover's proof
(`exists X`, here through the file's own hint) needs the opposite order: checked on the
header and statement alone it passed admission, coqc, coqchk and the names check, and `T`
was recorded proved, while in the user's file that proof is a universe inconsistency. Now the
names check compiles the user's whole file with the prover's proof in place of its own
(:mod:`prover.backends.coq.file_with_proof`). Round fifty-two's file branched on the
constraints, so that file compiled too; outside sections the proof is now checked on a copy
of the theorem at the end of the user's unchanged file. Inside a section the same branching
file was a known gap until 2026-12-05; there the copy now follows the file's own proof, at
the theorem's place, and is met with the theorem at the file's end.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from prover.backends.coq.verify import verify_proof
from prover.data.theorem_files import coq_declaration_from_source
from tests.soundness.file_runs import compile_alone, prove_file
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS

FILE = (
    "Require Import Coq.Logic.Hurkens.\n"
    "#[export] Hint Extern 1 (ex _) => (eexists; reflexivity) : core.\n"
    "Theorem T : forall X : Type, exists Y : Type, X = Y.\nAdmitted.\n"
    "Lemma refute_T : False.\nProof.\n  destruct (T Type) as [Y e].\n"
    "  exact (TypeNeqSmallType.paradox Y e).\nQed.\n"
)
#: Round 52: the refutation branches on the universe constraints (`first [ paradox | I ]`),
#: so the file rebuilt with the prover's proof in place compiled; the user's derives False.
BRANCHING = (
    "Require Import Coq.Logic.Hurkens.\n"
    "Theorem T : forall X : Type, exists Y : Type, X = Y.\nAdmitted.\n"
    "Definition refute_T :=\n  ltac:(first [ exact (match T Type with ex_intro _ Y e => "
    "TypeNeqSmallType.paradox Y e end) | exact I ]).\n"
    "Check refute_T : False.\n"
)
PROOF = ["intros X.", "exists X.", "reflexivity."]


def _refused_by_the_names_check(directory: Path, source: str, tactics: list[str]) -> str:
    """Compile ``source`` alone (it must), verify ``tactics`` for its `T` as `prove --file`
    loads it: refused after admission, coqc and coqchk, while the same theorem without the
    file (the control) verifies. The refusal's message."""
    compile_alone(directory, "Fu.v", source)
    theorem = coq_declaration_from_source(source, "T", origin=str(directory / "Fu.v"))
    refused = verify_proof(theorem, tactics, timeout_s=120)
    assert not refused.ok and refused.checks == ("admission", "coqc", "coqchk"), refused
    assert verify_proof(replace(theorem, file_text=None), tactics, timeout_s=120).ok
    return refused.message or ""


def test_a_proof_the_files_universes_refuse_is_not_verified(tmp_path: Path) -> None:
    """The file compiles (and derives False from its `T`); the proof passes every check on
    the header alone (the control) and is refused once put in the file, naming Coq's error."""
    message = _refused_by_the_names_check(tmp_path, FILE, PROOF)
    assert "does not take the prover's proof of 'T'" in message
    assert "universe inconsistency" in message


def test_round_51s_file_is_not_recorded_proved(tmp_path: Path) -> None:
    """End to end: the search finds the proof through the file's hint; it is not recorded
    proved."""
    compile_alone(tmp_path, "G.v", FILE)
    records, _ = prove_file(tmp_path / "G.v", "T", tmp_path / "run")
    assert [record["status"] for record in records] == ["failed"], records


def test_a_file_that_branches_on_the_constraints_does_not_take_the_proof(tmp_path: Path) -> None:
    """Round 52: the file's `refute_T` is `False` (plain coqc), and with the proof put in
    place of `Admitted.` it would quietly become `True`; checked at the file's end against
    the theorem's own universe levels, the proof is refused."""
    assert "universe inconsistency" in _refused_by_the_names_check(tmp_path, BRANCHING, PROOF)


#: The known gap of round 52, closed: the same branching refutation with `T` in a section
#: (a bare `Admitted.`, so `T` takes the section variable `n`).
SECTION_BRANCHING = (
    "Require Import Coq.Logic.Hurkens.\n"
    "Section S.\nVariable n : nat.\n"
    "Theorem T : forall X : Type, exists Y : Type, X = Y.\nAdmitted.\nEnd S.\n"
    "Definition refute_T :=\n  ltac:(first [ exact (match T 0 Type with ex_intro _ Y e => "
    "TypeNeqSmallType.paradox Y e end) | exact I ]).\n"
    "Definition is_false : False := refute_T.\n"
)


def test_a_section_theorem_whose_file_branches_on_the_constraints_is_refused(
    tmp_path: Path,
) -> None:
    """The copy stated right after the section theorem's own proof is discharged like it and
    met with it at the file's end, where the file's constraints refuse the proof's."""
    message = _refused_by_the_names_check(tmp_path, SECTION_BRANCHING, PROOF)
    assert "universe inconsistency" in message, message


@pytest.mark.parametrize(
    ("source", "name", "tactics"),
    [
        # In a section (a bare Admitted, so every variable) inside a module, with names the
        # file redeclares after the module: the replayed section reads them as the theorem.
        (
            "Module M.\nSection S.\nVariable n : nat.\nHypothesis Hn : n = 2.\n"
            "Theorem t : n + 0 = 2.\nAdmitted.\nEnd S.\nEnd M.\nDefinition n := 7.\n",
            "t",
            ["rewrite <- plus_n_O.", "exact Hn."],
        ),
        # In a module, with its binders, names the file declares later at top level (`two`,
        # `H`): restated at the end with the module imported, it reads them as at its place.
        (
            "Module M.\nDefinition two := 2.\nTheorem t (x : nat) (H : x = two) : x = 2.\n"
            "Admitted.\nEnd M.\nDefinition two := 5.\nDefinition H := 3.\n",
            "t",
            ["rewrite H.", "reflexivity."],
        ),
        # A name of the statement the module shadows after the theorem (as PeanoNat's `Nat`
        # declares its own `eq`): restated after `Import M` it reads otherwise, so the
        # second way, the copy with the theorem's own type, verifies it.
        (
            "Module M.\nTheorem t (n : nat) : eq n n.\nAdmitted.\n"
            "Definition eq (a b : nat) := False.\nEnd M.\n",
            "t",
            ["reflexivity."],
        ),
    ],
)
def test_an_honest_theorem_in_a_module_verifies_on_its_copy(
    source: str, name: str, tactics: list[str], tmp_path: Path
) -> None:
    """An honest theorem in a module, in a section or not: its copy at the file's end reads
    its names as at its place and meets it, and the proof verifies with the names check."""
    _assert_verified_in_file(tmp_path / "Mo.v", source, name, tactics)


def _assert_verified_in_file(path: Path, source: str, name: str, tactics: list[str]) -> None:
    """``source`` compiles alone as ``path``, and ``tactics`` verify its theorem ``name``
    as `prove --file` reads it, the names check last."""
    compile_alone(path.parent, path.name, source)
    theorem = coq_declaration_from_source(source, name, origin=str(path))
    verified = verify_proof(theorem, tactics, timeout_s=120)
    assert verified.ok and verified.checks[-1] == "names", verified.message


#: The copy's proof runs at the file's end, where a tactic of the header may have been
#: redefined (`::=`) to take the file's own admitted theorem: the copy then typechecks
#: without the proof's constraint, so its assumptions are printed and must be allowed ones.
HIJACKED = (
    "Require Import Coq.Logic.Hurkens.\n"
    "Ltac solve_it := intros X; exists X; reflexivity.\n"
    "Theorem T : forall X : Type, exists Y : Type, X = Y.\nAdmitted.\n"
    "Definition refute_T :=\n  ltac:(first [ exact (match T Type with ex_intro _ Y e => "
    "TypeNeqSmallType.paradox Y e end) | exact I ]).\n"
    "Check refute_T : False.\nLtac solve_it ::= intros X; exact (T X).\n"
)


def test_a_copy_proved_from_the_files_own_theorem_is_refused(tmp_path: Path) -> None:
    """`solve_it` proves `T` after the header (the control) and, redefined at the file's
    end, proves the copy from `T` itself: refused by the copy's Print Assumptions."""
    message = _refused_by_the_names_check(tmp_path, HIJACKED, ["solve_it."])
    assert "copy at the end of the user's file: the proof assumes 'T'" in message


#: Round 53: a look-alike statement (module M's `Stmt`, fresh universes) and an admitted
#: coercion from it to the theorem's: the copy restated after `Import M` met `T`'s type only
#: through the coercion, so nothing of `T`'s universes was checked.
COERCED = (
    "Require Import Coq.Logic.Hurkens.\n"
    "Definition Stmt := forall X : Type, exists Y : Type, X = Y.\n"
    "Theorem T : Stmt.\nAdmitted.\n"
    "Definition refute_T : ~ Stmt :=\n  fun t => match t Type with ex_intro _ Y e => "
    "TypeNeqSmallType.paradox Y e end.\n"
    "Module M.\nDefinition Stmt := forall X : Type, exists Y : Type, X = Y.\nEnd M.\n"
    "Lemma coerce : M.Stmt -> Stmt.\nAdmitted.\nCoercion coerce : M.Stmt >-> Stmt.\nImport M.\n"
)


def test_a_copy_that_meets_the_theorem_through_a_coercion_is_refused(tmp_path: Path) -> None:
    """The meeting definition must print as exactly `@eq _ T copy` (Printing All); with the
    file's coercion inserted it does not, and the proof is refused (the control passes)."""
    message = _refused_by_the_names_check(tmp_path, COERCED, PROOF)
    assert "(coerce ProverCopy" in message, message


#: Round 54: the file's own `Axiom classic` (T's type), reached at the file's end by a hint
#: of higher priority: Print Assumptions showed `classic`, read as the allowed axiom.
NAMESAKE = (
    "Require Import Coq.Logic.Hurkens.\n"
    "#[export] Hint Extern 1 (ex _) => (eexists; reflexivity) : core.\n"
    "Theorem T : forall X : Type, exists Y : Type, X = Y.\nAdmitted.\n"
    "Lemma refute_T : False.\nProof.\n  destruct (T Type) as [Y e].\n"
    "  exact (TypeNeqSmallType.paradox Y e).\nQed.\n"
    "Axiom classic : ltac:(let t := type of T in exact t).\n"
    "#[export] Hint Extern 0 (ex _) => (exact (classic _)) : core.\n"
)


def test_a_file_axiom_named_like_an_allowed_one_is_refused(tmp_path: Path) -> None:
    """The copy proved from the file's `classic` printed as an allowed axiom; the file may
    hold no object with an allowed axiom's short name (the control passes)."""
    message = _refused_by_the_names_check(tmp_path, NAMESAKE, ["intuition."])
    assert "its own object with an allowed axiom's name (classic)" in message


def _late_axiom_file(library: str) -> str:
    """A file whose header tactic, redefined after the theorem, proves the copy with the
    `constructive_indefinite_description` of ``library``, required only after the theorem."""
    return (
        "Ltac solve_it := exact I.\nTheorem T : True.\nAdmitted.\n"
        f"Require Import Coq.Logic.{library}.\n"
        "Ltac solve_it ::= exact (let _ := constructive_indefinite_description in I).\n"
    )


def test_an_axiom_printed_by_an_allowed_ones_short_name_is_refused(tmp_path: Path) -> None:
    """Round 55's note: Print Assumptions prints `IndefiniteDescription`'s axiom (not allowed)
    by the short name of `ClassicalEpsilon`'s (allowed); what the short name reaches at the
    file's end is read from Locate, and the copy is refused (the control passes)."""
    message = _refused_by_the_names_check(
        tmp_path, _late_axiom_file("IndefiniteDescription"), ["solve_it."]
    )
    assert "names another object than the allowed axiom" in message, message


def test_the_allowed_axiom_of_that_short_name_still_verifies(tmp_path: Path) -> None:
    """The same file with `ClassicalEpsilon`'s axiom, the allowed one: the proof verifies."""
    source = _late_axiom_file("ClassicalEpsilon")
    compile_alone(tmp_path, "E.v", source)
    theorem = coq_declaration_from_source(source, "T", origin=str(tmp_path / "E.v"))
    verified = verify_proof(theorem, ["solve_it."], timeout_s=120)
    assert verified.ok and verified.checks[-1] == "names", verified.message


def test_a_section_theorem_reads_the_sections_own_notations_and_definitions(
    tmp_path: Path,
) -> None:
    """The copy's module replays the section, so a proof that uses the section's local
    notation and definition (gone at the file's end) verifies; the file's own proof uses a
    hypothesis the statement does not need (`Proof using Hn`), which the copy takes too."""
    source = (
        "Section S.\nVariable n : nat.\nHypothesis Hn : n = 2.\nDefinition double := n + n.\n"
        'Local Notation "[| x |]" := (x + 0).\n'
        "Theorem t : [| double |] = n + n.\nProof using Hn. Admitted.\nEnd S.\n"
        "Definition two := 7.\nModule N.\nDefinition double := 7.\nEnd N.\nImport N.\n"
    )
    compile_alone(tmp_path, "D.v", source)
    theorem = coq_declaration_from_source(source, "t", origin=str(tmp_path / "D.v"))
    assert not theorem.whole_context
    tactics = ["change ([| double |] = double).", "rewrite <- plus_n_O.", "reflexivity."]
    verified = verify_proof(theorem, tactics, timeout_s=120)
    assert verified.ok and verified.checks[-1] == "names", verified.message


def test_a_section_theorem_about_the_sections_own_inductive_verifies(tmp_path: Path) -> None:
    """The replayed section declares its inductive anew, which does not meet the theorem's;
    the second way (the copy with the theorem's own type, the variables introduced by
    name) verifies the proof."""
    source = (
        "Section S.\nVariable A : Type.\nInductive In (x : A) : list A -> Prop :=\n"
        "| here l : In x (cons x l).\n"
        "Theorem t (x : A) (l : list A) : In x (cons x l).\nAdmitted.\nEnd S.\n"
    )
    compile_alone(tmp_path, "I.v", source)
    theorem = coq_declaration_from_source(source, "t", origin=str(tmp_path / "I.v"))
    verified = verify_proof(theorem, ["apply here."], timeout_s=120)
    assert verified.ok and verified.checks[-1] == "names", verified.message


#: The known gap of round 52 for functors, reproduced by the lead (2026-12-05): the body's
#: `T` admitted, a second functor applies the first and refutes `T` with the branching
#: refutation. With the proof in place of the file's own (the check until then) the file
#: compiled and `T` was recorded proved.
FUNCTOR_BRANCHING = (
    "Require Import Coq.Logic.Hurkens.\n"
    "Module Type S. End S.\n"
    "Module F (X : S).\n"
    "Theorem T : forall X : Type, exists Y : Type, X = Y.\nAdmitted.\nEnd F.\n"
    "Module G (Y : S).\nModule A := F Y.\n"
    "Definition refute_T :=\n  ltac:(first [ exact (match A.T Type with ex_intro _ Y e => "
    "TypeNeqSmallType.paradox Y e end) | exact I ]).\n"
    "Print refute_T.\nEnd G.\n"
)


def test_a_functor_theorem_whose_file_branches_on_the_constraints_is_refused(
    tmp_path: Path,
) -> None:
    """The copy is proved at the file's end in an instance of the functor, whose theorem
    shares the body's universe levels and every constraint the file put on them: refused."""
    message = _refused_by_the_names_check(tmp_path, FUNCTOR_BRANCHING, PROOF)
    assert "universe inconsistency" in message, message


@pytest.mark.parametrize(
    ("source", "tactics"),
    [
        # Dependent parameters (one imported), a module and a section inside the functor, and
        # a top-level `t` the file declares after it.
        (
            "Require Import Arith Lia.\n"
            "Module Type S. Parameter t : nat. Axiom t_pos : 0 < t. End S.\n"
            "Module Type S2 (X : S). Parameter u : nat. Axiom u_big : X.t < u. End S2.\n"
            "Module M.\nModule F (Import X : S) (Y : S2 X).\nModule Inner.\nSection Sec.\n"
            "Variable k : nat.\nLemma T (m : nat) : 0 < k + m + Y.u.\n"
            "Proof. pose proof Y.u_big. lia. Qed.\nEnd Sec.\nEnd Inner.\nEnd F.\nEnd M.\n"
            "Definition t := 5.\n",
            ["pose proof Y.u_big.", "lia."],
        ),
        # The proof uses the body's own tactic and a module the body imports: replayed at
        # the file's end, where the instance alone does not give them.
        (
            "Require Import Orders OrdersFacts.\n"
            "Module F (Import E : OrderedType).\nModule Import Facts := OrderedTypeFacts E.\n"
            "Ltac close_it := apply eq_refl.\nLemma T (x : t) : eq x x.\n"
            "Proof. close_it. Qed.\nEnd F.\n",
            ["close_it."],
        ),
        # The body imports its parameter, then declares a name the parameter has: the
        # body's own shadows it, at the file's end too (FSetBridge's `for_all`).
        (
            "Module Type S. Parameter f : nat -> nat. End S.\n"
            "Module F (M : S).\nImport M.\nDefinition f (n : nat) := n.\n"
            "Lemma T : f 2 = 2.\nProof. unfold f. reflexivity. Qed.\nEnd F.\n",
            ["unfold f.", "reflexivity."],
        ),
    ],
)
def test_an_honest_functor_theorem_verifies_on_its_copy(
    source: str, tactics: list[str], tmp_path: Path
) -> None:
    """An honest theorem in a functor: its copy in the instance at the file's end reads the
    parameters, the body's names, tactics and imports as the body does, and verifies."""
    _assert_verified_in_file(tmp_path / "FP.v", source, "T", tactics)


#: Round 68: a theorem inside a sealed module (`: ISIG`) whose signature states it with a
#: cumulative inductive at other universe levels; outside the module it has the signature's
#: weaker type, so the copy at the file's end met that and the file's refutation of the
#: body's own statement went unseen.
SEALED = (
    "Require Import Coq.Logic.Hurkens.\n"
    "Polymorphic Cumulative Inductive Big@{a v w} (A : Type@{a}) : Prop :=\n"
    "  big : forall Y : Type@{v}, @eq Type@{w} A Y -> Big A.\nExisting Class Big.\n"
    "#[global] Hint Extern 1 (Big ?X) => exact (big X X eq_refl) : core.\n"
    "Module Type ISIG.\n#[export] Instance : forall X : Type, Big X.\nAdmitted.\nEnd ISIG.\n"
    "Module Inner : ISIG.\nTheorem Big_instance_0 : forall X : Type, Big X.\nAdmitted.\n"
    "Definition notT :=\n  ltac:(let t := type of Big_instance_0 in first [ exact (fun H : t "
    "=> match H Type with big _ Y e => TypeNeqSmallType.paradox Y e end) | exact I ]).\n"
    "End Inner.\n"
)


@pytest.mark.parametrize("in_functor", [False, True])
def test_a_theorem_inside_a_sealed_module_is_refused(in_functor: bool, tmp_path: Path) -> None:
    """At the top level and inside a functor: the names check refuses a theorem whose
    module is sealed by its signature (the control, without the file, verifies)."""
    source = SEALED
    if in_functor:
        source = source.replace(
            "Module Inner : ISIG.", "Module Type S. End S.\nModule F (X : S).\nModule Inner : ISIG."
        )
        source += "End F.\n"
    compile_alone(tmp_path, "Fu.v", source)
    theorem = coq_declaration_from_source(source, "Big_instance_0", origin=str(tmp_path / "Fu.v"))
    refused = verify_proof(theorem, ["intuition."], timeout_s=120)
    assert not refused.ok and "sealed by its signature" in (refused.message or ""), refused
    assert verify_proof(replace(theorem, file_text=None), ["intuition."], timeout_s=120).ok


#: Round 69: the refutation is universe-polymorphic, so its constraints on `T`'s levels stay
#: local to it and the copy at the file's end, which needs the opposite, was accepted (at the
#: top level, in a functor, and for a section theorem alike).
POLYMORPHIC = {
    "top level": (
        "Theorem T : forall X : Type, exists Y : Type, X = Y.\nAdmitted.\n"
        "Polymorphic Definition notT : False :=\n  match T Type with ex_intro _ Y e => "
        "TypeNeqSmallType.paradox Y e end.\n"
    ),
    "functor": (
        "Module Type S. End S.\nModule F (X : S).\n"
        "Theorem T : forall X : Type, exists Y : Type, X = Y.\nAdmitted.\n"
        "#[universes(polymorphic)] Definition notT : False :=\n  match T Type with "
        "ex_intro _ Y e => TypeNeqSmallType.paradox Y e end.\nEnd F.\n"
    ),
    "section": (
        "Section Sec.\nVariable n : nat.\n"
        "Theorem T : forall X : Type, exists Y : Type, X = Y.\nAdmitted.\nEnd Sec.\n"
        "Set Universe Polymorphism.\nDefinition notT : False :=\n  match T 0 Type with "
        "ex_intro _ Y e => TypeNeqSmallType.paradox Y e end.\n"
    ),
}


@pytest.mark.parametrize("place", sorted(POLYMORPHIC))
def test_a_file_with_universe_polymorphic_objects_is_refused(place: str, tmp_path: Path) -> None:
    """Any word of universe polymorphism in the file's code refuses the whole-file checks,
    naming it (the control, without the file, verifies)."""
    source = "Require Import Coq.Logic.Hurkens.\n" + POLYMORPHIC[place]
    message = _refused_by_the_names_check(tmp_path, source, PROOF)
    assert "universe-polymorphic" in message, message


#: Round 71: the functor's parameter type holds a term (`with Definition t := ltac:(...)`)
#: that, elaborated again where the check wrote it after the functor, added a universe
#: constraint the user's file never has; the rest of the file then took its `exact I` branch
#: and the copy at the end was accepted, while plain coqc refutes `T` in `G`.
REREAD_PARAMETER = (
    "Require Import Coq.Logic.Hurkens.\nUniverses a b x y.\n"
    "Module Type S. Parameter t : nat. End S.\n"
    "Module F (X : S with Definition t := ltac:(tryif (tryif (let _ := constr:(fun (Z : "
    "Type@{y}) => (Z : Type@{x})) in idtac) then fail else idtac) then (let _ := constr:(fun "
    "(Z : Type@{a}) => (Z : Type@{b})) in exact 0) else exact 0)).\n"
    "Definition k := (Type@{x} : Type@{y}).\n"
    "Theorem T : forall X : Type@{a}, exists Y : Type@{b}, X = Y.\nAdmitted.\nEnd F.\n"
    "Module M. Definition t := 0. End M.\nModule Type S0. End S0.\nModule G (Y : S0).\n"
    "Module A := F M.\nDefinition refute_T :=\n  ltac:(first [ exact (match A.T Type with "
    "ex_intro _ Y e => TypeNeqSmallType.paradox Y e end) | exact I ]).\nPrint refute_T.\nEnd G.\n"
)


def test_a_functor_whose_parameter_type_holds_a_term_is_refused(tmp_path: Path) -> None:
    """The parameter types are written again only when they are plain module-type paths:
    this one is refused, naming it (the control, without the file, verifies)."""
    message = _refused_by_the_names_check(tmp_path, REREAD_PARAMETER, PROOF)
    assert "not a plain module type" in message, message


#: Round 72: a `Require` inside the functor's body made the parameter type's path name the
#: standard library's `Equalities.Typ` after the functor's `End`, where the check wrote the
#: parameters' module type; the instance's `T` then had a weaker universe than the body's.
REQUIRED_IN_BODY = (
    "Require Coq.Logic.Hurkens.\n"
    "#[global] Hint Extern 1 (ex _) => eexists; reflexivity : core.\n"
    "Module Equalities.\nModule Type Typ.\nParameter t : Type.\nEnd Typ.\nEnd Equalities.\n"
    "Module F (X : Equalities.Typ).\nRequire Coq.Structures.Equalities.\n"
    "Theorem T : exists Y : Type, X.t = Y.\nAdmitted.\nEnd F.\n"
    "Module Type Nothing. End Nothing.\nModule G (Z : Nothing).\n"
    "Module Bad. Definition t := Type. End Bad.\nModule FB := F Bad.\n"
    "Lemma bad : False.\nProof.\ndestruct FB.T as [Y e].\n"
    "exact (Hurkens.TypeNeqSmallType.paradox Y e).\nQed.\nEnd G.\n"
)


def test_the_parameters_are_read_where_the_functor_opens(tmp_path: Path) -> None:
    """The parameters' module type is written right before the functor's opening, where its
    path reads as the functor's: the copy meets the file's constraints and is refused after
    admission, coqc and coqchk passed."""
    compile_alone(tmp_path, "Fu.v", REQUIRED_IN_BODY)
    theorem = coq_declaration_from_source(REQUIRED_IN_BODY, "T", origin=str(tmp_path / "Fu.v"))
    refused = verify_proof(theorem, ["intuition."], timeout_s=120)
    assert not refused.ok and refused.checks == ("admission", "coqc", "coqchk"), refused
    assert "does not take the prover's proof of 'T'" in (refused.message or "")


#: Round 73: the parameters' module type declared `Import X` as the binder writes it; there
#: the import made the next parameter's `T` read as `X.T` (an axiom `ax : False`), which a
#: functor's binders never do, and the replayed hint's `ax` proved the copy by `exfalso`.
IMPORTED_BINDER = (
    "Require Coq.Logic.Hurkens.\nModule Type T. End T.\n"
    "Module Type S. Module Type T. Axiom ax : False. End T. End S.\nDefinition ax := I.\n"
    "Module F (Import X : S) (Import Y : T).\n"
    "#[export] Hint Extern 0 => first [ (exfalso; apply ax) | (econstructor; reflexivity) ] "
    ": core.\nTheorem Thm : forall A : Type, exists B : Type, A = B.\nAdmitted.\nEnd F.\n"
    "Module XS. Module Type T. Axiom ax : False. End T. End XS.\nModule YE. End YE.\n"
    "Module G (Z : T).\nModule Inst := F XS YE.\nDefinition boom : False := match Inst.Thm "
    "Type with ex_intro _ B e => Coq.Logic.Hurkens.TypeNeqSmallType.paradox B e end.\nEnd G.\n"
)


def test_the_parameters_are_declared_as_the_binders_read_them(tmp_path: Path) -> None:
    """Declared without the binders' `Import`, the arguments have the functor's own types: the
    copy meets the file's constraints and is refused after admission, coqc and coqchk."""
    compile_alone(tmp_path, "Fu.v", IMPORTED_BINDER)
    theorem = coq_declaration_from_source(IMPORTED_BINDER, "Thm", origin=str(tmp_path / "Fu.v"))
    refused = verify_proof(theorem, ["intuition."], timeout_s=120)
    assert not refused.ok and refused.checks == ("admission", "coqc", "coqchk"), refused
