"""The Lean REPL backend against the protocol-faithful fake REPL (tests/fakes)."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from prover.backends.lean.kernel_check import LeanKernelChecker, find_lean4checker
from prover.backends.lean.repl import LeanReplEnvironment
from prover.backends.lean.repl_config import LeanReplConfig
from search.errors import BackendUnavailable, StatementError
from search.outcomes import NewState, ProofComplete, TacticError, TacticTimeout
from search.protocols import ProofEnvironment
from search.states import ProofState, Theorem

TESTS = Path(__file__).resolve().parents[3]
DATA = TESTS.parent / "prover" / "data" / "statements"
FAKE = Path(__file__).resolve().parents[3] / "fakes" / "fake_lean_repl.py"
#: The fake logs to pytest's /tmp, which the sandbox hides (its own test
#: is test_a_sandboxed_repl_cannot_write_outside_and_still_verifies).
UNSANDBOXED = "off"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="recorded Lean data not available")


def _record(name: str, path: Path = DATA / "minif2f_lean4.jsonl") -> Theorem:
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["name"] == name:
            return Theorem(name=name, header=record["header"], statement=record["formal_statement"])
    raise AssertionError(name)


@pytest.fixture
def log_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every request the fake receives is appended to this file."""
    path = tmp_path / "requests.jsonl"
    monkeypatch.setenv("FAKE_LEAN_LOG", str(path))
    return path


@pytest.fixture
def environment(log_path: Path) -> Iterator[LeanReplEnvironment]:
    """A REPL environment over the fake, closed after the test."""
    config = LeanReplConfig(
        repl_command=(sys.executable, str(FAKE)), sandbox=UNSANDBOXED, start_timeout_s=30
    )
    with LeanReplEnvironment(config) as env:
        yield env


def _requests(log_path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log_path.read_text().splitlines()]


def test_is_a_proof_environment(environment: LeanReplEnvironment) -> None:
    """The REPL backend satisfies the ProofEnvironment protocol."""
    assert isinstance(environment, ProofEnvironment)


def test_proves_mathd_algebra_478_by_nlinarith(environment: LeanReplEnvironment) -> None:
    """Opening gives the recorded root goal; nlinarith completes; verification passes."""
    theorem = _record("mathd_algebra_478")
    root = environment.open(theorem)
    assert root.num_goals == 1
    assert root.goals[0].hypotheses[0].names == ("b", "h", "v")
    assert isinstance(environment.run_tactic(root, "nlinarith", timeout_s=10), ProofComplete)
    verification = environment.verify(theorem, ["nlinarith"])
    assert verification.ok, verification.message
    assert verification.axioms == ("propext", "Classical.choice", "Quot.sound")
    assert "  nlinarith\n" in verification.proof_text


def test_two_step_proof_amc12_2001_p5(environment: LeanReplEnvironment) -> None:
    """ring_nf gives a new state with one goal, then norm_cast completes."""
    theorem = _record("amc12_2001_p5")
    root = environment.open(theorem)
    step = environment.run_tactic(root, "ring_nf", timeout_s=10)
    assert isinstance(step, NewState)
    assert step.state.num_goals == 1 and "10000!" in step.state.goals[0].conclusion
    assert isinstance(environment.run_tactic(step.state, "norm_cast", timeout_s=10), ProofComplete)
    assert environment.verify(theorem, ["ring_nf", "norm_cast"]).ok


def test_failing_tactic_is_an_error_not_a_proof(environment: LeanReplEnvironment) -> None:
    """The invalid_tactic shape (goals [] + error) is a TacticError, never ProofComplete."""
    root = environment.open(_record("mathd_algebra_478"))
    outcome = environment.run_tactic(root, "simp", timeout_s=10)
    assert isinstance(outcome, TacticError)
    assert "not in the recorded material" in outcome.message


