"""Tests of the frontier: priority order, deterministic ties, skipping, batches, alternation."""

from __future__ import annotations

import math

from search.frontier import Frontier


def test_pops_highest_priority_first() -> None:
    """Keys pop in descending priority order."""
    frontier = Frontier()
    for key, priority in (("low", -3.0), ("high", -0.5), ("mid", -1.0)):
        frontier.push(key, priority)
    assert [frontier.pop(), frontier.pop(), frontier.pop()] == ["high", "mid", "low"]
    assert frontier.pop() is None


def test_ties_pop_in_insertion_order() -> None:
    """Equal priorities pop in the order they were pushed."""
    frontier = Frontier()
    for key in ("c", "a", "b"):
        frontier.push(key, 1.0)
    assert frontier.pop_batch(3) == ["c", "a", "b"]


def test_ineligible_keys_are_skipped() -> None:
    """Keys rejected by the predicate (e.g. no longer OPEN) are dropped when popped."""
    closed = {"b"}
    frontier = Frontier(lambda key: key not in closed)
    frontier.push("a", 0.0)
    frontier.push("b", 5.0)
    assert frontier.pop() == "a"
    assert frontier.pop() is None


def test_push_again_supersedes_old_entry() -> None:
    """Re-pushing a key replaces its priority and the key pops only once."""
    frontier = Frontier()
    frontier.push("a", 0.0)
    frontier.push("b", 1.0)
    frontier.push("a", 2.0)
    assert len(frontier) == 2
    assert frontier.pop_batch(5) == ["a", "b"]
    assert len(frontier) == 0


def test_pop_batch_limits_size() -> None:
    """pop_batch returns at most the requested number of keys, best first."""
    frontier = Frontier()
    for index in range(5):
        frontier.push(f"k{index}", float(index))
    assert frontier.pop_batch(2) == ["k4", "k3"]
    assert "k2" in frontier and "k4" not in frontier


def test_nan_priority_sorts_last() -> None:
    """A NaN priority is treated as -inf instead of corrupting the order."""
    frontier = Frontier()
    frontier.push("nan", math.nan)
    frontier.push("ok", -100.0)
    assert frontier.pop_batch(2) == ["ok", "nan"]


def test_second_order_pops_in_turn_with_the_first() -> None:
    """Keys pushed with a second priority pop alternately by each order, first order first."""
    frontier = Frontier()
    for key, first, second in (("a", 3.0, 0.0), ("b", 2.0, 1.0), ("c", 1.0, 2.0), ("d", 0.0, 3.0)):
        frontier.push(key, first, second)
    assert frontier.pop_batch(4) == ["a", "d", "b", "c"]


def test_a_key_popped_from_one_order_is_gone_from_the_other() -> None:
    """Each key pops once although it sits in both orders."""
    frontier = Frontier()
    frontier.push("both", 5.0, 5.0)
    frontier.push("other", 1.0, 1.0)
    assert frontier.pop_batch(5) == ["both", "other"]
    assert frontier.pop() is None and len(frontier) == 0


def test_an_empty_second_order_leaves_the_turn_to_the_first() -> None:
    """Keys without a second priority pop in the first order when the second order is empty."""
    frontier = Frontier()
    frontier.push("x", 1.0, 9.0)
    frontier.push("y", 3.0)
    frontier.push("z", 2.0)
    assert frontier.pop_batch(3) == ["y", "x", "z"]


def test_repush_without_second_priority_drops_the_old_second_entry() -> None:
    """A key re-pushed with one priority no longer pops through its stale second entry."""
    frontier = Frontier()
    frontier.push("k", 0.0, 100.0)
    frontier.push("best", 10.0, 0.0)
    frontier.push("k", -5.0)
    frontier.push("m", -1.0, 1.0)
    assert frontier.pop_batch(3) == ["best", "m", "k"]
