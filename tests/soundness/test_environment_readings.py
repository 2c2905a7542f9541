"""Rounds seventy-eight and seventy-nine: headers and statements whose meaning depended on
how fast, or where, Coq ran them.

A red-team round (2026-12-05) sent a ``/search`` request stating ``Theorem t :
ltac:(first [ timeout 1 (do 45000 (let x := constr:(0) in idtac)); exact (1 = 2) | exact
True ]).`` and loaded the server with other requests: the loop then overran its second, the
search and the verifier's coqc and coqchk all read ``True``, and ``nia`` was recorded as a
proof; an idle coqc reads ``1 = 2``. Now a request statement may not run tactics
(``ltac:``, as header sentences already could not), and no text Coq reads before the proof
(a header, a statement, a user's file) may use a time limit (``timeout``, ``Timeout``,
``Set Default Timeout``), which a trusted header could otherwise use through a ``Defined``
definition built by tactics, without writing ``ltac``.

Round seventy-nine made the same choice by whether native compilation works, which depends
on the Coq installation: ``first [ let x := eval native_compute in (2 + 2) in exact (1 = 2)
| exact True ]`` reads ``True`` on this Debian install (native compilation always fails
here) and ``1 = 2`` where it works; ``prove --file`` and ``/search`` recorded ``Theorem t :
P`` proved by ``easy``. ``native_compute`` is now refused wherever time limits are.

Round eighty-one got past both rules: CoqHammer's ``ptimeout`` is a time limit the
whole-word rule missed, and ``psatz`` works only where ``csdp`` is installed. Any word
holding ``timeout`` is refused now, and so are the tactics that call programs outside Coq
(:mod:`prover.backends.coq.environment_readings`).
"""

from __future__ import annotations

import re
import shutil

import pytest

import prover.backends.coq.environment_readings as reading_module
from prover.backends.coq.reading_refusals import reading_refusal
from prover.backends.coq.verify import verify_proof
from prover.interactive.headers import HeaderRefused
from prover.interactive.statements import request_theorem
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS, assert_refused_before_coqc

ROUND_78_STATEMENT = (
    "Theorem t : ltac:(first [ timeout 1 (do 45000 (let x := constr:(0) in idtac)); "
    "exact (1 = 2) | exact True ])."
)
"""The round's statement: ``1 = 2`` when the loop finishes within a second, else ``True``."""

TIMED_DEFINITION = Theorem(
    name="t",
    header=(
        "Definition P : Prop.\n"
        "first [ timeout 1 (do 3000000 (let x := constr:(0) in idtac)); exact (1 = 2)\n"
        "      | exact True ].\n"
        "Defined.\n"
    ),
    statement="Theorem t : P.",
)
"""The same choice in a trusted header, without ``ltac``; this loop always overruns its
second, so ``P`` is ``True`` here, as it was under the round's load."""


def test_the_rounds_request_is_refused_before_any_search() -> None:
    """The request route refuses the statement's `ltac:(...)` at intake, naming it."""
    with pytest.raises(HeaderRefused, match=re.escape("'ltac:(...)' runs tactics")):
        request_theorem(language="coq", header="", statement=ROUND_78_STATEMENT, name=None)


def test_the_rounds_statement_is_refused_by_verification_too() -> None:
    """Every route's statement check names its time limit (the backend would not open it)."""
    assert "uses 'timeout'" in str(reading_refusal(ROUND_78_STATEMENT, "the statement"))


@pytest.mark.parametrize(
    "text",
    [
        "Timeout 10 Check I.",
        "Set Default Timeout 5.",
        "Lemma l : True. Proof. timeout 2 auto. Qed.",
        "Definition d := ltac:(timeout 1 exact 0).",
        "Definition P : Prop. first [ptimeout 1 idtac | idtac]. Defined.",
        "Definition my_Timeout := 1.",
    ],
)
def test_a_time_limit_anywhere_in_the_code_is_refused(text: str) -> None:
    """The tactic, the command, the setting, CoqHammer's `ptimeout` (round eighty-one) and
    any word holding `timeout` are refused in any text Coq reads first."""
    assert "depends on how fast it runs" in str(reading_refusal(text, "the header"))


def test_the_time_limit_rule_reads_code_only() -> None:
    """A comment or a string holding the word is not a time limit."""
    assert reading_refusal('(* timeout *) Definition s := "Timeout".', "the header") is None


@pytest.mark.parametrize(
    "text",
    [
        "Lemma l : forall x : Z, (x * x >= 0)%Z. Proof. intros; psatz Z 2. Qed.",
        "Ltac s := xsos_Z.",
        "Ltac q := psatzl Q.",
        "Lemma l : True. Proof. hammer. Qed.",
        "Ltac p := predict 16.",
        "From Hammer Require Import Tactics.",
        "Definition b : bool. first [ assert (1 = 1) by hbest; exact false | exact true ].",
        "Ltac s := sbest.",
        "Definition P : Prop * Prop. split. par: exact True. Defined.",
        "Goal True /\\ True. split. par\n : exact I. Qed.",
    ],
)
def test_tactics_calling_programs_outside_coq_are_refused(text: str) -> None:
    """psatz and sos (csdp), CoqHammer's plugin tactics, its racing `best` tactics (round
    eighty-nine) and its library are refused in text read first."""
    assert "calls a program outside Coq" in str(reading_refusal(text, "the header"))


