"""Round twenty-one: the theorem Coq declares must be the one the checks print.

Found by a red-team round (2026-12-04): `Theorem t᷀ : 1 = 2.` (`t` and U+1DC0, a combining
mark Coq reads as part of the identifier) after a harmless `Definition t : True := I.` and
round twenty's axiom behind a sealed module: the prover read the name `t`, so the term and
assumptions prints showed the decoy, and `1 = 2` verified, through `prove --file` too. Now
(1) a header or statement whose code holds a character the checks may read otherwise than
Coq is refused before coqc, as requests and tactics are, and (2) the checked file has Coq
confirm, before the statement, that nothing answers to the theorem's full name yet
(`Fail Check ...`), so the prints by full name fail unless Coq declared exactly that name.
Round twenty-two declared two constants in one statement (`Derive f ... As h.`): the
statement must now declare the theorem's name, as a theorem, lemma or definition.
"""

from __future__ import annotations

import pytest

import prover.backends.coq.kernel_bugs as kernel_bugs_module
import prover.backends.coq.proof_source as proof_source_module
import prover.backends.coq.reading_refusals as reading_module
from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.backends.coq.verify import verify_proof
from search.errors import StatementError
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS
from tests.soundness.test_sealed_modules import INDIRECT, STOCK_COQCHK

pytestmark = COQ_TOOLS

HEADER = f"{INDIRECT}Definition t : True := I.\n"
"""Round twenty's hidden axiom, then the decoy `t`."""
NAMES = ["t\u1dc0", "t\u00a0x"]


@pytest.mark.parametrize("declared", NAMES)
def test_a_name_coq_reads_otherwise_is_refused_before_coqc(declared: str) -> None:
    """The statement's combining mark or no-break space is named; the backend refuses too."""
    theorem = Theorem(name="t", header=HEADER, statement=f"Theorem {declared} : 1 = 2.")
    verification = verify_proof(theorem, ["exact M.q."], timeout_s=60)
    assert not verification.ok and verification.checks == ()
    assert f"U+{ord(declared[1]):04X}" in (verification.message or "")
    with CoqEnvironment(CoqConfig()) as environment, pytest.raises(StatementError):
        environment.open(theorem)


@pytest.mark.parametrize("declared", NAMES)
def test_coq_refuses_a_declared_name_the_prover_reads_otherwise(
    declared: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the character refusal off, the name guard makes coqc fail (a decoy answers to
    the full name); with the guard off too, `1 = 2` verifies under the stock coqchk, which
    misses the sealed axiom (the control; `coqchk-fixed` lists it)."""
    monkeypatch.setattr(reading_module, "_character_refusal", lambda _text, _what: None)
    theorem = Theorem(name="t", header=HEADER, statement=f"Theorem {declared} : 1 = 2.")
    verification = verify_proof(theorem, ["exact M.q."], timeout_s=60)
    assert not verification.ok and verification.checks == ("admission",)
    assert "coqc rejected the proof" in (verification.message or "")
    monkeypatch.setattr(
        proof_source_module, "_guarded", lambda _header, statement, _name, **_requested: statement
    )
    assert verify_proof(theorem, ["exact M.q."], coqchk_path=STOCK_COQCHK, timeout_s=60).ok


def test_an_honest_theorem_passes_the_name_guard() -> None:
    """Nothing has the theorem's name before it: the guard passes, inside modules too."""
    header = "Module A.\nModule B.\nSection S.\nVariable n : nat.\n"
    theorem = Theorem(name="t", header=header, statement="Theorem t : 0 = 0.")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=60)
    assert verification.ok, verification.message


DERIVE_HEADER = HEADER.replace("Definition t : True := I.\n", "Require Import Coq.derive.Derive.\n")
DERIVE = "Derive f SuchThat (f = 0 /\\ 1 = 2) As h."
DERIVE_PROOF = ["split.", "subst f.", "reflexivity.", "exact M.q."]


@pytest.mark.parametrize(("name", "statement"), [("f", DERIVE), ("t", "Theorem u : 1 = 2.")])
def test_a_statement_must_declare_the_theorems_name(name: str, statement: str) -> None:
    """Round twenty-two: `Derive` declared `f` (checked) and `h` (resting on the hidden
    axiom, never printed); a statement declaring another name is refused before coqc, and
    the backend refuses to open it."""
    theorem = Theorem(name=name, header=DERIVE_HEADER, statement=statement)
    verification = verify_proof(theorem, DERIVE_PROOF, timeout_s=60)
    assert not verification.ok and verification.checks == ()
    assert f"does not declare '{name}'" in (verification.message or "")
    with CoqEnvironment(CoqConfig()) as environment, pytest.raises(StatementError):
        environment.open(theorem)


def test_without_the_name_check_derive_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: with the name check off, `Derive` verifies as `f` under the stock coqchk
    although `h` rests on the axiom hidden behind the sealed module."""
    monkeypatch.setattr(kernel_bugs_module, "_name_refusal", lambda _statement, _name: None)
    theorem = Theorem(name="f", header=DERIVE_HEADER, statement=DERIVE)
    assert verify_proof(theorem, DERIVE_PROOF, coqchk_path=STOCK_COQCHK, timeout_s=60).ok
