"""The header whitelists of ``/search`` requests: what a request's header may contain.

A request is untrusted (docs/serving.md), so its header is checked before any of it
reaches the proof assistant, and the checks fail closed: :mod:`.coq` reads a Coq header
sentence by sentence, :mod:`.lean` a Lean header command by command, and both refuse
what they do not allow with :class:`HeaderRefused` (:mod:`.refusal`), naming it.
"""

from __future__ import annotations

from prover.interactive.headers.coq import (
    COQ_FORBIDDEN_WORDS,
    COQ_SETTINGS,
    check_coq_header,
    coq_code,
    coq_forbidden,
    runs_tactics,
)
from prover.interactive.headers.inspection import inspected_coq_header
from prover.interactive.headers.lean import (
    LEAN_ATTRIBUTES,
    LEAN_FORBIDDEN_WORDS,
    LEAN_OPTIONS,
    check_lean_header,
    lean_code,
    lean_forbidden,
)
from prover.interactive.headers.refusal import HeaderRefused

__all__ = [
    "COQ_FORBIDDEN_WORDS",
    "COQ_SETTINGS",
    "LEAN_ATTRIBUTES",
    "LEAN_FORBIDDEN_WORDS",
    "LEAN_OPTIONS",
    "HeaderRefused",
    "check_coq_header",
    "check_lean_header",
    "coq_code",
    "coq_forbidden",
    "inspected_coq_header",
    "lean_code",
    "lean_forbidden",
    "runs_tactics",
]
