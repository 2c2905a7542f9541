"""LeanProgress's node priority: C(s) = α·N(s) + (1 − α)·P(s).

P(s) is the path score the engine passes in (the sum over the path of each tactic's
score: average token log-probability for model generators, the family log-prior for the
portfolio). N(s) = −2·n̂/N_max with n̂ the predicted remaining steps, clipped to
[0, N_max] so that N lies in [−2, 0]; N_max is the largest label seen in training (from
the model's manifest) unless ``--progress-n-max`` sets it — the paper leaves N_max open,
this is our choice. α = 0
is plain best-first search on P. Predictions are made once per expansion batch and
cached per (input format, state, proof so far when the format uses it). In a real file
the scorer takes the lengths of the proofs above the theorem
(:meth:`ProgressScorer.set_file_context`) for a predictor that uses them.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence

from models.progress.file_context import context_user
from models.progress.protocol import ProgressPredictor
from search.errors import ConfigError
from search.protocols import NodeScore, ScoreRequest
from search.validation import require_probability

__all__ = ["DEFAULT_ALPHA", "ProgressScorer", "progress_priority"]

DEFAULT_ALPHA = 0.2
"""LeanProgress's best α on Mathlib4-test (45.2 % vs 41.4 % at α = 0)."""


def progress_priority(
    *, path_score: float, remaining_steps: float, n_max: float, alpha: float
) -> float:
    """α·N + (1 − α)·P with N = −2·min(max(n̂, 0), N_max)/N_max (our clipping)."""
    clipped = min(max(remaining_steps, 0.0), n_max)
    progress = -2.0 * clipped / n_max
    return alpha * progress + (1.0 - alpha) * path_score


class ProgressScorer:
    """A :class:`~search.protocols.NodeScorer` mixing log-probabilities with predicted progress.

    ``alternate`` also queues each node by its path score alone (``second_priority``),
    so that the frontier takes turns between this order and the generator's
    (``--frontier alternating``): predictions that keep failing on a theorem then slow
    the generator's own order about twofold, instead of burying it.
    ``cache_size`` bounds the per-state prediction cache (oldest entries are evicted).
    ``calls`` and ``cache_hits`` count predictor calls and cached answers.
    """

    def __init__(
        self,
        predictor: ProgressPredictor,
        *,
        alpha: float = DEFAULT_ALPHA,
        n_max: float | None = None,
        alternate: bool = False,
        cache_size: int = 100_000,
    ) -> None:
        require_probability("alpha", alpha)
        self.predictor = predictor
        self.alpha = alpha
        self.alternate = alternate
        self.n_max = float(n_max if n_max is not None else predictor.n_max)
        if not self.n_max > 0:
            raise ConfigError(f"n_max must be positive, got {self.n_max!r}")
        if cache_size < 1:
            raise ConfigError(f"cache_size must be a positive integer, got {cache_size!r}")
        self.cache_size = cache_size
        self._cache: OrderedDict[str, float] = OrderedDict()
        self._file_context: tuple[int, ...] = ()
        self.calls = 0
        self.cache_hits = 0

    @property
    def uses_file_context(self) -> bool:
        """Whether the predictor's answers depend on the proofs above the theorem."""
        return context_user(self.predictor) is not None

    def set_file_context(self, proof_lengths: Sequence[int]) -> None:
        """Hand the proofs above the next theorem to the predictor, if it uses them.

        A new context changes predictions, so the cache is emptied when it changes.
        """
        contextual = context_user(self.predictor)
        if contextual is None:
            return
        context = tuple(proof_lengths)
        if context != self._file_context:
            self._file_context = context
            self._cache.clear()
        contextual.set_file_context(context)

    def cache_key(self, request: ScoreRequest) -> str:
        """sha256 of the input format, the state text and (if used) the proof so far."""
        parts = [self.predictor.input_format, request.state.text]
        if self.predictor.input_format != "state":
            parts.extend(request.proof_so_far)
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()

    def score(self, requests: Sequence[ScoreRequest]) -> list[NodeScore]:
        """Scores for one expansion's new children, predicting all uncached ones in one call."""
        keys = [self.cache_key(request) for request in requests]
        missing: dict[str, ScoreRequest] = {}
        for key, request in zip(keys, requests, strict=True):
            if key in self._cache:
                self.cache_hits += 1
                self._cache.move_to_end(key)
            else:
                missing.setdefault(key, request)
        if missing:
            self._predict(missing)
        scores = []
        for key, request in zip(keys, requests, strict=True):
            steps = self._cache[key]
            priority = progress_priority(
                path_score=request.path_score,
                remaining_steps=steps,
                n_max=self.n_max,
                alpha=self.alpha,
            )
            second = request.path_score if self.alternate else None
            scores.append(
                NodeScore(priority=priority, remaining_steps=steps, second_priority=second)
            )
        return scores

    def _predict(self, missing: dict[str, ScoreRequest]) -> None:
        self.calls += 1
        requests = list(missing.values())
        predictions = self.predictor.predict_remaining_steps(
            [r.state.text for r in requests], [r.proof_so_far for r in requests]
        )
        if len(predictions) != len(requests):
            raise ValueError(f"predictor returned {len(predictions)} values for {len(requests)}")
        for key, value in zip(missing, predictions, strict=True):
            self._cache[key] = float(value)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
