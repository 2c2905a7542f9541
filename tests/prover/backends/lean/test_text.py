"""Lean text utilities, goal parsing on all recorded states, and project set-up errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from prover.backends.lean.goals import count_turnstiles, parse_goals
from prover.backends.lean.setup import setup_lean_project
from prover.backends.lean.text import (
    assemble_proof,
    axiom_violations,
    lean_theorem_from_source,
    parse_axioms,
    sorry_statement,
    tactic_rejection,
)
from search.errors import BackendUnavailable, InputError
from search.states import Theorem, normalize_text

TESTS = Path(__file__).resolve().parents[3]
FIXTURES = TESTS / "fakes" / "data"
BENCHMARK_DATA = TESTS.parent / "prover" / "data" / "statements"
DATA = FIXTURES
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="recorded Lean data not available")


def _recorded_states() -> list[str]:
    states: list[str] = []
    for line in (DATA / "traced_tactics_sample.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        for step in record.get("sstrace") or record["trace"]:
            states.append(step["state_before"])
            states.extend([step["state_after"]] if "state_after" in step else [])
    fixture = json.loads((DATA / "traced_tactics_repl_pr96_aime_1983_p9.json").read_text())
    for tactic in fixture["expected_output"]["ast"]["tactics"]:
        states += [tactic["stateBefore"], tactic["stateAfter"]]
    for name in ("minif2f_lean4.jsonl", "proofnet_lean4.jsonl"):
        for line in (BENCHMARK_DATA / name).read_text(encoding="utf-8").splitlines():
            states.append(json.loads(line)["goal"])
    return states


@needs_data
def test_parses_every_recorded_state() -> None:
    """Goal count equals column-0 ⊢ lines and rendering round-trips, on all real states."""
    states = _recorded_states()
    assert len(states) > 1500
    for text in states:
        goals = parse_goals(text)
        assert len(goals) == count_turnstiles(text), text
        rendered = "\n\n".join(goal.render() for goal in goals) if goals else "no goals"
        assert normalize_text(rendered) == normalize_text(text), text


def test_goal_features() -> None:
    """case tags, several names, inaccessible names and multi-line types are parsed."""
    text = "case pos\na b : ℝ\nx✝ : ℕ\nh :\n  a +\n    b = 0\n⊢ a ≤\n    b\n\ncase neg\n⊢ True"
    first, second = parse_goals(text)
    assert first.tag == "pos" and first.hypotheses[0].names == ("a", "b")
    assert first.hypotheses[1].names == ("x✝",)
    assert normalize_text(first.hypotheses[2].type) == "a + b = 0"
    assert normalize_text(first.conclusion) == "a ≤ b" and second.conclusion == "True"
    assert parse_goals("no goals") == ()


@pytest.mark.parametrize(
    "tactic",
    [
        "sorry",
        "exact (admit)",
        "simp\n#exit",
        "simp\ntheorem x : False := by trivial",
        "norm_num\nsimp",
        "simp /- open comment",
        "exact (foo",
        "exact foo)",
        "set_option maxHeartbeats 0 in simp",
        "#print axioms foo",
        'exact "unterminated',
        "",
    ],
)
def test_unsafe_tactics_are_rejected(tactic: str) -> None:
    """Candidates that cheat or escape the proof block are rejected with a reason."""
    reason = tactic_rejection(tactic)
    assert reason is not None and reason.startswith("rejected:")


@pytest.mark.parametrize(
    "tactic",
    [
        "set_option maxRecDepth 100000 in nlinarith",
        "set_option debug.skipKernelTC true in\n  simp",
        "attribute [local simp] foo in simp",
        "simp\n  @[implemented_by foo] def bar : Nat := 0",
        "exact (@[simp] foo)",
        "simp\n  unsafe def x : False := x",
        "native_decide",
        "decide; exact Lean.ofReduceBool _ _ rfl",
        "exact Lean.trustCompiler",
        'macro "win" : tactic => `(tactic| sorry)',
        'elab "win" : tactic => pure ()',
        'syntax "win" : tactic',
        'notation "x" => 1',
        "macro_rules | `(tactic| trivial) => `(tactic| sorry)",
        "run_tac pure ()",
        "by_elab pure ()",
        "open Classical in simp",
        'local notation "x" => 1',
        "simp\n  example : False := sorry",
        "simp\n  axiom cheat : False",
        "simp\n  instance : Inhabited False := sorry",
        "simp\r#exit",
        "simp\x0b#exit",
        "simp\n#eval 1",
        "simp\n  #print axioms t",
        "nlinarith [extern]",
    ],
)
def test_commands_attributes_and_native_code_are_rejected(tactic: str) -> None:
    """set_option, attributes, unsafe, implemented_by/extern, macros, commands, native_decide."""
    reason = tactic_rejection(tactic)
    assert reason is not None and reason.startswith("rejected:")


@pytest.mark.parametrize(
    "tactic",
    [
        "nlinarith [sq_nonneg (a - b), sq_nonneg (a + b)]",
        "simp -- a comment mentioning sorry",
        "constructor\n  · norm_num\n  · simp",
        'simp only [show "x" = "x" from rfl]',
        "exact ⟨h₀, h₁⟩",
        "rw [Nat.sorry_free_lemma] at h",
        "exact #[1, 2].size_pos",
    ],
)
def test_safe_tactics_pass(tactic: str) -> None:
    """Ordinary tactics (comments, bullets, anonymous constructors) are accepted."""
    assert tactic_rejection(tactic) is None


def test_statement_and_proof_assembly() -> None:
    """':= by' and ':=' endings become ':= by sorry'; the proof is indented under ':= by'."""
    assert sorry_statement("theorem t : 1 = 1 := by\n") == "theorem t : 1 = 1 := by sorry"
    assert sorry_statement("theorem t : 1 = 1 :=") == "theorem t : 1 = 1 := by sorry"
    theorem = Theorem(name="t", header="import Mathlib", statement="theorem t : 1 = 1 := by\n")
    text = assemble_proof(theorem, ["norm_num", "simp [a,\n  b]"])
    assert text == "import Mathlib\ntheorem t : 1 = 1 := by\n  norm_num\n  simp [a,\n    b]\n"


def test_axiom_parsing() -> None:
    """Both #print axioms forms parse; sorryAx and ofReduceBool are violations."""
    assert parse_axioms("'t' does not depend on any axioms") == ()
    axioms = parse_axioms("'t' depends on axioms: [propext, sorryAx,\n Lean.ofReduceBool]")
    assert axioms == ("propext", "sorryAx", "Lean.ofReduceBool")
    assert axiom_violations(axioms) == ("sorryAx", "Lean.ofReduceBool")
    assert parse_axioms("unrelated info") is None


