"""Lean text the checks once read differently from Lean's lexer (red-team probe, 2026-12-04).

No Lean toolchain runs here, so these check the Python side: what Lean is documented to
read (a numeral ends at the first letter, leanprover/lean4#1218; a command keyword ends a
term whatever the indentation; only some non-ASCII letters continue a name) must be what
the request and tactic checks scan.
"""

from __future__ import annotations

import pytest

from prover.backends.lean.text import proof_text_rejection, scan_view, tactic_rejection
from prover.interactive.headers import HeaderRefused
from prover.interactive.statements import request_theorem

STATEMENT = "theorem t : False := by"


@pytest.mark.parametrize(
    ("header", "named"),
    [
        ("def x : Nat := 2run_cmd do\n  pure ()\n", "run_cmd"),
        ("def y : Nat := 2#eval show IO Unit from pure ()\n", "#eval"),
        ('def z : Nat := 2\n  notation "False" => True\n', "notation"),
        ("def w : Nat := 2\n  export Nat (add)\n", "not on the whitelist"),
        ("def v : Nat := 2sorry\n", "sorry"),
        ("def u : Nat := éaxiom\n", "axiom"),
    ],
)
def test_a_command_hidden_behind_a_digit_or_an_indent_is_refused(header: str, named: str) -> None:
    """`2run_cmd`, `2#eval`, an indented `notation`/`export`, `éaxiom`: each refused, named."""
    with pytest.raises(HeaderRefused, match=named):
        request_theorem(language="lean4", header=header, statement=STATEMENT, name=None)


@pytest.mark.parametrize("tactic", ["exact 2sorry", "simp [λadmit]", "exact (h₀.trans 0sorry)"])
def test_a_tactic_hiding_sorry_behind_a_digit_or_letter_is_refused(tactic: str) -> None:
    """The tactic scan reads `2sorry` as Lean does: `2` then `sorry`."""
    assert (tactic_rejection(tactic) or "").startswith("rejected: uses")
    assert proof_text_rejection(f"theorem t : False := by\n  {tactic}\n") is not None


def test_names_lean_reads_whole_stay_whole() -> None:
    """`x2y`, `h₀`, `α₁` and `ℝ` are untouched; only the numeral and `é` are set apart."""
    assert scan_view("x2y h₀ α₁ ℝ 3x é") == "x2y h₀ α₁ ℝ 3 x  "
    assert tactic_rejection("exact h₀.trans (x2y α₁)") is None


@pytest.mark.parametrize(
    ("tactic", "reason"),
    [
        ('have _x := s!"{(sorry : Nat)}"', "interpolation runs the code"),
        ('have _x := r"sorry"', "raw string literals"),
        ("have _c := '\\q'", "escaped character literal"),
        ("have _c := '\\\"'; exact (sorry : False)", "uses 'sorry'"),
    ],
)
def test_literals_that_hide_code_are_read_or_refused(tactic: str, reason: str) -> None:
    """Interpolated and raw strings are refused; `'\\"'` is a character, not a string opening
    (a round-five probe hid `axiom` and `#print` behind it)."""
    assert reason in (tactic_rejection(tactic) or "")


def test_a_header_hiding_commands_behind_a_character_literal_is_refused() -> None:
    """`'\\"'` then `axiom bad : False` up to the next quote: the axiom is seen."""
    header = 'def q : Char := \'\\"\'\naxiom bad : False\ndef r : String := "x"\n'
    with pytest.raises(HeaderRefused, match="axiom"):
        request_theorem(language="lean4", header=header, statement=STATEMENT, name=None)
