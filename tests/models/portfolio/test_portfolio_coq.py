"""The Coq portfolio in a real search: statements that need one shaping step before arithmetic."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from models.portfolio.generator import PortfolioGenerator
from prover.attempts.run import prove_theorem
from prover.backends.factory import BackendConfig, open_environment
from prover.data.coq816_headers import coq816_header
from search.config import SearchConfig
from search.states import Theorem

pytestmark = [
    pytest.mark.coq,
    pytest.mark.skipif(
        shutil.which("coqtop") is None or shutil.which("coqc") is None,
        reason="coqtop/coqc not installed",
    ),
]

REAL_HEADER = "Require Import Reals.\nOpen Scope R_scope.\n"
#: As miniF2F-Coq's loader maps it for Coquelicot 3.2 (a power on C: prover.data.coq816_headers).
COMPLEX_HEADER = coq816_header(
    "Require Import Reals.\nRequire Import Coquelicot.Coquelicot.\nOpen Scope C_scope.\n"
)

#: Competition algebra in miniF2F-Coq's style (not benchmark entries), each needing one step
#: of the portfolio before arithmetic can close it, and that step's tactic (the last needs csdp).
STATEMENTS: list[Any] = [
    (
        # A quotient is an opaque atom to lra/nra until the denominator is multiplied out.
        Theorem(
            name="quotient_fact",
            header=REAL_HEADER,
            statement=(
                "Theorem quotient_fact : forall x : R, x <> 2 -> (x + 1) / (x - 2) = 3 -> "
                "x = 7 / 2."
            ),
        ),
        "field_simplify_eq in ",
    ),
    (
        # Facts about f say nothing to lra until f's defining equation is rewritten in them.
        Theorem(
            name="defined_function",
            header=REAL_HEADER,
            statement=(
                "Theorem defined_function : forall (a b : R) (f : R -> R), "
                "(forall x, f x = a * x + b) -> f 1 = 3 -> f 2 = 5 -> f 4 = 9."
            ),
        ),
        "rewrite !",
    ),
    (
        # ring has no instance for Coquelicot's C; its two real components have one.
        Theorem(
            name="complex_identity",
            header=COMPLEX_HEADER,
            statement=(
                "Theorem complex_identity (a b : C) : (a + b) ^ 2 = a ^ 2 + 2 * a * b + b ^ 2."
            ),
        ),
        "apply injective_projections",
    ),
    pytest.param(
        # A sum-of-squares inequality nra cannot close: psatz asks csdp for a certificate.
        Theorem(
            name="sum_of_squares",
            header=REAL_HEADER,
            statement=(
                "Theorem sum_of_squares : forall a b : R, a ^ 4 + b ^ 4 >= a ^ 3 * b + a * b ^ 3."
            ),
        ),
        "intros; psatz R 2",
        id="sum_of_squares",
        marks=pytest.mark.skipif(shutil.which("csdp") is None, reason="csdp not installed"),
    ),
]


@pytest.mark.parametrize(
    ("theorem", "step"),
    STATEMENTS,
    ids=["quotient_fact", "defined_function", "complex_identity", "sum_of_squares"],
)
def test_search_takes_the_shaping_step_and_the_proof_verifies(theorem: Theorem, step: str) -> None:
    """The portfolio's search proves the statement through the expected step, and the proof
    passes coqc and coqchk."""
    generator = PortfolioGenerator(language="coq")
    config = SearchConfig(time_limit_s=30.0, tactic_timeout_s=5.0)
    with open_environment(BackendConfig(name="coq")) as environment:
        record = prove_theorem(
            theorem, key=theorem.name, environment=environment, generator=generator, config=config
        )
    assert record.status == "proved" and record.verified, record
    assert record.checked_by is not None and "coqchk" in record.checked_by, record
    assert record.proof is not None
    assert any(tactic.startswith(step) for tactic in record.proof), record.proof
