"""Round forty-eight: a file that turns off `Keep Admitted Variables` broke the whole-context rule.

Found by a red-team round (2026-12-05), default flags, no hostile model. A section theorem whose
proof in the file is a bare `Admitted.` is proved with `Proof using All.`
(`Theorem.whole_context`), on the premise that Coq generalises it over every section variable.
Coq 8.16 does so only while the flag `Keep Admitted Variables` is on: with `Unset Keep Admitted
Variables.` (also hidden in a module's `#[export]`, split over lines) the file's `t : 1 = 2`
takes no hypothesis and the file refutes it, while the prover proved `False -> 1 = 2` from the
section's `absurd : False` and recorded `t` proved. Now the names check's compile of the whole
file asks Coq for the flag right before the statement, and refuses unless it is on; since
2026-12-05 a section theorem's proof is also checked on a copy at the file's end whose
variables are those the file's theorem takes, which refuses such a proof on its own.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from prover.backends.coq.verify import verify_proof
from prover.data.theorem_files import coq_declaration_from_source
from tests.soundness.file_runs import compile_alone, prove_file
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS

THEOREM = (
    "Section S.\nHypothesis absurd : False.\nTheorem t : 1 = 2.\nAdmitted.\nEnd S.\n"
    "Check t : 1 = 2.\nLemma refute : ~ (1 = 2). Proof. discriminate. Qed.\n"
)
FILES = {
    "unset": "Unset Keep Admitted Variables.\n" + THEOREM,
    "exported": (
        "Module M.\n#[export] Unset Keep\n  Admitted (* x *) Variables.\nEnd M.\nImport M.\n"
        + THEOREM
    ),
}


def test_the_unset_flags_file_is_not_recorded_proved(tmp_path: Path) -> None:
    """Round 48's file compiles and refutes its `t`; `prove --file` refuses it when opening
    it (before any search), naming the flag."""
    compile_alone(tmp_path, "K.v", FILES["unset"])
    records, status = prove_file(tmp_path / "K.v", "t", tmp_path / "run")
    assert [record["status"] for record in records] == ["error"], records
    assert "Keep Admitted Variables" in json.dumps(records[0])
    assert status == 3  # an attempt ended in an error (docs/evaluation.md)


@pytest.mark.parametrize("variant", sorted(FILES))
def test_a_proof_from_a_variable_the_theorem_does_not_take_is_refused(
    variant: str, tmp_path: Path
) -> None:
    """The proof from `absurd` passes admission, coqc and coqchk and is refused by the names
    check: since 2026-12-05 by the section theorem's copy at the file's end, which takes
    `absurd` as the prover's proof does and so does not meet the file's `t` (which takes no
    variable), before the flag probe is read; without the file (the control) it was
    verified."""
    tactics = ["exfalso.", "exact absurd."]
    quiet = FILES[variant].replace("Check t : 1 = 2.\n", "")
    for source in (quiet, FILES[variant]):
        compile_alone(tmp_path, "K.v", source)
        theorem = coq_declaration_from_source(source, "t", origin=str(tmp_path / "K.v"))
        assert theorem.whole_context
        refused = verify_proof(theorem, tactics, timeout_s=120)
        assert not refused.ok and refused.checks == ("admission", "coqc", "coqchk")
        message = refused.message or ""
        assert 'has type "False -> 1 = 2" while it is expected to have type "1 = 2"' in message, (
            message
        )
        assert verify_proof(replace(theorem, file_text=None), tactics, timeout_s=120).ok
