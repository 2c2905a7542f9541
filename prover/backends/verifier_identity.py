"""Which verifier accepted a proof: a fingerprint of the code that checks proofs.

A run directory outlives the code that wrote it. Nine red-team rounds each closed a way in
which an earlier verifier accepted a non-proof, so a proof recorded under an older verifier
is a claim that today's code has not checked. Every verified record therefore names its
verifier (``AttemptRecord.verifier``), and ``prover eval`` re-checks the proofs whose
verifier is not today's (:mod:`prover.evaluation.reverify`; on resume it re-checks every
stored proof, since the fingerprint is public and a stored record may be edited).

The fingerprint is the sha256 of every Python source of this package (``prover.backends``:
admission, the text scans, the whole-file re-check, kernel checkers, sandbox), of
``prover.data`` (which decides where a file's header ends and what a benchmark's statement
is) and of ``search`` (whose ``process`` runs coqc and coqchk and whose ``workdirs`` holds
the replaced-directory check of red-team round thirty-one: red-team round eighty noticed
they were left out), file names included. Any edit there, a comment included, makes a
new verifier: a spurious re-check costs seconds per proof, a missed one would count a proof
nobody checked. The installed Coq's version (``coqc --print-version``, or "absent") is part of it
too: a Coq upgrade may fix a kernel bug an earlier check relied on, so proofs checked by
another Coq are checked again. So is the sha256 of the default kernel checker's binary
(``coqchk-fixed``, rebuilt with the fixes for coq/coq#22378 and #21051, or "absent"): a
proof the stock coqchk accepted before it existed is checked again by it. (Lean's toolchain is per
project and is not included.)
"""

from __future__ import annotations

import functools
import hashlib
import shutil
import subprocess
from pathlib import Path

from prover.backends.coq.config import FIXED_COQCHK
from search.process import run_to_end

__all__ = ["checker_digest", "coq_version", "source_fingerprint", "verifier_fingerprint"]

_ROOT = Path(__file__).resolve().parents[2]
_VERIFYING_PACKAGES = ("prover/backends", "prover/data", "search")


@functools.cache
def verifier_fingerprint() -> str:
    """The fingerprint of the installed verifier and Coq (computed once per process)."""
    digest = hashlib.sha256(source_fingerprint(_ROOT, _VERIFYING_PACKAGES).encode())
    digest.update(f"coq {coq_version()}".encode())
    digest.update(f"checker {checker_digest()}".encode())
    return digest.hexdigest()


def checker_digest(checker: str = FIXED_COQCHK) -> str:
    """The sha256 of the kernel checker's binary found on PATH, or ``absent``."""
    executable = shutil.which(checker)
    if executable is None:
        return "absent"
    return hashlib.sha256(Path(executable).read_bytes()).hexdigest()


def coq_version(coqc: str = "coqc") -> str:
    """What ``coqc --print-version`` prints (e.g. ``8.16.1 4.14.1``), or ``absent`` when there
    is no coqc or it does not answer within 30 s."""
    executable = shutil.which(coqc)
    if executable is None:
        return "absent"
    try:
        returncode, stdout, _ = run_to_end([executable, "--print-version"], timeout_s=30)
    except subprocess.TimeoutExpired:
        return "absent"
    version = stdout.decode("utf-8", "replace").strip()
    return version if returncode == 0 and version else "absent"


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
