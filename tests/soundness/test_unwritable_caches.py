"""Round 127: a micromega cache the user's coqc cannot write, so it does not read it.

Coq 8.16's micromega opens its cache for appending as well as reading, and where that fails
it runs without the cache. Round eighty-one's fix copies the caches of the user's folder
into the prover's compiles, as writable files: with round eighty-one's poisoned cache made
read-only, the user's plain coqc ignored it (`lia` succeeds, `P` is `True`) while the
prover's copy answered `Unknown` (`P` is `1 = 2`), and `t : ~ P` was counted. A cache that
cannot be opened for writing is now refused.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from prover.backends.coq import environment_readings
from prover.backends.coq.environment_readings import folder_caches
from prover.backends.coq.verify import verify_proof
from prover.data.theorem_files import theorem_from_file
from search.process import run_to_end
from tests.soundness.kernel_controls import COQ_TOOLS
from tests.soundness.test_micromega_caches import FILE, POISONED_LIA_CACHE


@contextmanager
def _unwritable(path: Path) -> Iterator[None]:
    """``path`` made unwritable for this process: immutable (`chattr +i`, which binds root
    too) or, for another user, read-only; skipped where neither can be done."""
    chattr = shutil.which("chattr")
    made = chattr and subprocess.run([chattr, "+i", str(path)], capture_output=True, check=False)
    if made and made.returncode == 0:
        try:
            yield
        finally:
            subprocess.run([chattr, "-i", str(path)], capture_output=True, check=True)
        return
    path.chmod(0o444)
    if os.access(path, os.W_OK):
        pytest.skip("the file stays writable for this user (root without chattr)")
    yield


def _planted(folder: Path, statement: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".lia.cache").write_bytes(POISONED_LIA_CACHE)
    path = folder / "F.v"
    path.write_text(FILE.replace("Theorem t : P.", statement))
    return path


def test_an_unwritable_cache_is_refused_and_a_writable_one_copied(tmp_path: Path) -> None:
    """The folder's cache is copied while writable, refused once it is not."""
    path = _planted(tmp_path, "Theorem t : P.")
    assert folder_caches(str(path)) == ((".lia.cache", POISONED_LIA_CACHE),)
    with _unwritable(tmp_path / ".lia.cache"):
        refusal = folder_caches(str(path))
        assert isinstance(refusal, str) and "cannot be opened for writing" in refusal


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_with_the_cache_read_only_the_users_coqc_reads_p_as_true(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: beside the read-only poisoned cache plain coqc proves `P` (by `exact I`),
    and with the check off the prover counted `t : ~ P`; now it is refused."""
    path = _planted(tmp_path, "Theorem t : ~ P.")
    with _unwritable(tmp_path / ".lia.cache"):
        (tmp_path / "G.v").write_text(FILE.replace("Proof.\nAdmitted.", "Proof. exact I. Qed."))
        status, output, _ = run_to_end(
            ["coqc", "-q", "G.v"], timeout_s=120, cwd=tmp_path, merge_stderr=True
        )
        assert status == 0, output
        theorem = theorem_from_file(path, "t", language="coq")
        refused = verify_proof(theorem, ["intro H.", "discriminate H."], timeout_s=120)
        assert not refused.ok and "cannot be opened for writing" in (refused.message or "")
        monkeypatch.setattr(environment_readings, "_unwritable", lambda _path: None)
        counted = verify_proof(theorem, ["intro H.", "discriminate H."], timeout_s=120)
        assert counted.ok, counted.message
