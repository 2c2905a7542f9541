"""The interactive session: library behaviour on scripted fakes, and the real terminal on Coq."""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pexpect
import pytest

from prover.interactive.assist import AssistConfig, AssistSession, ResumedEnvironment
from prover.interactive.terminal import run_terminal
from search.outcomes import NewState, ProofComplete, TacticError
from search.states import Theorem
from search.testing import (
    SamplingGenerator,
    ScriptedEnvironment,
    ScriptedGenerator,
    scripted_state,
)

REPO = Path(__file__).resolve().parents[3]
THEOREM = Theorem(name="t", header="", statement="Theorem t : P.")
SCRIPT = {
    "root": {"intro": "a", "split": "b", "bad": "error"},
    "a": {"auto": "proved", "left": "b"},
    "b": {"auto": "proved"},
}


class StepsByLength:
    """A fake progress predictor: remaining steps = number of tactics so far."""

    def predict_remaining_steps(
        self, states: Sequence[str], proofs_so_far: Sequence[Sequence[str]]
    ) -> list[float]:
        return [float(len(proof)) for proof in proofs_so_far]


def session(**kwargs: object) -> tuple[AssistSession, ScriptedEnvironment]:
    environment = ScriptedEnvironment(SCRIPT, root="root")
    generator = ScriptedGenerator.from_script(SCRIPT)
    created = AssistSession(THEOREM, environment=environment, generator=generator, **kwargs)  # type: ignore[arg-type]
    created.start()
    return created, environment


def test_apply_and_undo_move_between_states() -> None:
    """Applying tactics advances the state; failures change nothing; undo goes back."""
    current, _ = session()
    assert isinstance(current.apply("intro"), NewState)
    assert current.state == scripted_state("a") and current.tactics == ("intro",)
    assert isinstance(current.apply("nonsense"), TacticError)
    assert current.tactics == ("intro",)
    assert current.undo() == 1 and current.state == scripted_state("root")
    assert current.undo() == 0
    assert isinstance(current.apply("split"), NewState)
    assert isinstance(current.apply("auto"), ProofComplete)
    assert current.complete and current.state is None
    assert current.verify().ok


def test_suggestions_carry_scores_and_progress_estimates() -> None:
    """Suggestions are the generator's candidates with per-tactic predicted steps."""
    current, _ = session(progress=StepsByLength())
    suggestions = current.suggestions()
    assert {s.tactic for s in suggestions} == {"intro", "split", "bad"}
    assert all(s.score == -1.0 and s.remaining_steps == 1.0 for s in suggestions)
    assert current.remaining_steps() == 0.0


def test_search_starts_from_the_current_state_and_appends_its_suffix() -> None:
    """:search runs best-first search from the current state; the found suffix is appended."""
    current, environment = session()
    current.apply("intro")
    calls_before = environment.num_tactic_calls
    result = current.search(time_limit_s=10)
    assert result.proof is not None and result.proof[-1] == "auto"
    assert current.tactics == ("intro", *result.proof) and current.complete
    assert environment.open_calls == 1  # the search did not re-open the theorem
    assert all(name != "root" for name, _, _ in environment.tactic_calls[calls_before:])
    assert current.verify().ok


@pytest.mark.parametrize(("rounds", "proved"), [(0, False), (1, True)])
def test_search_asks_a_sampling_generator_again_with_resample_rounds(
    rounds: int, proved: bool
) -> None:
    """:search passes AssistConfig.resample_rounds to the engine: with none, a first draw
    of failing tactics ends the search; with one, the second draw's proof is found."""
    environment = ScriptedEnvironment(SCRIPT, root="root")
    generator = SamplingGenerator(draws={"root": [["bad"], ["split"]], "b": [["auto"]]})
    current = AssistSession(
        THEOREM,
        environment=environment,
        generator=generator,
        config=AssistConfig(resample_rounds=rounds),
    )
    current.start()
    result = current.search(time_limit_s=10)
    assert (result.proof == ("split", "auto")) is proved and current.complete is proved
    assert generator.asked[scripted_state("root").key] == 1 + rounds


def test_resumed_environment_verifies_prefix_plus_proof() -> None:
    """The adapter opens at the given state and verifies prefix + suffix on the real env."""
    environment = ScriptedEnvironment(SCRIPT, root="root")
    resumed = ResumedEnvironment(inner=environment, state=scripted_state("a"), prefix=("intro",))
    assert resumed.open(THEOREM) == scripted_state("a")
    assert resumed.verify(THEOREM, ["auto"]).ok
    assert not resumed.verify(THEOREM, ["split"]).ok
    resumed.close()
    assert not environment.closed


