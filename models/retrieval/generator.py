"""The ``knn`` tactic generator: Tactician-style retrieval that also learns during a run.

:class:`KnnGenerator` implements :class:`~search.protocols.TacticGenerator` (batch-first)
and :class:`~search.protocols.OnlineLearner`: :meth:`KnnGenerator.learn` adds the steps of
proofs the prover may now use (a file's header proofs, the run's earlier proofs) to an
in-memory overlay that every later query searches together with the saved index.

Scores are calibrated log hit rates (:mod:`models.retrieval.calibration`), on the same
log-probability-like scale as the portfolio's priors, so unions merge sensibly. Candidate
tactics carry no final period, like the portfolio's, so a tactic both propose is merged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from models.evaluation_metrics import normalize_tactic
from models.retrieval.adaptation import tactic_holes
from models.retrieval.features import hashed_features
from models.retrieval.model import KnnModel
from models.retrieval.overlay import OverlayRows
from models.retrieval.retriever import Retriever
from models.retrieval.state_text import first_goal_text
from search.protocols import GenerationRequest, ProofStep
from search.states import Candidate

__all__ = ["KnnGenerator"]

logger = logging.getLogger(__name__)

# Never proposed: tactics that give up on the proof (the backend rejects them anyway), and
# fix/cofix, whose guard condition Coq checks only at Qed: inside the search a recursive
# call "proves" the goal and the run ends with a proof the verifier then refuses.
_FORBIDDEN = re.compile(r"\b(Admitted|admit|Abort|give_up|fix|cofix)\b")


class KnnGenerator:
    """Retrieval generator over a knn model directory plus what it learns online."""

    def __init__(self, model: KnnModel) -> None:
        self.model = model
        self.overlay = OverlayRows()
        self.retriever = Retriever(model, self.overlay)

    @classmethod
    def from_directory(cls, directory: Path, *, neighbours: int | None = None) -> KnnGenerator:
        """Load the model written by ``prover train-generator --kind knn``.

        ``neighbours`` overrides the model's rows-per-state setting.
        """
        model = KnnModel.load(directory)
        if neighbours is not None:
            model = replace(model, settings=replace(model.settings, neighbours=neighbours))
        return cls(model)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        """For each request, calibrated candidates, best first, at most ``num_candidates``."""
        return [self._candidates(request) for request in requests]

    def _candidates(self, request: GenerationRequest) -> list[Candidate]:
        if request.num_candidates <= 0:
            return []
        ranked = self.retriever.ranked_tactics(
            request.state.text, limit=request.num_candidates, exclude_theorem=request.theorem.name
        )
        calibration = self.model.calibration
        scored: list[Candidate] = []
        for rank, tactic in enumerate(ranked, start=1):
            if _FORBIDDEN.search(tactic.tactic):
                continue
            score = calibration.score(rank, tactic.ratio)
            scored.append(Candidate(tactic=tactic.tactic, score=score))
        scored.sort(key=lambda c: -c.score)
        return scored[: request.num_candidates]

    def learn(self, steps: Sequence[ProofStep]) -> None:
        """Add ``steps`` (verified proof steps) to the rows every later query searches."""
        added = 0
        for step in steps:
            tactic = normalize_tactic(step.tactic)
            if not tactic or not step.state.strip():
                continue
            added += self.overlay.add(
                hashed_features(step.state),
                tactic=tactic,
                state=step.state,
                theorem=step.theorem,
                holes=tactic_holes(tactic, first_goal_text(step.state)),
            )
        logger.debug("knn learned %d new steps (%d learned in all)", added, len(self.overlay))
