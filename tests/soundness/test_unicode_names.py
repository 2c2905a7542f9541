"""A name Coq and the checks read differently: a header lemma hidden behind another's print.

Found by a red-team probe (2026-12-04): Coq reads ``bad`` + U+1DC0 (a combining mark) as
one identifier, Python's ``\\w`` stops before the mark. A ``/search`` header with
``Definition bad := I.`` and ``Lemma bad᷀ : 1 = 2`` proved by the rebuilt-fixpoint tactics
had ``Print bad`` (the harmless definition) inserted after the lemma, so the lemma's term
was never read, and ``Theorem t : 1 = 2`` by ``exact bad᷀.`` passed coqc and coqchk. Now
request text may hold only characters on which the two agree
(:mod:`prover.backends.coq.characters`), and a header naming one declaration twice is
refused; each defence stops the probe alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq.admission import check_coq_tactic
from prover.backends.coq.kernel_bugs import recursive_statement
from prover.backends.coq.verify import verify_proof
from prover.interactive.headers import HeaderRefused, inspected_coq_header
from prover.interactive.statements import request_theorem
from search.outcomes import TacticError
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS, assert_coqc_and_coqchk_accept, is_coq_816
from tests.soundness.test_rebuilt_fixpoints import EXPLOIT

pytestmark = COQ_TOOLS

HIDDEN = "bad\u1dc0"
HEADER = (
    "Require Import Lia.\nDefinition bad := I.\n"
    f"Lemma {HIDDEN} : 1 = 2.\nProof.\n" + "\n".join(EXPLOIT) + "\nQed.\n"
)


def test_the_hidden_lemma_proves_false_past_coqc_and_coqchk(tmp_path: Path) -> None:
    """Control: as a trusted header, coqc and coqchk accept `1 = 2` by `exact bad᷀.`."""
    if not is_coq_816():
        pytest.skip("the guard checker bug is known on Coq 8.16; this Coq may have it fixed")
    theorem = Theorem(name="t", header=HEADER, statement="Theorem t : 1 = 2.")
    assert_coqc_and_coqchk_accept(tmp_path, theorem, [f"exact {HIDDEN}."])


def test_a_request_with_the_combining_mark_is_refused_naming_it() -> None:
    """The request never reaches Coq: the header holds U+1DC0, named with its line."""
    with pytest.raises(HeaderRefused, match=r"U\+1DC0 \(COMBINING DOTTED GRAVE ACCENT\) on line 3"):
        request_theorem(language="coq", header=HEADER, statement="Theorem t : 1 = 2.", name=None)


def test_two_declarations_read_as_one_name_are_refused() -> None:
    """Second line of defence: the inspection refuses a name it would print twice."""
    with pytest.raises(HeaderRefused, match="'bad' is declared twice"):
        inspected_coq_header(HEADER)


def test_a_generated_tactic_with_the_mark_is_refused() -> None:
    """Admission refuses `exact bad᷀.` (a name the checks cannot read) before Coq."""
    checked = check_coq_tactic(f"exact {HIDDEN}.")
    assert isinstance(checked, TacticError) and "U+1DC0" in checked.message


def test_a_superscript_no_longer_hides_a_mutual_with() -> None:
    """`n ²with`: the request text is spaced as Coq reads it, so the `with` is seen."""
    header = (
        'Notation "x ²" := (x * x) (at level 1).\n'
        "Lemma a : forall n : nat, n ² = n ²with b : forall n : nat, n ² = n ².\n"
        "Proof.\nintros n; reflexivity.\nintros n; reflexivity.\nQed.\n"
    )
    with pytest.raises(HeaderRefused, match="mutual proof"):
        request_theorem(language="coq", header=header, statement="Theorem t : True.", name=None)
    assert recursive_statement("Theorem a : 2 ² = 2 ² with b : True.") is not None


def test_superscripts_in_a_statement_and_a_tactic_still_work() -> None:
    """`a²` (Rsqr) stays usable: spaced in the theorem sent to Coq and in the tactic."""
    theorem = request_theorem(
        language="coq",
        header="Require Import Reals.\nOpen Scope R_scope.\n",
        statement="Theorem sq (a : R) : 0 <= a².",
        name=None,
    )
    assert theorem.statement == "Theorem sq (a : R) : 0 <= a ².", theorem.statement
    assert check_coq_tactic("apply (Rle_0_sqr a²).") == "apply (Rle_0_sqr a ²)."
    assert verify_proof(theorem, ["apply Rle_0_sqr."], timeout_s=120).ok


def test_a_notation_token_with_a_dot_is_refused() -> None:
    """`+.` would end no sentence for Coq where the checks end one (a fourth probe)."""
    header = 'Notation "x +. y" := (fun y : nat => x) (at level 8, y name).\n'
    with pytest.raises(HeaderRefused, match=r"holds a bracket, a '\.'"):
        request_theorem(language="coq", header=header, statement="Theorem t : True.", name=None)


#: The fourth probe's header: `+.` and `-.` tokens make Coq see other sentence ends.
DOT_HEADER = (
    "Require Import Lia.\n"
    'Notation "x +. y" := (fun y : nat => x) (at level 8, y name).\n'
    'Notation "x -. a b +. c" := (fun (a : nat) (c : nat) => x b)'
    " (at level 8, a name, b at level 0, c name).\n"
    "Lemma plus_n_O : 1 = 2.\n"
    "Proof.\n"
    "try exact I +.\n"  # Python: a tactic; Coq: 'try exact I +. Qed' (Qed is a binder name)
    "Qed.\n"  # Python: end of plus_n_O -> 'Print Term plus_n_O' (the LIBRARY one)
    "Ltac foo := exact I -.\n"  # Python: an Ltac; Coq: absorbs the next two Python sentences
    "Lemma plus_O_n +.\n"  # Python: opens plus_O_n; Coq: binder names inside foo's body
    "Proof.\n"
    + "\n".join(EXPLOIT)  # Python: plus_O_n's tactics; Coq: plus_n_O's proof of 1 = 2
    + "\nQed.\n"  # Python: end of plus_O_n (prints the library's); Coq: defines plus_n_O
    "Lemma helper : 1 = 2.\nProof.\nexact plus_n_O.\nQed.\n"  # for a kNN to learn (server run)
)


def test_a_name_that_already_exists_fails_the_compilation() -> None:
    """With the token rule bypassed, `Fail Check plus_n_O.` before the request's own
    `plus_n_O` (the library's exists) fails coqc: no library print can stand in for it."""
    theorem = Theorem(
        name="t", header=inspected_coq_header(DOT_HEADER), statement="Theorem t : 1 = 2."
    )
    verification = verify_proof(theorem, ["exact plus_n_O."], timeout_s=180)
    assert not verification.ok and verification.checks == ("admission",)
    assert "has not failed" in (verification.message or "")