def test_header_elaborated_once_for_several_theorems(
    environment: LeanReplEnvironment, log_path: Path
) -> None:
    """Two theorems with the same header share one import command and one process."""
    environment.open(_record("mathd_algebra_478"))
    environment.open(_record("amc12_2001_p5"))
    imports = [r for r in _requests(log_path) if "import" in str(r.get("cmd", ""))]
    assert len(imports) == 1 and "env" not in imports[0]
    opens = [r for r in _requests(log_path) if str(r.get("cmd", "")).endswith(":= by sorry")]
    assert len(opens) == 2 and all(r["env"] == 0 for r in opens)


def _after_ring_nf(environment: LeanReplEnvironment) -> ProofState:
    step = environment.run_tactic(
        environment.open(_record("amc12_2001_p5")), "ring_nf", timeout_s=10
    )
    assert isinstance(step, NewState)
    return step.state


def test_recovers_from_a_hanging_tactic(environment: LeanReplEnvironment) -> None:
    """A hang becomes TacticTimeout; the old state is replayed in a new process."""
    state = _after_ring_nf(environment)
    assert isinstance(environment.run_tactic(state, "fake_hang", timeout_s=0.5), TacticTimeout)
    assert isinstance(environment.run_tactic(state, "norm_cast", timeout_s=10), ProofComplete)


@pytest.mark.parametrize("fault", ["fake_crash", "fake_garbage"])
def test_recovers_from_crash_and_garbage(environment: LeanReplEnvironment, fault: str) -> None:
    """Exit 137 and garbage output give a TacticError, then the search goes on."""
    state = _after_ring_nf(environment)
    outcome = environment.run_tactic(state, fault, timeout_s=10)
    assert isinstance(outcome, TacticError) and "crashed" in outcome.message
    if fault == "fake_crash":
        assert "137" in outcome.message
    assert isinstance(environment.run_tactic(state, "norm_cast", timeout_s=10), ProofComplete)


def test_recovers_from_unknown_proof_state(
    monkeypatch: pytest.MonkeyPatch, environment: LeanReplEnvironment
) -> None:
    """'Unknown proof state.' restarts the REPL and replays the path once."""
    monkeypatch.setenv("FAKE_LEAN_FORGET_AFTER", "1")
    state = _after_ring_nf(environment)
    monkeypatch.delenv("FAKE_LEAN_FORGET_AFTER")
    assert isinstance(environment.run_tactic(state, "norm_cast", timeout_s=10), ProofComplete)


def test_persistent_unknown_proof_state_is_a_tactic_error(
    environment: LeanReplEnvironment,
) -> None:
    """If the state is still unknown after a restart, the step is a TacticError."""
    root = environment.open(_record("mathd_algebra_478"))
    outcome = environment.run_tactic(root, "fake_forget", timeout_s=10)
    assert isinstance(outcome, TacticError) and "Unknown proof state" in outcome.message


def test_sorry_rejected_before_reaching_lean(
    environment: LeanReplEnvironment, log_path: Path
) -> None:
    """A sorry tactic is rejected by the safety check and never sent."""
    root = environment.open(_record("mathd_algebra_478"))
    outcome = environment.run_tactic(root, "sorry", timeout_s=10)
    assert isinstance(outcome, TacticError) and outcome.message.startswith("rejected:")
    assert not any("tactic" in r for r in _requests(log_path))


def test_verification_rejects_sorry_and_incomplete_proofs(
    environment: LeanReplEnvironment,
) -> None:
    """verify() fails on sorry (text scan) and on an incomplete proof (Lean error)."""
    theorem = _record("mathd_algebra_478")
    with_sorry = environment.verify(theorem, ["sorry"])
    assert not with_sorry.ok and "sorry" in (with_sorry.message or "")
    incomplete = environment.verify(theorem, ["simp"])
    assert not incomplete.ok and "unsolved goals" in (incomplete.message or "")


def test_header_that_fails_to_elaborate(log_path: Path) -> None:
    """A bad import is a StatementError naming the header."""
    config = LeanReplConfig(repl_command=(sys.executable, str(FAKE)), sandbox=UNSANDBOXED)
    theorem = Theorem(
        name="mathd_algebra_478",
        header="import NoSuchLibrary\n",
        statement=_record("mathd_algebra_478").statement,
    )
    with LeanReplEnvironment(config) as env, pytest.raises(StatementError, match="NoSuchLibrary"):
        env.open(theorem)


