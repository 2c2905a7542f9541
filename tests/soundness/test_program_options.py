"""Rounds thirty-one and thirty-two: a header ran a program that replaced the verifier's files.

Found by a red-team round (2026-12-05) through `prove --file`: CoqHammer's `Set Hammer
PredictPath "..."` is the shell command its `predict` tactic runs, so a header lemma's
`try predict 4.` ran a script inside coqc. The script renamed the verifier's private
directory away (coqc kept writing into it) and put in its place a directory holding a
harmless copy of the checked file (`Axiom ax : 1 = 2.` turned into a definition of `1 =
1`), compiled: the prints the checks read and the `.vo` coqchk checked were the copy's, and
`1 = 2` counted. Now (1) an option may be set to a string only if it is one the libraries
set (`header_commands.STRING_OPTIONS`), and (2) the verifier refuses when the directory at
its path is no longer the one it created. Round thirty-two needed no option: `Print
Universes Subgraph (u v) "PATH"` wrote a shell script (constraint lines `sh < pay.out ;`)
over CoqHammer's installed `predict`, which the `predict` tactic runs through the shell
with its default path; the script started a process (`setsid`) that rewrote the assumptions
print in place once coqc had written it. Now a header may write no file outside its
working directory (`Print` with a file, `Redirect` to a path, file-writing extraction).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import prover.backends.coq.reading_refusals as reading_module
from prover.backends.coq import checker_runs, environment_readings
from prover.backends.coq.reading_refusals import reading_refusal
from prover.backends.coq.verify import verify_proof
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS

#: Renames the verifier's directory away and compiles a harmless copy where it was.
SWAP = """#!/bin/sh
[ -n "$SWAP_INNER" ] && exit 0
D="$PWD"
case "$D" in *coq-verify-*) ;; *) exit 0;; esac
[ -f Checked.v ] || exit 0
mv "$D" "$D.real" || exit 0
mkdir "$D" && cd "$D" || exit 0
sed -e 's/Axiom ax : 1 = 2\\./Definition ax : 1 = 1 := eq_refl./' \\
    -e 's/Theorem t : 1 = 2\\./Theorem t : 1 = 1./' "$D.real/Checked.v" > Checked.v
SWAP_INNER=1 coqc -q Checked.v
echo "$D.real" >> "$(dirname "$0")/moved.txt"
"""


def _hammer_loads(directory: Path) -> bool:
    if shutil.which("coqc") is None:
        return False
    (directory / "Probe.v").write_text("From Hammer Require Import Hammer.\n")
    probe = subprocess.run(
        ["coqc", "-q", "Probe.v"], cwd=directory, capture_output=True, timeout=120, check=False
    )
    return probe.returncode == 0


@pytest.mark.parametrize(
    ("option", "refused"),
    [
        ('Set Hammer PredictPath "sh x; true".', True),
        ('Time Set Hammer PredictPath "x".', True),
        ('Set Dump Arith "file".', True),
        ('Definition x := 0 +.. Set Hammer PredictPath "x".', True),
        ('Add ML Path "/tmp".', True),
        ('Add Rec LoadPath "/tmp" as X.', True),
        ('Set Warnings "-notation-overridden".', False),
        ('#[export] Set Default Proof Mode "Classic".', False),
        ('Add Search Blacklist "Private_" "_subproof".', False),
        ('Definition T : Set := nat.\nDefinition s := "abc".', False),
    ],
)
def test_only_the_libraries_string_options_may_be_set(option: str, refused: bool) -> None:
    """A string option outside the libraries' own list refuses the header, naming it."""
    refusal = reading_refusal(f"Definition a := 0.\n{option}\n", "the header")
    assert (refusal is not None and "to a string" in refusal) is refused


@pytest.mark.parametrize(
    ("command", "refused"),
    [
        ('Universe u. Universe v. Constraint u < v.\nPrint Universes Subgraph (u v) "/x".', True),
        ('Print Sorted Universes "f".', True),
        ('Redirect "/abs/x" Print nat.', True),
        ('Time Redirect "../x" Print nat.', True),
        ('Extraction "/tmp/t.ml" nat.', True),
        ("Separate Extraction nat.", True),
        ("Recursive Extraction Library Datatypes.", True),
        ("Extraction TestCompile nat.", True),
        ('Definition x := 0 +.. Print Universes "f".', True),
        ('Redirect "ProverCheckInductives" Print All.', False),
        ("Print Universes.", False),
        ("Recursive Extraction nat.", False),
        ('Definition s := "a/b".', False),
    ],
)
def test_a_header_may_write_no_file_outside_its_directory(command: str, refused: bool) -> None:
    """Round thirty-two wrote a script over an installed program with `Print Universes
    Subgraph ... "PATH"`: commands writing a file the header names are refused."""
    refusal = reading_refusal(f"Definition a := 0.\n{command}\n", "the header")
    assert (refusal is not None and "may not write files" in refusal) is refused


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_replaced_directory_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The round's header: refused before coqc by the option rule; with that rule and the
    external-program rule (`predict`, round eighty-one) off, the directory check refuses it
    after coqc; with all off, `1 = 2` verifies (the control)."""
    if not _hammer_loads(tmp_path):
        pytest.skip("CoqHammer (libcoq-hammer) not installed")
    script = tmp_path / "swap.sh"
    script.write_text(SWAP)
    header = (
        "From Hammer Require Import Hammer.\n"
        f'Set Hammer PredictPath "sh {script}; true".\n'
        "Lemma trig : True.\nProof. try predict 4. exact I. Qed.\n"
        "Axiom ax : 1 = 2.\n"
    )
    theorem = Theorem(name="t", header=header, statement="Theorem t : 1 = 2.")
    # Each layer alone: unsandboxed (the sandbox, every command's default, contains the
    # script on its own: tests/prover/backends/test_sandbox.py).
    refused = verify_proof(theorem, ["exact ax."], timeout_s=120, sandbox="off")
    assert not refused.ok and "to a string" in (refused.message or "")
    monkeypatch.setattr(reading_module, "outside_effect_refusal", lambda _sentences, _what: None)
    monkeypatch.setattr(environment_readings, "_EXTERNAL", re.compile(r"(?!)"))
    replaced = verify_proof(theorem, ["exact ax."], timeout_s=120, sandbox="off")
    assert not replaced.ok and "directory was replaced" in (replaced.message or "")
    monkeypatch.setattr(checker_runs, "_replaced", lambda _directory, _identity: None)
    control = verify_proof(theorem, ["exact ax."], timeout_s=120, sandbox="off")
    for moved in (tmp_path / "moved.txt").read_text().split():
        shutil.rmtree(moved, ignore_errors=True)  # the directories the script renamed away
    assert control.ok, control.message
