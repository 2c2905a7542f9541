"""Pydantic models of every request and answer; FastAPI derives the OpenAPI description.

Requests are validated strictly (no coercion: ``"yes"`` is not a boolean, ``"3"`` is
not a number), with the length limits of :mod:`prover.interactive.web.limits`.
Unknown fields are ignored (Lean Copilot and other clients may send more);
``null`` counts as absent for optional fields.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from prover.interactive.service_values import MAX_CANDIDATES
from prover.interactive.web.limits import (
    MAX_INPUT_CHARS,
    MAX_NAME_CHARS,
    MAX_PREFIX_CHARS,
    MAX_PROOF_ITEM_CHARS,
    MAX_PROOF_ITEMS,
)

__all__ = [
    "EncodeAnswer",
    "EncodeRequest",
    "ErrorAnswer",
    "GenerateAnswer",
    "GenerateRequest",
    "Generation",
    "HealthAnswer",
    "ProgressAnswer",
    "ProgressRequest",
    "SearchAnswerModel",
    "SearchRequest",
]

_STRICT = ConfigDict(strict=True, extra="ignore")

ProofItem = Annotated[str, Field(max_length=MAX_PROOF_ITEM_CHARS)]


class GenerateRequest(BaseModel):
    """Lean Copilot's generate request, plus ``use_reward`` and ``num_candidates``."""

    model_config = _STRICT
    name: str | None = Field(default=None, max_length=MAX_NAME_CHARS, description="model name")
    input: str = Field(max_length=MAX_INPUT_CHARS, description="the goal, Lean or Coq layout")
    prefix: str | None = Field(
        default=None, max_length=MAX_PREFIX_CHARS, description="keep outputs starting with it"
    )
    use_reward: bool | None = Field(default=None, description="rank by a progress model")
    num_candidates: int | None = Field(default=None, ge=1, le=MAX_CANDIDATES)


class Generation(BaseModel):
    """One generated tactic; the progress fields only with ``use_reward``."""

    output: str
    score: float
    model_score: float | None = None
    steps_remaining: float | None = None
    reward: float | None = None


class GenerateAnswer(BaseModel):
    """Outputs best first, deduplicated."""

    outputs: list[Generation]


class EncodeRequest(BaseModel):
    """Lean Copilot's encode request."""

    model_config = _STRICT
    name: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    input: str = Field(max_length=MAX_INPUT_CHARS)


class EncodeAnswer(BaseModel):
    """The embedding (all-MiniLM-L6-v2: 384 floats, L2-normalised)."""

    outputs: list[float]


class ProgressRequest(BaseModel):
    """A proof state and the tactics that led to it."""

    model_config = _STRICT
    state: str = Field(max_length=MAX_INPUT_CHARS)
    proof_so_far: list[ProofItem] | None = Field(default=None, max_length=MAX_PROOF_ITEMS)


class ProgressAnswer(BaseModel):
    """The progress model's estimate of the tactics left."""

    steps_remaining: float


class SearchRequest(BaseModel):
    """A theorem to prove on the server's backend (untrusted: checked before use)."""

    model_config = _STRICT
    header: str | None = Field(
        default=None, max_length=MAX_INPUT_CHARS, description="whitelisted header"
    )
    statement: str = Field(max_length=MAX_INPUT_CHARS, description="exactly one theorem")
    name: str | None = Field(
        default=None, max_length=MAX_NAME_CHARS, description="the declared name (optional)"
    )
    time_limit_s: float | None = Field(default=None, description="0 < t <= --max-search-time")
    max_expansions: int | None = Field(default=None, description="1 <= n <= 100000")
    file: str | None = Field(
        default=None,
        max_length=MAX_NAME_CHARS,
        description="Coq: the name of the file the header and statement go in ('Foo.v'); "
        "the proof is also checked read under that name",
    )


class SearchAnswerModel(BaseModel):
    """``status`` is ``proved`` exactly when ``verified``; ``proof`` only then."""

    status: str
    stop_reason: str
    proof: list[str] | None
    proof_text: str | None
    verified: bool
    expansions: int
    error: str | None
    time_s: float
    header_time_s: float
    axioms: list[str] = Field(
        default_factory=list,
        description="standard axioms in the verified proof's checked file (coqchk's summary)",
    )
    checked_as: str | None = Field(
        default=None, description="the file name the verdict is for (Coq: 'Checked.v' or 'file')"
    )


class HealthAnswer(BaseModel):
    """What the server has loaded."""

    status: str
    generator: str
    language: str
    progress_model: bool
    encoder: str | None
    search: bool


class ErrorAnswer(BaseModel):
    """Every error: one message naming what is wrong."""

    error: str
