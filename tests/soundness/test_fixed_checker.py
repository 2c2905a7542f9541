"""The default kernel checker carries the fixes for coq/coq#22378 and #21051 (rounds 24-28).

Stock Coq 8.16.1 (coqc and coqchk alike) misreads the relevance of variables under a
``match`` on a constructor whose context holds let-ins (#22378), and gives a functor's
constants wrong canonical names when a module holding it is included or aliased (#21051);
both accept ``0 = 1``. The text rules and the term reading keep such proofs out of requests
and generator tactics; the checker itself, ``coqchk-fixed`` (``scripts/build_coqchk.sh``),
refuses them on every route, trusted ``--file`` headers included.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq import term_reading
from prover.backends.coq.config import FIXED_COQCHK, CoqConfig
from prover.backends.coq.verify import verify_proof
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS, assert_coqc_and_coqchk_accept
from tests.soundness.test_inductive_let_ins import SPROP_LET_INS
from tests.soundness.test_library_let_in_types import ONE_TACTIC, REALS

pytestmark = COQ_TOOLS

TRUSTED = Theorem(name="t", header=SPROP_LET_INS, statement="Theorem t : 0 = 1.")
"""Round twenty-four's header as a trusted (``--file``) header: no request rule applies."""


def test_a_trusted_header_proves_zero_eq_one_past_stock_coqc_and_coqchk(tmp_path: Path) -> None:
    """Control: stock coqc and coqchk accept the trusted header's `0 = 1`."""
    assert_coqc_and_coqchk_accept(tmp_path, TRUSTED, ["exact zero_eq_one."])


def test_the_default_checker_refuses_the_trusted_headers_false_proof() -> None:
    """The default coqchk (with the fix) refuses it: the trusted route's residual risk closed."""
    verification = verify_proof(TRUSTED, ["exact zero_eq_one."])
    assert not verification.ok
    assert verification.checks == ("admission", "coqc"), verification.message
    assert verification.message is not None and "coqchk rejected" in verification.message


STRENGTHENING_LAYOUT = (
    Path(__file__).resolve().parents[2] / "scripts" / "coq" / "strengthening.v"
).read_text(encoding="utf-8")
"""coq/coq#21051's module layout, shared with the build script's self-test."""
STRENGTHENING = Theorem(
    name="t",
    header=STRENGTHENING_LAYOUT
    + """Lemma foo : RES.G.bug = RES'.G.bug. Proof. reflexivity. Qed.
Lemma foo0 : RES.G.bug = true. Proof. reflexivity. Qed.
Lemma foo1 : RES'.G.bug = false. Proof. reflexivity. Qed.
""",
    statement="Theorem t : 0 = 1.",
)
"""Round twenty-seven: coq/coq#21051's reproducer as a trusted (``--file``) header."""
STRENGTHENING_TACTICS = (
    "pose proof (eq_trans (eq_sym foo0) (eq_trans foo foo1)) as H.",
    "discriminate H.",
)


def test_a_strengthening_header_proves_zero_eq_one_past_stock_coqc_and_coqchk(
    tmp_path: Path,
) -> None:
    """Control: stock coqc and coqchk accept the #21051 header's `0 = 1`."""
    assert_coqc_and_coqchk_accept(tmp_path, STRENGTHENING, STRENGTHENING_TACTICS)


def test_the_default_checker_refuses_the_strengthening_headers_false_proof() -> None:
    """The default coqchk refuses it: a canonical name that nothing declares."""
    verification = verify_proof(STRENGTHENING, list(STRENGTHENING_TACTICS))
    assert not verification.ok
    assert verification.checks == ("admission", "coqc"), verification.message
    assert verification.message is not None and "coqchk rejected" in verification.message


def test_the_default_checker_refuses_the_library_type_proof_without_the_term_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the census-based term rule switched off, the fixed coqchk alone refuses round
    twenty-six's one-tactic `0 = 1` under `Require Import Reals`."""
    monkeypatch.setattr(term_reading, "let_in_type_problem", lambda _text, _what: None)
    verification = verify_proof(REALS, [ONE_TACTIC])
    assert not verification.ok
    assert verification.checks == ("admission", "coqc"), verification.message


def test_the_backends_default_checker_is_the_fixed_one() -> None:
    """The Coq backend's configuration verifies with the fixed checker unless told otherwise."""
    assert CoqConfig().coqchk_path == FIXED_COQCHK
    assert verify_proof.__kwdefaults__ is not None
    assert verify_proof.__kwdefaults__["coqchk_path"] == FIXED_COQCHK


WRONG_NAME_IN_AN_INDEX = Theorem(
    name="t",
    header=STRENGTHENING_LAYOUT
    + """Unset Elimination Schemes.
Inductive J1 : (if RES.G.bug then nat else bool) -> Prop := j1 : J1 5.
Inductive D3 : ((if RES'.G.bug then nat else bool) -> Prop) -> Prop := mk3 : D3 J1.
""",
    statement="Theorem t : True.",
)
"""Round twenty-nine: #21051's wrong names in an inductive's index types (no recursor to show
them) let `mk3 : D3 J1` type-check, which only holds if two constants are one."""


def test_a_wrong_name_in_an_index_passes_stock_coqc_and_coqchk(tmp_path: Path) -> None:
    """Control: stock coqc and coqchk accept the ill-typed constructor."""
    assert_coqc_and_coqchk_accept(tmp_path, WRONG_NAME_IN_AN_INDEX, ["exact I."])


def test_the_default_checker_reads_the_names_in_parameters_and_indices() -> None:
    """The default coqchk refuses it: the index type names an undeclared constant."""
    verification = verify_proof(WRONG_NAME_IN_AN_INDEX, ["exact I."])
    assert not verification.ok
    assert verification.checks == ("admission", "coqc"), verification.message


MISMATCHED_UNIFORM_PARAMETERS = Theorem(
    name="t",
    header=(
        Path(__file__).resolve().parents[2] / "scripts" / "coq" / "uniform_parameters.v"
    ).read_text(encoding="utf-8"),
    statement="Theorem t : 1 = 1.",
)
"""Round seventy-six: rocq-prover/rocq#22510's precondition as a trusted (``--file``) header.
``M.box`` has no uniform parameter, ``SIG.box`` one; subtyping does not compare them, so
``Fn``'s nested ``T2``, positive against ``SIG.box``, is built on ``M.box``, where it is not.
Later Rocq derives ``False`` from it with propositional extensionality (which the allowed
``Extensionality_Ensembles`` gives); 8.16.1's guard checker refuses that exploit's
fixpoint, but coqc and the stock coqchk accept the sealed application."""


def test_a_mismatched_uniform_parameter_passes_stock_coqc_and_coqchk(tmp_path: Path) -> None:
    """Control: stock coqc and coqchk accept the module whose uniform parameters differ."""
    assert_coqc_and_coqchk_accept(tmp_path, MISMATCHED_UNIFORM_PARAMETERS, ["reflexivity."])


def test_the_default_checker_compares_uniform_parameters_in_subtyping() -> None:
    """The default coqchk refuses it, as Rocq's kernel has since rocq-prover/rocq#22494."""
    verification = verify_proof(MISMATCHED_UNIFORM_PARAMETERS, ["reflexivity."])
    assert not verification.ok
    assert verification.checks == ("admission", "coqc"), verification.message
    assert verification.message is not None and "coqchk rejected" in verification.message
