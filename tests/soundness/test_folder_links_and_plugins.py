"""Round eighty-three: what a plain coqc reads from the file's folder, hidden from the prover.

The folder checks looked names up from the prover's own working folder: a ``.lia.cache``
(or a ``Bool.vo``) that is a symbolic link through ``/proc/self/cwd`` dangles there and was
read as absent, while the user's coqc, run in the file's folder, follows it to a poisoned
cache (a decoy ``Bool`` whose ``negb`` is the identity). And coqc's ML load path starts with
the folder it runs in, so a ``rtauto_plugin.cmxs`` beside the file ran in the user's coqc
(``Require Import Rtauto.``) and planted the cache itself. Each got ``t`` recorded proved
through ``prove --file``. Now a link where the checks look is refused, and so is a folder
holding OCaml plugins. Round eighty-five declared the plugin by a path into a subfolder
(``Declare ML Module "coq-core/plugins/rtauto/rtauto_plugin:..."``); plugin names with a
path are refused now (:mod:`prover.backends.coq.environment_readings`,
:mod:`prover.backends.coq.library_paths`).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from prover.backends.coq.reading_refusals import reading_refusal
from prover.backends.coq.verify import verify_proof
from prover.data.theorem_files import theorem_from_file
from tests.soundness.kernel_controls import COQ_TOOLS
from tests.soundness.test_micromega_caches import FILE, POISONED_LIA_CACHE

pytestmark = COQ_TOOLS

NEGATED = FILE.replace(
    "Theorem t : P.\nProof.\nAdmitted.", "Theorem n : ~ P.\nProof. discriminate. Qed."
)


def _coqc_in(folder: Path, name: str, text: str) -> subprocess.CompletedProcess[str]:
    """A plain ``coqc`` of ``text`` as ``name`` run in ``folder``, as the user runs it."""
    (folder / name).write_text(text)
    return subprocess.run(
        ["coqc", "-q", name], cwd=folder, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_cache_linked_through_the_working_folder_is_refused(tmp_path: Path) -> None:
    """Control: coqc in the folder follows the link and reads `P` as `1 = 2`; the prover
    refuses the file, naming the link, instead of reading no cache."""
    (tmp_path / "F.v").write_text(FILE)
    (tmp_path / ".poison").write_bytes(POISONED_LIA_CACHE)
    (tmp_path / ".lia.cache").symlink_to("/proc/self/cwd/.poison")
    assert _coqc_in(tmp_path, "Neg.v", NEGATED).returncode == 0
    verification = verify_proof(
        theorem_from_file(tmp_path / "F.v", "t", language="coq"), ["exact I."]
    )
    assert not verification.ok and "is a symbolic link" in str(verification.message)


def test_a_required_library_linked_through_the_working_folder_is_refused(tmp_path: Path) -> None:
    """Control: coqc in the folder loads the linked decoy `Bool` (its `negb` the identity);
    the prover refuses the file although the link dangles from its own working folder."""
    build = tmp_path / "build"
    build.mkdir()
    assert _coqc_in(build, "Bool.v", "Definition negb (b : bool) : bool := b.\n").returncode == 0
    folder = tmp_path / "user"
    folder.mkdir()
    (folder / ".bool_impl").write_bytes((build / "Bool.vo").read_bytes())
    (folder / "Bool.vo").symlink_to("/proc/self/cwd/.bool_impl")
    (folder / "F.v").write_text("Require Import Bool.\nTheorem t : negb true = false.\nAdmitted.\n")
    refuted = "Require Import Bool.\nTheorem n : negb true <> false.\nProof. discriminate. Qed.\n"
    assert _coqc_in(folder, "Neg.v", refuted).returncode == 0
    verification = verify_proof(
        theorem_from_file(folder / "F.v", "t", language="coq"), ["reflexivity."]
    )
    assert not verification.ok and "holds libraries the file may require" in str(
        verification.message
    )


def test_a_folder_holding_a_plugin_is_refused(tmp_path: Path) -> None:
    """Control: coqc in the folder loads `rtauto_plugin.cmxs` from it for `Require Import
    Rtauto.` (a file that is no plugin breaks the load); the prover refuses the folder."""
    (tmp_path / "rtauto_plugin.cmxs").write_bytes(b"not a plugin")
    loaded = _coqc_in(tmp_path, "L.v", "Require Import Rtauto.\n")
    assert loaded.returncode != 0 and "rtauto_plugin.cmxs" in loaded.stdout + loaded.stderr
    (tmp_path / "F.v").write_text("Theorem t : True.\nAdmitted.\n")
    verification = verify_proof(
        theorem_from_file(tmp_path / "F.v", "t", language="coq"), ["exact I."]
    )
    assert not verification.ok and "holds OCaml plugins" in str(verification.message)


def test_the_native_cast_and_compiled_ocaml_files_beside_the_file_are_refused(
    tmp_path: Path,
) -> None:
    """Round eighty-seven: the native cast `<<:` is refused as `native_compute` is, and a
    folder holding `.cmi` files (read first by the native compiler run there) is refused."""
    header = "Definition P : Prop.\nProof. first [ let x := constr:((eq_refl 4 <<: 2 + 2 = 4)) in "
    header += "exact (1 = 2) | exact True ]. Defined.\n"
    assert "uses '<<:'" in str(reading_refusal(header, "the header"))
    (tmp_path / "nativevalues.cmi").write_bytes(b"")
    (tmp_path / "F.v").write_text("Theorem t : True.\nAdmitted.\n")
    verification = verify_proof(
        theorem_from_file(tmp_path / "F.v", "t", language="coq"), ["exact I."]
    )
    assert not verification.ok and "nativevalues.cmi" in str(verification.message)


def test_a_plugin_declared_by_a_path_is_refused(tmp_path: Path) -> None:
    """Round eighty-five: control, coqc in the folder loads `sub/x.cmxs` for `Declare ML
    Module "sub/x:x.plugin"` (a file that is no plugin breaks the load); the prover refuses
    the file before any compile, naming the path."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.cmxs").write_bytes(b"not a plugin")
    header = 'Declare ML Module "sub/x:x.plugin".\n'
    loaded = _coqc_in(tmp_path, "L.v", header)
    assert loaded.returncode != 0 and "sub/x.cmxs" in loaded.stdout + loaded.stderr
    (tmp_path / "F.v").write_text(f"{header}Theorem t : True.\nAdmitted.\n")
    verification = verify_proof(
        theorem_from_file(tmp_path / "F.v", "t", language="coq"), ["exact I."]
    )
    assert not verification.ok and 'declares the plugin "sub/x:x.plugin" by a path' in str(
        verification.message
    )


@pytest.mark.parametrize(
    ("declared", "refused"),
    [
        ('"rtauto_plugin:coq-core.plugins.rtauto"', False),
        ('"coq-hammer.plugin"', False),
        ('"/tmp/x:x.plugin"', True),
        ('"../x:x.plugin"', True),
        ('"ltac_plugin:coq-core.plugins.ltac" "./y:y.plugin"', True),
    ],
)
def test_plugin_names_without_a_path_are_the_only_ones_read(declared: str, refused: bool) -> None:
    """Installed libraries' plugin names pass; any with a folder in it is refused."""
    refusal = reading_refusal(f"Local Declare ML Module {declared}.\n", "the header")
    assert (refusal is not None and "by a path" in refusal) is refused
