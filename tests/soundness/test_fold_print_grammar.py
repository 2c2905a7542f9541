"""Round thirty-six: a header's grammar emptied the print the fixpoint-literal check reads.

Found by a red-team round (2026-12-05) through `prove --file` with a hostile model: when a
trusted header declares a fixpoint, the checked file ends the proof with `Defined` and prints
the theorem's body through `Eval fold F in ltac:(... exact body)`, a sentence after the
header. The header's `Tactic Notation "exact" constr(x) := refine 0.` made that print `= O`,
so the term reading found no `fix` literal and the rebuilt-fixpoint exploit of
test_rebuilt_fixpoints (coq/coq#20455, which the kernel and coqchk share) had `1 = 2`
recorded proved. The body then went through a notation the checked file declares before the
header (`term_reading.inspection_preamble`), whose tactic is parsed before the header can
change the grammar; round thirty-seven took over that notation's argument `(@t)` with the
header's `Notation "( '@' x )"`. Now the argument is a name (`x global`), which no notation
stands for, and the print after the header holds no term the header can rewrite.
"""

from __future__ import annotations

import pytest

import prover.backends.coq.proof_source as proof_source_module
import prover.backends.coq.verify as verify_module
from prover.backends.coq.verify import verify_proof
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS, is_coq_816
from tests.soundness.test_rebuilt_fixpoints import EXPLOIT

pytestmark = COQ_TOOLS

FIXPOINT_HEADER = (
    "Require Import Lia.\n"
    "Fixpoint dbl (n : nat) : nat := match n with 0 => 0 | S m => S (S (dbl m)) end.\n"
)
TAKEOVERS = {
    "tactic notation exact": 'Tactic Notation "exact" constr(x) := refine 0.\n',
    "notation ltac": "Notation \"'ltac' : ( x )\" := 0 (at level 0, only parsing).\n",
    "notation at in parentheses": (
        "Definition zero := 0.\n"
        "Notation \"( '@' x )\" := (@zero) (at level 0, x at level 0, only parsing).\n"
    ),
    "notation on at dbl": (  # round 39: took over the fold's `@dbl` (no exploit found)
        "Definition zero := 0.\nNotation \"'@' 'dbl'\" := (zero) (at level 10, only parsing).\n"
    ),
}
#: The exploit without `(@...)`, which the last takeover would rewrite too (round 37's).
EXPLOIT_WITHOUT_AT = [
    tactic.replace("(@RingMicromega.PsatzZ BinNums.Z)", "(RingMicromega.PsatzZ BinNums.Z)")
    for tactic in EXPLOIT
]


def _theorem(takeover: str) -> Theorem:
    return Theorem(name="t", header=FIXPOINT_HEADER + takeover, statement="Theorem t : 1 = 2.")


@pytest.mark.parametrize("takeover", sorted(TAKEOVERS))
def test_the_fold_print_ignores_the_headers_grammar(takeover: str) -> None:
    """With the header's takeover, the body is still printed whole and its rebuilt fixpoint
    is refused as a literal."""
    verification = verify_proof(_theorem(TAKEOVERS[takeover]), EXPLOIT_WITHOUT_AT, timeout_s=120)
    assert not verification.ok
    assert "fixpoint literal" in (verification.message or "")


def _round_36_print(name: str, fold: tuple[str, ...]) -> list[str]:
    """Round thirty-six's print: the body through the early notation, the name as a term."""
    constants = " ".join(f"@{fixpoint}" for fixpoint in fold)
    return [
        "Defined.",
        *verify_module.PRINT_WHOLE_TERMS,
        f'Redirect "{verify_module.TERM_FILE}" Eval fold {constants} in ProverCheckBody (@{name}).',
    ]


ROUND_36_PREAMBLE = (
    "Notation ProverCheckBody x := "
    "ltac:(let body := eval cbv delta [x] in x in exact body) (only parsing).\n"
)


@pytest.mark.skipif(not is_coq_816(), reason="the kernel bug is Coq 8.16.1's")
def test_with_the_old_prints_the_takeovers_get_false_proved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The controls: the body written after the header (before round 36's fix) prints `= O`
    under the `exact` takeover, and round 36's print, under the `( '@' x )` one; each time
    `1 = 2` passes coqc and coqchk."""

    def before_round_36(name: str, fold: tuple[str, ...]) -> list[str]:
        body = f"ltac:(let body := eval cbv delta [{name}] in @{name} in exact body)"
        constants = " ".join(f"@{fixpoint}" for fixpoint in fold)
        return [
            "Defined.",
            *verify_module.PRINT_WHOLE_TERMS,
            f'Redirect "{verify_module.TERM_FILE}" Eval fold {constants} in {body}.',
        ]

    monkeypatch.setattr(proof_source_module, "inspected_ending", before_round_36)
    monkeypatch.setattr(proof_source_module, "inspection_preamble", lambda _fold: "")
    exact_takeover = _theorem(TAKEOVERS["tactic notation exact"])
    assert verify_proof(exact_takeover, EXPLOIT, timeout_s=120).ok
    monkeypatch.setattr(proof_source_module, "inspected_ending", _round_36_print)
    monkeypatch.setattr(proof_source_module, "inspection_preamble", lambda _fold: ROUND_36_PREAMBLE)
    at_takeover = _theorem(TAKEOVERS["notation at in parentheses"])
    verification = verify_proof(at_takeover, EXPLOIT_WITHOUT_AT, timeout_s=120)
    assert verification.ok, verification.message


def test_the_folded_constants_are_read_as_names() -> None:
    """Round thirty-nine: the print after the header names each folded fixpoint through the
    pre-header `x global` notation, with implicit arguments cleared: no term of the header's
    grammar is left in it."""
    ending = proof_source_module.inspected_ending("t", ("dbl", "M.len"))
    assert ending[-1].endswith(
        "Eval fold ProverCheckNameOf dbl ProverCheckNameOf M.len in ProverCheckBodyOf t."
    )
    assert "Arguments M.len : clear implicits." in ending
    assert "x global" in proof_source_module.inspection_preamble(("dbl",)).splitlines()[1]


def test_a_fixpoint_with_implicit_arguments_still_folds() -> None:
    """An honest proof under a header fixpoint with an implicit argument verifies: the fold
    reads the name with its implicit argument cleared."""
    header = (
        "Fixpoint len {A : Type} (l : list A) : nat :=\n"
        "  match l with nil => 0 | cons _ r => S (len r) end.\n"
    )
    theorem = Theorem(name="t", header=header, statement="Theorem t : len (cons 1 nil) = 1.")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert verification.ok, verification.message
