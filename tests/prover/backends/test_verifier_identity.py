"""Tests of the verifier fingerprint that names which code accepted a proof."""

from __future__ import annotations

from pathlib import Path

from prover.backends.verifier_identity import source_fingerprint, verifier_fingerprint


def _package(root: Path) -> Path:
    (root / "coq").mkdir(parents=True)
    (root / "coq" / "admission.py").write_text("FORBIDDEN = ('admit',)\n")
    (root / "sandbox.py").write_text("SANDBOX = 'bwrap'\n")
    return root


def test_any_edit_of_a_checking_source_changes_the_fingerprint(tmp_path: Path) -> None:
    """The same sources give the same fingerprint; an edited byte, a renamed file or an
    added module each give another; files that are not Python sources do not count."""
    package = _package(tmp_path / "a")
    first = source_fingerprint(package)
    assert source_fingerprint(_package(tmp_path / "b")) == first
    (package / "notes.txt").write_text("not code")
    assert source_fingerprint(package) == first
    (package / "coq" / "admission.py").write_text("FORBIDDEN = ('admit', 'Admitted')\n")
    edited = source_fingerprint(package)
    assert edited != first
    (package / "coq" / "admission.py").rename(package / "coq" / "admission2.py")
    assert source_fingerprint(package) not in {first, edited}
    (package / "extra.py").write_text("")
    assert len({first, edited, source_fingerprint(package)}) == 3


def test_the_installed_verifier_has_a_stable_fingerprint() -> None:
    """The installed backends' fingerprint is a sha256 and the same on every call."""
    fingerprint = verifier_fingerprint()
    assert len(fingerprint) == 64 and int(fingerprint, 16) >= 0
    assert verifier_fingerprint() == fingerprint
