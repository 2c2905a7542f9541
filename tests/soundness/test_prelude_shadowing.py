"""Rounds thirty-three and thirty-four: the prelude's `Import` rebound a name the statement used.

Round thirty-three (2026-12-05), through `prove --file`, `/search` and a user
`--coq-prelude`: the prover loaded its prelude between the header and the statement, and the
default prelude's `ZifyNat` exports `SatMod`, so a file that defined its own `SatMod` (first
field `False`) had its statement read with ZifyNat's (first field `0 <= 0`). Every checker
saw the same shadowed text and `simpl; lia` was recorded proved, although the file itself
proves the statement false. The first fix compared the statement elaborated before the
prelude with the theorem, through sentences the verifier added after the header; round
thirty-four redefined the grammar of those sentences from the header (`Tactic Notation
"exact"`, a `Notation` on `forall`) and got the same statement proved again. Now the
statement is read before anything but the header: the prelude is loaded inside the proof,
after `Proof.`, in the search's coqtop and in the verified file alike, and nothing the
verifier writes stands between the header and the statement.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.backends.coq.section_opening import proof_opening
from prover.backends.coq.verify import verify_proof
from prover.backends.factory import DEFAULT_COQ_PRELUDE
from prover.cli.main import main
from search.outcomes import ProofComplete
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
#: Round thirty-four's two ways to take over the sentences of the first fix's check.
GRAMMAR_TAKEOVERS = {
    "exact": (
        "Ltac my_exact x := match type of x with Prop => refine (0 <= 0)%Z | _ => exact x end.\n"
        'Tactic Notation "exact" constr(x) := my_exact x.\n'
    ),
    "forall": (
        "Notation \"'forall' x , P\" := (nat -> (0 <= 0)%Z) "
        "(at level 200, x at level 0, only parsing).\n"
    ),
}


def test_a_statement_the_prelude_would_shadow_is_refused() -> None:
    """The round's file with the default prelude: the statement is the file's own, `simpl`
    leaves `False`, and coqc refuses the proof that closed the shadowed goal."""
    verification = verify_proof(
        SHADOWED, ["simpl; lia."], timeout_s=120, prelude=DEFAULT_COQ_PRELUDE
    )
    assert not verification.ok and verification.checks == ("admission",)
    assert "coqc rejected" in (verification.message or "")


def test_with_the_prelude_before_the_statement_the_false_statement_verifies() -> None:
    """The control: the prelude put before the statement (in the header), as before the fix,
    and `simpl; lia` passes admission, coqc and coqchk; the header alone refutes it."""
    preluded = Theorem(
        name="t", header=f"{SHADOWED_HEADER}{DEFAULT_COQ_PRELUDE}\n", statement=SHADOWED.statement
    )
    assert verify_proof(preluded, ["simpl; lia."], timeout_s=120).ok
    refutation = Theorem(
        name="t_is_false",
        header=SHADOWED_HEADER,
        statement="Lemma t_is_false : ~ (@PArg1 Z Z.modulo SatMod 0%Z).",
    )
    assert verify_proof(refutation, ["simpl.", "tauto."], timeout_s=120).ok


@pytest.mark.parametrize("takeover", sorted(GRAMMAR_TAKEOVERS))
def test_round_thirty_four_grammar_takeovers_change_nothing(takeover: str) -> None:
    """A header that redefines `exact` or `forall` has no verifier sentence to take over:
    the statement is still the file's, and the shadowed goal's proof is refused."""
    theorem = Theorem(
        name="t",
        header=SHADOWED_HEADER + GRAMMAR_TAKEOVERS[takeover],
        statement="Theorem t (n : nat) : @PArg1 Z Z.modulo SatMod 0%Z.",
    )
    verification = verify_proof(
        theorem, ["intros; simpl; lia."], timeout_s=120, prelude=DEFAULT_COQ_PRELUDE
    )
    assert not verification.ok and "coqc rejected" in (verification.message or "")


def test_the_search_sees_the_statement_as_the_file_gives_it() -> None:
    """The search's coqtop loads the prelude inside the proof too: the root goal is the
    file's `PArg1 ... SatMod`, on which `simpl; lia` fails, not ZifyNat's `0 <= 0`."""
    with CoqEnvironment(CoqConfig(prelude=DEFAULT_COQ_PRELUDE)) as environment:
        root = environment.open(SHADOWED)
        outcome = environment.run_tactic(root, "simpl; lia", timeout_s=10)
        assert not isinstance(outcome, ProofComplete)
        simplified = environment.run_tactic(root, "simpl", timeout_s=10)
    assert "False" in str(simplified)


def test_a_user_prelude_that_shadows_a_definition_is_refused() -> None:
    """The round's second file: its own `Rle` on nat is `<`, `--coq-prelude` imports Reals,
    and `intuition` proves Reals' `x <= x`, not the file's `x < x`: refused."""
    header = "Definition Rle (a b : nat) : Prop := a < b.\n"
    theorem = Theorem(name="t", header=header, statement="Theorem t : forall x, Rle x x.")
    verification = verify_proof(
        theorem, ["intuition."], timeout_s=120, prelude="Require Import Reals Lra."
    )
    assert not verification.ok and "coqc rejected" in (verification.message or "")


def test_statements_the_prelude_leaves_alone_still_verify() -> None:
    """A theorem in a section, an ssreflect boolean statement and a Reals inequality, with
    the prelude's tactics used after it loads inside the proof: the proofs verify, and the
    shown file has the prelude right after `Proof.`."""
    cases = [
        (
            "Require Import Arith.\nSection S.\nVariable q : nat.\n",
            "Lemma t (n : nat) {m : nat} : n + m + q = q + m + n.",
            ["lia."],
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
        opening = "\n".join(proof_opening(header))  # `Proof using Type.` in the section
        assert f"{opening}\n{DEFAULT_COQ_PRELUDE}\n{proof[0]}" in verification.proof_text


def test_prove_file_records_the_shadowed_theorem_as_not_proved(tmp_path: Path) -> None:
    """End to end, as the rounds ran it: `prove --file` with the default prelude and the
    portfolio does not record the theorem proved, with or without a grammar takeover."""
    refutation = "Lemma t_is_false : ~ (@PArg1 Z Z.modulo SatMod 0%Z).\nProof. simpl. tauto. Qed.\n"
    for index, extra in enumerate(("", GRAMMAR_TAKEOVERS["exact"])):
        source = tmp_path / f"F{index}.v"
        source.write_text(
            f"{SHADOWED_HEADER}{extra}{SHADOWED.statement}\nProof.\nAdmitted.\n{refutation}"
        )
        run = tmp_path / f"run{index}"
        status = main([
            "prove", "--file", str(source), "--theorem", "t", "--time-limit", "20",
            "--output", str(run), "--no-progress",
        ])  # fmt: skip
        lines = (run / "results.jsonl").read_text().splitlines()
        assert [json.loads(line)["status"] for line in lines] == ["failed"], lines
        assert status == 0
