"""Progress dataset: trace rows keep their file split, proof so far, rebalancing, dedup."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from models.progress.data import (
    LEANPROGRESS_RATIOS,
    NO_REBALANCING,
    RUN_SOURCE_PREFIX,
    ProgressExample,
    bucket_name,
    deduplicate,
    examples_by_split,
    parse_ratios,
    path_examples,
    rebalance,
    sample_examples,
    trace_examples,
)
from search.errors import ConfigError, InputError
from tests.models.progress.conftest import FIXTURE_TRACE, trace_copy


def test_trace_rows_keep_their_file_split_and_labels() -> None:
    """Every trace row is an example with the trace's split; no file lies in two splits."""
    examples = trace_examples(FIXTURE_TRACE)
    splits = examples_by_split(examples)
    assert all(splits[name] for name in ("train", "valid", "test"))
    files = {name: {e.file for e in group} for name, group in splits.items()}
    assert not files["train"] & files["valid"]
    assert not files["train"] & files["test"]
    assert not files["valid"] & files["test"]
    assert "stdlib:QArith/Qreals.v" in files["test"]
    assert all(e.remaining_steps >= 1 for e in examples)
    assert all(e.source == f"trace:{FIXTURE_TRACE}" for e in examples)


def test_trace_proof_so_far_is_rebuilt_from_earlier_rows() -> None:
    """Step k of a proof sees the k earlier tactics, in order, and its label is length − k."""
    examples = trace_examples(FIXTURE_TRACE)
    proof = sorted(
        (e for e in examples if e.theorem == "stdlib:Arith/Between.v:between_Sk_l"),
        key=lambda e: len(e.proof_so_far),
    )
    assert [e.remaining_steps for e in proof] == [3, 2, 1]
    assert proof[1].proof_so_far == (proof[2].proof_so_far[0],)
    assert proof[0].proof_so_far == ()
    assert all(e.proof_length == 3 for e in proof)


def test_a_focused_trace_state_is_learned_with_the_goals_outside_the_focus(
    tmp_path: Path,
) -> None:
    """The example's state is every goal left (the search never focuses), not the focus alone."""

    def tag(row: dict[str, object]) -> bool:
        row["unfocused"] = "⊢ 0 + b = b"
        return True

    examples = trace_examples(trace_copy(tmp_path, keep=tag))
    assert examples and all(e.state.endswith("\n\n⊢ 0 + b = b") for e in examples)


def test_trace_without_manifest_is_one_error_naming_it(tmp_path: Path) -> None:
    """A directory without manifest.json is refused with its path in the message."""
    trace = trace_copy(tmp_path)
    (trace / "manifest.json").unlink()
    with pytest.raises(InputError, match=f"{trace}: not a trace directory"):
        trace_examples(trace)


def test_trace_splits_can_be_chosen() -> None:
    """Only the requested splits are read."""
    examples = trace_examples(FIXTURE_TRACE, splits=("test",))
    assert examples and {e.split for e in examples} == {"test"}


def test_path_examples_label_n_minus_i() -> None:
    """State i of an n-step proof is labelled n − i, with the tactics before it."""
    examples = path_examples(theorem="t", states=["a", "b"], tactics=["x", "y"], source="s")
    assert [(e.remaining_steps, e.proof_so_far) for e in examples] == [(2, ()), (1, ("x",))]
    assert {e.split for e in examples} == {"train"}
    with pytest.raises(InputError, match="2 states for 1 tactics"):
        path_examples(theorem="t", states=["a", "b"], tactics=["x"], source="s")


def test_bad_split_is_rejected() -> None:
    """An example's split is one of the trace's."""
    with pytest.raises(ConfigError, match="split"):
        ProgressExample(
            state="s", proof_so_far=(), remaining_steps=1, theorem="t", source="x", split="heldout"
        )


