"""The Coq portfolio in a real search: proofs that need the denominators cleared first."""

from __future__ import annotations

import shutil

import pytest

from models.portfolio.generator import PortfolioGenerator
from prover.attempts.run import prove_theorem
from prover.backends.factory import BackendConfig, open_environment
from search.config import SearchConfig
from search.states import Theorem

pytestmark = [
    pytest.mark.coq,
    pytest.mark.skipif(
        shutil.which("coqtop") is None or shutil.which("coqc") is None,
        reason="coqtop/coqc not installed",
    ),
]

#: Competition algebra in miniF2F-Coq's style (not a benchmark entry): the fact is a
#: quotient, so lra and nra see an opaque atom until the denominator is multiplied out.
QUOTIENT = Theorem(
    name="quotient_fact",
    header="Require Import Reals.\nOpen Scope R_scope.\n",
    statement="Theorem quotient_fact : forall x : R, x <> 2 -> (x + 1) / (x - 2) = 3 -> x = 7 / 2.",
)


def test_search_clears_a_denominator_and_the_proof_verifies() -> None:
    """The portfolio's search proves a quotient fact through `field_simplify_eq in H`, and the
    proof passes coqc and coqchk."""
    generator = PortfolioGenerator(language="coq")
    config = SearchConfig(time_limit_s=30.0, tactic_timeout_s=5.0)
    with open_environment(BackendConfig(name="coq")) as environment:
        record = prove_theorem(
            QUOTIENT, key=QUOTIENT.name, environment=environment, generator=generator, config=config
        )
    assert record.status == "proved" and record.verified, record
    assert record.proof is not None
    assert any(step.startswith("field_simplify_eq in ") for step in record.proof), record.proof
