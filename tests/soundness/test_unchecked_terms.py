"""Unchecked terms (``exact_no_check`` and its kin) never reach coqtop from untrusted text.

They cannot make a counted proof: the kernel refuses an ill-typed term when the proof is
closed (the control below). They are refused anyway, because until then coqtop's VM runs
on terms nobody type-checked, and Coq 8.16's VM has open memory-safety bugs on ill-typed
terms (coq/coq#16891, #13439): coqtop runs untrusted text unsandboxed, as our user.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from prover.backends.coq.admission import check_coq_tactic
from prover.backends.coq.proof_source import build_proof_source
from prover.backends.coq.verify import VERIFY_MODULE, coqc_command
from prover.interactive.headers import HeaderRefused
from prover.interactive.statements import request_theorem
from search.outcomes import TacticError

pytestmark = [
    pytest.mark.coq,
    pytest.mark.skipif(shutil.which("coqc") is None, reason="coqc not installed"),
]


def test_the_kernel_refuses_an_unchecked_proof_of_false(tmp_path: Path) -> None:
    """Control: admission bypassed, coqc refuses `exact_no_check (eq_refl 1)` for `1 = 2`."""
    source = build_proof_source(
        header="", statement="Theorem t : 1 = 2.", tactics=["exact_no_check (eq_refl 1)."]
    )
    (tmp_path / f"{VERIFY_MODULE}.v").write_text(source, encoding="utf-8")
    compiled = subprocess.run(
        coqc_command("coqc"), cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert compiled.returncode != 0
    assert "type" in (compiled.stdout + compiled.stderr).lower()


@pytest.mark.parametrize(
    "tactic",
    [
        "exact_no_check (eq_refl 1).",
        "vm_cast_no_check (eq_refl 1).",
        "native_cast_no_check (eq_refl 1).",
        "change_no_check (1 = 1); reflexivity.",
        "abstract (exact_no_check (eq_refl 1)).",
        "exact ltac:(exact_no_check (eq_refl 1)).",
        "2: exact_no_check I.",
    ],
)
def test_admission_refuses_unchecked_terms(tactic: str) -> None:
    """Every unchecked-term tactic, alone or inside a wrapper, is refused naming the reason."""
    refused = check_coq_tactic(tactic)
    assert isinstance(refused, TacticError)
    assert "unchecked terms" in refused.message and "16891" in refused.message


@pytest.mark.parametrize(
    "tactic", ["exact (eq_refl 1).", "change (1 = 1).", "vm_compute.", 'idtac "exact_no_check".']
)
def test_the_checked_forms_stay_admissible(tactic: str) -> None:
    """The checked tactics, and the word inside a string, are admitted as before."""
    assert check_coq_tactic(tactic) == tactic


def test_a_request_may_not_define_a_tactic_with_an_unchecked_term() -> None:
    """A /search header's Ltac using exact_no_check is refused before Coq sees it."""
    with pytest.raises(HeaderRefused, match="unchecked terms"):
        request_theorem(
            language="coq",
            header="Ltac sneak := exact_no_check I.\n",
            statement="Theorem t : True.",
            name=None,
        )
