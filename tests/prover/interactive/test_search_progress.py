"""`/search` ranks with the server's progress model, under the request header's file context."""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest

from models.progress.config import ScoringConfig
from prover.backends.factory import BackendConfig
from prover.interactive.service_values import SearchQuery
from prover.interactive.serving import ServeConfig, build_service
from tests.progress_doubles import ContextRecordingModel

pytestmark = [
    pytest.mark.coq,
    pytest.mark.skipif(shutil.which("coqtop") is None, reason="coqtop not installed"),
]

#: Two proofs above the theorem: 3 tactics, then 1.
HEADER = """Lemma first_above : True /\\ True.
Proof.
split.
- exact I.
- exact I.
Qed.
Lemma second_above : True.
Proof.
exact I.
Qed.
"""


def test_search_scores_with_the_progress_model_under_the_headers_proofs() -> None:
    """A /search with a header is scored by the progress model under the lengths of the
    header's proofs (replayed in real Coq), one without a header under none; both prove,
    verified, and the shared model is left without a context."""
    model = ContextRecordingModel()
    config = ServeConfig(
        language="coq",
        backend=BackendConfig(name="coq", sandbox="off"),
        scoring=ScoringConfig(alpha=0.5, n_max=10.0),
    )
    service = build_service(config, progress=model)
    statement = "Lemma below : forall n : nat, n + 0 = n."
    try:
        assert service.learn_header is not None and service.learn_header.context
        with_header = service.search(
            SearchQuery(header=HEADER, statement=statement, time_limit_s=30)
        )
        assert with_header.status == "proved" and with_header.verified
        assert model.contexts_seen and set(model.contexts_seen) == {(3, 1)}
        model.contexts_seen.clear()
        bare = service.search(SearchQuery(header="", statement=statement, time_limit_s=30))
        assert bare.status == "proved" and bare.verified
        assert model.contexts_seen and set(model.contexts_seen) == {()}
        assert model.context == ()
    finally:
        service.close()


def test_the_header_replay_counts_in_header_time_and_the_budget() -> None:
    """Replaying the header's proofs is part of header_time_s; a replay longer than the
    time limit ends the search as timed out, before any expansion."""
    from prover.attempts.learning import HeaderLearner

    def slow_tracer(text: str, **options: Any) -> Any:
        time.sleep(0.6)
        return SimpleNamespace(steps=[])

    service = build_service(
        ServeConfig(language="coq", backend=BackendConfig(name="coq", sandbox="off"))
    )
    statement = "Lemma below : forall n : nat, n + 0 = n."
    try:
        slow = replace(
            service, learn_header=HeaderLearner(service.generator, tracer=slow_tracer, context=True)
        )
        answer = slow.search(SearchQuery(header=HEADER, statement=statement, time_limit_s=30))
        assert answer.status == "proved" and answer.header_time_s >= 0.6
        other = "Lemma other_above : True.\nProof.\nexact I.\nQed.\n"
        late = slow.search(SearchQuery(header=other, statement=statement, time_limit_s=0.5))
        assert late.stop_reason == "time_limit" and late.expansions == 0
    finally:
        service.close()