def test_statement_with_an_error(environment: LeanReplEnvironment) -> None:
    """A statement that does not elaborate is a StatementError naming the theorem."""
    good = _record("mathd_algebra_478")
    bad = Theorem(
        name=good.name,
        header=good.header,
        statement=good.statement.replace("v = 65", "v = undefined_constant"),
    )
    with pytest.raises(StatementError, match=r"mathd_algebra_478.*undefined_constant"):
        environment.open(bad)


def test_missing_project_dir(tmp_path: Path) -> None:
    """A missing --lean-project is BackendUnavailable naming the directory."""
    missing = tmp_path / "no-project"
    with pytest.raises(BackendUnavailable, match="no-project"):
        LeanReplEnvironment(LeanReplConfig(project_dir=missing))


def test_missing_repl_binary() -> None:
    """A REPL command that does not exist is BackendUnavailable naming it."""
    config = LeanReplConfig(repl_command=("definitely-not-a-lean-repl",))
    with LeanReplEnvironment(config) as env, pytest.raises(BackendUnavailable, match="definitely"):
        env.open(_record("mathd_algebra_478"))


TOOLS = Path(__file__).resolve().parents[3] / "fakes" / "fake_lean_tools.py"
PRINT_ENVIRONMENT = (
    sys.executable,
    "-c",
    "import os, sys; sys.stdout.write('\\0'.join(f'{k}={v}' for k, v in os.environ.items()))",
)


def _kernel_checker() -> LeanKernelChecker:
    return LeanKernelChecker(
        checker_command=(sys.executable, str(TOOLS), "lean4checker"),
        lean_command=(sys.executable, str(TOOLS), "lean"),
        environment_command=PRINT_ENVIRONMENT,
        timeout_s=60,
        sandbox=UNSANDBOXED,  # the fake tools live in the checkout, maybe under /tmp
    )


def test_verification_names_its_checks_without_lean4checker(log_path: Path) -> None:
    """Without lean4checker the result says the REPL and the axiom audit ran, nothing more."""
    config = LeanReplConfig(
        repl_command=(sys.executable, str(FAKE)),
        sandbox=UNSANDBOXED,
        start_timeout_s=30,
        detect_lean4checker=False,
    )
    with LeanReplEnvironment(config) as environment:
        verification = environment.verify(_record("mathd_algebra_478"), ["nlinarith"])
    assert verification.ok, verification.message
    assert verification.checks == ("admission", "lean-repl", "print-axioms")


def test_lean4checker_replays_a_verified_proof(log_path: Path) -> None:
    """With a kernel checker configured, a good proof passes it and the result says so."""
    config = LeanReplConfig(
        repl_command=(sys.executable, str(FAKE)),
        sandbox=UNSANDBOXED,
        start_timeout_s=30,
        kernel_checker=_kernel_checker(),
    )
    with LeanReplEnvironment(config) as environment:
        verification = environment.verify(_record("mathd_algebra_478"), ["nlinarith"])
    assert verification.ok, verification.message
    assert verification.checks == ("admission", "lean-repl", "print-axioms", "lean4checker")


def test_lean4checker_rejects_what_the_elaborator_accepted(log_path: Path) -> None:
    """A forged environment the REPL accepts is refused by the kernel replay."""
    theorem = _record("mathd_algebra_478")
    hacked = Theorem(
        name=theorem.name,
        header=theorem.header + "\n-- environment_hack\n",
        statement=theorem.statement,
    )
    config = LeanReplConfig(
        repl_command=(sys.executable, str(FAKE)),
        sandbox=UNSANDBOXED,
        start_timeout_s=30,
        kernel_checker=_kernel_checker(),
    )
    with LeanReplEnvironment(config) as environment:
        verification = environment.verify(hacked, ["nlinarith"])
    assert not verification.ok
    assert verification.message is not None and "lean4checker rejected" in verification.message
    assert "lean4checker" not in verification.checks


