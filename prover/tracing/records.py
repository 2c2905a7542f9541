"""The values a trace is made of: one proof step, one declaration's status, one file's trace.

Field names are the row fields of the trace data (``steps.jsonl.gz`` and
``theorems.jsonl``, see docs/tracing.md); the output writers add ``split``. The step row is
defined once, beside its reader, in :mod:`models.trace_data`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from models.trace_data import TracedStep

__all__ = ["SourceTrace", "TheoremStatus", "TracedStep"]

STATUS_TRACED = "traced"
STATUS_SKIPPED = "skipped"


@dataclass(frozen=True, kw_only=True)
class TheoremStatus:
    """A proof-bearing declaration: traced, or skipped with the reason.

    ``reason`` is None when traced, else e.g. ``"Admitted"``, ``"term-mode proof"`` or
    Coq's error. ``ending`` is the sentence that closed it (``Qed``, ``Defined``...),
    ``statement`` the declaring sentence (comments removed), ``line`` where it starts.
    """

    library: str
    file: str
    theorem: str
    status: str
    reason: str | None
    proof_length: int | None
    ending: str | None
    statement: str
    line: int

    def row(self) -> dict[str, Any]:
        """The status as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class SourceTrace:
    """What replaying one source gave: steps, declarations, and a file-level error if any.

    ``error`` is set when the replay had to stop (Coq rejected a command outside a
    proof, coqtop crashed or hung): everything traced before that point is kept.
    """

    steps: list[TracedStep] = field(default_factory=list)
    theorems: list[TheoremStatus] = field(default_factory=list)
    error: str | None = None
    sentences: int = 0
    elapsed_s: float = 0.0
