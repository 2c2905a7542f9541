"""DynamicSchedule: bounded, monotonic in elapsed time, widest near a predicted proof."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.language.completions import SamplingSettings
from models.language.openai import HttpSettings, OpenAIGenerator
from models.language.prompts import get_template
from models.progress.schedule import DynamicSchedule
from search.config import SearchConfig
from search.engine import best_first_search
from search.errors import ConfigError
from search.protocols import SamplingSchedule
from search.states import Theorem
from search.testing import FakeClock, ScriptedEnvironment, ScriptedGenerator


@given(
    low=st.integers(1, 16),
    extra=st.integers(0, 64),
    fractions=st.lists(st.floats(-0.5, 1.5, allow_nan=False), min_size=2, max_size=10),
    steps=st.one_of(st.none(), st.floats(0, 50, allow_nan=False)),
)
def test_width_is_bounded_and_non_increasing_in_time(
    low: int, extra: int, fractions: list[float], steps: float | None
) -> None:
    """k stays in [k_min, k_max] and never grows as the elapsed fraction grows."""
    schedule = DynamicSchedule(min_candidates=low, max_candidates=low + extra, near_steps=None)
    widths = [
        schedule.num_candidates(elapsed_fraction=f, depth=1, remaining_steps=steps)
        for f in sorted(fractions)
    ]
    assert all(low <= k <= low + extra for k in widths)
    assert widths == sorted(widths, reverse=True)


def test_endpoints_and_direction() -> None:
    """Decreasing goes k_max → k_min over the budget; increasing goes the other way."""
    decreasing = DynamicSchedule(min_candidates=4, max_candidates=32)
    assert [decreasing.width_at(f) for f in (0.0, 0.5, 1.0)] == [32, 18, 4]
    increasing = DynamicSchedule(min_candidates=4, max_candidates=32, direction="increasing")
    assert [increasing.width_at(f) for f in (0.0, 0.5, 1.0)] == [4, 18, 32]


def test_near_predicted_proof_gets_full_width() -> None:
    """A state predicted within near_steps of the end gets k_max even late in the budget."""
    schedule = DynamicSchedule(min_candidates=4, max_candidates=32, near_steps=1.5)
    late = {"elapsed_fraction": 0.9, "depth": 3}
    assert schedule.num_candidates(**late, remaining_steps=1.0) == 32
    assert schedule.num_candidates(**late, remaining_steps=3.0) == schedule.width_at(0.9)
    assert schedule.num_candidates(**late, remaining_steps=None) == schedule.width_at(0.9)
    assert schedule.histogram[32] == 1


def test_bad_bounds_are_rejected() -> None:
    """k_min > k_max, a zero bound or an unknown direction are configuration errors."""
    with pytest.raises(ConfigError, match="must not exceed"):
        DynamicSchedule(min_candidates=8, max_candidates=4)
    with pytest.raises(ConfigError, match="min_candidates"):
        DynamicSchedule(min_candidates=0, max_candidates=4)
    with pytest.raises(ConfigError, match="direction"):
        DynamicSchedule(min_candidates=1, max_candidates=4, direction="sideways")


def test_engine_requests_shrink_as_time_passes() -> None:
    """In a search whose tactics cost time, later expansions request fewer candidates."""
    chain = {f"S{i}": {f"t{i}": f"S{i + 1}", "waste": "error"} for i in range(8)}
    candidates = {f"S{i}": [(f"t{i}", -0.1), ("waste", -0.2)] for i in range(8)}
    clock = FakeClock()
    generator = ScriptedGenerator(candidates=candidates)
    schedule = DynamicSchedule(min_candidates=1, max_candidates=8, near_steps=None)
    assert isinstance(schedule, SamplingSchedule)
    best_first_search(
        Theorem(name="t", header="", statement="t"),
        ScriptedEnvironment(chain, root="S0", sleep=clock.sleep, tactic_cost_s=1.0),
        generator,
        config=SearchConfig(time_limit_s=10),
        schedule=schedule,
        clock=clock,
    )
    counts = [batch[0].num_candidates for batch in generator.batches]
    assert counts[0] == 8 and counts[-1] < counts[0]
    assert counts == sorted(counts, reverse=True)


def test_dynamic_width_is_the_number_of_samples_asked_of_the_language_model(
    stub_server: Callable[..., Any],
) -> None:
    """Through the engine, the schedule's k reaches the OpenAI request's n (a real loopback
    HTTP server): the language model samples fewer completions as time passes."""

    def reply(tactic: str) -> tuple[int, bytes]:
        choice = {
            "index": 0,
            "text": tactic,
            "finish_reason": "stop",
            "logprobs": {"tokens": [tactic], "token_logprobs": [-0.5]},
        }
        return 200, json.dumps({"choices": [choice]}).encode()

    chain = {f"S{i}": {f"t{i}": f"S{i + 1}"} for i in range(8)}
    stub = stub_server([reply(f"t{i}") for i in range(8)])
    generator = OpenAIGenerator(
        api_base=stub.url,
        model="m",
        template=get_template("reprover"),
        language="coq",
        sampling=SamplingSettings(),
        http=HttpSettings(request_timeout_s=10),
    )
    clock = FakeClock()
    best_first_search(
        Theorem(name="t", header="", statement="t"),
        ScriptedEnvironment(chain, root="S0", sleep=clock.sleep, tactic_cost_s=1.0),
        generator,
        config=SearchConfig(time_limit_s=8),
        schedule=DynamicSchedule(min_candidates=2, max_candidates=16, near_steps=None),
        clock=clock,
    )
    samples = [body["n"] for body in stub.received]
    assert samples[0] == 16 and samples[-1] < 16 and len(samples) >= 4
    assert samples == sorted(samples, reverse=True)
