"""Tests of the backend factory's Coq defaults against real Coq."""

from __future__ import annotations

import shutil

import pytest

from prover.backends.factory import BackendConfig, open_environment
from search.outcomes import ProofComplete, TacticError
from search.states import Theorem

pytestmark = [
    pytest.mark.coq,
    pytest.mark.skipif(
        shutil.which("coqtop") is None or shutil.which("coqc") is None,
        reason="coqtop/coqc not installed",
    ),
]

#: A miniF2F-Coq-style statement about nat's modulo, under its usual one-line header.
MODULO = Theorem(
    name="mod_five",
    header="Require Import Nat.\n",
    statement="Theorem mod_five : forall n : nat, n mod 5 = 3 -> (2 * n) mod 5 = 1.",
)


def test_the_default_prelude_lets_lia_use_nat_modulo_and_the_proof_verifies() -> None:
    """With the default prelude (ZifyNat) `intros; lia` proves a nat modulo goal and the
    whole file passes coqc and coqchk; with the old prelude lia finds no witness."""
    with open_environment(BackendConfig(name="coq")) as environment:
        root = environment.open(MODULO)
        assert isinstance(environment.run_tactic(root, "intros; lia", timeout_s=10), ProofComplete)
        verification = environment.verify(MODULO, ["intros; lia."])
        assert verification.ok and "coqchk" in verification.checks, verification
    old = BackendConfig(name="coq", coq_prelude="Require Import Lia Lra Psatz.")
    with open_environment(old) as environment:
        root = environment.open(MODULO)
        outcome = environment.run_tactic(root, "intros; lia", timeout_s=10)
        assert isinstance(outcome, TacticError) and "witness" in outcome.message
