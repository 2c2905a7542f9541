"""One theorem attempt as recorded in ``results.jsonl`` and the SQLite store, typed end to end.

:class:`AttemptRecord` is the only representation of an attempt: the search and its
independent check produce it (:func:`record_from_search`), the stores write
:meth:`AttemptRecord.to_dict`, and every reader (evaluation, report, the results
database, training data) gets it back through :meth:`AttemptRecord.from_dict`, which
names the file, line and field of anything malformed.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from prover.backends.verifier_identity import verifier_fingerprint
from search.errors import InputError
from search.outcomes import Verification
from search.result import ProvedNode, SearchResult, SearchStatus

__all__ = ["STATUSES", "AttemptRecord", "attempt_seed", "record_from_search"]

#: ``proved`` only after the independent check passed; ``error``: the attempt could not run.
STATUSES = ("proved", "failed", "error")

_TIME_FIELDS = (
    "time_s",
    "generator_time_s",
    "backend_time_s",
    "scorer_time_s",
    "overhead_time_s",
    "verify_time_s",
    "open_time_s",
)


def attempt_seed(base_seed: int, key: str, attempt: int) -> int:
    """A reproducible seed for attempt ``attempt`` of theorem ``key`` (sha256, never hash())."""
    digest = hashlib.sha256(f"{base_seed}\x00{key}\x00{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


@dataclass(frozen=True, kw_only=True)
class AttemptRecord:
    """The fields every run writes for one attempt; ``status`` is proved only when verified.

    ``time_s`` is the search after the theorem was opened; ``open_time_s`` the opening
    (header and statement, its own budget); ``verify_time_s`` the independent check.
    ``checked_by`` names the independent checks that ran and passed on the proof (e.g.
    ``("admission", "coqc", "coqchk")``); empty when no proof was checked. ``axioms`` are
    the axioms coqchk listed for the verified proof's file (its summary is global: what the
    header and prelude load counts, used or not; all standard ones, or verification would
    have refused); empty for none or no verified proof. ``verifier`` is the fingerprint of
    the code that verified the proof (:mod:`prover.backends.verifier_identity`); None when
    nothing was verified, or for records written before verifiers were named.
    ``proof_states`` are the states along the found proof (root first); ``proved_nodes``
    every state of the search graph from which a proof was found, with its remaining steps
    (training data for progress models).
    """

    name: str
    attempt: int
    seed: int
    status: str
    proof: tuple[str, ...] | None = None
    proof_text: str | None = None
    verified: bool = False
    expansions: int = 0
    time_s: float = 0.0
    error: str | None = None
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
    axioms: tuple[str, ...] = ()
    verifier: str | None = None
    proof_states: tuple[str, ...] = ()
    proved_nodes: tuple[ProvedNode, ...] = ()

    def __post_init__(self) -> None:
        if not self.name:
            raise InputError("AttemptRecord.name must be a non-empty string")
        if self.status not in STATUSES:
            raise InputError(
                f"AttemptRecord.status must be one of {', '.join(STATUSES)}, got {self.status!r}"
            )
        if self.status == "proved" and not (self.verified and self.proof is not None):
            raise InputError(
                f"AttemptRecord of {self.name!r}: status proved needs verified=true and a proof"
            )
        for field_name in ("attempt", "seed", "expansions", "num_nodes"):
            value = getattr(self, field_name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InputError(
                    f"AttemptRecord.{field_name} must be a non-negative integer, got {value!r}"
                )
        for field_name in _TIME_FIELDS:
            value = getattr(self, field_name)
            if not math.isfinite(value) or value < 0:
                raise InputError(f"AttemptRecord.{field_name} must be >= 0, got {value!r}")

    @property
    def proved(self) -> bool:
        """Whether this attempt found a proof that passed the independent check."""
        return self.status == "proved"

    @property
    def started(self) -> bool:
        """False for an attempt that errored before its first expansion (could not open)."""
        return not (self.status == "error" and self.expansions == 0)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object written for this attempt (the ``results.jsonl`` line)."""
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
            **{name: round(getattr(self, name), 4) for name in _TIME_FIELDS},
            "checked_by": list(self.checked_by),
            "axioms": list(self.axioms),
            "verifier": self.verifier,
            "stop_reason": self.stop_reason,
            "error": self.error,
            "proof_states": list(self.proof_states),
            "proved_nodes": [
                {
                    "state": node.state,
                    "proof_so_far": list(node.proof_so_far),
                    "remaining_steps": node.remaining_steps,
                }
                for node in self.proved_nodes
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "record") -> AttemptRecord:
        """Parse one stored attempt; anything malformed raises ``InputError`` naming ``where``.

        Fields written by older versions may be absent (they take their defaults);
        ``name``, ``attempt``, ``seed`` and ``status`` are required.
        """
        try:
            return cls(
                name=_text(data, "name"),
                attempt=_integer(data, "attempt"),
                seed=_integer(data, "seed"),
                status=_text(data, "status"),
                proof=_optional_texts(data, "proof"),
                proof_text=_optional_text(data, "proof_text"),
                verified=data.get("verified") is True,
                expansions=_integer(data, "expansions", default=0),
                num_nodes=_integer(data, "num_nodes", default=0),
                error=_optional_text(data, "error"),
                split=_optional_text(data, "split"),
                stop_reason=_optional_text(data, "stop_reason"),
                checked_by=_optional_texts(data, "checked_by") or (),
                axioms=_optional_texts(data, "axioms") or (),
                verifier=_optional_text(data, "verifier"),
                proof_states=_optional_texts(data, "proof_states") or (),
                proved_nodes=_proved_nodes(data.get("proved_nodes") or ()),
                **{name: _number(data, name) for name in _TIME_FIELDS},
            )
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from exc


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise InputError(f"field {key!r} must be a string, got {value!r}")
    return value


