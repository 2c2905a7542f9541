"""One theorem attempt as recorded in ``results.jsonl`` (and the SQLite store)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from search.outcomes import Verification
from search.result import SearchResult, SearchStatus

__all__ = ["AttemptRecord", "attempt_seed", "record_from_search"]


def attempt_seed(base_seed: int, key: str, attempt: int) -> int:
    """A reproducible seed for attempt ``attempt`` of theorem ``key`` (sha256, never hash())."""
    digest = hashlib.sha256(f"{base_seed}\x00{key}\x00{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


@dataclass(frozen=True, kw_only=True)
class AttemptRecord:
    """The per-attempt fields every run writes; ``status`` is proved only when verified.

    ``time_s`` is the search after the theorem was opened; ``open_time_s`` the opening
    (header and statement, its own budget); ``verify_time_s`` the independent check.
    ``checked_by`` names the independent checks that ran and passed on the proof
    (e.g. ``["admission", "coqc", "coqchk"]``); empty when no proof was checked.
    """

    name: str
    attempt: int
    seed: int
    status: str
    proof: tuple[str, ...] | None
    proof_text: str | None
    verified: bool
    expansions: int
    time_s: float
    error: str | None
    split: str | None = None
    num_nodes: int = 0
    stop_reason: str | None = None
    generator_time_s: float = 0.0
    backend_time_s: float = 0.0
    scorer_time_s: float = 0.0
    overhead_time_s: float = 0.0
    verify_time_s: float = 0.0
    open_time_s: float = 0.0
    checked_by: tuple[str, ...] = ()
    search: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object written for this attempt."""
        return {
            "name": self.name,
            "attempt": self.attempt,
            "seed": self.seed,
            "split": self.split,
            "status": self.status,
            "proof": list(self.proof) if self.proof is not None else None,
            "proof_text": self.proof_text,
            "verified": self.verified,
            "expansions": self.expansions,
            "num_nodes": self.num_nodes,
            "time_s": round(self.time_s, 4),
            "generator_time_s": round(self.generator_time_s, 4),
            "backend_time_s": round(self.backend_time_s, 4),
            "scorer_time_s": round(self.scorer_time_s, 4),
            "overhead_time_s": round(self.overhead_time_s, 4),
            "verify_time_s": round(self.verify_time_s, 4),
            "open_time_s": round(self.open_time_s, 4),
            "checked_by": list(self.checked_by),
            "stop_reason": self.stop_reason,
            "error": self.error,
            "proof_states": self.search.get("proof_states", []),
            "proved_nodes": self.search.get("proved_nodes", []),
        }


def record_from_search(
    *,
    name: str,
    attempt: int,
    seed: int,
    split: str | None,
    result: SearchResult,
    verification: Verification | None,
) -> AttemptRecord:
    """Combine a search result and its independent verification into one record.

    A search that claims a proof counts as proved only if ``verification.ok``;
    otherwise it is recorded as failed with the verifier's message.
    """
    status, error, verified = _status(result, verification)
    return AttemptRecord(
        name=name,
        attempt=attempt,
        seed=seed,
        split=split,
        status=status,
        proof=result.proof,
        proof_text=verification.proof_text if verified and verification else None,
        verified=verified,
        expansions=result.expansions,
        num_nodes=result.num_nodes,
        time_s=result.time_s,
        generator_time_s=result.generator_time_s,
        backend_time_s=result.backend_time_s,
        scorer_time_s=result.scorer_time_s,
        overhead_time_s=result.overhead_time_s,
        verify_time_s=verification.time_s if verification else 0.0,
        open_time_s=result.open_time_s,
        checked_by=verification.checks if verification else (),
        stop_reason=result.stop_reason.value,
        error=error,
        search=result.to_dict(),
    )


def _status(
    result: SearchResult, verification: Verification | None
) -> tuple[str, str | None, bool]:
    if result.status is SearchStatus.ERROR:
        return "error", result.error, False
    if result.status is SearchStatus.FAILED:
        return "failed", result.error, False
    if verification is None or not verification.ok:
        message = verification.message if verification else "not verified"
        return "failed", f"verification failed: {message}", False
    return "proved", None, True
