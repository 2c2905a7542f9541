"""Prompt templates: rendering per family and cutting a completion down to one tactic."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from models.language.completions import (
    Sample,
    SamplingSettings,
    candidates_from_samples,
    combined_seed,
    merge_candidates,
    score_tokens,
)
from models.language.prompts import TEMPLATE_NAMES, get_template
from search.errors import ConfigError
from search.protocols import GenerationRequest
from search.states import Candidate, Theorem


def test_reprover_prompt_is_goal_and_proofstep(
    request_factory: Callable[..., GenerationRequest],
) -> None:
    """The ReProver template is exactly [GOAL], the state text and [PROOFSTEP]."""
    request = request_factory(0)
    prompt = get_template("reprover").render(request, language="coq")
    assert prompt == f"[GOAL]\n{request.state.text}\n[PROOFSTEP]\n"


def test_deepseek_prompt_has_statement_proof_and_state(
    request_factory: Callable[..., GenerationRequest],
) -> None:
    """The DeepSeek template shows header, statement, proof so far and the state as a comment."""
    request = request_factory(1)
    prompt = get_template("deepseek").render(request, language="coq")
    assert prompt.index("Require Import Arith.") < prompt.index(request.theorem.statement)
    assert "```coq" in prompt and "  intros.\n" in prompt
    assert "(* tactic state:" in prompt and "a + b = b + a" in prompt
    assert prompt.endswith("\n  ")


def test_deepseek_prompt_includes_informal_statement_for_lean(
    request_factory: Callable[..., GenerationRequest],
) -> None:
    """An informal statement becomes a Lean comment before the formal statement."""
    base = request_factory(0)
    theorem = Theorem(
        name="t",
        header="import Mathlib",
        statement="theorem t : 1 = 1 := by",
        informal_statement="One equals one.",
    )
    request = GenerationRequest(
        theorem=theorem, state=base.state, proof_so_far=(), num_candidates=2, seed=0
    )
    prompt = get_template("deepseek").render(request, language="lean4")
    assert "```lean4" in prompt
    assert prompt.index("/- One equals one. -/") < prompt.index("theorem t : 1 = 1 := by")


def test_internlm_prompt_fields(request_factory: Callable[..., GenerationRequest]) -> None:
    """The InternLM template carries NAME, PROOF_BEFORE, STATE_BEFORE and ends at TACTIC."""
    request = request_factory(2)
    prompt = get_template("internlm").render(request, language="lean4")
    assert "NAME: t2" in prompt and "PROOF_BEFORE: intros." in prompt
    assert request.state.text in prompt
    assert prompt.endswith("---\nTACTIC: ")


@pytest.mark.parametrize(
    ("completion", "finish", "expected"),
    [
        ("  lia.\nauto.", "stop", "lia."),
        ("intros n.", "stop", "intros n."),
        ("   \n", "stop", None),
        ("", "stop", None),
        ("apply (foo", "length", None),
        ("lia.\nsimpl (", "length", "lia."),
        ("```", "stop", None),
    ],
)
def test_extract_cuts_to_one_tactic(completion: str, finish: str, expected: str | None) -> None:
    """First line stripped; empty dropped; truncated without newline dropped."""
    cut = get_template("deepseek").extract(completion, finish_reason=finish)
    assert (cut[0] if cut else None) == expected


def test_unknown_template_names_known_ones() -> None:
    """An unknown template name is a ConfigError listing the valid names."""
    with pytest.raises(ConfigError, match="reprover"):
        get_template("llama")
    assert set(TEMPLATE_NAMES) == {"reprover", "deepseek", "internlm"}


def test_score_mean_and_sum() -> None:
    """Mean is the average token log-probability and sum the total; empty scores 0."""
    assert score_tokens([-1.0, -3.0], "mean") == pytest.approx(-2.0)
    assert score_tokens([-1.0, -3.0], "sum") == pytest.approx(-4.0)
    assert score_tokens([], "mean") == 0.0


def test_candidates_merge_duplicates_and_score_only_kept_tokens() -> None:
    """Whitespace variants merge keeping the max; tokens after the cut do not count."""
    samples = [
        Sample(
            text="lia.", finish_reason="stop", token_logprobs=(-2.0, -2.0), token_texts=("li", "a.")
        ),
        Sample(
            text="  lia. ",
            finish_reason="stop",
            token_logprobs=(-0.5, -0.5, -0.5, -0.5),
            token_texts=("  ", "li", "a.", " "),
        ),
        Sample(
            text="auto.\nxx",
            finish_reason="length",
            token_logprobs=(-1.0, -9.0),
            token_texts=("auto.", "\nxx"),
        ),
    ]
    result = candidates_from_samples(samples, template=get_template("reprover"), score="mean")
    assert result == [Candidate(tactic="lia.", score=-0.5), Candidate(tactic="auto.", score=-1.0)]


def test_merge_candidates_sorts_descending_and_limits() -> None:
    """Merging sorts by descending score and a limit keeps the best ones."""
    merged = merge_candidates([Candidate(tactic="a", score=-3), Candidate(tactic="b", score=-1)])
    assert [c.tactic for c in merged] == ["b", "a"]
    samples = [
        Sample(text=t, finish_reason="stop", token_logprobs=(s,))
        for t, s in (("a", -1.0), ("b", -2.0), ("c", -3.0))
    ]
    limited = candidates_from_samples(
        samples, template=get_template("reprover"), score="sum", limit=2
    )
    assert [c.tactic for c in limited] == ["a", "b"]


def test_sampling_settings_validate_fields() -> None:
    """Invalid sampling values name the field and the value."""
    with pytest.raises(ConfigError, match=r"score.*'max'"):
        SamplingSettings(score="max")
    with pytest.raises(ConfigError, match="num_samples"):
        SamplingSettings(num_samples=0)
    assert SamplingSettings().samples_for(5) == 5
    assert SamplingSettings(num_samples=3).samples_for(5) == 3


def test_combined_seed_is_deterministic() -> None:
    """Equal seeds pass through; mixed seeds combine deterministically into 31 bits."""
    assert combined_seed([5, 5]) == 5
    assert combined_seed([1, 2]) == combined_seed([1, 2]) != combined_seed([2, 1])
    assert 0 <= combined_seed([1, 2]) < 2**31
