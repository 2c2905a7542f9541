"""The transformers generator on the converted SmolLM2 model (CPU, small batches)."""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable, Iterator

import pytest

from models.language.completions import SamplingSettings
from models.language.prompts import get_template
from search.protocols import GenerationRequest

pytestmark = [
    pytest.mark.torch,
    pytest.mark.skipif(
        importlib.util.find_spec("torch") is None
        or importlib.util.find_spec("transformers") is None,
        reason="torch and transformers are not installed",
    ),
]


@pytest.fixture(scope="module")
def model_dir() -> Iterator[str]:
    """The converted SmolLM2 directory, or skip."""
    from tests.models.conftest import converted_model_dir

    path = converted_model_dir()
    if path is None:
        pytest.skip("converted model missing: run bash scripts/setup_vllm.sh")
    yield str(path)


def test_sampling_gives_scored_unique_candidates(
    model_dir: str, request_factory: Callable[..., GenerationRequest]
) -> None:
    """Two states with n=3: each gets <= 3 one-line, distinct candidates, sorted, log-prob <= 0."""
    from models.language.hf import HfGenerator

    generator = HfGenerator(
        model=model_dir,
        template=get_template("reprover"),
        language="coq",
        sampling=SamplingSettings(num_samples=3, temperature=1.0, max_tokens=16),
    )
    requests = [request_factory(i, num_candidates=3, seed=1) for i in range(2)]
    results = generator.generate(requests)
    assert len(results) == 2
    assert sum(len(group) for group in results) > 0
    for group in results:
        assert len({c.tactic for c in group}) == len(group) <= 3
        assert all("\n" not in c.tactic and -50.0 < c.score <= 0.0 for c in group)
        assert [c.score for c in group] == sorted((c.score for c in group), reverse=True)
    assert generator.generate(requests) == results, "same seed must give the same candidates"


def test_beam_search_gives_candidates(
    model_dir: str, request_factory: Callable[..., GenerationRequest]
) -> None:
    """Beam search with 2 beams returns at most 2 scored candidates."""
    from models.language.hf import HfGenerator

    generator = HfGenerator(
        model=model_dir,
        template=get_template("reprover"),
        language="coq",
        sampling=SamplingSettings(num_samples=2, max_tokens=12),
        beam_search=True,
    )
    [group] = generator.generate([request_factory(0, num_candidates=2)])
    assert len(group) <= 2
    assert all(c.score <= 0.0 for c in group)


def test_generation_past_the_deadline_gives_no_candidates(
    model_dir: str, request_factory: Callable[..., GenerationRequest]
) -> None:
    """A deadline passed before or during sampling gives no candidates, not a late answer.

    Sampling 2,048 tokens uncut takes minutes here; the cut costs one prompt forward pass,
    which transformers cannot interrupt (seconds on a loaded CPU).
    """
    from models.language.hf import HfGenerator

    generator = HfGenerator(
        model=model_dir,
        template=get_template("reprover"),
        language="coq",
        sampling=SamplingSettings(num_samples=3, temperature=1.0, max_tokens=2048),
    )
    passed = request_factory(0, num_candidates=3, deadline=time.monotonic() - 1.0)
    assert generator.generate([passed]) == [[]]
    for _ in range(2):  # the first call also pays transformers' one-off warm-up
        started = time.monotonic()
        cut = request_factory(1, num_candidates=3, deadline=started + 0.01)
        assert generator.generate([cut]) == [[]]
    assert time.monotonic() - started < 10.0, "sampling must stop at the deadline"


def test_a_prompt_longer_than_the_context_keeps_its_end(model_dir: str) -> None:
    """A prompt past the context less max_tokens is cut on the left; its end is kept."""
    from models.language.hf import HfGenerator

    generator = HfGenerator(
        model=model_dir,
        template=get_template("reprover"),
        language="coq",
        sampling=SamplingSettings(num_samples=1, max_tokens=192),
    )
    context = generator._model.config.max_position_embeddings
    prompt = "x + " * context + "0 = 0\n[GOAL] the end [TACTIC]"
    whole = generator._tokenizer(prompt)["input_ids"]
    assert len(whole) > context
    encoded = generator.encode_prompts([prompt, "short goal"])
    assert encoded["input_ids"].shape[1] == context - 192
    assert encoded["input_ids"][0].tolist() == whole[-(context - 192) :]


def test_max_tokens_filling_the_context_is_refused(model_dir: str) -> None:
    """max_tokens that leave no room for a prompt is a config error naming max_tokens."""
    from models.language.hf import HfGenerator
    from search.errors import ConfigError

    with pytest.raises(ConfigError, match="max_tokens"):
        HfGenerator(
            model=model_dir,
            template=get_template("reprover"),
            language="coq",
            sampling=SamplingSettings(num_samples=1, max_tokens=8192),
        )
