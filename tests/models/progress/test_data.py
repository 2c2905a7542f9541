"""Progress dataset: labels from search results and traces, theorem splits, rebalancing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.progress.data import (
    LEANPROGRESS_RATIOS,
    NO_REBALANCING,
    ProgressExample,
    bucket_name,
    load_examples,
    parse_ratios,
    rebalance,
    split_by_theorem,
    split_of,
)
from search.errors import ConfigError, InputError
from tests.models.progress.conftest import failed_record, proved_record, write_jsonl

SHARED_TRACED = (
    Path(__file__).resolve().parents[2] / "fakes" / "data" / "traced_tactics_sample.jsonl"
)


def test_results_labels_are_remaining_steps_of_proved_nodes(run_dir: Path) -> None:
    """Each proved node becomes an example with its recorded remaining steps and theorem."""
    examples = load_examples([run_dir])
    by_state = {e.state: e for e in examples}
    assert by_state["thm_3 state 0"].remaining_steps == 4
    assert by_state["thm_3 state 3"].remaining_steps == 1
    assert by_state["thm_3 state 3"].proof_so_far == ("tac0", "tac1", "tac2")
    assert by_state["thm_3 side"].remaining_steps == 1
    assert {e.theorem for e in examples} == {f"thm_{i}" for i in range(8)}
    assert all(e.source.startswith("search:") for e in examples)


def test_results_without_proved_nodes_fall_back_to_proof_path(tmp_path: Path) -> None:
    """Records carrying only proof/proof_states label state i of an n-step proof with n − i."""
    record = proved_record("only_path", ["a", "b", "c"])
    record["proved_nodes"] = []
    path = write_jsonl(tmp_path / "r" / "results.jsonl", [record])
    examples = sorted(load_examples([path.parent]), key=lambda e: -e.remaining_steps)
    assert [(e.state, e.remaining_steps, e.proof_so_far) for e in examples] == [
        ("only_path state 0", 3, ()),
        ("only_path state 1", 2, ("a",)),
        ("only_path state 2", 1, ("a", "b")),
    ]


def test_sharded_run_directory_is_read(tmp_path: Path) -> None:
    """A run split over shard-*/results.jsonl contributes every shard's proofs."""
    write_jsonl(tmp_path / "run" / "shard-0" / "results.jsonl", [proved_record("x", ["a"])])
    write_jsonl(tmp_path / "run" / "shard-1" / "results.jsonl", [proved_record("y", ["b"])])
    assert {e.theorem for e in load_examples([tmp_path / "run"])} == {"x", "y"}


def test_traced_file_keeps_shortest_finished_trace(traced_file: Path) -> None:
    """Traces label step l of n with n − l, keep the shortest per theorem, skip unfinished."""
    examples = load_examples([traced_file])
    by_theorem: dict[str, list[tuple[str, int, tuple[str, ...]]]] = {}
    for e in examples:
        by_theorem.setdefault(e.theorem, []).append((e.state, e.remaining_steps, e.proof_so_far))
    assert sorted(by_theorem["lemma_a"]) == [("⊢ a", 2, ()), ("⊢ z", 1, ("s1",))]
    assert by_theorem["lemma_b"] == [("⊢ p", 1, ())]
    assert "lemma_unfinished" not in by_theorem
    assert examples[0].to_dict()["source"].startswith("traced:")


@pytest.mark.skipif(not SHARED_TRACED.is_file(), reason="shared fixture missing")
def test_shared_traced_fixture_parses_only() -> None:
    """The shared miniF2F-test traces parse (a parsing check; never used as training data)."""
    examples = load_examples([SHARED_TRACED])
    assert len({e.theorem for e in examples}) > 50
    assert all(e.remaining_steps >= 1 and e.state for e in examples)


