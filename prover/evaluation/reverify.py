"""Re-check stored proofs before they count: all of them on resume, and after a run's own
attempts those that another verifier accepted.

A run directory outlives the code that wrote it: a proof recorded by an older version was
accepted by that version's checks, some of which red-team rounds later found unsound, and
the directory is only files, which anything may have edited. So when ``prover eval``
resumes, every proved attempt of the selection goes through today's ``verify`` again, in
fresh processes, exactly as a new proof would (red-team round eighty turned a failed row
of ``results.sqlite`` into a proved one, with the public fingerprint of today's verifier
(:mod:`prover.backends.verifier_identity`) in its ``verifier`` field, and the resumed run
counted it: only proofs of theorems read from a file were checked again then):

* accepted: it stays proved, with today's verification fields and verifier;
* refused: it becomes ``failed`` with the verifier's message (``re-verification failed:
  ...``); the search figures stay, the search graph goes. It is not searched again
  (``--force`` starts the run over).

Attempts outside the selection are left alone: they are checked when a run selects them.
The same pass runs again after the new attempts, on the records the run holds in memory
(not the database's rows, which another program may have changed meanwhile), for the proofs
whose verifier is not today's: those a worker running other code recorded (a Ray node with
another install, sources edited during the run). Each pass returns the records it checked,
which are what the run's summary counts (:class:`Recheck`). Re-checking costs about a
second or two per stored proof.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence

from prover.attempts.database import ResultsDatabase
from prover.attempts.record import AttemptRecord
from prover.backends.factory import BackendConfig, open_environment
from prover.backends.verifier_identity import verifier_fingerprint
from search.outcomes import Verification
from search.protocols import ProofEnvironment
from search.states import Theorem

__all__ = ["Recheck", "recheck_proofs", "reverified_record", "reverify_stale_proofs"]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Recheck:
    """What one pass did: ``records`` are the records it was given, in order, each proof it
    re-checked replaced by the outcome (this process's own verdict, whatever the database
    holds afterwards); ``checked`` and ``refused`` count those proofs."""

    records: list[AttemptRecord]
    checked: int
    refused: int


def reverify_stale_proofs(
    theorems: Mapping[str, Theorem], backend: BackendConfig, database: ResultsDatabase,
    *, resuming: bool = False,
) -> tuple[int, int]:  # fmt: skip
    """:func:`recheck_proofs` of every stored record; returns (re-checked, refused)."""
    result = recheck_proofs(database.records(), theorems, backend, database, resuming=resuming)
    return result.checked, result.refused


def recheck_proofs(
    records: Sequence[AttemptRecord], theorems: Mapping[str, Theorem], backend: BackendConfig,
    database: ResultsDatabase, *, resuming: bool = False,
) -> Recheck:  # fmt: skip
    """Re-check the proved ``records`` of ``theorems`` (by record name) that today's verifier
    did not accept and, when ``resuming`` (records read from disk), every proved one:
    a stored record may have been edited (round eighty), and one of a theorem read from a
    user's file matches it by name, header and statement only, while the rest of the file
    and its folder, which verification reads too, may have changed since (round fifty-nine
    resumed a run after the file narrowed a section theorem's variables, and after a
    ``Bool.vo`` appeared beside it, and both stale proofs were counted). Each outcome is
    written to ``database`` too. Raises what opening the backend raises."""
    current = verifier_fingerprint()
    stale = {
        (record.name, record.attempt)
        for record in records
        if record.proved and record.name in theorems and (resuming or record.verifier != current)
    }
    if not stale:
        return Recheck(list(records), 0, 0)
    logger.warning(
        "re-verifying %d stored proof(s) in %s before they count", len(stale), database.run_dir
    )
    environment = open_environment(backend)
    try:
        updated = [
            _recheck(record, theorems, environment, database, current)
            if (record.name, record.attempt) in stale
            else record
            for record in records
        ]
    finally:
        environment.close()
    refused = sum(not record.proved for record in updated if (record.name, record.attempt) in stale)
    if refused:
        logger.warning("%d of %d re-verified proof(s) refused, now failed", refused, len(stale))
    return Recheck(updated, len(stale), refused)


def _recheck(
    record: AttemptRecord, theorems: Mapping[str, Theorem], environment: ProofEnvironment,
    database: ResultsDatabase, current: str,
) -> AttemptRecord:  # fmt: skip
    """Verify one stored proof again, store the outcome and return it."""
    assert record.proof is not None  # a proved record has one
    verification = environment.verify(theorems[record.name], record.proof)
    updated = reverified_record(record, verification, verifier=current)
    database.replace(updated)
    if not updated.proved:
        _remove_graph(database, updated)
        logger.warning("%s attempt %d: %s", record.name, record.attempt, updated.error)
    return updated


def reverified_record(
    record: AttemptRecord, verification: Verification, *, verifier: str
) -> AttemptRecord:
    """``record`` after today's verifier re-checked its proof with ``verification``."""
    if verification.ok:
        return dataclasses.replace(
            record,
            proof_text=verification.proof_text,
            checked_by=verification.checks,
            axioms=verification.axioms,
            verify_time_s=round(verification.time_s, 4),
            verifier=verifier,
        )
    return dataclasses.replace(
        record,
        status="failed",
        verified=False,
        proof_text=None,
        checked_by=verification.checks,
        axioms=(),
        verify_time_s=round(verification.time_s, 4),
        verifier=None,
        error=f"re-verification failed: {verification.message or 'refused'}",
        proved_nodes=(),
    )


def _remove_graph(database: ResultsDatabase, record: AttemptRecord) -> None:
    """Delete the graph file the run wrote when the attempt counted as proved."""
    path = database.run_dir / "graphs" / f"{record.name}.a{record.attempt}.json"
    path.unlink(missing_ok=True)
