"""The library entry point: trace a Coq text (e.g. the header of a ``--file`` theorem)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prover.tracing.benchmark_filter import benchmark_statement_keys
from prover.tracing.records import SourceTrace
from prover.tracing.replay import SourceIdentity, replay_source
from prover.tracing.session import ReplaySettings

if TYPE_CHECKING:
    from prover.backends.coq.config import CoqConfig

__all__ = ["trace_source"]


def trace_source(
    text: str,
    *,
    coq: CoqConfig | None = None,
    library: str = "source",
    file: str = "<text>",
    module: str = "",
) -> SourceTrace:
    """Replay ``text`` in a real coqtop and return its proof steps and declarations.

    ``coq`` gives the coqtop binary, memory cap and time limits (its
    ``command_timeout_s`` bounds each sentence). Proofs of miniF2F-Coq statements are
    never returned as steps. A command Coq rejects outside a proof stops the replay:
    :attr:`SourceTrace.error` says where and why; steps traced before it are kept.
    Raises :class:`~search.errors.BackendUnavailable` if coqtop cannot start.
    """
    from prover.backends.coq.config import CoqConfig

    config = coq if coq is not None else CoqConfig()
    settings = ReplaySettings(
        coqtop_path=config.coqtop_path,
        memory_limit_mb=config.memory_limit_mb,
        start_timeout_s=config.start_timeout_s,
        sentence_timeout_s=config.command_timeout_s,
        excluded_statements=benchmark_statement_keys(),
        sandbox=config.sandbox,
    )
    identity = SourceIdentity(library=library, file=file, module=module)
    return replay_source(text, settings=settings, identity=identity)
