"""End-to-end tests of the Coq backend against real coqtop and coqc (Coq 8.16)."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from search.errors import BackendCrashed, BackendUnavailable, ConfigError, StatementError
from search.outcomes import NewState, ProofComplete, TacticError, TacticOutcome, TacticTimeout
from search.protocols import ProofEnvironment
from search.states import ProofState, Theorem

pytestmark = [
    pytest.mark.coq,
    pytest.mark.skipif(
        shutil.which("coqtop") is None or shutil.which("coqc") is None,
        reason="coqtop/coqc not installed",
    ),
]

ARITH = "Require Import Arith Lia.\n"
REALS = "Require Import Reals Lra Psatz.\nOpen Scope R_scope.\n"


def nat_theorem(name: str, statement: str, header: str = ARITH) -> Theorem:
    return Theorem(name=name, header=header, statement=f"Theorem {name} {statement}")


@pytest.fixture(scope="module")
def env() -> Iterator[CoqEnvironment]:
    with CoqEnvironment() as environment:
        yield environment


def new_state(outcome: TacticOutcome) -> ProofState:
    assert isinstance(outcome, NewState), outcome
    return outcome.state


def conclusions(state: ProofState) -> list[str]:
    return [goal.conclusion for goal in state.goals]


def test_environment_satisfies_protocol(env: CoqEnvironment) -> None:
    """CoqEnvironment is structurally a ProofEnvironment."""
    assert isinstance(env, ProofEnvironment)


def test_open_and_prove_nat_theorem_with_lia(env: CoqEnvironment) -> None:
    """Opening gives the statement as root goal; intros then lia completes the proof."""
    root = env.open(nat_theorem("nat_add_zero", "(n : nat) : n + 0 = n."))
    assert root.handle == ()
    assert conclusions(root) == ["n + 0 = n"]
    assert [h.names for h in root.goals[0].hypotheses] == [("n",)]
    assert isinstance(env.run_tactic(root, "lia", timeout_s=10), ProofComplete)


def test_reals_with_lra_and_nra(env: CoqEnvironment) -> None:
    """A reals goal splits into two goals with full hypotheses; lra and nra close them."""
    root = env.open(
        nat_theorem("reals_split", "(x y : R) (H : 0 < x) : 0 < x + 1 /\\ 0 <= y * y.", REALS)
    )
    split = new_state(env.run_tactic(root, "split", timeout_s=10))
    assert conclusions(split) == ["0 < x + 1", "0 <= y * y"]
    assert all(len(goal.hypotheses) == 2 for goal in split.goals)
    after_lra = new_state(env.run_tactic(split, "lra", timeout_s=10))
    assert conclusions(after_lra) == ["0 <= y * y"]
    assert isinstance(env.run_tactic(after_lra, "nra", timeout_s=10), ProofComplete)


def test_tactic_error_is_a_value_and_state_is_unchanged(env: CoqEnvironment) -> None:
    """A failing tactic gives Coq's error; the same state can be used again afterwards."""
    root = env.open(nat_theorem("err_thm", "(n : nat) : n + 1 = n."))
    outcome = env.run_tactic(root, "reflexivity", timeout_s=10)
    assert isinstance(outcome, TacticError)
    assert "unify" in outcome.message or "Unable" in outcome.message
    unknown = env.run_tactic(root, "apply no_such_lemma", timeout_s=10)
    assert isinstance(unknown, TacticError) and "no_such_lemma" in unknown.message
    assert conclusions(new_state(env.run_tactic(root, "simpl", timeout_s=10))) == ["n + 1 = n"]


def test_noop_tactic_still_reports_goals(env: CoqEnvironment) -> None:
    """A tactic that prints nothing (intros with nothing to intro) still yields the goals."""
    root = env.open(nat_theorem("noop_thm", ": 1 = 1."))
    state = new_state(env.run_tactic(root, "intros", timeout_s=10))
    assert state.key == root.key
    assert state.handle == ("intros.",)


