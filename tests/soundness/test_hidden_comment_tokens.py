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

from unittest import mock

import pytest

import prover.backends.coq.split_check as split_module
import prover.backends.coq.verify as verify_module
from prover.backends.coq.blocks import closable
from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.backends.coq.split_check import MarkedSource, mark_sentences
from prover.backends.coq.term_reading import inspected_ending
from prover.backends.coq.verify import verify_proof
from search.errors import StatementError
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS

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
        f"{hidden}Module ProverCheck.\n{hidden}Module Checked.\n{hidden}Check 0 *) 0.\n"
        "Module B (X : S).\n"
        f"{hidden}Check 0 +(* 0.\n{hidden}Goal True.\n"
        f'idtac "{_fake_line(*second)}".\n{hidden}Abort.\n'
        f"{hidden}End B.\n{hidden}End Checked.\n{hidden}End ProverCheck.\n"
        f"{hidden}Module Type B.\n{hidden}Axiom ax : 1 = 2.\n{hidden}Check 0 *) 0.\n"
    )


def _hiding_ranges(header: str) -> list[tuple[int, int]]:
    """The byte ranges the split check expects for the two Python sentences that hold the
    hidden regions (they do not depend on the nonce's value, only on its length)."""
    text = verify_module._assemble(
        closable(header),
        STATEMENT,
        PROOF,
        inspected_ending("t", ()),
        verify_module._placed(header, "ProverCheckPlaced_" + "0" * 16),
    )
    with mock.patch.object(split_module, "_lexing_refusal", lambda *_args: None):
        marked = mark_sentences(text, "0" * 16)
    assert isinstance(marked, MarkedSource), marked
    data = marked.text.encode("utf-8")
    return [
        (line.start, line.end)
        for line in marked.expected
        if line.marker is None
        and data[line.start : line.end].startswith(b"Redirect")
        and b"+(*" in data[line.start : line.end]
    ]


def _attack() -> Theorem:
    header = _header((0, 0), (0, 0))
    first, second = _hiding_ranges(header)
    header = _header(first, second)
    assert _hiding_ranges(header) == [first, second]
    return Theorem(name="t", header=header, statement=STATEMENT)


def test_the_round_fourteen_header_is_refused_before_coqc() -> None:
    """A U+001C in the file, or a notation token with a glued '(*', refuses before coqc."""
    verification = verify_proof(_attack(), PROOF, timeout_s=60)
    assert not verification.ok and "coqc" not in verification.checks
    assert "line separator U+001C" in (verification.message or "")


def test_without_the_lexing_refusal_coq_split_still_refuses_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the refusal before coqc switched off, the hidden sentences' own `Chars` lines
    are found behind the separator, so the split check refuses (the old line-based reading
    accepted this file and `1 = 2` verified)."""
    monkeypatch.setattr(split_module, "_lexing_refusal", lambda *_args: None)
    verification = verify_proof(_attack(), PROOF, timeout_s=60)
    assert not verification.ok and verification.checks == ("admission",)
    assert "sentence split differs" in (verification.message or "")


def test_the_backend_refuses_to_open_it_with_one_line() -> None:
    """The search never starts on it (before, the coqtop replay fell out of step and the
    attempt ended in an error, by accident)."""
    with (
        CoqEnvironment(CoqConfig()) as environment,
        pytest.raises(StatementError, match="line separator U"),
    ):
        environment.open(_attack())