def test_native_decide_never_reaches_lean(environment: LeanReplEnvironment) -> None:
    """native_decide is refused in search and in verification (Lean.ofReduceBool)."""
    theorem = _record("mathd_algebra_478")
    root = environment.open(theorem)
    outcome = environment.run_tactic(root, "native_decide", timeout_s=10)
    assert isinstance(outcome, TacticError) and outcome.message.startswith("rejected:")
    verification = environment.verify(theorem, ["native_decide"])
    assert not verification.ok and verification.checks == ()


def test_find_lean4checker_looks_in_the_project_build(tmp_path: Path) -> None:
    """A lean4checker built inside the Lake project is found; none means None."""
    if shutil.which("lean4checker") is None:
        assert find_lean4checker(tmp_path) is None
    built = tmp_path / ".lake" / "packages" / "lean4checker" / ".lake" / "build" / "bin"
    built.mkdir(parents=True)
    (built / "lean4checker").write_text("#!/bin/sh\n")
    found = find_lean4checker(tmp_path)
    assert found is not None and found.name == "lean4checker"


SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin:/bin")
needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None or SYSTEM_PYTHON is None,
    reason="bubblewrap or a system python3 not installed",
)


def _project_with_fakes(tmp_path: Path) -> Path:
    """A project directory holding copies of the fakes: the sandbox hides the rest of /tmp,
    where a checkout (and its virtualenv) may live, so the fakes run from the project with
    the system's python3 (they need only the standard library)."""
    project = tmp_path / "project"
    shutil.copytree(FAKE.parent, project / "tests" / "fakes")
    statements = Path(__file__).resolve().parents[4] / "prover" / "data" / "statements"
    shutil.copytree(statements, project / "prover" / "data" / "statements")
    return project


@needs_bwrap
def test_a_sandboxed_repl_cannot_write_outside_and_still_verifies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With sandbox bwrap the REPL's process cannot write into the project (a request's
    configuration runs as compiled code there), and proofs still open and verify."""
    monkeypatch.delenv("FAKE_LEAN_LOG", raising=False)
    monkeypatch.delenv("FAKE_LEAN_DATA", raising=False)
    project = _project_with_fakes(tmp_path)
    escaped = project / "escaped"
    script = f'touch {escaped} 2>/dev/null; exec "$0" "$1"'
    fake = str(project / "tests" / "fakes" / FAKE.name)
    config = LeanReplConfig(
        repl_command=("sh", "-c", script, str(SYSTEM_PYTHON), fake),
        project_dir=project,
        start_timeout_s=30,
        detect_lean4checker=False,
        sandbox="bwrap",
    )
    with LeanReplEnvironment(config) as environment:
        verification = environment.verify(_record("mathd_algebra_478"), ["nlinarith"])
    assert verification.ok, verification.message
    assert not escaped.exists()
    with LeanReplEnvironment(replace(config, sandbox="off")) as environment:  # control
        assert environment.verify(_record("mathd_algebra_478"), ["nlinarith"]).ok
    assert escaped.exists()


@needs_bwrap
def test_a_sandboxed_kernel_check_cannot_write_outside_its_directory(tmp_path: Path) -> None:
    """A replay tool that writes into the project fails inside the sandbox and leaves
    nothing there; unsandboxed (control) the same tool writes the file."""
    project = _project_with_fakes(tmp_path)
    escaped = project / "escaped"
    checker = LeanKernelChecker(
        checker_command=("sh", "-c", f"touch {escaped}", "sh"),
        lean_command=(str(SYSTEM_PYTHON), str(project / "tests" / "fakes" / TOOLS.name), "lean"),
        environment_command=("env", "-0"),
        project_dir=project,
        timeout_s=60,
        sandbox="bwrap",
    )
    problem = checker.check("theorem t : True := trivial\n")
    assert problem is not None and "lean4checker rejected" in problem
    assert not escaped.exists()
    assert replace(checker, sandbox="off").check("theorem t : True := trivial\n") is None
    assert escaped.exists()
