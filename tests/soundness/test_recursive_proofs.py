"""Recursion without the word ``fix``: mutual statements and interactive Fixpoint targets.

``Lemma a : P with b : Q.`` and an interactive ``Fixpoint t ... : T.`` open their proof with
``a``/``t`` already in the context, so a tactic that never writes ``fix`` can hand Coq
8.16.1's guard checker an ill-guarded recursive call (coq/coq#20455) that the kernel and
coqchk both accept. Found by a red-team probe (2026-12-03): ``/search`` and ``prove --file``
recorded ``1 = 2`` as proved. The backend refuses to open such a target, verification
refuses such a statement, and a request may hold neither.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.backends.coq.kernel_bugs import header_vocabulary_refusal, recursive_proof
from prover.backends.coq.verify import verify_proof
from prover.interactive.headers import HeaderRefused
from prover.interactive.statements import request_theorem
from search.errors import StatementError
from search.states import Theorem
from tests.soundness.attacks import GUARD_BUG_BODY, GUARD_BUG_TYPE
from tests.soundness.kernel_controls import COQ_TOOLS, assert_coqc_and_coqchk_accept, is_coq_816

pytestmark = COQ_TOOLS

MUTUAL = f"Lemma t (n : nat) : {GUARD_BUG_TYPE}\nwith u (n : nat) : True."
MUTUAL_PROOF = [f"exact ({GUARD_BUG_BODY.replace('issue arg', 't arg')}).", "exact I."]
FIXPOINT = f"Fixpoint t (n : nat) : {GUARD_BUG_TYPE}."
HEADER_LEMMA = (
    f"Lemma bad (n : nat) : {GUARD_BUG_TYPE} with aux (n : nat) : True.\nProof.\n"
    f"exact ({GUARD_BUG_BODY.replace('issue arg', 'bad arg')}).\nexact I.\nQed.\n"
)


def test_the_mutual_statement_proves_false_past_coqc_and_coqchk(tmp_path: Path) -> None:
    """Control: with admission bypassed, the mutual lemma's proof of False passes both checks."""
    if not is_coq_816():
        pytest.skip("the guard checker bug is known on Coq 8.16; this Coq may have it fixed")
    theorem = Theorem(name="t", header="", statement=MUTUAL)
    assert_coqc_and_coqchk_accept(tmp_path, theorem, MUTUAL_PROOF)


@pytest.mark.parametrize("statement", [MUTUAL, FIXPOINT, f"CoFixpoint t : {GUARD_BUG_TYPE}."])
def test_verification_refuses_a_recursive_statement_before_coqc(statement: str) -> None:
    """A recursive statement is refused by verification itself: coqc never runs."""
    verification = verify_proof(
        Theorem(name="t", header="", statement=statement), MUTUAL_PROOF, timeout_s=60
    )
    assert not verification.ok and "coqc" not in verification.checks
    assert "coq/coq#20455" in (verification.message or "")


@pytest.mark.parametrize("statement", [MUTUAL, FIXPOINT])
def test_the_backend_refuses_to_open_a_recursive_target(statement: str) -> None:
    """prove --file, eval, assist and serve all open through the backend: it refuses first."""
    with CoqEnvironment(CoqConfig()) as environment, pytest.raises(StatementError, match="with"):
        environment.open(Theorem(name="t", header="", statement=statement))


@pytest.mark.parametrize(
    ("header", "statement"),
    [(HEADER_LEMMA, "Theorem t : 1 = 2."), ("", MUTUAL.replace("\n", " "))],
)
def test_a_request_may_hold_no_recursive_statement(header: str, statement: str) -> None:
    """A /search header lemma or statement stated with a top-level `with` is refused."""
    with pytest.raises(HeaderRefused, match="coq/coq#20455"):
        request_theorem(language="coq", header=header, statement=statement, name=None)


@pytest.mark.parametrize(
    "code",
    [
        "Theorem t : forall n, match n as m return nat with 0 => 1 | _ => 2 end = 1.",
        "Lemma w : { x : nat | x = 0 }.",
        "Theorem s : forall x : bool, if x then True else True.",
        "Definition fixpoint_free : nat.",
    ],
)
def test_statements_with_match_or_no_with_stay_admissible(code: str) -> None:
    """`with` inside `match ... end`, and names merely containing Fixpoint, are not refused."""
    assert recursive_proof(code) is None


def test_morphism_commands_keep_their_with() -> None:
    """`Add Parametric Morphism : f with signature ...` opens no mutual block: admissible."""
    assert recursive_proof("Add Parametric Morphism : f with signature eq ==> eq as f_m.") is None
    assert recursive_proof("#[local] Add Morphism f with signature eq ==> eq as m.") is None


