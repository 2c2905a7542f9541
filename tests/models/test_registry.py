"""GeneratorConfig validation, CLI wiring and build_generator for the model generators."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from models.combined import CombinedGenerator, GeneratorPart
from models.language.openai import OpenAIGenerator
from models.registry import (
    GeneratorConfig,
    build_generator,
)
from search.errors import ConfigError, GeneratorError
from search.protocols import GenerationRequest
from search.states import Candidate


def test_openai_config_builds_openai_generator() -> None:
    """--generator openai with --api-base and --model builds the HTTP client."""
    config = GeneratorConfig(name="openai", api_base="http://127.0.0.1:1/v1", model="m")
    generator = build_generator(config, language="coq")
    assert isinstance(generator, OpenAIGenerator)
    assert generator.url == "http://127.0.0.1:1/v1/completions"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "gpt"}, "generator must be one of"),
        ({"name": "openai", "model": "m"}, "api-base"),
        ({"name": "hf"}, "needs --model"),
        ({"template": "alpaca"}, "template"),
        ({"score": "max"}, "score"),
        ({"temperature": -1.0}, "temperature"),
        ({"num_samples": 0}, "num_samples"),
    ],
)
def test_invalid_config_names_the_field(fields: dict[str, object], message: str) -> None:
    """Every invalid field gives a ConfigError that names it."""
    with pytest.raises(ConfigError, match=message):
        GeneratorConfig(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["hf", "vllm"])
def test_hub_name_is_rejected_with_local_path_hint(name: str) -> None:
    """A hub model name (not a local directory) is a GeneratorError asking for a path."""
    config = GeneratorConfig(name=name, model="Qwen/Qwen2.5-0.5B")
    with pytest.raises(GeneratorError, match=r"hubs cannot be reached.*local path"):
        build_generator(config, language="lean4")


def test_directory_without_config_is_rejected(tmp_path: Path) -> None:
    """A local directory without config.json is not a model directory."""
    with pytest.raises(GeneratorError, match=r"no config\.json"):
        build_generator(GeneratorConfig(name="hf", model=str(tmp_path)), language="coq")


class _Fixed:
    def __init__(self, candidates: list[Candidate]) -> None:
        self.candidates = candidates

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        return [list(self.candidates) for _ in requests]


def test_combined_merges_with_portfolio_weight(
    request_factory: Callable[..., GenerationRequest],
) -> None:
    """Portfolio scores are shifted by the weight; shared tactics keep the max; sorted."""
    portfolio = _Fixed([Candidate(tactic="lia.", score=0.0), Candidate(tactic="auto.", score=-1.0)])
    model = _Fixed([Candidate(tactic="lia.", score=-0.5), Candidate(tactic="ring.", score=-0.2)])
    combined = CombinedGenerator(
        [
            GeneratorPart(name="portfolio", generator=portfolio, weight=-2.0),
            GeneratorPart(name="hf", generator=model),
        ]
    )
    [result] = combined.generate([request_factory(0)])
    assert [(c.tactic, c.score) for c in result] == [
        ("ring.", -0.2),
        ("lia.", -0.5),
        ("auto.", -3.0),
    ]
    with pytest.raises(ConfigError, match="portfolio weight"):
        GeneratorPart(name="portfolio", generator=portfolio, weight=float("nan"))


def test_portfolio_priors_file_reorders_the_portfolio(
    request_factory: Callable[..., GenerationRequest], tmp_path: Path
) -> None:
    """--portfolio-priors replaces the named family's prior: lia at log 1 is proposed first."""
    priors = tmp_path / "priors.json"
    priors.write_text('{"families": {"lia": {"prior": 0.0}}}\n')
    request = request_factory(0, num_candidates=50)
    [packaged] = build_generator(GeneratorConfig(), language="coq").generate([request])
    config = GeneratorConfig(portfolio_priors=str(priors))
    [measured] = build_generator(config, language="coq").generate([request])
    assert {c.tactic: c.score for c in packaged}["lia"] < 0.0
    assert (measured[0].tactic, measured[0].score) == ("lia", 0.0)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"portfolio_priors": "/nonexistent/priors.json"}, "/nonexistent/priors.json"),
        ({"name": "knn", "model": "m", "portfolio_priors": "p.json"}, "has no portfolio"),
    ],
)
def test_bad_portfolio_priors_are_refused_at_config_time(
    fields: dict[str, object], message: str
) -> None:
    """A missing priors file, or priors without a portfolio, is a ConfigError naming it."""
    with pytest.raises(ConfigError, match=message):
        GeneratorConfig(**fields)  # type: ignore[arg-type]


def test_late_parts_make_a_two_round_union_and_bad_names_are_refused() -> None:
    """--late-parts marks the named part late; an unknown or every part is a ConfigError."""
    config = GeneratorConfig(
        name="portfolio+openai", api_base="http://127.0.0.1:1/v1", model="m", late_parts=("openai",)
    )
    union = build_generator(config, language="coq")
    assert isinstance(union, CombinedGenerator) and union.stages == 2
    assert [(part.name, part.late) for part in union.parts] == [
        ("portfolio", False),
        ("openai", True),
    ]
    with pytest.raises(ConfigError, match="knn, not a part"):
        GeneratorConfig(name="portfolio", late_parts=("knn",))
    with pytest.raises(ConfigError, match="every part"):
        GeneratorConfig(name="portfolio", late_parts=("portfolio",))
