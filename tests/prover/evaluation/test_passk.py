"""Tests of the unbiased pass@k estimator and its confidence intervals."""

from __future__ import annotations

import math

import pytest

from prover.evaluation.passk import bootstrap_interval, mean_pass_at_k, pass_at_k, wilson_interval
from search.errors import ConfigError


def test_pass_at_1_is_the_success_fraction() -> None:
    """pass@1 equals c/n."""
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(5, 0, 1) == 0.0


def test_hand_computed_cases_match_the_binomial_form() -> None:
    """1 - C(n-c,k)/C(n,k) for small hand-checked cases."""
    # n=4, c=1, k=2: 1 - C(3,2)/C(4,2) = 1 - 3/6 = 0.5
    assert pass_at_k(4, 1, 2) == pytest.approx(0.5)
    # n=5, c=2, k=2: 1 - C(3,2)/C(5,2) = 1 - 3/10 = 0.7
    assert pass_at_k(5, 2, 2) == pytest.approx(0.7)
    # n=10, c=1, k=10: the only correct attempt is always drawn
    assert pass_at_k(10, 1, 10) == 1.0
    for n, c, k in [(7, 3, 4), (20, 5, 8), (16, 2, 3)]:
        expected = 1 - math.comb(n - c, k) / math.comb(n, k)
        assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


def test_large_n_is_numerically_stable() -> None:
    """The product form stays in [0, 1] and matches exact big-integer binomials."""
    n, c, k = 1000, 7, 100
    exact = 1 - math.comb(n - c, k) / math.comb(n, k)
    value = pass_at_k(n, c, k)
    assert 0.0 <= value <= 1.0
    assert value == pytest.approx(exact, rel=1e-9)


def test_n_minus_c_below_k_gives_one() -> None:
    """When fewer than k attempts failed, any k-draw contains a success."""
    assert pass_at_k(5, 4, 2) == 1.0


@pytest.mark.parametrize(("n", "c", "k"), [(0, 0, 1), (3, 4, 1), (3, 1, 0), (3, 1, 4)])
def test_invalid_arguments_are_refused(n: int, c: int, k: int) -> None:
    """Out-of-range n, c, k raise a ConfigError naming them."""
    with pytest.raises(ConfigError, match=f"n={n}, c={c}, k={k}"):
        pass_at_k(n, c, k)


def test_mean_over_theorems_counts_every_theorem() -> None:
    """A theorem with no success still counts in the denominator."""
    assert mean_pass_at_k([(4, 4), (4, 0)], 1) == pytest.approx(0.5)
    assert mean_pass_at_k([], 1) == 0.0


def test_bootstrap_interval_is_reproducible_and_contains_the_mean() -> None:
    """Same seed, same interval; the point estimate lies inside it."""
    counts = [(4, c) for c in (0, 1, 2, 3, 4, 0, 0, 1)]
    first = bootstrap_interval(counts, 1, seed=3)
    second = bootstrap_interval(counts, 1, seed=3)
    assert first == second
    assert first.low <= mean_pass_at_k(counts, 1) <= first.high
    assert first.low < first.high


def test_wilson_interval_known_value() -> None:
    """Wilson 95% interval of 5/10 is about [0.237, 0.763]."""
    interval = wilson_interval(5, 10)
    assert interval.low == pytest.approx(0.2366, abs=1e-3)
    assert interval.high == pytest.approx(0.7634, abs=1e-3)
    assert wilson_interval(0, 0).high == 0.0


def test_theorem_source_groups_competitions() -> None:
    """amc12a/amc12b count as amc, aimeI/aimeII as aime, mathd stays mathd."""
    from prover.evaluation.summary import theorem_source

    assert theorem_source("amc12a_2002_p1") == "amc"
    assert theorem_source("amc12_2000_p5") == "amc"
    assert theorem_source("aimeII_2001_p3") == "aime"
    assert theorem_source("mathd_algebra_10") == "mathd"
    assert theorem_source("imo_1959_p1") == "imo"