def test_same_goals_by_different_paths_share_a_key(env: CoqEnvironment) -> None:
    """States reached by different tactic paths merge on key but keep their own handles."""
    root = env.open(nat_theorem("merge_thm", ": forall n m : nat, n + m = m + n."))
    one = new_state(env.run_tactic(root, "intros n m", timeout_s=10))
    two = new_state(env.run_tactic(root, "intro n; intro m", timeout_s=10))
    other = new_state(env.run_tactic(root, "intros a b", timeout_s=10))
    assert one.key == two.key
    assert one.handle != two.handle
    assert other.key != one.key


def test_navigation_between_branches(env: CoqEnvironment) -> None:
    """Tactics on sibling states after going deep on another branch give the right goals."""
    root = env.open(nat_theorem("nav_thm", "(n : nat) : n + 0 = n /\\ 0 + n = n /\\ True."))
    split = new_state(env.run_tactic(root, "split", timeout_s=10))
    deep = new_state(env.run_tactic(split, "2: split", timeout_s=10))
    assert conclusions(deep) == ["n + 0 = n", "0 + n = n", "True"]
    deeper = new_state(env.run_tactic(deep, "all: try exact I", timeout_s=10))
    assert conclusions(deeper) == ["n + 0 = n", "0 + n = n"]
    sibling = new_state(env.run_tactic(split, "lia", timeout_s=10))
    assert conclusions(sibling) == ["0 + n = n /\\ True"]
    back_deep = new_state(env.run_tactic(deeper, "lia", timeout_s=10))
    assert conclusions(back_deep) == ["0 + n = n"]
    from_root = new_state(env.run_tactic(root, "intros", timeout_s=10))
    assert conclusions(from_root) == ["n + 0 = n /\\ 0 + n = n /\\ True"]
    assert isinstance(env.run_tactic(back_deep, "lia", timeout_s=10), ProofComplete)


def test_later_goals_have_full_hypotheses_and_let_values(env: CoqEnvironment) -> None:
    """Goal 2 onwards are fetched in full, including let-bound hypotheses."""
    root = env.open(nat_theorem("let_thm", "(n : nat) : True /\\ (let z := n + 1 in z = S n)."))
    split = new_state(env.run_tactic(root, "split", timeout_s=10))
    moved = new_state(env.run_tactic(split, "2: intros z", timeout_s=10))
    second = moved.goals[1]
    assert second.conclusion == "z = S n"
    assert [(h.names, h.value) for h in second.hypotheses] == [(("n",), None), (("z",), "n + 1")]


@pytest.mark.parametrize(
    "tactic",
    [
        "lia. Qed.",
        "Admitted.",
        "admit.",
        "give_up.",
        "Axiom f : False.",
        "Set Printing All.",
        "Require Import Lia.",
        "exact I. exact I",
        "Abort.",
        "Qed.",
        "Defined.",
        "- lia.",
        "{ lia }",
        "2: {",
        "(* unterminated",
        "",
    ],
)
def test_hostile_tactics_rejected_before_coq(env: CoqEnvironment, tactic: str) -> None:
    """Hostile candidates are rejected as TacticError and leave the proof untouched."""
    root = env.open(nat_theorem("hostile_thm", ": True /\\ True."))
    outcome = env.run_tactic(root, tactic, timeout_s=10)
    assert isinstance(outcome, TacticError)
    assert outcome.message.startswith("rejected: ")
    assert conclusions(new_state(env.run_tactic(root, "split", timeout_s=10))) == ["True", "True"]


def test_coq_timeout_maps_to_tactic_timeout(env: CoqEnvironment) -> None:
    """A looping tactic is cut by Coq's own Timeout near timeout_s; the environment goes on."""
    root = env.open(nat_theorem("loop_thm", ": True."))
    started = time.monotonic()
    outcome = env.run_tactic(root, "do 1000000000 idtac", timeout_s=1)
    assert isinstance(outcome, TacticTimeout)
    assert outcome.timeout_s == 1
    assert time.monotonic() - started < 4
    assert isinstance(env.run_tactic(root, "exact I", timeout_s=10), ProofComplete)


