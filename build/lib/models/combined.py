"""Union of the built-in portfolio and a model's candidates (``--generator portfolio+...``).

Both generators see the same batch of requests. Portfolio scores are shifted by
``portfolio_weight`` (added to each portfolio candidate's score) before the two lists are
merged; a tactic proposed by both keeps the higher of its two scores.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from models.language.completions import merge_candidates
from search.errors import ConfigError, GeneratorError
from search.protocols import GenerationRequest, TacticGenerator
from search.states import Candidate

__all__ = ["CombinedGenerator"]


class CombinedGenerator:
    """Merges a portfolio generator's and a model generator's candidates per request."""

    def __init__(
        self,
        *,
        portfolio: TacticGenerator,
        model: TacticGenerator,
        portfolio_weight: float = 0.0,
    ) -> None:
        if isinstance(portfolio_weight, bool) or not math.isfinite(portfolio_weight):
            raise ConfigError(f"portfolio_weight must be a finite number, got {portfolio_weight!r}")
        self.portfolio = portfolio
        self.model = model
        self.portfolio_weight = portfolio_weight

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        """For each request, the deduplicated union of both generators' candidates."""
        from_portfolio = self.portfolio.generate(requests)
        from_model = self.model.generate(requests)
        for name, answer in (("portfolio", from_portfolio), ("model", from_model)):
            if len(answer) != len(requests):
                raise GeneratorError(
                    f"{name} generator returned {len(answer)} lists for {len(requests)} requests"
                )
        return [
            merge_candidates(
                [
                    *(
                        Candidate(tactic=c.tactic, score=c.score + self.portfolio_weight)
                        for c in portfolio_candidates
                    ),
                    *model_candidates,
                ]
            )
            for portfolio_candidates, model_candidates in zip(
                from_portfolio, from_model, strict=True
            )
        ]