def test_theorem_from_source() -> None:
    """Header is what precedes the theorem (minus its docstring); its proof is dropped."""
    source = (
        "import Mathlib\nopen Real\n\n/-- doc -/\ntheorem foo (x : ℕ := 1) : x = x := by\n  rfl\n"
    )
    theorem = lean_theorem_from_source(source, "foo")
    assert theorem.header == "import Mathlib\nopen Real\n\n"
    assert theorem.statement == "theorem foo (x : ℕ := 1) : x = x := by"
    with pytest.raises(InputError, match="bar"):
        lean_theorem_from_source(source, "bar")


def test_a_lean_file_is_read_with_line_endings_as_lean_reads_them() -> None:
    """CRLF becomes LF as Lean's frontend makes it (lean4#3903), a lone CR in a string stays,
    and CR CR LF, which Lean versions read differently, is refused naming the file."""
    source = 'import Mathlib\r\n\r\ntheorem foo : "a\rb".length = 3 := by\r\n  rfl\r\n'
    theorem = lean_theorem_from_source(source, "foo", origin="F.lean")
    assert theorem.header == "import Mathlib\n\n"
    assert theorem.statement == 'theorem foo : "a\rb".length = 3 := by'
    with pytest.raises(InputError, match=r"F\.lean holds CR CR LF"):
        lean_theorem_from_source(
            source.replace("Mathlib\r\n", "Mathlib\r\r\n"), "foo", origin="F.lean"
        )


def test_a_lean_statement_runs_to_its_proof_past_blank_lines_comments_and_strings() -> None:
    """Round 41: a blank line does not end the statement (Lean reads on); a `:=` in a comment
    or a string is not the proof's, nor is a `theorem` in a comment; a statement with no `:=`
    before the next command, or a name declared twice (round 43), is refused naming the file."""
    source = (
        'import Mathlib\n\ntheorem t : (1 : ℕ) = 1 -- a := b\n\n  ∧ "x := (".length = 4'
        " /- := ( -/\n\n    ∧ False := by\n  sorry\n"
    )
    statement = lean_theorem_from_source(source, "t").statement
    assert statement.endswith("∧ False := by") and "-- a := b" in statement
    hidden = "/-\ntheorem t : True := by\n-/\n" + source
    assert lean_theorem_from_source(hidden, "t").statement == statement  # not the comment's
    twice = "namespace A\ntheorem t : True := trivial\nend A\n"
    twice += "namespace B\ntheorem t : 0 = 1 := by\n  sorry\nend B\n"
    with pytest.raises(InputError, match=r"'t' is declared 2 times in F\.lean"):
        lean_theorem_from_source(twice, "t", origin="F.lean")
    cut = "import Mathlib\n\ntheorem t : 1 = 1\n\ntheorem u : True := trivial\n"
    with pytest.raises(InputError, match=r"of F\.lean has no ':='"):
        lean_theorem_from_source(cut, "t", origin="F.lean")


@pytest.mark.skipif(shutil.which("lake") is not None, reason="lake is installed here")
def test_setup_without_lake_is_a_clear_error(tmp_path: Path) -> None:
    """Without elan/lake, setup fails with a one-line BackendUnavailable saying so."""
    with pytest.raises(BackendUnavailable, match="elan/lake not found") as info:
        setup_lean_project(project_dir=tmp_path / "lean", statements="deepseek")
    assert "\n" not in str(info.value)