def test_leanprogress_ratios_and_custom_spec() -> None:
    """The paper's bucket ratios are the defaults of 'leanprogress'; specs parse and validate."""
    assert [LEANPROGRESS_RATIOS.ratio(n) for n in (1, 5, 6, 12, 20, 21, 99)] == [
        0.01,
        0.01,
        0.3,
        0.5,
        0.7,
        1.0,
        1.0,
    ]
    custom = parse_ratios("1-2:0.5,3+:1")
    assert custom.ratio(2) == 0.5 and custom.ratio(30) == 1.0
    assert parse_ratios(custom.describe()) == custom
    assert parse_ratios("none") == NO_REBALANCING
    with pytest.raises(ConfigError, match="rebalance"):
        parse_ratios("1-5=0.3")
    with pytest.raises(ConfigError, match="must lie in"):
        parse_ratios("1-5:1.5")
    assert [bucket_name(n) for n in (1, 6, 15, 21)] == ["1-5", "6-10", "11-15", "21+"]


def trajectory(name: str, length: int) -> list[ProgressExample]:
    """One proof of ``length`` steps as examples."""
    return [
        ProgressExample(
            state=f"{name}{i}",
            proof_so_far=("t",) * i,
            remaining_steps=length - i,
            theorem=name,
            source="x",
        )
        for i in range(length)
    ]


def test_rebalance_keeps_long_proofs_and_samples_short_ones() -> None:
    """Ratio 1 keeps everything, ratio 0 drops everything, 0.5 keeps about half, by theorem."""
    short = [e for i in range(400) for e in trajectory(f"s{i}", 2)]
    long = trajectory("long", 22)
    kept = rebalance(short + long, parse_ratios("1-5:0.5,21+:1"), seed=0)
    kept_short = {e.theorem for e in kept if e.theorem != "long"}
    assert 150 < len(kept_short) < 250
    assert all(len([e for e in kept if e.theorem == t]) == 2 for t in kept_short)
    assert len([e for e in kept if e.theorem == "long"]) == 22
    assert rebalance(short, parse_ratios("1-5:0"), seed=0) == []
    assert rebalance(short, NO_REBALANCING, seed=0) == short


def test_rebalance_uses_the_traced_proof_length() -> None:
    """A trace row whose earlier steps were de-duplicated away keeps its proof's bucket."""
    row = ProgressExample(
        state="s", proof_so_far=(), remaining_steps=1, theorem="t", source="x", total_steps=30
    )
    assert row.proof_length == 30
    assert rebalance([row], parse_ratios("1-5:0,21+:1"), seed=0) == [row]


def test_sample_is_seeded_and_bounded() -> None:
    """At most N examples, the same ones for the same seed."""
    examples = [e for i in range(50) for e in trajectory(f"p{i}", 3)]
    first = sample_examples(examples, 40, seed=1)
    assert len(first) == 40 and first == sample_examples(examples, 40, seed=1)
    assert first != sample_examples(examples, 40, seed=2)
    assert sample_examples(examples, None, seed=0) == examples


def test_sample_keeps_every_state_of_the_provers_own_proofs() -> None:
    """A sample sized for the trace still holds all run states, and they count towards N."""
    traced = [e for i in range(50) for e in trajectory(f"p{i}", 3)]
    own = [dataclasses.replace(e, source=f"{RUN_SOURCE_PREFIX}runs/a") for e in trajectory("q", 4)]
    sampled = sample_examples(traced + own, 20, seed=1)
    assert len(sampled) == 20
    assert all(e in sampled for e in own)
    assert sum(e.source.startswith(RUN_SOURCE_PREFIX) for e in sampled) == len(own)


def test_duplicate_states_keep_smallest_label() -> None:
    """The same (split, theorem, state, proof) twice appears once, with the shorter label."""
    first = trajectory("dup", 2)
    second = [
        ProgressExample(state="dup0", proof_so_far=(), remaining_steps=1, theorem="dup", source="y")
    ]
    kept = [e for e in deduplicate(first + second) if e.state == "dup0"]
    assert [e.remaining_steps for e in kept] == [1]
    assert json.loads(json.dumps(kept[0].to_dict()))["remaining_steps"] == 1
