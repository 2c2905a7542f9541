"""Round eighty-one: a planted micromega cache beside the user's file.

``lia`` first looks up ``.lia.cache`` in the folder coqc runs in. The round rewrote one
entry's answer to ``Unknown`` and put the file beside it: a plain ``coqc F.v`` there fails
the header's ``lia``, so ``first`` reads ``P`` as ``1 = 2``, while every compile of the
prover ran in a fresh folder without the cache and read ``True``: ``prove --file`` recorded
``t : P`` proved by ``easy``. The prover's compiles now get a copy of the caches in the
file's folder (:func:`prover.backends.coq.environment_readings.folder_caches`), so they read
the file as that coqc does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import prover.backends.coq.verify as verify_module
from prover.backends.coq.environment_readings import MICROMEGA_CACHES, folder_caches
from prover.backends.coq.verify import verify_proof
from prover.data.theorem_files import theorem_from_file
from tests.soundness.kernel_controls import COQ_TOOLS

FILE = """Require Import ZArith Lia.

Definition P : Prop.
Proof.
  first [ assert (forall x y : Z, (2 * x + 1 <> 2 * y)%Z) by lia; exact True | exact (1 = 2) ].
Defined.

Theorem t : P.
Proof.
Admitted.
"""

POISONED_LIA_CACHE = bytes.fromhex(
    "436f712100003ce06b52cb068495a6be000000220000000f0000002800000028a0a0b04141033f"
    "ffffffffffffffa0a0b29091914040b29090914040909140404040"
)
"""The round's ``.lia.cache`` (Coq 8.16.1): the entry of the header's goal, its answer
rewritten to ``Unknown``."""


def _planted(folder: Path) -> Path:
    """The round's file, with the poisoned cache beside it."""
    path = folder / "F.v"
    path.write_text(FILE)
    (folder / ".lia.cache").write_bytes(POISONED_LIA_CACHE)
    return path


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_without_the_copy_the_header_read_one_way_is_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: with the caches not copied, `t : P` verifies with `P` read as `True`."""
    monkeypatch.setattr(verify_module, "folder_caches", lambda _source: ())
    theorem = theorem_from_file(_planted(tmp_path), "t", language="coq")
    verification = verify_proof(theorem, ["exact I."], timeout_s=120)
    assert verification.ok, verification.message


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_with_the_copy_the_prover_reads_the_file_as_coqc_in_its_folder(tmp_path: Path) -> None:
    """With the cache copied, `P` is `1 = 2` to the prover too: `exact I` is refused and
    the proof of `~ P` that the folder's coqc accepts verifies."""
    theorem = theorem_from_file(_planted(tmp_path), "t", language="coq")
    refused = verify_proof(theorem, ["exact I."], timeout_s=120)
    assert not refused.ok and 'has type "True" while it is expected to have type "P"' in str(
        refused.message
    )
    negated = FILE.replace("Theorem t : P.", "Theorem t : ~ P.")
    (tmp_path / "F.v").write_text(negated)
    theorem = theorem_from_file(tmp_path / "F.v", "t", language="coq")
    verification = verify_proof(theorem, ["intro H.", "discriminate H."], timeout_s=120)
    assert verification.ok, verification.message


def test_the_caches_of_the_files_folder_are_read_for_the_copy(tmp_path: Path) -> None:
    """Each of micromega's four caches in the folder is read; other files are not."""
    for name in (*MICROMEGA_CACHES, ".other.cache"):
        (tmp_path / name).write_bytes(name.encode())
    caches = folder_caches(str(tmp_path / "F.v"))
    assert caches == tuple((name, name.encode()) for name in MICROMEGA_CACHES)
    assert folder_caches(None) == ()


def test_a_link_between_folders_with_different_caches_is_refused(tmp_path: Path) -> None:
    """A file linked from a folder whose caches differ from its target's is refused."""
    (tmp_path / "real").mkdir()
    (tmp_path / "link").mkdir()
    (tmp_path / "real" / "F.v").write_text(FILE)
    (tmp_path / "link" / "F.v").symlink_to(tmp_path / "real" / "F.v")
    (tmp_path / "link" / ".lia.cache").write_bytes(POISONED_LIA_CACHE)
    assert "different micromega caches" in str(folder_caches(str(tmp_path / "link" / "F.v")))
    (tmp_path / "real" / ".lia.cache").write_bytes(POISONED_LIA_CACHE)
    assert folder_caches(str(tmp_path / "link" / "F.v")) == ((".lia.cache", POISONED_LIA_CACHE),)


def test_a_cache_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    """A cache that is not a regular file refuses the file (fail closed)."""
    (tmp_path / ".nia.cache").mkdir()
    assert "is not a regular file" in str(folder_caches(str(tmp_path / "F.v")))
