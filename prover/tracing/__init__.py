"""Tracing Coq proofs into (state, tactic, remaining steps) data: ``prover trace``.

:func:`trace_source` replays a Coq text in a real coqtop through the project's own
driver; :mod:`prover.tracing.batch` runs whole libraries into a trace directory.
"""

from prover.tracing.api import trace_source
from prover.tracing.records import SourceTrace, TheoremStatus, TracedStep

__all__ = ["SourceTrace", "TheoremStatus", "TracedStep", "trace_source"]
