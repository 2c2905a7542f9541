"""The exact top-k index: same rows and scores as brute force, arrays round-trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.retrieval.index import FeatureIndex, idf_weights


def random_rows(generator: np.random.Generator, count: int, vocabulary: int) -> list[np.ndarray]:
    """Rows with Zipf-distributed features (a few very frequent, many rare), some repeated."""
    rows = []
    for _ in range(count):
        size = int(generator.integers(5, 60))
        features = np.unique(generator.zipf(1.3, size=size) % vocabulary).astype(np.int64)
        rows.append(features * 7919 - 10**12)
    rows.extend(rows[: count // 10])
    return rows


@pytest.fixture(scope="module")
def index_and_rows() -> tuple[FeatureIndex, list[np.ndarray]]:
    """A 2,200-row index over a skewed vocabulary."""
    rows = random_rows(np.random.default_rng(3), 2000, 5000)
    return FeatureIndex.build(rows), rows


def test_top_k_equals_brute_force(index_and_rows: tuple[FeatureIndex, list[np.ndarray]]) -> None:
    """For many queries and k, top_k returns brute force's rows and scores."""
    index, rows = index_and_rows
    generator = np.random.default_rng(11)
    weights_all = idf_weights(index.df, index.num_rows)
    for trial in range(60):
        query = (
            rows[int(generator.integers(len(rows)))]
            if trial % 2
            else random_rows(generator, 1, 5000)[0]
        )
        columns, present = index.columns_of(np.unique(query))
        columns = columns[present]
        weights = weights_all[columns]
        keep = weights > 0
        columns, weights = columns[keep], weights[keep]
        for k, budget, rerank, most in (
            (1, 50, 4, 8),
            (10, 500, 16, 64),
            (64, 20_000, 512, 2048),
            (10, 1, 1, 1),
        ):
            fast_rows, fast_scores = index.top_k(
                columns,
                weights,
                k,
                first_pass_postings=budget,
                first_rerank=rerank,
                max_contenders=most,
            )
            slow_rows, slow_scores = index.brute_force(columns, weights, k)
            assert list(fast_scores) == list(slow_scores)
            assert list(fast_rows) == list(slow_rows)


def test_a_row_retrieves_itself_and_its_duplicate_first(
    index_and_rows: tuple[FeatureIndex, list[np.ndarray]],
) -> None:
    """Querying a stored row finds it (and its exact copy) at the top with equal scores."""
    index, rows = index_and_rows
    columns, _ = index.columns_of(rows[5])
    weights = idf_weights(index.df, index.num_rows)[columns]
    found, scores = index.top_k(columns, weights, 2)
    assert set(found) == {5, 2005} and scores[0] == pytest.approx(scores[1])


def test_unknown_hashes_are_reported_absent(
    index_and_rows: tuple[FeatureIndex, list[np.ndarray]],
) -> None:
    """columns_of marks hashes outside the vocabulary as not present."""
    index, _ = index_and_rows
    _, present = index.columns_of(np.array([1, 2, 3], dtype=np.int64))
    assert not present.any()


def test_save_and_load_round_trip(
    tmp_path: Path, index_and_rows: tuple[FeatureIndex, list[np.ndarray]]
) -> None:
    """Saved arrays load back equal and answer queries identically."""
    index, rows = index_and_rows
    index.save(tmp_path / "index")
    loaded = FeatureIndex.load(tmp_path / "index")
    assert loaded.num_rows == index.num_rows
    assert np.array_equal(loaded.post_rows, index.post_rows)
    columns, _ = index.columns_of(rows[7])
    weights = idf_weights(index.df, index.num_rows)[columns]
    assert list(loaded.top_k(columns, weights, 5)[0]) == list(index.top_k(columns, weights, 5)[0])


def test_empty_query_and_empty_index_return_nothing() -> None:
    """No features or no rows give empty answers rather than errors."""
    index = FeatureIndex.build([np.array([1, 2], dtype=np.int64)])
    empty = np.zeros(0, dtype=np.int64)
    assert len(index.top_k(empty, np.zeros(0), 5)[0]) == 0
    assert FeatureIndex.build([]).num_rows == 0


def test_postings_budget_returns_exact_scores_of_good_rows(
    index_and_rows: tuple[FeatureIndex, list[np.ndarray]],
) -> None:
    """With a postings budget, returned rows carry their exact scores and a stored row still
    finds itself first (recall may drop, scores never lie)."""
    index, rows = index_and_rows
    weights_all = idf_weights(index.df, index.num_rows)
    for row in (3, 50, 700):
        columns, _ = index.columns_of(rows[row])
        weights = weights_all[columns]
        found, scores = index.top_k(columns, weights, 10, max_postings=200, first_pass_postings=50)
        assert found[0] in (row, row + 2000)
        _, all_scores = index.brute_force(columns, weights, index.num_rows)
        exact = dict(zip(*index.brute_force(columns, weights, index.num_rows), strict=True))
        assert [exact[r] for r in found] == list(scores)
        assert scores[0] == all_scores[0]