@pytest.mark.parametrize(
    "text",
    [
        "Definition predictor := 1.",
        "Definition hammered := 1.",
        "Definition bests := 1.",
        "Definition f (part : nat) := part.",
        "(* psatz *)",
    ],
)
def test_the_external_program_rule_reads_whole_words_of_code(text: str) -> None:
    """Longer names holding `hammer` or `predict`, and comments, are not refused."""
    assert reading_refusal(text, "the header") is None


NATIVE_DEFINITION = Theorem(
    name="t",
    header=(
        "Definition P : Prop.\n"
        "Proof. first [ let x := eval native_compute in (2 + 2) in exact (1 = 2)\n"
        "             | exact True ]. Defined.\n"
    ),
    statement="Theorem t : P.",
)
"""Round seventy-nine's header: ``True`` where native compilation fails (here), else ``1 = 2``."""


@pytest.mark.parametrize(
    "text",
    [
        "Definition d := Eval native_compute in 2 + 2.",
        "Lemma l : 4 = 2 + 2. Proof. native_compute. reflexivity. Qed.",
        "Lemma l : True. Proof. native_cast_no_check I. Qed.",
    ],
)
def test_native_compilation_anywhere_in_the_code_is_refused(text: str) -> None:
    """`native_compute` and the native cast are refused in any text Coq reads first."""
    assert "native compilation works depends" in str(reading_refusal(text, "the header"))


PROCESS_TIMED_DEFINITION = Theorem(
    name="t",
    header=(
        "From Hammer Require Import Hammer.\n"
        "Definition P : Prop.\n"
        "Proof. first [ ptimeout 1 (do 3000000 (let x := constr:(0) in idtac)); exact (1 = 2)\n"
        "             | exact True ]. Defined.\n"
    ),
    statement="Theorem t : P.",
)
"""Round eighty-one's header: CoqHammer's ``ptimeout``; this loop always overruns."""

CSDP_DEFINITION = Theorem(
    name="t",
    header=(
        "Require Import ZArith Psatz.\n"
        "Definition P : Prop.\n"
        "Proof. first [ assert (forall x y : Z, (x * x + y * y >= 2 * x * y)%Z)\n"
        "                 by (intros; psatz Z 2); exact True\n"
        "             | exact (1 = 2) ]. Defined.\n"
    ),
    statement="Theorem t : P.",
)
"""Round eighty-one's other header: ``True`` where ``csdp`` is installed, else ``1 = 2``."""

_NO_HAMMER = pytest.mark.skipif(
    shutil.which("eprover") is None, reason="CoqHammer's setup (libcoq-hammer) not installed"
)
_NO_CSDP = pytest.mark.skipif(shutil.which("csdp") is None, reason="csdp not installed")

#: Each round's trusted header, the rules that refuse it, and the word the refusal names.
CHOSEN_BY_THE_RUN = [
    pytest.param(TIMED_DEFINITION, ("_TIME_LIMIT",), "timeout", id="time-limit"),
    pytest.param(NATIVE_DEFINITION, ("_NATIVE",), "native_compute", id="native"),
    pytest.param(
        PROCESS_TIMED_DEFINITION,
        ("_TIME_LIMIT", "_EXTERNAL"),  # `ptimeout`, and the `Hammer` library it needs
        "ptimeout",
        id="ptimeout",
        marks=_NO_HAMMER,
    ),
    pytest.param(CSDP_DEFINITION, ("_EXTERNAL",), "psatz", id="csdp", marks=_NO_CSDP),
]


@COQ_TOOLS[0]
@COQ_TOOLS[1]
@pytest.mark.parametrize(("theorem", "rules", "word"), CHOSEN_BY_THE_RUN)
def test_without_the_rule_the_header_read_one_way_is_counted(
    theorem: Theorem, rules: tuple[str, ...], word: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: with the rules switched off, `t : P` verifies with `P` read as `True`."""
    for rule in rules:
        monkeypatch.setattr(reading_module, rule, re.compile(r"(?!)"))
    verification = verify_proof(theorem, ["exact I."], timeout_s=120)
    assert verification.ok, verification.message


@COQ_TOOLS[0]
@COQ_TOOLS[1]
@pytest.mark.parametrize(("theorem", "rules", "word"), CHOSEN_BY_THE_RUN)
def test_with_the_rule_the_header_is_refused_before_coqc(
    theorem: Theorem, rules: tuple[str, ...], word: str
) -> None:
    """With the rule, verification and the backend refuse it before coqc runs, naming it."""
    assert_refused_before_coqc(theorem, ["exact I."], f"uses {word!r}")
