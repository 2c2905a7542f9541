"""The embedding alternative to hashed features: MiniLM sentence vectors, cosine neighbours.

Used to measure which state representation retrieves better (``benchmarks/knn_offline.py``):
each state text is embedded with :class:`models.encoder.TextEncoder` (all-MiniLM-L6-v2,
L2-normalised), neighbours are the rows of highest cosine similarity, and their tactics are
adapted and merged exactly as :class:`~models.retrieval.retriever.Retriever` does (``max``
aggregation), so only the representation differs between the two.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from models.encoder import TextEncoder
from models.retrieval.adaptation import adapt_tactic
from models.retrieval.state_text import parse_state_text

__all__ = ["EmbeddingRetriever", "embed_texts"]

logger = logging.getLogger(__name__)


def embed_texts(
    encoder: TextEncoder, texts: Sequence[str], *, batch_size: int = 64
) -> NDArray[np.float32]:
    """Unit-norm embeddings of ``texts`` (one row each), computed in batches."""
    rows: list[list[float]] = []
    started = time.monotonic()
    for start in range(0, len(texts), batch_size):
        rows.extend(encoder.encode_batch(texts[start : start + batch_size]))
        if (start // batch_size) % 50 == 0:
            logger.info(
                "embedded %d/%d (%.0f s)", len(rows), len(texts), time.monotonic() - started
            )
    matrix = np.asarray(rows, dtype=np.float32).reshape(len(texts), -1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix / np.maximum(norms, 1e-12), dtype=np.float32)


class EmbeddingRetriever:
    """Cosine nearest neighbours over embedded training states."""

    def __init__(
        self,
        embeddings: NDArray[np.float32],
        states: Sequence[str],
        tactics: Sequence[str],
        *,
        neighbours: int = 64,
    ) -> None:
        if not len(embeddings) == len(states) == len(tactics):
            raise ValueError("embeddings, states and tactics must have one row each")
        self.embeddings = embeddings
        self.states = list(states)
        self.tactics = list(tactics)
        self.neighbours = neighbours

    def ranked_tactics(
        self, query_text: str, query: NDArray[np.float32], *, limit: int
    ) -> list[str]:
        """Adapted, merged tactics of the nearest rows to ``query`` (its embedding)."""
        similarities = self.embeddings @ query
        count = min(self.neighbours, len(similarities))
        if count == 0:
            return []
        nearest = np.argpartition(-similarities, count - 1)[:count]
        nearest = nearest[np.lexsort((nearest, -similarities[nearest]))]
        goals = parse_state_text(query_text)
        if not goals:
            return []
        ranked: list[str] = []
        for row in nearest:
            source = parse_state_text(self.states[row])
            tactic = adapt_tactic(
                self.tactics[row], source=source[0] if source else None, target=goals[0]
            )
            if tactic is not None and tactic not in ranked:
                ranked.append(tactic)
            if len(ranked) >= limit:
                break
        return ranked