# Round two of the probe: ways around the lexical rule, and a header's tactic vocabulary.
GLUED_TYPE = GUARD_BUG_TYPE.replace(" -> False", " -> (fun _ : nat => False) 0with")
GLUED = f"Lemma t (n : nat) : {GLUED_TYPE} u (n : nat) : True."
BRACKET_NOTATIONS = (
    "Notation \"'[<' x\" := (x) (at level 10, x at level 200).\n"
    "Notation \"'>]' x\" := (x) (at level 10, x at level 200).\n"
)
HIDDEN = f"Lemma t (n : nat) : [< {GUARD_BUG_TYPE} with u (n : nat) : >] True."


def test_a_keyword_glued_to_a_digit_is_still_a_keyword() -> None:
    """Coq lexes `0with` as `0` and `with`: the rule reads it the same way."""
    assert recursive_proof(GLUED) is not None
    with pytest.raises(HeaderRefused, match="coq/coq#20455"):
        request_theorem(language="coq", header="", statement=GLUED, name=None)


def test_a_request_notation_may_not_declare_bracket_tokens() -> None:
    """`'[<' x` would hide a `with` from the bracket count: refused in a request header."""
    with pytest.raises(HeaderRefused, match="notation token"):
        request_theorem(
            language="coq", header=BRACKET_NOTATIONS, statement="Theorem t : True.", name=None
        )


def test_the_opened_proof_is_checked_whatever_the_spelling() -> None:
    """A trusted header's notations fool the lexical rule; the opened goals do not."""
    assert recursive_proof(HIDDEN) is None  # the spelling passes the lexical rule ...
    theorem = Theorem(name="t", header=BRACKET_NOTATIONS, statement=HIDDEN)
    with (
        CoqEnvironment(CoqConfig()) as environment,
        pytest.raises(StatementError, match="starts its proof with itself"),
    ):
        environment.open(theorem)  # ... but two goals and `t` among the hypotheses are refused


def test_a_header_tactic_that_writes_fix_refuses_the_theorem() -> None:
    """`Ltac rec_on := fix IH 1.` lets a model build a fixpoint by calling rec_on: refused."""
    theorem = Theorem(name="t", header="Ltac rec_on := fix IH 1.\n", statement="Theorem t : 1 = 2.")
    with CoqEnvironment(CoqConfig()) as environment, pytest.raises(StatementError, match="Ltac"):
        environment.open(theorem)
    verification = verify_proof(theorem, ["rec_on."], timeout_s=60)
    assert not verification.ok and "coqc" not in verification.checks


# Round three: a header's vocabulary is allowed fixpoint words in term declarations and
# proof steps only, whatever command carries them, split as coqc splits sentences.
@pytest.mark.parametrize(
    "header",
    [
        "Ltac rec_on := idtac; [ idtac .. ]; fix IH 1.\n",  # `..` fooled a naive splitter
        "Set Firstorder Solver (match goal with K := _ |- False => exact "
        "((fix IH (m : nat) : nat := K IH m) 1 I) end).\n",  # no Ltac/Hint word at all
        "Add Ring r : rt (preprocess [fix IH 1]).\n",
        "#[local] Hint Extern 1 => cofix c : core.\n",
        "Lemma a : True.\nProof with (fix IH 1).\nexact I.\nQed.\n",
        # Round four: a `where` notation is a template the model fills with the body.
        "Reserved Notation \"'REC' f n : T := b\" (at level 200, f ident, n ident, "
        "T at level 200, b at level 200).\nInductive dummy : Set := dmk\n"
        "  where \"'REC' f n : T := b\" := (fix f (n : nat) {struct n} : T := b).\n",
    ],
)
def test_header_commands_that_carry_fix_refuse_the_theorem(header: str) -> None:
    """Any command but a term declaration that writes fix/cofix refuses the header."""
    reason = header_vocabulary_refusal(header)
    assert reason is not None and "coq/coq#20455" in reason


@pytest.mark.parametrize(
    "header",
    [
        "Definition f := fix g (n : nat) : nat := 0.\nFixpoint h (n : nat) : nat := n.\n",
        "Lemma a : nat -> True.\nProof.\nfix IH 1. intros; exact I.\nQed.\n",
        "Lemma a : nat -> True.\nfix IH 1. intros; exact I.\nQed.\n",
        "Fixpoint plus (n m : nat) : nat := match n with 0 => m | S p => S (p + m) end\n"
        '  where "n + m" := (plus n m).\n',
    ],
)
def test_fixpoints_of_the_headers_own_terms_and_proofs_stay_allowed(header: str) -> None:
    """Term declarations and header proof steps make closed terms: the header is opened."""
    assert header_vocabulary_refusal(header) is None


def test_a_mutual_with_behind_a_glued_keyword_is_refused() -> None:
    """Round twenty-four: `x0match` (one name to Coq) opened a pretend `match` around the
    real mutual `with`; a keyword right after a digit is now refused."""
    statement = "Theorem t (n : nat) : x0match = x0match with u (n : nat) : x0end = x0end."
    assert recursive_proof(statement) is not None