def _optional_text(data: Mapping[str, Any], key: str) -> str | None:
    return None if data.get(key) is None else _text(data, key)


def _integer(data: Mapping[str, Any], key: str, *, default: int | None = None) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"field {key!r} must be an integer, got {value!r}")
    return value


def _number(data: Mapping[str, Any], key: str) -> float:
    value = data.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"field {key!r} must be a number, got {value!r}")
    return float(value)


def _optional_texts(data: Mapping[str, Any], key: str) -> tuple[str, ...] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InputError(f"field {key!r} must be a list of strings, got {value!r}")
    return tuple(value)


def _proved_nodes(value: Any) -> tuple[ProvedNode, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise InputError(f"field 'proved_nodes' must be a list, got {value!r}")
    nodes = []
    for item in value:
        if not isinstance(item, Mapping):
            raise InputError(f"field 'proved_nodes' holds a non-object {item!r}")
        nodes.append(
            ProvedNode(
                state=_text(item, "state"),
                proof_so_far=_optional_texts(item, "proof_so_far") or (),
                remaining_steps=_integer(item, "remaining_steps"),
            )
        )
    return tuple(nodes)


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
        # Durations kept at the precision they are written with, so records round-trip.
        time_s=round(result.time_s, 4),
        generator_time_s=round(result.generator_time_s, 4),
        backend_time_s=round(result.backend_time_s, 4),
        scorer_time_s=round(result.scorer_time_s, 4),
        overhead_time_s=round(result.overhead_time_s, 4),
        verify_time_s=round(verification.time_s, 4) if verification else 0.0,
        open_time_s=round(result.open_time_s, 4),
        checked_by=verification.checks if verification else (),
        axioms=verification.axioms if verified and verification else (),
        verifier=verifier_fingerprint() if verified else None,
        stop_reason=result.stop_reason.value,
        error=error,
        proof_states=result.proof_states,
        proved_nodes=result.proved_nodes,
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
