"""One loaded progress model shared by concurrent searches, each with its own file context.

A server loads its progress model once and answers many requests at a time. A model
trained with file context (:mod:`models.progress.file_context`) keeps the context as
state, set before predicting; two searches of different files setting it on the same
model would predict under each other's context. :class:`SharedPredictor` is what one
search holds instead: a view of the shared model with the search's own context, whose
calls take the model's lock, set the context, predict and put the empty context back, so
a call made without a view (``/progress``, which has no file) sees none.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from models.progress.file_context import context_user
from models.progress.protocol import ProgressPredictor

__all__ = ["SharedPredictor"]


class SharedPredictor:
    """A search's view of a shared predictor: its own file context, calls under ``lock``.

    Implements :class:`~models.progress.protocol.ProgressPredictor` and
    :class:`~models.progress.file_context.FileContextual`, so a
    :class:`~models.progress.scorer.ProgressScorer` takes it as it takes a model.
    """

    def __init__(self, predictor: ProgressPredictor, *, lock: threading.Lock) -> None:
        self.predictor = predictor
        self.lock = lock
        self._context: tuple[int, ...] = ()

    @property
    def input_format(self) -> str:
        """The shared model's input format."""
        return self.predictor.input_format

    @property
    def n_max(self) -> int:
        """The shared model's N_max."""
        return self.predictor.n_max

    @property
    def uses_file_context(self) -> bool:
        """Whether the shared model's predictions depend on the proofs above the theorem."""
        return context_user(self.predictor) is not None

    @property
    def file_context(self) -> tuple[int, ...]:
        """The lengths of the proofs above this search's theorem (empty: none known)."""
        return self._context

    def set_file_context(self, proof_lengths: Sequence[int]) -> None:
        """Predict from now on under these proofs above (this view only)."""
        self._context = tuple(proof_lengths)

    def predict_remaining_steps(
        self, states: Sequence[str], proofs_so_far: Sequence[Sequence[str]]
    ) -> list[float]:
        """The shared model's predictions under this view's context, one caller at a time."""
        with self.lock:
            contextual = context_user(self.predictor)
            if contextual is None:
                return self.predictor.predict_remaining_steps(states, proofs_so_far)
            contextual.set_file_context(self._context)
            try:
                return self.predictor.predict_remaining_steps(states, proofs_so_far)
            finally:
                contextual.set_file_context(())
