"""A theorem inside a `Module Type` of a `--file` is a signature field, never a proof.

Found by a red-team probe (2026-12-03): with ``Module Type T. Axiom ax : False.`` left open
by the header, ``Theorem t : 1 = 2.`` was recorded as proved by ``destruct ax.``: the file
compiles (the module type is closed after ``Qed``) and coqchk lists no axiom, because
``ax`` is a field of the signature. The backend refuses to open such a target and
verification refuses it; sections and functors keep their documented meaning.
"""

from __future__ import annotations

import pytest

from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.backends.coq.sentences import signature_refusal
from prover.backends.coq.verify import verify_proof
from search.errors import StatementError
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS

SIGNATURE = Theorem(
    name="t", header="Module Type T.\nAxiom ax : False.\n", statement="Theorem t : 1 = 2."
)


def test_verification_refuses_a_theorem_inside_a_module_type() -> None:
    """verify_proof refuses before coqc, naming the module type."""
    verification = verify_proof(SIGNATURE, ["destruct ax."], timeout_s=60)
    assert not verification.ok and "coqc" not in verification.checks
    assert "Module Type T" in (verification.message or "")


def test_the_backend_refuses_to_open_a_theorem_inside_a_module_type() -> None:
    """The search never starts on a signature field."""
    with (
        CoqEnvironment(CoqConfig()) as environment,
        pytest.raises(StatementError, match="Module Type T"),
    ):
        environment.open(SIGNATURE)


@pytest.mark.parametrize(
    ("header", "refused"),
    [
        ("Module Type T.\nEnd T.\n", False),
        ("Module M.\n", False),
        ("Section S.\nModule Type T.\n", True),
        ("Module Type T.\nModule Inner.\n", True),
        ("Module F (X : Nat).\n", False),
    ],
)
def test_only_an_open_module_type_refuses(header: str, refused: bool) -> None:
    """A closed module type, a module, a functor or a section refuse nothing; an open type does."""
    assert (signature_refusal(header) is not None) is refused
