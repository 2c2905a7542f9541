"""Expert iteration's models: the round's prove flags and the language model's fine-tuning."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from benchmarks import expert_models
from benchmarks.expert_iteration import check_language_model_flags, parser, round_models
from benchmarks.expert_models import RoundModels, search_flags, train_language_model
from models.registry import GeneratorConfig
from prover.cli.flags import generator_config_from_arguments
from prover.cli.main import build_parser


def _arguments(tmp_path: Path, *extra: str) -> argparse.Namespace:
    return parser().parse_args(
        ["--trace", str(tmp_path / "trace"), "--output", str(tmp_path / "out"), *extra]
    )


def _generator_of(flags: list[str]) -> GeneratorConfig:
    """The GeneratorConfig the real ``prover prove`` parser makes of ``flags``."""
    parsed = build_parser().parse_args(
        ["prove", "--benchmark", "minif2f-coq", "--output", "unused", *flags]
    )
    return generator_config_from_arguments(parsed)


def _knn_directory(tmp_path: Path) -> Path:
    """A directory the knn kind check admits (the flags are parsed, not run)."""
    directory = tmp_path / "knn"
    directory.mkdir()
    (directory / "kind.json").write_text('{"kind": "knn"}')
    return directory


def test_without_language_model_the_knn_model_is_the_generator_model(tmp_path: Path) -> None:
    """No --lm-model: prove gets --generator portfolio+knn --model KNN_DIR, nothing served."""
    arguments = _arguments(tmp_path, "--search-flags", "--alpha 0.8")
    models = RoundModels(knn=_knn_directory(tmp_path), progress=tmp_path / "progress")
    flags = search_flags(arguments, models, None)
    config = _generator_of(flags)
    assert config.name == "portfolio+knn" and config.model == str(tmp_path / "knn")
    assert flags[-2:] == ["--alpha", "0.8"]


def test_language_model_joins_the_union_as_the_served_openai_model(tmp_path: Path) -> None:
    """With a language model the generator is portfolio+knn+openai at the served API base."""
    arguments = _arguments(tmp_path, "--lm-model", str(tmp_path / "lm"), "--lm-samples", "8")
    models = RoundModels(
        knn=_knn_directory(tmp_path), progress=tmp_path / "progress", language_model=tmp_path / "lm"
    )
    config = _generator_of(search_flags(arguments, models, "http://127.0.0.1:9/v1"))
    assert config.name == "portfolio+knn+openai"
    assert config.knn_model == str(tmp_path / "knn") and config.model == "lm"
    assert config.api_base == "http://127.0.0.1:9/v1" and config.num_samples == 8
    assert config.request_seed is False
    with pytest.raises(ValueError, match="API base"):
        search_flags(arguments, models, None)


def test_round_zero_uses_the_given_models_and_language_model(tmp_path: Path) -> None:
    """Round 0 with --knn-model and --progress-model trains nothing and keeps --lm-model."""
    arguments = _arguments(tmp_path, "--knn-model", "K", "--progress-model", "P", "--lm-model", "L")
    models = round_models(arguments, 0, tmp_path / "round-0", [])
    assert models == RoundModels(knn=Path("K"), progress=Path("P"), language_model=Path("L"))


def test_language_model_is_fine_tuned_from_its_base_on_the_runs_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rounds with runs fine-tune --lm-base on trace + runs by the recipe; a done one is kept."""
    commands: list[list[str]] = []

    def run_logged(command: list[str], log: Path) -> int:
        commands.append(command)
        output = Path(command[command.index("--output") + 1])
        output.mkdir(parents=True)
        (output / "kind.json").write_text('{"kind": "lm"}')
        return 0

    monkeypatch.setattr(expert_models, "run_logged", run_logged)
    arguments = _arguments(
        tmp_path, "--lm-model", "ROUND0", "--lm-base", "BASE",
        "--lm-train-flags", "--run-weight 300 --max-steps 250",
    )  # fmt: skip
    assert train_language_model(arguments, tmp_path / "round-0", []) == Path("ROUND0")
    run = tmp_path / "round-0" / "search"
    trained = train_language_model(arguments, tmp_path / "round-1", [run])
    assert trained == tmp_path / "round-1" / "lm"
    (command,) = commands
    tail = command[command.index("train-generator") :]
    assert tail[:3] == ["train-generator", "--kind", "lm"]
    assert tail[tail.index("--data") + 1 : tail.index("--data") + 3] == [
        str(tmp_path / "trace"),
        str(run),
    ]
    assert tail[tail.index("--init-from") + 1] == "BASE"
    assert tail[-4:] == ["--run-weight", "300", "--max-steps", "250"]
    assert train_language_model(arguments, tmp_path / "round-1", [run]) == trained
    assert len(commands) == 1


def test_no_language_model_without_lm_model(tmp_path: Path) -> None:
    """Without --lm-model no language model is trained or served."""
    arguments = _arguments(tmp_path)
    assert train_language_model(arguments, tmp_path / "round-1", [tmp_path]) is None


def test_language_model_flags_are_checked_before_anything_starts(tmp_path: Path) -> None:
    """--lm-base alone, or a base that is not an lm directory, is one line naming it."""
    assert check_language_model_flags(_arguments(tmp_path)) is None
    assert check_language_model_flags(_arguments(tmp_path, "--lm-base", "B")) == (
        "--lm-base needs --lm-model"
    )
    knn = _knn_directory(tmp_path)
    problem = check_language_model_flags(_arguments(tmp_path, "--lm-model", str(knn)))
    assert problem is not None and str(knn) in problem and "not an lm model directory" in problem
    only_round_zero = _arguments(tmp_path, "--lm-model", str(knn), "--rounds", "0")
    assert check_language_model_flags(only_round_zero) is None
    lm = tmp_path / "lm"
    lm.mkdir()
    (lm / "kind.json").write_text('{"kind": "lm"}')
    assert check_language_model_flags(_arguments(tmp_path, "--lm-model", str(lm))) is None