def test_empty_or_unlabelled_inputs_raise_naming_the_path(tmp_path: Path) -> None:
    """No proofs, an empty file, a missing path or a bad label give InputError naming it."""
    failed = write_jsonl(tmp_path / "f" / "results.jsonl", [failed_record("x")])
    with pytest.raises(InputError, match=str(failed.parent)):
        load_examples([failed.parent])
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(InputError, match=r"empty\.jsonl"):
        load_examples([empty])
    with pytest.raises(InputError, match="nowhere"):
        load_examples([tmp_path / "nowhere"])
    bad = proved_record("bad", ["a"])
    bad["proved_nodes"][0]["remaining_steps"] = 0
    write_jsonl(tmp_path / "b" / "results.jsonl", [bad])
    with pytest.raises(InputError, match="remaining_steps 0"):
        load_examples([tmp_path / "b"])
    other = write_jsonl(tmp_path / "other.jsonl", [{"hello": 1}])
    with pytest.raises(InputError, match=r"other.jsonl:1"):
        load_examples([other])
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("{not json\n")
    with pytest.raises(InputError, match="not JSON"):
        load_examples([garbage])


def test_split_is_by_theorem_and_seeded(run_dir: Path) -> None:
    """No theorem lies in both splits; the split depends on the seed only through hashing."""
    examples = load_examples([run_dir])
    train, heldout = split_by_theorem(examples, seed=3, heldout_fraction=0.3)
    assert train and heldout
    assert not {e.theorem for e in train} & {e.theorem for e in heldout}
    assert len(train) + len(heldout) == len(examples)
    again, _ = split_by_theorem(examples, seed=3, heldout_fraction=0.3)
    assert again == train
    assert split_of("thm_1", seed=3, heldout_fraction=0.3) == split_of(
        "thm_1", seed=3, heldout_fraction=0.3
    )
    with pytest.raises(ConfigError, match="heldout_fraction"):
        split_by_theorem(examples, seed=0, heldout_fraction=1.0)


def test_split_of_two_theorems_gives_both_sides() -> None:
    """With only two theorems each split still gets one, whatever the hash says."""
    examples = [
        ProgressExample(state="s", proof_so_far=(), remaining_steps=1, theorem=t, source="x")
        for t in ("a", "b")
    ]
    for seed in range(5):
        train, heldout = split_by_theorem(examples, seed=seed, heldout_fraction=0.01)
        assert len(train) == 1 and len(heldout) == 1


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


def test_rebalance_keeps_long_proofs_and_samples_short_ones() -> None:
    """Ratio 1 keeps everything, ratio 0 drops everything, 0.5 keeps about half, by theorem."""

    def trajectory(name: str, length: int) -> list[ProgressExample]:
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

    short = [e for i in range(400) for e in trajectory(f"s{i}", 2)]
    long = trajectory("long", 22)
    kept = rebalance(short + long, parse_ratios("1-5:0.5,21+:1"), seed=0)
    kept_short = {e.theorem for e in kept if e.theorem != "long"}
    assert 150 < len(kept_short) < 250
    assert all(len([e for e in kept if e.theorem == t]) == 2 for t in kept_short)
    assert len([e for e in kept if e.theorem == "long"]) == 22
    assert rebalance(short, parse_ratios("1-5:0"), seed=0) == []
    assert rebalance(short, NO_REBALANCING, seed=0) == short


def test_duplicate_states_keep_smallest_label(tmp_path: Path) -> None:
    """The same (theorem, state, proof) from two attempts appears once, with the shorter label."""
    first = proved_record("dup", ["a", "b"])
    second = proved_record("dup", ["a", "b"])
    second["proved_nodes"][0]["remaining_steps"] = 1
    write_jsonl(tmp_path / "d" / "results.jsonl", [first, second])
    examples = [e for e in load_examples([tmp_path / "d"]) if e.state == "dup state 0"]
    assert [e.remaining_steps for e in examples] == [1]
    assert json.loads(json.dumps(examples[0].to_dict()))["remaining_steps"] == 1
