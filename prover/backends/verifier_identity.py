"""Which verifier accepted a proof: a fingerprint of the code that checks proofs.

A run directory outlives the code that wrote it. Nine red-team rounds each closed a way in
which an earlier verifier accepted a non-proof, so a proof recorded under an older verifier
is a claim that today's code has not checked. Every verified record therefore names its
verifier (``AttemptRecord.verifier``), and ``prover eval`` re-checks, on resume, the proofs
whose verifier is not today's (:mod:`prover.evaluation.reverify`).

The fingerprint is the sha256 of every Python source of this package (``prover.backends``:
admission, the text scans, the whole-file re-check, kernel checkers, sandbox) and of
``prover.data`` (which decides where a file's header ends and what a benchmark's statement
is), file names included. Any edit there, a comment included, makes a new verifier: a
spurious re-check costs seconds per proof, a missed one would count a proof nobody
checked. The proof assistant's own version is not part of it (the re-check runs the
installed one).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

__all__ = ["source_fingerprint", "verifier_fingerprint"]

_PROVER = Path(__file__).resolve().parents[1]
_VERIFYING_PACKAGES = ("backends", "data")


@functools.cache
def verifier_fingerprint() -> str:
    """The fingerprint of the installed verifier (computed once per process)."""
    return source_fingerprint(_PROVER, _VERIFYING_PACKAGES)


def source_fingerprint(root: Path, packages: tuple[str, ...]) -> str:
    """sha256 over the names (relative to ``root``) and bytes of every ``*.py`` file under
    the ``packages`` folders of ``root``."""
    digest = hashlib.sha256()
    paths = (path for package in packages for path in (root / package).rglob("*.py"))
    for path in sorted(paths):
        name = path.relative_to(root).as_posix().encode()
        content = path.read_bytes()
        digest.update(len(name).to_bytes(8, "big") + name)
        digest.update(len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()
