"""Round fourteen: a notation token `+(*` hid a `Module Type` from every Python reader.

Found by a red-team round (2026-12-04) against the split check: Coq lexes a declared symbol
token `+(*` as one token, so no comment opens where the prover's Python reads one; the code
"inside" (sentences opening `Module Type B` with `Axiom ax : 1 = 2`) ran in Coq unseen.
The split check should have caught the extra sentences, but it cut coqc's output with
`str.splitlines`, which also breaks at U+001C: each hidden sentence carried one in a
`Redirect` file name, its `Chars` line fell apart, and a hidden `idtac` printed the one
line the check expected. `1 = 2` verified. Now the check finds every `Chars B - E [`
wherever it stands, and a checked file with such a separator or such a notation token is
refused before coqc.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import prover.backends.coq.split_check as split_module
import prover.backends.coq.verify as verify_module
from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.backends.coq.reading_refusals import reading_refusal
from prover.backends.coq.verify import verify_proof
from search.errors import StatementError
from search.process import run_to_end
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS
from tests.soundness.split_attacks import expected_ranges, switch_off_the_assumptions_print

pytestmark = COQ_TOOLS

SEPARATOR = "\x1c"  # a line break for str.splitlines, an ordinary character for Coq
STATEMENT = "Theorem t : 1 = 2."
PROOF = ["exact ax."]


def _fake_line(first: int, last: int) -> str:
    return f"{SEPARATOR}Chars {first:06d} - {last:06d} [x] 0. secs (0.u,0.s)"


def _header(first: tuple[int, int], second: tuple[int, int]) -> str:
    """Python reads one sentence around each `+(* ... *)`; Coq reads seven, then ten."""
    hidden = f'Redirect "r{SEPARATOR}" '
    return (
        "Module Type S. End S.\n"
        'Notation "x +(* y" := (x + y) (at level 50).\n'
        'Notation "x *) y" := (x + y) (at level 50).\n'
        f"{hidden}Check 0 +(* 0.\n{hidden}Goal True.\n"
        f'idtac "{_fake_line(*first)}".\n{hidden}Abort.\n'
        f"{hidden}Module Checked.\n{hidden}Check 0 *) 0.\n"
        "Module B (X : S).\n"
        f"{hidden}Check 0 +(* 0.\n{hidden}Goal True.\n"
        f'idtac "{_fake_line(*second)}".\n{hidden}Abort.\n'
        f"{hidden}End B.\n{hidden}End Checked.\n"
        f"{hidden}Module Type B.\n{hidden}Axiom ax : 1 = 2.\n{hidden}Check 0 *) 0.\n"
    )


def _hiding_ranges(header: str) -> list[tuple[int, int]]:
    """The ranges the split check expects for the two Python sentences that hold the hidden
    regions."""
    return expected_ranges(header, STATEMENT, PROOF, b"Redirect", b"+(*")


def _attack() -> Theorem:
    header = _header((0, 0), (0, 0))
    first, second = _hiding_ranges(header)
    header = _header(first, second)
    assert _hiding_ranges(header) == [first, second]
    return Theorem(name="t", header=header, statement=STATEMENT)


def test_the_round_fourteen_header_is_refused_before_coqc() -> None:
    """Refused before coqc: it holds a U+001C, opens a comment right after '+' and declares
    a token with a glued '(*'. (Its hidden `Module Checked.` forges the checked file's path,
    a plain `Checked` since round 125; it forged `ProverCheck.Checked` before.)"""
    theorem = _attack()
    verification = verify_proof(theorem, PROOF, timeout_s=60)
    assert not verification.ok and "coqc" not in verification.checks
    assert "line separator U+001C" in (verification.message or "")
    assert "line separator U+001C" in str(reading_refusal(theorem.header, "the header"))
    without_separator = theorem.header.replace(SEPARATOR, "")
    assert "right after '+'" in str(reading_refusal(without_separator, "the header"))


def test_without_the_reading_refusals_coq_split_still_refuses_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the refusal before coqc switched off, the hidden sentences' own `Chars` lines
    are found behind the separator, so the split check refuses (the old line-based reading
    accepted this file and `1 = 2` verified)."""
    monkeypatch.setattr(split_module, "sentences_refusal", lambda *_args, **_kwargs: None)
    monkeypatch.setattr(verify_module, "target_refusal", lambda *_args, **_kwargs: None)
    monkeypatch.setattr(verify_module, "_reserved_name", lambda *_args: None)
    switch_off_the_assumptions_print(monkeypatch)
    verification = verify_proof(_attack(), PROOF, timeout_s=60)
    assert not verification.ok and verification.checks == ("admission",)
    assert "sentence split differs" in (verification.message or "")


def test_the_backend_refuses_to_open_it_with_one_line() -> None:
    """The search never starts on it (before, the coqtop replay fell out of step and the
    attempt ended in an error, by accident)."""
    with (
        CoqEnvironment(CoqConfig()) as environment,
        pytest.raises(StatementError, match="line separator U\\+001C"),
    ):
        environment.open(_attack())


DOUBLE_DOT_COMMENT = (
    'Notation "x ..( * y *)" := (x + y) (at level 50, left associativity).\n'
    "Definition a := 1 ..(* 1 *).\n"
)
"""Round 116: to Coq `..(*` is one notation token and `a` is 2; the prover's readers see a
comment, and the sentence ranges agree, so only the comment-position rule sees it."""


def test_a_comment_after_a_notation_dot_the_split_check_cannot_see_is_refused(
    tmp_path: Path,
) -> None:
    """Control: to coqc `a` is 2. `Definition a := 1 ..(* 1 *).` is refused for its comment
    right after '.', before and by verification."""
    (tmp_path / "C.v").write_text(DOUBLE_DOT_COMMENT + "Check (eq_refl : a = 2).\n")
    assert run_to_end(["coqc", "-q", "C.v"], timeout_s=120, cwd=tmp_path)[0] == 0
    problem = reading_refusal(DOUBLE_DOT_COMMENT, "the header")
    assert problem is not None and "opens a comment right after '.'" in problem
    theorem = Theorem(name="t", header=DOUBLE_DOT_COMMENT, statement="Theorem t : a = 2.")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not verification.ok
    assert "opens a comment right after '.'" in (verification.message or "")
