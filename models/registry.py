"""Build a tactic generator from its configuration (the CLI's ``--generator`` value).

Generator names: ``portfolio`` (built-in tactic lists), ``openai`` (an OpenAI-compatible
completions server such as ``vllm serve``), ``vllm`` (in-process vLLM engine), ``hf``
(transformers on the CPU), and ``portfolio+openai`` / ``portfolio+vllm`` / ``portfolio+hf``
(the union of the portfolio and the model's candidates). Each :class:`GeneratorConfig`
field is the CLI flag of the same name (``api_base`` is ``--api-base``); the flags and
their mapping live in :mod:`prover.cli.flags`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models.language.completions import SamplingSettings
from models.language.prompts import get_template
from search.errors import ConfigError
from search.protocols import TacticGenerator
from search.validation import require_positive

__all__ = [
    "GENERATOR_NAMES",
    "GeneratorConfig",
    "build_generator",
]

MODEL_BACKENDS = ("openai", "vllm", "hf")
GENERATOR_NAMES = ("portfolio", *MODEL_BACKENDS, *(f"portfolio+{b}" for b in MODEL_BACKENDS))


@dataclass(frozen=True, kw_only=True)
class GeneratorConfig:
    """Which generator to build and how; every field is the CLI flag of the same name.

    Attributes:
        name: ``--generator``, one of :data:`GENERATOR_NAMES`.
        model: ``--model``: served model name (openai) or local model directory (vllm, hf).
        api_base: ``--api-base``: server URL, e.g. ``http://127.0.0.1:8000/v1`` (openai).
        template: ``--template``: prompt format, one of ``reprover``, ``deepseek``, ``internlm``.
        num_samples: ``--num-samples``: completions per state (default: ``--num-candidates``).
        temperature: ``--temperature``; top_p: ``--top-p``; max_tokens: ``--max-tokens``.
        score: ``--score``: ``mean`` or ``sum`` of the tactic's token log-probabilities.
        portfolio_weight: ``--portfolio-weight``: added to portfolio scores in ``portfolio+*``.
        request_timeout_s: ``--request-timeout`` (openai), seconds per HTTP request.
        max_retries: ``--max-retries`` (openai): retries on connection errors and 5xx.
        max_concurrent_requests: ``--max-concurrent-requests`` (openai).
        prompts_per_request: ``--prompts-per-request``: states batched into one request
            (openai; for hf the prompts of one ``generate`` call).
        beam_search: ``--beam-search`` (hf): beam search instead of sampling.
        dtype: ``--dtype`` (vllm): ``bfloat16``, ``float32`` or ``auto``.
        max_model_len: ``--max-model-len`` (vllm): context length of the engine.
    """

    name: str = "portfolio"
    model: str | None = None
    api_base: str | None = None
    template: str = "reprover"
    num_samples: int | None = None
    temperature: float = 0.7
    top_p: float = 1.0
    max_tokens: int = 128
    score: str = "mean"
    portfolio_weight: float = 0.0
    request_timeout_s: float = 300.0
    max_retries: int = 3
    max_concurrent_requests: int = 4
    prompts_per_request: int = 16
    beam_search: bool = False
    dtype: str = "bfloat16"
    max_model_len: int = 2048

    def __post_init__(self) -> None:
        if self.name not in GENERATOR_NAMES:
            raise ConfigError(
                f"generator must be one of {', '.join(GENERATOR_NAMES)}, got {self.name!r}"
            )
        get_template(self.template)
        self.sampling()
        if not math.isfinite(self.portfolio_weight):
            raise ConfigError(f"portfolio_weight must be finite, got {self.portfolio_weight!r}")
        require_positive("request_timeout_s", self.request_timeout_s)
        require_positive("max_model_len", self.max_model_len)
        if self.dtype not in ("auto", "bfloat16", "float16", "float32"):
            raise ConfigError(
                f"dtype must be auto, bfloat16, float16 or float32, got {self.dtype!r}"
            )
        backend = self.backend
        if backend is not None and not self.model:
            raise ConfigError(f"generator {self.name!r} needs --model, got model={self.model!r}")
        if backend == "openai" and not self.api_base:
            raise ConfigError(f"generator {self.name!r} needs --api-base, got {self.api_base!r}")

    @property
    def backend(self) -> str | None:
        """The model backend (``openai``, ``vllm``, ``hf``), or ``None`` for the portfolio."""
        last = self.name.removeprefix("portfolio+")
        return last if last in MODEL_BACKENDS else None

    def sampling(self) -> SamplingSettings:
        """The sampling and scoring part of this configuration."""
        return SamplingSettings(
            num_samples=self.num_samples,
            temperature=self.temperature,
            top_p=self.top_p,
            max_tokens=self.max_tokens,
            score=self.score,
        )


def build_generator(config: GeneratorConfig, *, language: str) -> TacticGenerator:
    """Return the generator ``config`` names, for proof language ``language`` ("coq"/"lean4").

    Model loading errors (a missing local directory, an absent vllm package) raise
    :class:`~search.errors.GeneratorError`; servers are not contacted until ``generate``.
    """
    backend = config.backend
    if backend is None:
        return _portfolio(language)
    model = _model_generator(config, backend, language=language)
    if not config.name.startswith("portfolio+"):
        return model
    from models.combined import CombinedGenerator

    return CombinedGenerator(
        portfolio=_portfolio(language), model=model, portfolio_weight=config.portfolio_weight
    )


def _portfolio(language: str) -> TacticGenerator:
    from models.portfolio.generator import PortfolioGenerator

    return PortfolioGenerator(language=language)


def _model_generator(config: GeneratorConfig, backend: str, *, language: str) -> TacticGenerator:
    template = get_template(config.template)
    model = config.model or ""
    if backend == "openai":
        from models.language.openai import HttpSettings, OpenAIGenerator

        http = HttpSettings(
            request_timeout_s=config.request_timeout_s,
            max_retries=config.max_retries,
            max_concurrent_requests=config.max_concurrent_requests,
            prompts_per_request=config.prompts_per_request,
        )
        return OpenAIGenerator(
            api_base=config.api_base or "",
            model=model,
            template=template,
            language=language,
            sampling=config.sampling(),
            http=http,
        )
    if backend == "vllm":
        from models.language.vllm import VllmGenerator

        return VllmGenerator(
            model=model,
            template=template,
            language=language,
            sampling=config.sampling(),
            dtype=config.dtype,
            max_model_len=config.max_model_len,
        )
    from models.language.hf import HfGenerator

    return HfGenerator(
        model=model,
        template=template,
        language=language,
        sampling=config.sampling(),
        beam_search=config.beam_search,
        prompts_per_batch=config.prompts_per_request,
    )
