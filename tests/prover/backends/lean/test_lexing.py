"""How the Lean scans read text: comments and strings blanked as Lean's lexer delimits them."""

from __future__ import annotations

import pytest

from prover.backends.lean.lexing import UnreadableText, scan_view, strip_comments_and_strings


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("simp -- sorry\nring", "simp \nring"),
        ("exact /- /- sorry -/ still comment -/ h", "exact   h"),
        ('exact "sorry"', 'exact ""'),
        ("exact ('\"', x)", "exact ('\"', x)"),
        ("exact '\\n'", "exact ' '"),
        ("case «0» => simp", "case «0» => simp"),
        ('exact g\'"a" h', 'exact g\'"" h'),
    ],
)
def test_comments_and_strings_are_blanked_where_lean_puts_them(text: str, read: str) -> None:
    """Line and nested block comments, strings, char literals, «names» and primes."""
    assert strip_comments_and_strings(text) == read


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("exact /- open", "'/-'"),
        ('exact "open', "string"),
        ('exact r"raw"', "raw string"),
        ('exact s!"{x}"', "interpolation"),
        ("exact '\\q'", "escaped character"),
        ("have «/-» := 1", "«...»"),
        ("exact a » b", "«...»"),
    ],
)
def test_what_the_scans_cannot_read_is_refused(text: str, reason: str) -> None:
    """Unclosed comments and strings, raw and interpolated strings, odd escapes, odd «»."""
    with pytest.raises(UnreadableText, match=reason):
        strip_comments_and_strings(text)


def test_the_scan_view_only_adds_word_boundaries() -> None:
    """A numeral ends before a letter and non-name letters become spaces; names stay whole."""
    assert scan_view("2run_cmd h₀ éaxiom") == "2 run_cmd h₀  axiom"
