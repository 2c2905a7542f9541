"""Tests of the verifier fingerprint that names which code accepted a proof."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from prover.backends.verifier_identity import (
    checker_digest,
    coq_version,
    source_fingerprint,
    verifier_fingerprint,
)


def _package(root: Path) -> Path:
    (root / "coq").mkdir(parents=True)
    (root / "coq" / "admission.py").write_text("FORBIDDEN = ('admit',)\n")
    (root / "sandbox.py").write_text("SANDBOX = 'bwrap'\n")
    return root.parent


def _fingerprint(root: Path) -> str:
    return source_fingerprint(root, ("pkg",))


def test_any_edit_of_a_checking_source_changes_the_fingerprint(tmp_path: Path) -> None:
    """The same sources give the same fingerprint; an edited byte, a renamed file or an
    added module each give another; other files and other packages do not count."""
    root = _package(tmp_path / "a" / "pkg")
    package = root / "pkg"
    first = _fingerprint(root)
    assert _fingerprint(_package(tmp_path / "b" / "pkg")) == first
    (root / "elsewhere.py").write_text("not a verifying package")
    (package / "notes.txt").write_text("not code")
    assert _fingerprint(root) == first
    (package / "coq" / "admission.py").write_text("FORBIDDEN = ('admit', 'Admitted')\n")
    edited = _fingerprint(root)
    assert edited != first
    (package / "coq" / "admission.py").rename(package / "coq" / "admission2.py")
    assert _fingerprint(root) not in {first, edited}
    (package / "extra.py").write_text("")
    assert len({first, edited, _fingerprint(root)}) == 3


def test_the_installed_verifier_has_a_stable_fingerprint() -> None:
    """The installed backends' fingerprint is a sha256 and the same on every call."""
    fingerprint = verifier_fingerprint()
    assert len(fingerprint) == 64 and int(fingerprint, 16) >= 0
    assert verifier_fingerprint() == fingerprint


@pytest.mark.skipif(shutil.which("coqc") is None, reason="coqc not installed")
def test_the_installed_coq_version_is_read_and_a_missing_coqc_is_absent() -> None:
    """coqc --print-version answers with a version number; a coqc that is not there is absent."""
    assert coq_version()[:1].isdigit()
    assert coq_version("no-such-coqc-here") == "absent"


def test_the_checker_digest_is_the_binarys_hash_and_absent_without_one(tmp_path: Path) -> None:
    """The kernel checker enters the fingerprint by the sha256 of its bytes."""
    binary = tmp_path / "fake-checker"
    binary.write_bytes(b"#!/bin/sh\nexit 0\n")
    binary.chmod(0o755)
    expected = hashlib.sha256(binary.read_bytes()).hexdigest()
    assert checker_digest(str(binary)) == expected
    assert checker_digest(str(tmp_path / "missing")) == "absent"
