"""A lemma named like a ``Print`` sub-command: its term must still be printed and read.

Found by a red-team probe (2026-12-04, the second that day): the term reading printed each
term with ``Print NAME.``, and for a constant named ``Libraries`` (or ``All``, ``Options``,
``Universes`` ...) that runs another command: ``Print Libraries.`` lists the loaded files,
with no ``fix`` in the listing. A ``/search`` header lemma ``Libraries : 1 = 2`` proved by the
rebuilt-fixpoint tactics, and a theorem itself named ``Libraries`` proved by them, were
verified (admission, coqc, coqchk). Now every print is ``Print Term NAME.`` and a print
that is not shaped as a term (``NAME = ...``, ``= ...``) refuses the proof.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq.term_reading import TERM_FILE, term_problem
from prover.backends.coq.verify import verify_proof
from prover.interactive.statements import request_theorem
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS, assert_coqc_and_coqchk_accept, is_coq_816
from tests.soundness.test_rebuilt_fixpoints import EXPLOIT

pytestmark = COQ_TOOLS

FALSE_LIBRARIES = Theorem(
    name="Libraries", header="Require Import Lia.\n", statement="Theorem Libraries : 1 = 2."
)


def test_the_theorem_named_libraries_proves_false_past_coqc_and_coqchk(tmp_path: Path) -> None:
    """Control: coqc and coqchk accept the exploit's `1 = 2` under that name too."""
    if not is_coq_816():
        pytest.skip("the guard checker bug is known on Coq 8.16; this Coq may have it fixed")
    assert_coqc_and_coqchk_accept(tmp_path, FALSE_LIBRARIES, EXPLOIT)


def test_a_theorem_named_libraries_has_its_term_read() -> None:
    """`Print Term Libraries` prints the proof term: its fixpoint literal refuses it."""
    verification = verify_proof(FALSE_LIBRARIES, EXPLOIT, timeout_s=180)
    assert not verification.ok and "coqchk" not in verification.checks
    assert "proof term holds a fixpoint literal" in (verification.message or "")


@pytest.mark.parametrize("name", ["Libraries", "All", "Options"])
def test_a_header_lemma_named_like_a_print_command_is_read(name: str) -> None:
    """A /search header lemma `Libraries`/`All`/`Options` proved by the exploit: refused."""
    header = f"Require Import Lia.\nLemma {name} : 1 = 2.\nProof.\n" + "\n".join(EXPLOIT)
    theorem = request_theorem(
        language="coq", header=header + "\nQed.\n", statement="Theorem t : 1 = 2.", name=None
    )
    verification = verify_proof(theorem, [f"exact {name}."], timeout_s=180)
    assert not verification.ok and "coqchk" not in verification.checks
    assert "header lemma or definition holds a fixpoint literal" in (verification.message or "")


def test_a_print_that_is_not_a_term_refuses(tmp_path: Path) -> None:
    """A listing in place of a term (`Loaded library files: ...`) is not read as clean."""
    (tmp_path / f"{TERM_FILE}.out").write_text("t = I\n     : True\n", encoding="utf-8")
    assert term_problem(tmp_path) is None
    (tmp_path / "ProverCheckHeader1.out").write_text(
        "Loaded library files: \n  Coq.Init.Notations\n", encoding="utf-8"
    )
    problem = term_problem(tmp_path)
    assert problem is not None and "not a term print" in problem
    (tmp_path / "ProverCheckHeader1.out").write_text("     = f\n     : nat -> nat\n", "utf-8")
    assert term_problem(tmp_path) is None
