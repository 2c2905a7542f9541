"""What a verified proof reports as its axioms: the kernel checker's list, narrowed to what
the theorem's own `Print Assumptions` names."""

from __future__ import annotations

from prover.backends.coq.assumptions_print import assumed, assumptions_print_problem

LISTED = (
    "Coq.Logic.Classical_Prop.classic",
    "Coq.Logic.FunctionalExtensionality.functional_extensionality_dep",
    "Coq.Reals.ClassicalDedekindReals.sig_forall_dec",
)


def test_a_closed_theorem_assumes_nothing_whatever_the_environment_loads() -> None:
    """`Closed under the global context` (however wrapped): no axiom reported."""
    assert assumed("Closed under the global\n context\n", LISTED) == ()


def test_the_printed_names_select_their_full_names_in_the_checkers_order() -> None:
    """Short and partly qualified names (types on indented lines) select the listed full
    names they end, in the listed order; what is not printed is left out."""
    printed = (
        "Axioms:\nsig_forall_dec\n  : forall P : nat -> Prop, {n | ~ P n} + {forall n, P n}\n"
        "FunctionalExtensionality.functional_extensionality_dep : forall A B f g, f = g\n"
    )
    assert assumed(printed, LISTED) == LISTED[1:]


def test_without_a_print_every_listed_axiom_is_reported() -> None:
    """No print read (none written): the whole list, as before the narrowing."""
    assert assumed(None, LISTED) == LISTED


def test_a_name_of_the_files_own_library_never_counts_as_an_allowed_tail() -> None:
    """Round 123: in `Sets.v`, `Sets.Ensembles.Extensionality_Ensembles` is the tail of the
    allowed `Coq.Sets.Ensembles.Extensionality_Ensembles` but names the file's own object;
    printed so it refuses, and the stdlib's axiom printed short still counts."""
    listed = ("Coq.Sets.Ensembles.Extensionality_Ensembles",)
    own = "Axioms:\nSets.Ensembles.Extensionality_Ensembles : False\n"
    problem = assumptions_print_problem(own, listed, library="Sets")
    assert problem is not None and "the file's own library" in problem
    short = "Axioms:\nEnsembles.Extensionality_Ensembles : False\n"
    assert assumptions_print_problem(short, listed, library="Sets") is None
    assert assumptions_print_problem(own, listed, library="ProverCheck.Checked") is None
