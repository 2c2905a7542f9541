"""Round forty-one: `prove --file` could prove another theorem than the file's.

Found by a red-team round (2026-12-05), default flags, no hostile model: (1) the prover kept
only the declaring sentence and opened the proof with `Proof.`, dropping the file's `Proof
using.`, which chooses the section variables the theorem takes: in a section with
`Hypothesis absurd : False`, the file's `t : 1 = 2` (refuted by the file) was proved with
`absurd` and recorded proved (`nia`); `Set Default Proof Using "Type".` between the
statement and `Proof.` does the same (found while fixing it). (2) It proved the first of two `Theorem t` (a `Reset`
or a module between them), while Coq's `t` is the last. Now both are refused in one line.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from prover.backends.coq.verify import verify_proof
from prover.cli.main import main
from prover.data.theorem_files import coq_declaration_from_source, theorem_from_file
from search.errors import InputError
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS

SECTION = "Section S.\nHypothesis absurd : False.\n"
USING = (
    f"{SECTION}Theorem t : 1 = 2.\nProof using.\nAdmitted.\nEnd S.\n"
    "Lemma not_t : ~ (1 = 2).\nProof. discriminate. Qed.\n"
    "Lemma t_false : False.\nProof. exact (not_t t). Qed.\n"
)
DEFAULT_USING = USING.replace("Proof using.", 'Set Default Proof Using "Type".\nProof.')
RESET = (
    "Definition P := 1 = 1.\nTheorem t : P.\nProof. reflexivity. Qed.\n"
    "Reset P.\nDefinition P := 1 = 2.\nTheorem t : P.\nAdmitted.\n"
    "Lemma not_t : ~ P.\nProof. discriminate. Qed.\n"
)


def test_the_files_compile_and_refute_their_theorem(tmp_path: Path) -> None:
    """The controls: coqc compiles both files, each with a lemma refuting the file's `t`."""
    for name, text in (("U", USING), ("D", DEFAULT_USING), ("R", RESET)):
        (tmp_path / f"{name}.v").write_text(text)
        compiled = subprocess.run(
            ["coqc", "-q", f"{name}.v"], cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert compiled.returncode == 0, compiled.stderr


def test_without_proof_using_the_section_hypothesis_proves_it() -> None:
    """The control: opened with `Proof.`, the theorem is proved from `absurd` and verified,
    so the dropped `Proof using.` changed what was proved."""
    theorem = Theorem(name="t", header=SECTION, statement="Theorem t : 1 = 2.")
    assert verify_proof(theorem, ["exfalso.", "exact absurd."], timeout_s=120).ok


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        (USING, "opens its proof with 'Proof using'"),
        (DEFAULT_USING, "sets an option between its statement and its proof"),
        (RESET, "opens a proof 2 times"),
    ],
)
def test_the_theorem_is_refused(source: str, fragment: str) -> None:
    """Both files are refused in one line naming why."""
    with pytest.raises(InputError, match=fragment):
        coq_declaration_from_source(source, "t")


def test_prove_file_records_nothing_proved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """End to end, `prove --file` on the section file stops with one line naming the file
    and records no proof."""
    source = tmp_path / "F.v"
    source.write_text(USING)
    with pytest.raises(InputError):
        theorem_from_file(source, "t", language="coq")
    status = main([
        "prove", "--file", str(source), "--theorem", "t", "--time-limit", "20",
        "--output", str(tmp_path / "run"), "--no-progress",
    ])  # fmt: skip
    error = capsys.readouterr().err.strip()
    assert status != 0 and "Proof using" in error and "\n" not in error
    results = tmp_path / "run" / "results.jsonl"
    records = (
        [json.loads(line) for line in results.read_text().splitlines()] if results.exists() else []
    )
    assert not any(record["status"] == "proved" for record in records)
