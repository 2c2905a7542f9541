"""Backend-neutral pieces of the model-based generators: sampling settings, scoring, merging.

Every backend (OpenAI-compatible HTTP, in-process vLLM, transformers) turns one sampled
completion into a :class:`Sample` (its text, finish reason and per-token log-probabilities)
and hands the samples of one request to :func:`candidates_from_samples`, which cuts each
completion down to one tactic with the prompt template, scores it, merges duplicates and
sorts. Keeping this in one place makes the three backends score identically.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from models.language.prompts import PromptTemplate
from search.errors import ConfigError
from search.protocols import GenerationRequest
from search.states import Candidate, normalize_text
from search.validation import require_non_negative, require_positive, require_probability

__all__ = [
    "SCORE_MODES",
    "Sample",
    "SamplingSettings",
    "candidates_from_samples",
    "combined_seed",
    "merge_candidates",
    "score_tokens",
    "seconds_left",
]

SCORE_MODES = ("mean", "sum")


@dataclass(frozen=True, kw_only=True)
class SamplingSettings:
    """How completions are sampled and scored, shared by every model backend.

    Attributes:
        num_samples: completions per state; ``None`` uses the request's ``num_candidates``.
        temperature: sampling temperature (0 is greedy).
        top_p: nucleus sampling mass.
        max_tokens: completion length cap; tactics are short.
        score: ``"mean"`` (average token log-probability) or ``"sum"`` (total).
    """

    num_samples: int | None = None
    temperature: float = 0.7
    top_p: float = 1.0
    max_tokens: int = 128
    score: str = "mean"

    def __post_init__(self) -> None:
        if self.num_samples is not None and (
            isinstance(self.num_samples, bool) or self.num_samples < 1
        ):
            raise ConfigError(f"num_samples must be a positive integer, got {self.num_samples!r}")
        require_non_negative("temperature", self.temperature)
        require_probability("top_p", self.top_p)
        require_positive("top_p", self.top_p)
        if isinstance(self.max_tokens, bool) or self.max_tokens < 1:
            raise ConfigError(f"max_tokens must be a positive integer, got {self.max_tokens!r}")
        if self.score not in SCORE_MODES:
            raise ConfigError(f"score must be one of {SCORE_MODES}, got {self.score!r}")

    def samples_for(self, num_candidates: int) -> int:
        """Completions to sample for a request asking for ``num_candidates``."""
        return self.num_samples if self.num_samples is not None else max(1, num_candidates)


@dataclass(frozen=True, kw_only=True)
class Sample:
    """One sampled completion: its text, why it stopped, and its tokens' log-probabilities.

    ``token_texts`` may be empty when the backend cannot give per-token text (or may not
    add up to ``text``, e.g. when a character spans tokens); the score then covers every
    token. ``finish_reason`` is ``"stop"`` or ``"length"`` (or ``None``).
    """

    text: str
    finish_reason: str | None
    token_logprobs: tuple[float, ...]
    token_texts: tuple[str, ...] = ()


def score_tokens(logprobs: Sequence[float], mode: str) -> float:
    """Sum or mean of ``logprobs``; an empty sequence scores 0.0."""
    if not logprobs:
        return 0.0
    total = math.fsum(logprobs)
    return total if mode == "sum" else total / len(logprobs)


def _logprobs_of_prefix(sample: Sample, kept_length: int) -> Sequence[float]:
    """Log-probs of the tokens that produced the first ``kept_length`` characters."""
    texts = sample.token_texts
    if len(texts) != len(sample.token_logprobs) or "".join(texts) != sample.text:
        return sample.token_logprobs
    consumed = 0
    for position, token in enumerate(texts):
        if consumed >= kept_length:
            return sample.token_logprobs[:position]
        consumed += len(token)
    return sample.token_logprobs


def candidates_from_samples(
    samples: Iterable[Sample], *, template: PromptTemplate, score: str, limit: int | None = None
) -> list[Candidate]:
    """Cut every sample to one tactic, score it, merge duplicates, sort best first.

    A sample the template rejects (empty, or truncated mid-tactic) is dropped. The score
    covers only the tokens of the kept prefix when token texts are known.
    """
    candidates: list[Candidate] = []
    for sample in samples:
        cut = template.extract(sample.text, finish_reason=sample.finish_reason)
        if cut is None:
            continue
        tactic, kept_length = cut
        logprobs = [v for v in _logprobs_of_prefix(sample, kept_length) if math.isfinite(v)]
        candidates.append(Candidate(tactic=tactic, score=score_tokens(logprobs, score)))
    merged = merge_candidates(candidates)
    return merged if limit is None else merged[:limit]


def merge_candidates(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Deduplicate by whitespace-normalised text keeping the max score; sort best first.

    Ties keep the order of first appearance, so the result is deterministic.
    """
    best: dict[str, Candidate] = {}
    for candidate in candidates:
        key = normalize_text(candidate.tactic)
        if not key:
            continue
        previous = best.get(key)
        if previous is None or candidate.score > previous.score:
            best[key] = Candidate(tactic=key, score=candidate.score)
    return sorted(best.values(), key=lambda c: -c.score)


def combined_seed(seeds: Sequence[int]) -> int:
    """One deterministic 31-bit seed standing for several requests' seeds."""
    if len(set(seeds)) == 1:
        return seeds[0] % (2**31)
    digest = hashlib.sha256(",".join(str(s) for s in seeds).encode("ascii")).digest()
    return int.from_bytes(digest[:4], "big") % (2**31)


def seconds_left(requests: Iterable[GenerationRequest]) -> float | None:
    """Seconds until the earliest deadline of ``requests`` (negative once passed).

    ``None`` when no request has a deadline. Every backend that waits (on a server or a
    local model) bounds its wait by this, so a search's time limit also cuts generation.
    """
    deadlines = [r.deadline for r in requests if r.deadline is not None]
    return min(deadlines) - time.monotonic() if deadlines else None