def test_watchdog_kills_and_recovers_a_hung_coqtop() -> None:
    """With a grace shorter than Coq's own Timeout, the watchdog kills coqtop, restarts it
    and re-opens the theorem; later tactics on earlier states still work."""
    config = CoqConfig(tactic_grace_s=0.2)
    with CoqEnvironment(config) as environment:
        root = environment.open(nat_theorem("watchdog_thm", "(n : nat) : n = n /\\ True."))
        split = new_state(environment.run_tactic(root, "split", timeout_s=10))
        assert environment._warm_coqtop.coqtop is not None
        hung = environment._warm_coqtop.coqtop.process
        started = time.monotonic()
        outcome = environment.run_tactic(split, "do 1000000000 idtac", timeout_s=0.3)
        assert isinstance(outcome, TacticTimeout)
        assert time.monotonic() - started < 5
        # Coq's own `Timeout 1` would have answered at 1 s in the same process; the hung
        # one is killed at once and a new one starts with the next call.
        assert hung.poll() is not None
        after = new_state(environment.run_tactic(split, "reflexivity", timeout_s=10))
        assert conclusions(after) == ["True"]
        assert _coqtop_pid(environment) != hung.pid


def _coqtop_pid(environment: CoqEnvironment) -> int:
    assert environment._warm_coqtop.coqtop is not None
    return environment._warm_coqtop.coqtop.process.pid


def test_dead_process_between_calls_is_restarted_transparently() -> None:
    """If coqtop dies while idle, the next call restarts it and navigates from scratch."""
    with CoqEnvironment() as environment:
        root = environment.open(nat_theorem("restart_thm", "(n : nat) : n + 0 = n /\\ True."))
        split = new_state(environment.run_tactic(root, "split", timeout_s=10))
        assert environment._warm_coqtop.coqtop is not None
        process = environment._warm_coqtop.coqtop.process
        process.kill()
        process.wait(timeout=5)
        after = new_state(environment.run_tactic(split, "lia", timeout_s=10))
        assert conclusions(after) == ["True"]


def test_a_restart_is_charged_to_the_tactic_that_needs_it() -> None:
    """A call that must first restart a dead coqtop gets only its timeout's remainder:
    a restart longer than the timeout ends the call as a timeout, with no tactic run."""
    reals = "Require Import Reals.\nOpen Scope R_scope.\n"
    with CoqEnvironment() as environment:
        root = environment.open(nat_theorem("charged_thm", "(x : R) : x = x.", header=reals))
        assert environment._warm_coqtop.coqtop is not None
        process = environment._warm_coqtop.coqtop.process
        process.kill()
        process.wait(timeout=5)
        outcome = environment.run_tactic(root, "reflexivity", timeout_s=0.01)
        assert isinstance(outcome, TacticTimeout)
        assert outcome.timeout_s == 0.01
        # coqtop is back: the next call runs its tactic at once.
        assert environment._warm_coqtop.alive()
        assert isinstance(environment.run_tactic(root, "reflexivity", timeout_s=10), ProofComplete)


def test_crash_in_the_middle_of_a_call_raises_backend_crashed(tmp_path: Path) -> None:
    """A coqtop that exits while answering makes the call raise BackendCrashed."""
    fake = tmp_path / "fake-coqtop"
    fake.write_text("#!/bin/sh\nprintf '<prompt>Coq < 1 || 0 < </prompt>'\nread line\nexit 3\n")
    fake.chmod(0o755)
    with (
        # the fake is in pytest's /tmp, which the sandbox hides
        CoqEnvironment(CoqConfig(coqtop_path=str(fake), sandbox="off")) as environment,
        pytest.raises(BackendCrashed, match="exited"),
    ):
        environment.open(nat_theorem("crash_thm", ": True."))


def test_coqtop_dying_while_opening_is_restarted_once(tmp_path: Path) -> None:
    """A coqtop that dies while a theorem opens (say, out of memory) is started once more."""
    marker = tmp_path / "crashed-once"
    real = shutil.which("coqtop")
    fake = tmp_path / "flaky-coqtop"
    fake.write_text(
        f"#!/bin/sh\nif [ ! -e {marker} ]; then touch {marker}; "
        "printf '<prompt>Coq < 1 || 0 < </prompt>'; read line; "
        "echo 'Fatal error: out of memory'; exit 2; fi\n"
        f'exec {real} "$@"\n'
    )
    fake.chmod(0o755)
    # the fake is in pytest's /tmp, which the sandbox hides
    with CoqEnvironment(CoqConfig(coqtop_path=str(fake), sandbox="off")) as environment:
        root = environment.open(nat_theorem("flaky_thm", ": 2 + 2 = 4."))
        assert marker.exists()
        assert isinstance(environment.run_tactic(root, "reflexivity", timeout_s=10), ProofComplete)


