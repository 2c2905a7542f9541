"""`/search` learns online (knn): the header's proofs before the search, found proofs after it."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from models.registry import GeneratorConfig
from models.retrieval.settings import KnnTrainingConfig
from models.retrieval.training import train_knn
from prover.backends.factory import BackendConfig
from prover.interactive.service import AssistService
from prover.interactive.service_values import SearchQuery
from prover.interactive.serving import ServeConfig, build_service

pytestmark = [
    pytest.mark.coq,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("coqtop") is None, reason="coqtop not installed"),
]

FIXTURE_TRACE = Path(__file__).resolve().parents[2] / "fixtures" / "knn_trace"
HEADER = """Require Import Arith Lia.
Definition ev (n : nat) : Prop := exists k, n = 2 * k.
Lemma ev_0 : ev 0.
Proof.
exists 0.
reflexivity.
Qed.
Lemma ev_SS : forall n : nat, ev n -> ev (S (S n)).
Proof.
intros n [k Hk].
exists (S k).
lia.
Qed.
Lemma ev_4 : ev 4.
Proof.
apply ev_SS.
apply ev_SS.
apply ev_0.
Qed.
"""


def _service(tmp_path: Path) -> AssistService:
    model = tmp_path / "knn"
    train_knn(KnnTrainingConfig(data=FIXTURE_TRACE, output=model))
    config = ServeConfig(
        language="coq",
        backend=BackendConfig(name="coq"),
        generator=GeneratorConfig(name="knn", model=str(model)),
    )
    return build_service(config)


def test_search_learns_the_request_headers_proofs(tmp_path: Path) -> None:
    """ev_8 needs ev_4's tactics, which only the request's header holds: proved and verified;
    the same search without header learning finds nothing."""
    service = _service(tmp_path)
    query = SearchQuery(header=HEADER, statement="Lemma ev_8 : ev 8.", time_limit_s=30)
    try:
        assert service.learn_header is not None
        without = replace(service, learn_header=None).search(query)
        assert without.status == "failed"
        learned = service.search(query)
        assert learned.status == "proved" and learned.verified
        assert learned.proof is not None and learned.proof[-1].rstrip(".") == "apply ev_0"
    finally:
        service.close()
