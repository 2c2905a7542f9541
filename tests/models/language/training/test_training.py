"""Training end to end on the fixture trace: the model directory, its metrics, its bounds."""

from __future__ import annotations

import importlib.util
import itertools
import json
from pathlib import Path

import pytest

from models.language.completions import SamplingSettings
from models.language.training.batches import render_prompt
from search.errors import InputError
from search.protocols import GenerationRequest
from search.states import ProofState, Theorem
from tests.models.language.training.conftest import (
    fixture_trace,
    synthetic_rows,
    tiny_config,
    write_trace,
)

pytestmark = [
    pytest.mark.torch,
    pytest.mark.skipif(
        importlib.util.find_spec("torch") is None
        or importlib.util.find_spec("transformers") is None,
        reason="torch and transformers are not installed",
    ),
]

HF_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "generation_config.json",
)


def test_model_directory_is_complete(trained_tiny_model: Path) -> None:
    """The HF files, kind.json, the loss curve (PNG + JSON) and metrics.json are written."""
    for name in (*HF_FILES, "kind.json", "loss_curve.json", "metrics.json"):
        assert (trained_tiny_model / name).is_file(), name
    assert (trained_tiny_model / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((trained_tiny_model / "kind.json").read_text())["kind"] == "lm"
    config = json.loads((trained_tiny_model / "config.json").read_text())
    assert config["model_type"] == "llama" and config["head_dim"] == 32


def test_metrics_report_accuracy_and_learning(trained_tiny_model: Path) -> None:
    """Top-1 <= top-10 in [0, 1] on test examples; the held-out loss fell during training."""
    metrics = json.loads((trained_tiny_model / "metrics.json").read_text())
    test = metrics["test"]
    assert 0.0 <= test["top1"] <= test["top10"] <= 1.0 and test["examples"] > 0
    assert metrics["baseline_most_frequent"]["examples"] == test["examples"]
    curve = json.loads((trained_tiny_model / "loss_curve.json").read_text())
    assert curve["valid"][0]["step"] == 0 and curve["valid"][-1]["step"] == metrics["steps"]
    assert curve["valid"][-1]["loss"] < 0.5 * curve["valid"][0]["loss"]
    assert metrics["stop_reason"] == "max_steps" and metrics["steps"] == 120


def test_hf_generator_loads_the_model_and_proposes_tactics(trained_tiny_model: Path) -> None:
    """`--generator hf --model DIR` gives one-line, scored candidates; a trained shape is learnt."""
    from models.language.hf import HfGenerator
    from models.language.prompts import get_template

    generator = HfGenerator(
        model=str(trained_tiny_model),
        template=get_template("reprover"),
        language="coq",
        sampling=SamplingSettings(temperature=0.7, max_tokens=24),
    )
    theorem = Theorem(name="t", header="", statement="Theorem t : True.")
    state = ProofState(goals=(), handle=0, text="n : nat\n⊢ n + 0 = n")
    [candidates] = generator.generate(
        [GenerationRequest(theorem=theorem, state=state, proof_so_far=(), num_candidates=8, seed=3)]
    )
    assert candidates and all("\n" not in c.tactic and c.score <= 0.0 for c in candidates)
    assert "lia." in [c.tactic for c in candidates]


def test_time_bound_stops_training(tmp_path: Path) -> None:
    """With --max-train-s the loop stops on time, within a step of the bound, and saves."""
    from models.language.training.pipeline import train_language_model

    config = tiny_config(
        fixture_trace(tmp_path),
        tmp_path / "model",
        max_steps=None,
        epochs=10_000.0,
        max_train_s=1.5,
        eval_examples=0,
    )
    metrics = train_language_model(config)
    assert metrics["stop_reason"] == "max_train_s"
    assert 1.5 <= metrics["train_time_s"] < 3.5 and metrics["steps"] > 0
    assert metrics["test"] is None and (tmp_path / "model" / "model.safetensors").is_file()


def test_schedule_follows_the_clock() -> None:
    """A fake clock ticking 1 s per read stops the loop on time with a decayed learning rate."""
    from models.language.training.loop import _Budget

    ticks = itertools.count()
    config = tiny_config(
        Path("t"),
        Path("o"),
        max_train_s=10.0,
        max_steps=None,
        epochs=1e6,
        warmup_steps=1,
        min_learning_rate_ratio=0.1,
    )
    budget = _Budget(config, 100, clock=lambda: float(next(ticks)))
    assert budget.stop_reason(0, 0) is None
    assert budget.learning_rate(1, 0) == pytest.approx(config.learning_rate, rel=0.1)
    while budget.stop_reason(0, 0) is None:
        pass
    assert budget.learning_rate(50, 0) == pytest.approx(0.1 * config.learning_rate)


def test_empty_training_split_is_refused_before_training(tmp_path: Path) -> None:
    """A trace with no train rows is an InputError and no output directory appears."""
    from models.language.training.pipeline import train_language_model

    rows = [r for r in synthetic_rows() if r["split"] != "train"]
    config = tiny_config(write_trace(tmp_path / "trace", rows), tmp_path / "model")
    with pytest.raises(InputError, match="no training example"):
        train_language_model(config)
    assert not (tmp_path / "model").exists()


def test_prompt_matches_what_the_served_model_receives() -> None:
    """The training prompt equals the prover's rendering for a real ProofState."""
    from models.language.prompts import get_template

    state = ProofState(goals=(), handle=0, text="x : nat\n⊢ x = x")
    theorem = Theorem(name="other", header="Require Import Arith.", statement="Lemma other : x.")
    request = GenerationRequest(
        theorem=theorem, state=state, proof_so_far=("intros.",), num_candidates=4, seed=9
    )
    assert get_template("reprover").render(request, language="coq") == render_prompt(state.text)


def test_evaluation_sampler_agrees_with_the_hf_generator(trained_tiny_model: Path) -> None:
    """Near-greedy, the evaluation sampler finds the hf generator's greedy tactic and score."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from models.language.completions import candidates_from_samples
    from models.language.hf import HfGenerator
    from models.language.prompts import get_template
    from models.language.training.sampler import PromptSampler

    template = get_template("reprover")
    state_text = "H : a = b\n⊢ a = b"
    greedy = HfGenerator(
        model=str(trained_tiny_model),
        template=template,
        language="coq",
        sampling=SamplingSettings(temperature=0.0, max_tokens=24, num_samples=1),
    )
    theorem = Theorem(name="t", header="", statement="Theorem t : True.")
    state = ProofState(goals=(), handle=0, text=state_text)
    [[expected]] = greedy.generate(
        [GenerationRequest(theorem=theorem, state=state, proof_so_far=(), num_candidates=1, seed=1)]
    )
    model = AutoModelForCausalLM.from_pretrained(str(trained_tiny_model), dtype=torch.float32)
    sampler = PromptSampler(model.eval(), AutoTokenizer.from_pretrained(str(trained_tiny_model)))
    samples = sampler.sample(
        render_prompt(state_text), samples=4, temperature=1e-4, max_tokens=24, seed=0
    )
    [found] = candidates_from_samples(samples, template=template, score="mean")
    assert found.tactic == expected.tactic
    assert found.score == pytest.approx(expected.score, abs=1e-4)


def test_init_from_continues_the_saved_model(trained_tiny_model: Path, tmp_path: Path) -> None:
    """--init-from keeps the saved tokenizer and sizes (a size flag is ignored) and starts
    from the trained weights (its first held-out loss is far below a fresh model's)."""
    from models.language.training.pipeline import train_language_model
    from models.trace_data import TraceStep

    step = TraceStep(
        library="run", file="r", module="", theorem="p", step=0, state="z : R\n⊢ 0 <= z * z",
        tactic="nra.", remaining_steps=1, proof_length=1, num_goals=1, split="train",
    )  # fmt: skip
    output = tmp_path / "tuned"
    config = tiny_config(
        fixture_trace(tmp_path), output, init_from=trained_tiny_model, hidden_size=128,
        max_steps=30, warmup_steps=2, eval_examples=0, run_weight=40,
    )  # fmt: skip
    metrics = train_language_model(config, [step])
    assert metrics["init_from"] == str(trained_tiny_model) and metrics["run_weight"] == 40
    base = json.loads((trained_tiny_model / "config.json").read_text())
    tuned = json.loads((output / "config.json").read_text())
    assert tuned["hidden_size"] == base["hidden_size"] == 64
    assert (output / "tokenizer.json").read_text() == (
        trained_tiny_model / "tokenizer.json"
    ).read_text()
    start = json.loads((output / "loss_curve.json").read_text())["valid"][0]["loss"]
    first = json.loads((trained_tiny_model / "loss_curve.json").read_text())["valid"][0]["loss"]
    assert start < 0.5 * first  # trained weights, not a fresh initialisation


def test_init_from_a_non_lm_directory_is_refused(tmp_path: Path) -> None:
    """--init-from a directory whose kind.json is not lm: one InputError, nothing written."""
    from models.language.training.pipeline import train_language_model

    foreign = tmp_path / "knn-model"
    foreign.mkdir()
    (foreign / "kind.json").write_text('{"kind": "knn", "format": 1}')
    config = tiny_config(fixture_trace(tmp_path), tmp_path / "model", init_from=foreign)
    with pytest.raises(InputError, match=f"{foreign}: not an lm model directory"):
        train_language_model(config)
    assert not (tmp_path / "model").exists()


def _as_pretrained(model: Path, destination: Path) -> Path:
    """A copy of ``model`` as a Hugging Face hub download looks: its HF files only (no
    kind.json), and a tokenizer config without a padding token."""
    import shutil

    destination.mkdir()
    for name in HF_FILES:
        shutil.copy(model / name, destination / name)
    tokenizer_config = json.loads((destination / "tokenizer_config.json").read_text())
    tokenizer_config.pop("pad_token", None)
    (destination / "tokenizer_config.json").write_text(json.dumps(tokenizer_config))
    return destination


def test_init_from_a_pretrained_llama_directory(trained_tiny_model: Path, tmp_path: Path) -> None:
    """--init-from a pretrained HF Llama directory (no kind.json, no pad token) fine-tunes
    it as it is: its sizes and tokenizer are kept, padding falls back to the EOS token,
    and the output is an lm directory the prover loads."""
    from models.language.training.pipeline import train_language_model

    base = _as_pretrained(trained_tiny_model, tmp_path / "hub-model")
    output = tmp_path / "tuned"
    config = tiny_config(
        fixture_trace(tmp_path), output, init_from=base, hidden_size=128, max_steps=5,
        warmup_steps=1, eval_examples=0,
    )  # fmt: skip
    metrics = train_language_model(config)
    assert metrics["init_from"] == str(base) and metrics["steps"] == 5
    assert json.loads((output / "config.json").read_text())["hidden_size"] == 64
    assert json.loads((output / "kind.json").read_text())["kind"] == "lm"
    saved = json.loads((output / "tokenizer_config.json").read_text())
    assert saved["pad_token"] == saved["eos_token"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"model_type": "gpt2"}, "model_type 'gpt2'"),
        ({"architectures": ["LlamaForSequenceClassification"]}, "lack LlamaForCausalLM"),
    ],
)
def test_init_from_a_foreign_pretrained_directory_is_refused(
    trained_tiny_model: Path, tmp_path: Path, change: dict[str, object], reason: str
) -> None:
    """A HF directory of another architecture: one InputError naming the path and why."""
    from models.language.training.pipeline import train_language_model

    base = _as_pretrained(trained_tiny_model, tmp_path / "hub-model")
    config_json = json.loads((base / "config.json").read_text())
    (base / "config.json").write_text(json.dumps({**config_json, **change}))
    config = tiny_config(fixture_trace(tmp_path), tmp_path / "model", init_from=base)
    with pytest.raises(InputError, match=f"{base}: not an lm model directory.*{reason}"):
        train_language_model(config)
    assert not (tmp_path / "model").exists()


def test_init_from_a_directory_without_config_is_refused(tmp_path: Path) -> None:
    """No kind.json and no readable config.json: refused in one line, nothing written."""
    from models.language.training.pipeline import train_language_model

    empty = tmp_path / "empty"
    empty.mkdir()
    config = tiny_config(fixture_trace(tmp_path), tmp_path / "model", init_from=empty)
    with pytest.raises(InputError, match=r"no readable config\.json"):
        train_language_model(config)
    assert not (tmp_path / "model").exists()