def test_missing_coqtop_is_backend_unavailable() -> None:
    """A missing coqtop binary raises BackendUnavailable with an install hint."""
    config = CoqConfig(coqtop_path="/nonexistent/coqtop")
    with CoqEnvironment(config) as environment, pytest.raises(BackendUnavailable, match="apt"):
        environment.open(nat_theorem("missing_thm", ": True."))


def test_config_validation() -> None:
    """Invalid configuration values are rejected with ConfigError."""
    with pytest.raises(ConfigError, match="tactic_grace_s"):
        CoqConfig(tactic_grace_s=-1)
    with pytest.raises(ConfigError, match="verify_timeout_s"):
        CoqConfig(verify_timeout_s=0)
    with pytest.raises(ConfigError, match="coqtop_path"):
        CoqConfig(coqtop_path=" ")


def test_statement_errors_raise_and_environment_recovers(env: CoqEnvironment) -> None:
    """A missing library or a bad statement raises StatementError naming the theorem."""
    missing = nat_theorem("needs_missing", ": True.", "Require Import NoSuchLibrary.Nowhere.\n")
    with pytest.raises(StatementError, match=r"needs_missing.*NoSuchLibrary"):
        env.open(missing)
    with pytest.raises(StatementError, match=r"bad_statement.*no_such_function"):
        env.open(nat_theorem("bad_statement", ": no_such_function 1 = 1."))
    root = env.open(nat_theorem("after_errors", ": 2 = 2."))
    assert isinstance(env.run_tactic(root, "reflexivity", timeout_s=10), ProofComplete)


def test_header_reuse_and_header_switch(env: CoqEnvironment) -> None:
    """The same header is not re-sent (no 'already exists'); a new header replaces the old."""
    header_one = ARITH + "Definition magic := 1.\n"
    header_two = ARITH + "Definition magic := 2.\n"
    for name in ("reuse_a", "reuse_b"):
        root = env.open(nat_theorem(name, ": magic = 1.", header_one))
        assert isinstance(env.run_tactic(root, "reflexivity", timeout_s=10), ProofComplete)
    root = env.open(nat_theorem("switch_c", ": magic = 2.", header_two))
    assert isinstance(env.run_tactic(root, "reflexivity", timeout_s=10), ProofComplete)


def test_verify_accepts_real_proofs(env: CoqEnvironment) -> None:
    """A correct nat proof is closed; a reals proof uses only allowed stdlib axioms."""
    nat = env.verify(nat_theorem("v_nat", "(n : nat) : n + 0 = n."), ["intros", "lia"])
    assert nat.ok, nat.message
    assert nat.axioms == ()
    assert nat.proof_text.endswith("Proof.\nintros.\nlia.\nQed.\n")
    assert nat.checks == ("admission", "coqc", "coqchk")
    reals = env.verify(nat_theorem("v_real", "(x : R) : 0 <= x * x.", REALS), ["nra"])
    assert reals.ok, reals.message
    assert "Coq.Reals.ClassicalDedekindReals.sig_forall_dec" in reals.axioms
    assert reals.time_s > 0


@pytest.mark.parametrize(
    ("proof", "reason"),
    [
        (["admit"], "admit"),
        (["exact I.\nQed."], "one tactic sentence"),
        (["lia. Admitted"], "one tactic sentence"),
        (["Admitted"], "Admitted"),
        (["give_up"], "give_up"),
    ],
)
def test_verify_rejects_admitted_style_proofs(
    env: CoqEnvironment, proof: list[str], reason: str
) -> None:
    """Proofs that admit, give up or end early are rejected by the text scan."""
    verification = env.verify(nat_theorem("v_admit", "(n : nat) : n + 0 = n."), proof)
    assert not verification.ok
    assert verification.message is not None and reason in verification.message


