"""Round thirty-three: the prelude's `Import` rebound a name the statement used.

Found by a red-team round (2026-12-05) through `prove --file`, `/search` and a user
`--coq-prelude`: the prover loads its prelude between the header and the statement, and
the default prelude's `ZifyNat` exports `SatMod`, so a file that defined its own `SatMod`
(first field `False`) had its statement read with ZifyNat's (first field `0 <= 0`). Every
checker saw the same shadowed text and `simpl; lia` was recorded proved, although the file
itself proves the statement false. Now the checked file elaborates the statement before the
prelude too, and the kernel must accept the theorem at that type
(prover/backends/coq/statement_meaning.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from prover.backends.coq.verify import verify_proof
from prover.backends.factory import DEFAULT_COQ_PRELUDE
from prover.cli.main import main
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS

SHADOWED_HEADER = (
    "Require Import ZArith ZifyClasses.\n"
    "Definition SatMod : Saturate Z.modulo :=\n"
    "  {| PArg1 := fun _ => False; PArg2 := fun _ => True; PRes := fun _ => True;\n"
    "     SatOk := fun _ _ _ _ => I |}.\n"
)
SHADOWED = Theorem(
    name="t", header=SHADOWED_HEADER, statement="Theorem t : @PArg1 Z Z.modulo SatMod 0%Z."
)
#: In the file, `t` is false: this compiles after the header (the round's `t_is_false`).
REFUTATION = "Lemma t_is_false : ~ (@PArg1 Z Z.modulo SatMod 0%Z).\nProof. simpl. tauto. Qed.\n"


def test_a_statement_the_prelude_shadows_is_refused_by_the_kernel() -> None:
    """The round's file with the default prelude: coqc refuses the theorem at the type the
    header alone gives its statement."""
    verification = verify_proof(
        SHADOWED, ["simpl; lia."], timeout_s=120, prelude=DEFAULT_COQ_PRELUDE
    )
    assert not verification.ok
    assert "ProverCheckStatement_" in (verification.message or "")
    assert verification.checks == ("admission",)


def test_without_the_check_the_shadowed_statement_verifies() -> None:
    """The control: the prelude put in the header, as before the fix, and `simpl; lia`
    passes admission, coqc and coqchk, while the file proves the statement false."""
    preluded = Theorem(
        name="t", header=f"{SHADOWED_HEADER}{DEFAULT_COQ_PRELUDE}\n", statement=SHADOWED.statement
    )
    verification = verify_proof(preluded, ["simpl; lia."], timeout_s=120)
    assert verification.ok, verification.message
    refutation = Theorem(
        name="t_is_false",
        header=SHADOWED_HEADER,
        statement="Lemma t_is_false : ~ (@PArg1 Z Z.modulo SatMod 0%Z).",
    )
    assert verify_proof(refutation, ["simpl.", "tauto."], timeout_s=120).ok


def test_a_user_prelude_that_shadows_a_definition_is_refused() -> None:
    """The round's second file: its own `Rle` on nat is `<`, `--coq-prelude` imports Reals,
    and `intuition` proves Reals' `x <= x`: refused."""
    header = "Definition Rle (a b : nat) : Prop := a < b.\n"
    theorem = Theorem(name="t", header=header, statement="Theorem t : forall x, Rle x x.")
    verification = verify_proof(
        theorem, ["intuition."], timeout_s=120, prelude="Require Import Reals Lra."
    )
    assert not verification.ok and "cannot unify" in (verification.message or "")


def test_statements_the_prelude_leaves_alone_still_verify() -> None:
    """Binders, implicit and let binders, a section variable and a boolean statement coerced
    to Prop (ssreflect) are elaborated alike on both sides: the proofs verify."""
    cases = [
        (
            "Require Import Arith.\nSection S.\nVariable q : nat.\n",
            "Lemma t (n : nat) {m : nat} (k := 3) : n + m + k + q = q + k + m + n.",
            ["subst k; lia."],
        ),
        (
            "From mathcomp Require Import ssreflect ssrbool ssrnat eqtype.\n",
            "Lemma t (n : nat) : n == n.",
            ["by rewrite eqxx."],
        ),
        (
            "Require Import Reals.\nOpen Scope R_scope.\n",
            "Theorem t : forall x : R, x <= x + 1.",
            ["intros; lra."],
        ),
    ]
    for header, statement, proof in cases:
        theorem = Theorem(name="t", header=header, statement=statement)
        verification = verify_proof(theorem, proof, timeout_s=120, prelude=DEFAULT_COQ_PRELUDE)
        assert verification.ok, (statement, verification.message)


def test_prove_file_records_the_shadowed_theorem_as_not_proved(tmp_path: Path) -> None:
    """End to end, as the round ran it: `prove --file` with the default prelude and the
    portfolio does not record the theorem proved."""
    source = tmp_path / "F.v"
    source.write_text(f"{SHADOWED_HEADER}{SHADOWED.statement}\nProof.\nAdmitted.\n{REFUTATION}")
    status = main([
        "prove", "--file", str(source), "--theorem", "t", "--time-limit", "30",
        "--output", str(tmp_path / "run"), "--no-progress",
    ])  # fmt: skip
    lines = (tmp_path / "run" / "results.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [record["status"] for record in records] == ["failed"], records
    assert status == 0