def test_terminal_loop_commands_and_eof() -> None:
    """Numbers pick suggestions, :undo/:help work, unknown input is reported, EOF ends with 1."""
    current, _ = session()
    lines = iter(["9", ":bogus", ":help", "intro", ":undo", ":undo x", ":proof"])
    printed: list[str] = []

    def read_line(prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    assert run_terminal(current, read_line=read_line, write=printed.append) == 1
    text = "\n".join(printed)
    assert "no suggestion 9" in text and "unknown command :bogus" in text
    assert ":search [S]" in text and "undid 1 tactic(s)" in text and "usage: :undo" in text
    assert "(no tactics yet)" in text and "bye" in text


def _terminal_output(current: AssistSession, lines: Sequence[str]) -> str:
    """What the terminal loop prints for ``lines`` followed by EOF."""
    remaining = iter(lines)
    printed: list[str] = []

    def read_line(prompt: str) -> str:
        try:
            return next(remaining)
        except StopIteration:
            raise EOFError from None

    assert run_terminal(current, read_line=read_line, write=printed.append) == 1
    return "\n".join(printed)


def test_signed_numbers_are_wrong_suggestion_numbers_not_tactics() -> None:
    """-1, - 1, +2 and 0 name no suggestion: each is said so and nothing runs in the backend."""
    current, environment = session()
    text = _terminal_output(current, ["-1", "- 1", "+2", "0"])
    assert text.count("no suggestion -1: choose 1..3") == 2
    assert "no suggestion +2: choose 1..3" in text and "no suggestion 0: choose 1..3" in text
    assert environment.num_tactic_calls == 0


def test_other_text_goes_to_the_backend_as_tactics() -> None:
    """--x and a non-ASCII digit (int() refuses ²) are tactics the backend judges, with its
    error shown; the loop goes on (no crash on ²)."""
    current, environment = session()
    text = _terminal_output(current, ["--x", "²", "intro"])
    assert [tactic for _, tactic, _ in environment.tactic_calls] == ["--x", "²", "intro"]
    assert text.count("error: ") == 2 and current.tactics == ("intro",)


def test_a_bullet_in_front_of_a_tactic_is_dropped_with_a_note() -> None:
    """'- intro' runs 'intro' on the first goal (what the bullet focuses) and says so."""
    current, environment = session()
    text = _terminal_output(current, ["** intro"])
    assert [tactic for _, tactic, _ in environment.tactic_calls] == ["intro"]
    assert "applying: intro (no bullet needed" in text and current.tactics == ("intro",)


def test_terminal_loop_ends_with_a_verified_proof() -> None:
    """Picking suggestions until no goals remain prints the verified proof and returns 0."""
    current, _ = session()
    suggestions = [s.tactic for s in current.suggestions()]
    lines = iter([str(suggestions.index("split") + 1), "auto"])
    printed: list[str] = []
    assert run_terminal(current, read_line=lambda _: next(lines), write=printed.append) == 0
    assert "Proof complete and VERIFIED:" in printed
    assert printed[-1] == "split\nauto"


COQ_FILE = """\
Require Import Arith.

Theorem add_zero_right : forall n m : nat, n + 0 + m = m + n.
Proof.
  intros. rewrite Nat.add_0_r. apply Nat.add_comm.
Qed.
"""


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[pexpect.spawn]:
    source = tmp_path / "easy.v"
    source.write_text(COQ_FILE)
    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "prover.cli.main",
            "assist",
            "--backend",
            "coq",
            "--file",
            str(source),
            "--theorem",
            "add_zero_right",
            "--suggestions",
            "12",
        ],
        cwd=str(REPO),
        env={**os.environ, "PYTHONPATH": str(REPO), "TERM": "dumb"},
        encoding="utf-8",
        timeout=120,
        dimensions=(60, 200),
    )
    try:
        yield child
    finally:
        child.close(force=True)


def _suggestion_number(screen: str, tactic: str) -> str:
    match = re.search(rf"^\s*(\d+)\. {re.escape(tactic)}\s", screen, re.MULTILINE)
    assert match, f"{tactic!r} not suggested in:\n{screen}"
    return match.group(1)


@pytest.mark.coq
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("coqtop") is None, reason="coqtop/coqc not installed")
def test_terminal_session_on_real_coq(terminal: pexpect.spawn) -> None:
    """Pick a suggestion, type a tactic, undo it, then :search: a verified proof is printed."""
    terminal.expect("assist> ")
    number = _suggestion_number(terminal.before, "intros")
    terminal.sendline(number)
    terminal.expect("assist> ")
    assert "applying: intros" in terminal.before and "n m : nat" in terminal.before
    terminal.sendline("rewrite Nat.add_0_r.")
    terminal.expect("assist> ")
    assert "n + m = m + n" in terminal.before
    terminal.sendline(":undo")
    terminal.expect("assist> ")
    assert "undid 1" in terminal.before and "n + 0 + m = m + n" in terminal.before
    terminal.sendline(":search 60")
    terminal.expect("Proof complete and VERIFIED:")
    terminal.expect(pexpect.EOF)
    proof = terminal.before
    assert "Theorem add_zero_right" in proof and "intros." in proof and "Qed." in proof
    assert "rewrite" not in proof
    terminal.close()
    assert terminal.exitstatus == 0