def test_verify_rejects_proof_using_a_user_axiom(env: CoqEnvironment) -> None:
    """An axiom declared in the header is listed by coqchk under the checked file's name."""
    header = ARITH + "Axiom cheat : forall n : nat, n = n + 1.\n"
    theorem = nat_theorem("v_axiom", "(n : nat) : n = n + 1.", header)
    verification = env.verify(theorem, ["apply cheat"])
    assert not verification.ok
    assert verification.axioms == ("Checked.cheat",)
    assert verification.message is not None and "cheat" in verification.message


def test_verify_rejects_header_axiom_named_like_a_standard_one(env: CoqEnvironment) -> None:
    """A header axiom sharing a standard axiom's short name (``classic``) is still rejected."""
    theorem = nat_theorem("v_classic", ": False.", ARITH + "Axiom classic : False.\n")
    verification = env.verify(theorem, ["exact classic"])
    assert not verification.ok
    assert verification.axioms == ("Checked.classic",)
    assert verification.message is not None
    assert "disallowed axioms: Checked.classic" in verification.message


def test_verify_rejects_wrong_and_incomplete_proofs(env: CoqEnvironment) -> None:
    """coqc failures (a failing tactic, goals left at Qed) are rejections with Coq's error."""
    theorem = nat_theorem("v_wrong", "(n : nat) : n + 1 = n.")
    wrong = env.verify(theorem, ["lia"])
    assert not wrong.ok
    assert wrong.message is not None and wrong.message.startswith("coqc rejected the proof")
    incomplete = env.verify(nat_theorem("v_incomplete", ": True /\\ True."), ["split"])
    assert not incomplete.ok
    assert incomplete.message is not None and "incomplete" in incomplete.message


def test_prelude_is_added_to_session_and_verification() -> None:
    """A configured prelude makes lra available after a Reals-only header, also in coqc,
    loaded inside the proof (after `Proof.`), after the statement."""
    theorem = nat_theorem(
        "prelude_thm", "(x : R) : x < x + 1.", "Require Import Reals.\nOpen Scope R_scope.\n"
    )
    with CoqEnvironment(CoqConfig(prelude="Require Import Lra.")) as environment:
        root = environment.open(theorem)
        assert isinstance(environment.run_tactic(root, "lra", timeout_s=10), ProofComplete)
        verification = environment.verify(theorem, ["lra"])
        assert verification.ok, verification.message
        assert "x < x + 1.\nProof.\nRequire Import Lra.\nlra.\n" in verification.proof_text
    with CoqEnvironment() as plain:
        outcome = plain.run_tactic(plain.open(theorem), "lra", timeout_s=10)
        assert isinstance(outcome, TacticError) and "lra" in outcome.message


def test_coqtop_leaves_no_files_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """lia's cache files go to coqtop's private directory, not the caller's directory."""
    monkeypatch.chdir(tmp_path)
    with CoqEnvironment() as environment:
        root = environment.open(nat_theorem("cache_thm", "(n : nat) : n * 2 = n + n."))
        assert isinstance(environment.run_tactic(root, "lia", timeout_s=10), ProofComplete)
    assert list(tmp_path.iterdir()) == []


def test_coqtop_killed_during_a_tactic_fails_only_that_tactic() -> None:
    """coqtop dying mid-tactic (as on an out-of-memory abort) fails that tactic; search goes on."""
    with CoqEnvironment() as environment:
        root = environment.open(nat_theorem("killed_thm", ": 2 + 2 = 4."))
        assert environment._warm_coqtop.coqtop is not None
        process = environment._warm_coqtop.coqtop.process
        killer = threading.Timer(0.5, process.kill)
        killer.start()
        try:
            outcome = environment.run_tactic(root, "do 1000000000 idtac", timeout_s=20)
        finally:
            killer.cancel()
        assert isinstance(outcome, TacticError) and "crashed" in outcome.message
        assert isinstance(environment.run_tactic(root, "reflexivity", timeout_s=5), ProofComplete)


