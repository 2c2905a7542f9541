"""Tests of the frontier: priority order, deterministic ties, skipping and batches."""

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
