"""Lean text the checks once read differently from Lean's lexer (red-team probe, 2026-12-04).

No Lean toolchain runs here, so these check the Python side: what Lean is documented to
read (a numeral ends at the first letter, leanprover/lean4#1218; a command keyword ends a
term whatever the indentation; only some non-ASCII letters continue a name) must be what
the request and tactic checks scan.
"""

from __future__ import annotations

import pytest

from prover.backends.lean.lexing import scan_view
from prover.backends.lean.text import proof_text_rejection, tactic_rejection
from prover.interactive.headers import HeaderRefused
from prover.interactive.statements import request_theorem

STATEMENT = "theorem t : False := by"


@pytest.mark.parametrize(
    ("header", "named"),
    [
        ("def x : Nat := 2run_cmd do\n  pure ()\n", "run_cmd"),
        ("def y : Nat := 2#eval show IO Unit from pure ()\n", "#eval"),
        ('def z : Nat := 2\n  notation "False" => True\n', "notation"),
        ("def w : Nat := 2\n  export Nat (add)\n", "'export'"),
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


GUILLEMET_HEADER = (
    "def «/-» : Nat := 0\n"
    "axiom bad : False\n"
    "open Lean Elab Command in\n"
    "elab_rules : command | `(#print axioms $_) => logInfo \"'t' does not depend on any axioms\"\n"
    "def «-/» : Nat := 1\n"
)


@pytest.mark.parametrize(
    "header",
    [
        GUILLEMET_HEADER,
        "def «--» : Nat := 0 axiom bad : False\n",
        'def «a"» : Nat := 0\naxiom bad : False\ndef «b"» : Nat := 1\n',
        "def g' (s : String) : Nat := 0\ndef k := g'\"'\"\naxiom bad : False\ndef m := \"'\"\n",
    ],
)
def test_a_header_hiding_commands_in_escaped_names_or_primes_is_refused(header: str) -> None:
    """`«/-»`...`«-/»`, `«--»`, `«a"»` and `g'"'"` are names (and a string) to Lean: nothing
    between them is hidden from the checks (round seven)."""
    with pytest.raises(HeaderRefused):
        request_theorem(language="lean4", header=header, statement=STATEMENT, name=None)


@pytest.mark.parametrize(
    "tactic",
    [
        "have «/-» : True := trivial; run_tac (pure ()); have «-/» : True := trivial",
        "have «--» : True := trivial; exact (sorry : False)",
        'exact g\'"\'" run_tac (pure ()) "\'"',
    ],
)
def test_a_tactic_hiding_commands_in_escaped_names_or_primes_is_refused(tactic: str) -> None:
    """The same shapes in a generated tactic: refused, or the hidden command is seen."""
    assert tactic_rejection(tactic) is not None


def test_plain_escaped_names_and_character_literals_still_pass() -> None:
    """`case «0» =>` (Lean's own case names) and `'\"'` at a token start are read as Lean does."""
    assert tactic_rejection("case «0» => simp") is None
    assert tactic_rejection("exact ('\"', h₀')") is None


@pytest.mark.parametrize(
    ("header", "named"),
    [
        ('def x : Nat := 0 run_meta Lean.logInfo m!"x"\n', "run_meta"),
        ("def y : Nat := by_elab do return Lean.mkNatLit 0\n", "by_elab"),
        ("simproc bad (False) := fun _ => return .continue\n", "simproc"),
        ('def z : String := include_str "/etc/passwd"\n', "include_str"),
    ],
)
def test_code_running_words_of_the_tactic_scan_are_refused_in_headers(
    header: str, named: str
) -> None:
    """Every command keyword the tactic scan refuses is refused in a header too, mid-line
    included (`run_meta`, `by_elab` were admitted after a `def`; round seven)."""
    with pytest.raises(HeaderRefused, match=named):
        request_theorem(language="lean4", header=header, statement=STATEMENT, name=None)


PRINT_OVERRIDE = (
    "open Lean Elab Command in\n"
    "elab_rules : command | `(#print axioms $_) => logInfo \"'t' does not depend on any axioms\"\n"
)


@pytest.mark.parametrize(
    "header",
    [
        f"def a : Nat := 0\n/-/- -/\naxiom bad : False\n{PRINT_OVERRIDE}-- -/\n",
        "def f : IO Unit := do let _x <--(pure ()); pure () axiom bad : False\n",
        "def s := { x : Int //-x = 0 }\naxiom bad : False\n-- -/\n",
        "def c : Char := 'a'axiom bad : False\n",
        "def x := 0b1axiom bad : False\n",
        "def x := 1e5axiom bad : False\n",
        "def y : Option Nat := #[1][0]?axiom bad : False\n",
        "def x : Bool := !'\"'\naxiom bad : False\ndef c : Char := '\"'\n",
        'def x : Bool := !r"\\"\naxiom bad : False\ndef c : Char := \'"\'\n',
        "open Nat set_option debug.skipKernelTC true in\ntheorem h : True := trivial\n",
        "universe u set_option debug.skipKernelTC true\n",
        "def x : Nat := eval% (2 ^ 10 : Nat)\n",
        'def x : Nat := 0 notation3 "" => True\n',
    ],
)
def test_round_eight_headers_are_refused(header: str) -> None:
    """`/-/-` (Lean reads the body from the third character), comment openers glued to a
    token, keywords glued to literals, `!` before a literal, `set_option` after `open` on
    one line, `eval%` and unlisted commands: none hides an axiom or an option."""
    with pytest.raises(HeaderRefused):
        request_theorem(language="lean4", header=header, statement=STATEMENT, name=None)


@pytest.mark.parametrize(
    "tactic",
    [
        "skip /-/- -/; run_tac pure () -- -/",
        "have : { x : Int //-x = 0 } := ⟨0, rfl⟩",
        "exact 0b1sorry",
        "exact (sorry.1 : False)",
        "(try exact !'\"'); run_tac (pure ()); (try exact '\"')",
        "decide +native",
        "decide (config := { native := true })",
        "bv_decide",
        "exact eval% (2 ^ 10 : Nat)",
    ],
)
def test_round_eight_tactics_are_refused(tactic: str) -> None:
    """The same reading differences, native evaluation by configuration and `eval%` in a
    generated tactic."""
    assert tactic_rejection(tactic) is not None


def test_ordinary_lean_still_passes() -> None:
    """Doc comments, `h.1`, `x.symm`, numerals, `h'`, `--` after a name or bracket pass."""
    header = "/-- doc -/\ndef f (n : Nat) : Nat := n + 1 -- note\nopen scoped BigOperators\n"
    request_theorem(language="lean4", header=header, statement=STATEMENT, name=None)
    for tactic in [
        "exact ⟨h.1, (h₀ x).symm⟩",
        "norm_num [h']-- c",
        "linarith [sq_nonneg (a - 2.5)]",
    ]:
        assert tactic_rejection(tactic) is None, tactic


RUN_ON_SERVER = (
    "simp (config := { maxSteps := if (unsafeIO (IO.Process.output "
    '{cmd := "sh", args := #["-c", "id"]})).toBool then 100000 else 100001 })'
)


@pytest.mark.parametrize(
    "header",
    [
        f"theorem helper : True := by {RUN_ON_SERVER}",
        "theorem h : True := by decide +native",
        "theorem h : True := by decide (config := { native := true })",
        "theorem h : False := sorryAx False false",
        "def x : Nat := 0 unif_hint foo where |- 0 =?= 0",
    ],
)
def test_round_nine_headers_are_refused(header: str) -> None:
    """A configuration is evaluated as compiled code: naming `unsafeIO`/`IO` is refused (it
    would run a process on the server); native configuration, `sorryAx`, `unif_hint` too."""
    with pytest.raises(HeaderRefused):
        request_theorem(language="lean4", header=header, statement=STATEMENT, name=None)


@pytest.mark.parametrize(
    "tactic",
    [RUN_ON_SERVER, "exact unsafeCast ()", "exact sorryAx False false", "decide +«native»"],
)
def test_round_nine_tactics_are_refused(tactic: str) -> None:
    """The same in a generated tactic; `«native»` is read as the word `native`."""
    assert tactic_rejection(tactic) is not None


@pytest.mark.parametrize(
    "tactic",
    [
        "decide (config := { «native» := true })",
        "decide («native» := true)",
        "decide (config := ⟨false, true, true, false⟩)",
        'bv_check "proof.lrat"',
    ],
)
def test_a_checker_without_axiom_audit_refuses_configured_decide(tactic: str) -> None:
    """With `forbid_native` (LeanDojo without the REPL), any configured `decide` and
    `bv_check` are refused: a positional configuration can turn native evaluation on."""
    text = f"theorem t : True := by\n  {tactic}\n"
    assert proof_text_rejection(text, forbid_native=True) is not None
