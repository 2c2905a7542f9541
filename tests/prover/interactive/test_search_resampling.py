"""`/search` asks a sampling generator again when the server has resample rounds (real Coq)."""

from __future__ import annotations

import shutil

import pytest

from prover.backends.factory import BackendConfig
from prover.interactive.service_values import SearchLimits, SearchQuery
from prover.interactive.serving import ServeConfig, build_service
from search.testing import SamplingGenerator

pytestmark = [
    pytest.mark.coq,
    pytest.mark.skipif(shutil.which("coqtop") is None, reason="coqtop not installed"),
]


@pytest.mark.parametrize(("rounds", "proved"), [(0, False), (1, True)])
def test_search_resamples_with_the_servers_rounds(rounds: int, proved: bool) -> None:
    """serve --resample-rounds reaches /search: without rounds a failing first draw ends the
    search; with one, the second draw's proof is found and verified."""
    service = build_service(
        ServeConfig(
            language="coq",
            backend=BackendConfig(name="coq", sandbox="off"),
            limits=SearchLimits(resample_rounds=rounds),
        )
    )
    generator = SamplingGenerator(draws={"*": [["exact I."], ["reflexivity."]]})
    service.generator = generator
    try:
        answer = service.search(
            SearchQuery(header="", statement="Lemma one : 1 = 1.", time_limit_s=20)
        )
    finally:
        service.close()
    assert (answer.status == "proved") is proved
    assert answer.verified is proved
    assert sum(generator.asked.values()) == 1 + rounds
