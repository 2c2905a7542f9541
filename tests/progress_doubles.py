"""A progress-model test double shared by the progress and server tests."""

from __future__ import annotations

from collections.abc import Sequence


class ContextRecordingModel:
    """A progress model trained with file context (or not, with ``uses_file_context=False``).

    It predicts the number of proofs above the theorem, so a test sees the context each
    call was made under; ``contexts_seen`` records them in order.
    """

    input_format = "state"
    n_max = 10

    def __init__(self, *, uses_file_context: bool = True) -> None:
        self.uses_file_context = uses_file_context
        self.context: tuple[int, ...] = ()
        self.contexts_seen: list[tuple[int, ...]] = []

    def set_file_context(self, proof_lengths: Sequence[int]) -> None:
        self.context = tuple(proof_lengths)

    def predict_remaining_steps(
        self, states: Sequence[str], proofs_so_far: Sequence[Sequence[str]]
    ) -> list[float]:
        self.contexts_seen.append(self.context)
        return [float(len(self.context))] * len(states)
