"""`--generator` unions with knn: parsing, directories, building, CLI flags."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from models.combined import LearningCombinedGenerator
from models.registry import GeneratorConfig, build_generator
from models.retrieval.generator import KnnGenerator
from prover.cli.flags import add_generator_flags, generator_config_from_arguments
from search.errors import ConfigError


def test_knn_alone_and_with_portfolio(knn_model_dir: Path) -> None:
    """`knn` builds the generator itself; `portfolio+knn` a learning union of both."""
    alone = build_generator(GeneratorConfig(name="knn", model=str(knn_model_dir)), language="coq")
    assert isinstance(alone, KnnGenerator)
    union = build_generator(
        GeneratorConfig(name="portfolio+knn", model=str(knn_model_dir), knn_weight=-0.5),
        language="coq",
    )
    assert isinstance(union, LearningCombinedGenerator)
    assert [(p.name, p.weight) for p in union.parts] == [("portfolio", 0.0), ("knn", -0.5)]


def test_three_part_union_needs_knn_model(knn_model_dir: Path) -> None:
    """With a language model in the union, knn's directory comes from --knn-model."""
    with pytest.raises(ConfigError, match="--knn-model"):
        GeneratorConfig(name="portfolio+knn+openai", model="m", api_base="http://127.0.0.1:1/v1")
    config = GeneratorConfig(
        name="portfolio+knn+openai",
        model="m",
        api_base="http://127.0.0.1:1/v1",
        knn_model=str(knn_model_dir),
    )
    union = build_generator(config, language="coq")
    assert isinstance(union, LearningCombinedGenerator)
    assert [p.name for p in union.parts] == ["portfolio", "knn", "openai"]
    assert config.backend == "openai"


@pytest.mark.parametrize(
    ("name", "message"),
    [("knn+knn", "names a part twice"), ("portfolio+gpt", "'\\+' union"), ("", "union")],
)
def test_bad_union_names(name: str, message: str, knn_model_dir: Path) -> None:
    """Unknown parts, repeated parts and empty names are ConfigErrors."""
    with pytest.raises(ConfigError, match=message):
        GeneratorConfig(name=name, model=str(knn_model_dir))


def test_knn_model_of_the_wrong_kind_is_refused_at_config_time(tmp_path: Path) -> None:
    """A non-knn directory is refused when the config is built, naming the path."""
    (tmp_path / "kind.json").write_text(json.dumps({"kind": "lm"}))
    with pytest.raises(ConfigError, match=rf"^{tmp_path}: a 'lm' model directory, not a knn"):
        GeneratorConfig(name="portfolio+knn", model=str(tmp_path))
    with pytest.raises(ConfigError, match="needs --model DIR"):
        GeneratorConfig(name="knn")


def test_knn_flags_round_trip(knn_model_dir: Path) -> None:
    """--knn-model, --knn-weight and --knn-neighbours reach GeneratorConfig."""
    parser = argparse.ArgumentParser()
    add_generator_flags(parser)
    arguments = parser.parse_args(
        [
            "--generator",
            "portfolio+knn+hf",
            "--model",
            "/models/lm",
            "--knn-model",
            str(knn_model_dir),
            "--knn-weight",
            "-1",
            "--knn-neighbours",
            "8",
        ]
    )
    config = generator_config_from_arguments(arguments)
    assert (config.knn_model, config.knn_weight, config.knn_neighbours) == (
        str(knn_model_dir),
        -1.0,
        8,
    )
    assert config.parts == ("portfolio", "knn", "hf")


def test_no_online_learning_hides_learn(knn_model_dir: Path) -> None:
    """With online_learning off, neither knn nor its union is an OnlineLearner."""
    from search.protocols import OnlineLearner

    for name in ("knn", "portfolio+knn"):
        config = GeneratorConfig(name=name, model=str(knn_model_dir), online_learning=False)
        generator = build_generator(config, language="coq")
        assert not isinstance(generator, OnlineLearner)
    parser = argparse.ArgumentParser()
    add_generator_flags(parser)
    arguments = parser.parse_args(["--no-online-learning"])
    assert generator_config_from_arguments(arguments).online_learning is False