def test_forged_state_handles_are_rejected_before_replay(env: CoqEnvironment) -> None:
    """A state whose handle holds an unadmitted sentence is never replayed in coqtop."""
    root = env.open(nat_theorem("forged_thm", ": True."))
    for forged in (("idtac.(**)Reset forged_thm.",), ("Admitted.",), ("intros",)):
        outcome = env.run_tactic(replace(root, handle=forged), "exact I", timeout_s=10)
        assert isinstance(outcome, TacticError) and outcome.message.startswith("rejected: ")
    assert isinstance(env.run_tactic(root, "exact I", timeout_s=10), ProofComplete)


def test_many_crashing_candidates_in_a_row_fail_only_themselves() -> None:
    """Five candidates killing coqtop in a row each fail; the valid one ranked after proves."""
    with CoqEnvironment() as environment:
        root = environment.open(nat_theorem("crashes_thm", ": 2 + 2 = 4."))
        for _ in range(5):
            if environment._warm_coqtop.coqtop is None:
                environment._restart()
            assert environment._warm_coqtop.coqtop is not None
            killer = threading.Timer(0.3, environment._warm_coqtop.coqtop.process.kill)
            killer.start()
            try:
                outcome = environment.run_tactic(root, "do 1000000000 idtac", timeout_s=20)
            finally:
                killer.cancel()
            assert isinstance(outcome, TacticError) and "crashed" in outcome.message
        assert isinstance(environment.run_tactic(root, "reflexivity", timeout_s=5), ProofComplete)


def test_a_coqtop_that_cannot_restart_is_a_broken_backend() -> None:
    """Only when coqtop cannot be brought back does run_tactic raise BackendCrashed."""
    with CoqEnvironment() as environment:
        root = environment.open(nat_theorem("broken_thm", ": True."))
        environment.config = replace(environment.config, coqtop_path="/nonexistent/coqtop")
        assert environment._warm_coqtop.coqtop is not None
        environment._warm_coqtop.coqtop.process.kill()
        environment._warm_coqtop.coqtop.process.wait(timeout=5)
        with pytest.raises(BackendCrashed, match="cannot be restarted"):
            environment.run_tactic(root, "exact I", timeout_s=5)


def test_a_timed_out_tactic_flooding_output_is_a_timeout(env: CoqEnvironment) -> None:
    """A tactic printing in a loop until Coq's Timeout cuts it is TacticTimeout, not an error."""
    root = env.open(nat_theorem("flood_thm", ": True."))
    outcome = env.run_tactic(root, 'do 100000000 idtac "flood flood flood"', timeout_s=1)
    assert isinstance(outcome, TacticTimeout), outcome
    assert isinstance(env.run_tactic(root, "exact I", timeout_s=10), ProofComplete)


def test_opening_has_its_own_stated_budget() -> None:
    """A header slower than open_timeout_s stops at the budget with a StatementError naming it."""
    slow_header = "Goal True. Proof. do 300000000 idtac. exact I. Qed.\n"
    with CoqEnvironment(CoqConfig(open_timeout_s=1.0)) as environment:
        started = time.monotonic()
        with pytest.raises(StatementError, match="open_timeout_s"):
            environment.open(nat_theorem("slow_header_thm", ": True.", slow_header))
        assert time.monotonic() - started < 5
        root = environment.open(nat_theorem("after_slow_thm", ": True."))
        assert isinstance(environment.run_tactic(root, "exact I", timeout_s=5), ProofComplete)


def test_a_header_tactic_writing_fix_is_refused_and_fix_itself_too(env: CoqEnvironment) -> None:
    """A (trusted) header tactic doing `fix IH 1` would let a candidate build a fixpoint by
    calling it: the theorem is not opened. A candidate may not write `fix` itself (admission)."""
    header = ARITH + "Ltac recurse := fix IH 1.\n"
    with pytest.raises(StatementError, match=r"'Ltac recurse := fix IH 1\.' writes fix"):
        env.open(nat_theorem("unguarded_thm", ": forall n : nat, n = n.", header))
    root = env.open(nat_theorem("unguarded_thm", ": forall n : nat, n = n.", ARITH))
    refused = env.run_tactic(root, "fix IH 1", timeout_s=10)
    assert isinstance(refused, TacticError) and "local fixpoints" in refused.message
    assert isinstance(env.run_tactic(root, "reflexivity", timeout_s=10), ProofComplete)
