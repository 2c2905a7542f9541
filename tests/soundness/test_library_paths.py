"""Round forty-nine: a qualified name read against the file's own library path.

Found by a red-team round (2026-12-05), default flags, no hostile model. Coq reads a
qualified name such as `Checked.x` against every object whose full path ends that way, the
file's own top level included, and an absolute name beats a module's relative one. The
file's top level is `ProverCheck.Checked` when the prover checks it, `Top` in the search's
coqtop and `F` under the user's `coqc F.v`: a header with a module `Checked` (or `Top`, or
`F`) beside a top-level constant of the same short name made the statement `Checked.x +
Top.y = 2` mean `2 + 2 = 2` to the user's compile (which refutes it) and a true `0 + 2 = 2`
to the verifier, and it was recorded proved. Such qualified names are now refused
(:func:`prover.backends.coq.name_resolution.library_path_refusal`); round fifty wrote the
name after the dot with a non-ASCII first letter (`Checked.αx`), which the first reading
missed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import prover.backends.coq.verify as verify_module
from prover.data.theorem_files import coq_declaration_from_source
from tests.soundness.file_runs import compile_alone, prove_file
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS

REFUTED = "Check T.\nLemma refute : {statement}. Proof. discriminate. Qed.\n"
#: Round 49's files: (file name, text, the statement's negation the file proves).
FILES = {
    "H.v": (
        "Module Checked. Definition x := 2. End Checked.\nDefinition x := 0.\n"
        "Module Top. Definition y := 2. End Top.\nDefinition y := 0.\n"
        "Theorem T : Checked.x + Top.y = 2.\nAdmitted.\n",
        "Checked.x + Top.y <> 2",
    ),
    "U.v": (  # round 50: the name after the dot starts with a non-ASCII letter
        "Module Checked. Definition αx := 2. End Checked.\nDefinition αx := 0.\n"
        "Module Top. Definition αy := 2. End Top.\nDefinition αy := 0.\n"
        "Theorem T : Checked.αx + Top.αy = 2.\nAdmitted.\n",
        "Checked.αx + Top.αy <> 2",
    ),
    "F.v": (
        "Definition x := 2.\nModule F. Definition x := 1. End F.\n"
        "Theorem T : 1 = F.x.\nAdmitted.\n",
        "1 <> x",  # the file's `F.x` is its top-level `x` (its absolute name under `coqc F.v`)
    ),
}


def _compiled(directory: Path, file: str) -> str:
    text, negation = FILES[file]
    source = text + REFUTED.format(statement=negation)
    compile_alone(directory, file, source)
    return source


def test_round_49s_file_is_refused_before_any_search(tmp_path: Path) -> None:
    """The file compiles and refutes `T`; `prove --file` refuses it when opening it."""
    _compiled(tmp_path, "H.v")
    records, status = prove_file(tmp_path / "H.v", "T", tmp_path / "run")
    assert [record["status"] for record in records] == ["error"], records
    assert "qualified name starting with 'Checked'" in json.dumps(records[0])
    assert status == 3  # an attempt ended in an error (docs/evaluation.md)


#: Without the text refusal, what the rest of verification says: round 49's files `H.v` and
#: `U.v` are now also refused by the names check (the proof is checked on a copy of the
#: file's own `T`, which reads `Checked.x` as the user's compile does); with `F.v` the names
#: compile (another library name than `F`) reads `F.x` as the checked file does, so only the
#: refusal stops it.
WITHOUT_REFUSAL = {"H.v": False, "U.v": False, "F.v": True}


@pytest.mark.parametrize("file", sorted(FILES))
def test_the_library_path_refusal_stops_the_proof_first(
    file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`reflexivity` is refused before anything runs; without the refusal (the control)
    admission, coqc and coqchk pass it, though the user's compile refutes `T`."""
    source = _compiled(tmp_path, file)
    theorem = coq_declaration_from_source(source, "T", origin=str(tmp_path / file))
    refused = verify_module.verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not refused.ok and refused.checks == ()
    assert "qualified name starting with" in (refused.message or "")
    monkeypatch.setattr(verify_module, "library_path_refusal", lambda _theorem: None)
    control = verify_module.verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert control.checks[:3] == ("admission", "coqc", "coqchk"), control.message
    assert control.ok is WITHOUT_REFUSAL[file], control.message
