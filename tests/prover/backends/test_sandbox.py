"""The bubblewrap sandbox of Coq's processes: what it wraps, what it refuses, what it stops."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

import prover.backends.coq.environment as environment_module
from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.backends.factory import BackendConfig
from prover.backends.sandbox import DEFAULT_SANDBOX, require_sandbox, sandboxed
from search.errors import BackendUnavailable, ConfigError, StatementError
from search.outcomes import ProofComplete
from search.process import kill_tree, spawn
from search.states import Theorem
from tests.process_table import group_members

HAS_BWRAP = shutil.which("bwrap") is not None
HAS_COQ = shutil.which("coqtop") is not None and shutil.which("coqc") is not None
needs_sandbox = pytest.mark.skipif(
    not (HAS_BWRAP and HAS_COQ), reason="needs bubblewrap and Coq (scripts/setup.sh)"
)


def test_off_leaves_the_command_as_it_is(tmp_path: Path) -> None:
    """--sandbox off runs exactly the command it was given."""
    assert sandboxed(["coqtop", "-q"], mode="off", workdir=tmp_path) == ["coqtop", "-q"]


@pytest.mark.skipif(not HAS_BWRAP, reason="needs bubblewrap")
def test_bwrap_wraps_the_command_with_only_its_workdir_writable(tmp_path: Path) -> None:
    """bwrap: read-only root, the workdir bound writable, every namespace unshared, no
    capabilities, and no new session (kill_tree must still reach the process group)."""
    argv = sandboxed(["coqtop", "-q"], mode="bwrap", workdir=tmp_path)
    assert argv[-3:] == ["--", "coqtop", "-q"]
    flags = argv[: argv.index("--")]
    directory = str(tmp_path.resolve())
    assert flags[1:4] == ["--ro-bind", "/", "/"]
    assert any(flags[i : i + 3] == ["--bind", directory, directory] for i in range(len(flags)))
    assert "--unshare-all" in flags and "--die-with-parent" in flags
    assert flags[flags.index("--cap-drop") + 1] == "ALL"
    assert "--new-session" not in flags


def test_unknown_mode_is_a_config_error_naming_the_field(tmp_path: Path) -> None:
    """A mode that is neither off nor bwrap is refused, naming the field, before any start."""
    with pytest.raises(ConfigError, match=r"CoqConfig\.sandbox"):
        CoqConfig(sandbox="docker")
    with pytest.raises(ConfigError, match="--sandbox"):
        BackendConfig(sandbox="firejail")
    with pytest.raises(ConfigError, match="sandbox"):
        sandboxed(["coqtop"], mode="on", workdir=tmp_path)


def test_missing_bwrap_is_unavailable_not_a_silent_unsandboxed_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without bwrap on PATH the sandboxed command is refused with one line naming bwrap
    and the flag that opts out; the process is never run unsandboxed instead."""
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackendUnavailable, match=r"bwrap not found.*--sandbox off"):
        sandboxed(["coqtop"], mode="bwrap", workdir=tmp_path)


def test_bwrap_that_cannot_make_its_namespaces_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bwrap that exists but cannot run (a container without user namespaces; here a
    script that fails as bwrap does there) is refused with its reason and the opt-out flag,
    before any proof-assistant process is started."""
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    expected = r"cannot make its sandbox here \(bwrap: No permissions.*\): pass --sandbox off"
    with pytest.raises(BackendUnavailable, match=expected):
        sandboxed(["coqtop"], mode="bwrap", workdir=tmp_path)
    with pytest.raises(BackendUnavailable, match=expected):
        require_sandbox("bwrap")


def test_every_command_and_config_defaults_to_the_sandbox() -> None:
    """bwrap is the default of the configs and of prove, eval, assist and serve alike (one
    default, written once); off is only what the user asks for."""
    from prover.backends.lean.repl_config import LeanReplConfig
    from prover.cli.main import build_parser

    assert DEFAULT_SANDBOX == "bwrap"
    assert BackendConfig().sandbox == CoqConfig().sandbox == LeanReplConfig().sandbox == "bwrap"
    parser = build_parser()
    commands = (
        ["prove", "--theorem", "t", "--output", "o"],
        ["eval", "--attempts", "1", "--run-dir", "r"],
        ["assist"],
        ["serve"],
    )
    for command in commands:
        arguments, _ = parser.parse_known_args(command)
        assert arguments.sandbox == "bwrap", command
    arguments, _ = parser.parse_known_args([*commands[0], "--sandbox", "off"])
    assert arguments.sandbox == "off"


@pytest.mark.skipif(not HAS_BWRAP, reason="needs bubblewrap")
@pytest.mark.parametrize("mode", ["off", "bwrap"])
def test_a_detached_child_dies_with_the_sandboxed_process(mode: str, tmp_path: Path) -> None:
    """A process that left the group with setsid outlives kill_tree unsandboxed (the
    control) and dies with the sandboxed process (its PID namespace), so it cannot rewrite
    the working directory's files after the check it ran in."""
    script = (
        'setsid sh -c "sleep 1; echo late > late" > /dev/null 2>&1 < /dev/null & sleep 0.3; exit 0'
    )
    process = spawn(sandboxed(["sh", "-c", script], mode=mode, workdir=tmp_path), cwd=tmp_path)
    process.wait(timeout=30)
    kill_tree(process)
    time.sleep(2.0)
    assert (tmp_path / "late").exists() == (mode == "off")


def test_leandojo_must_opt_out_of_the_sandbox_explicitly() -> None:
    """The sandbox covers Coq's and the Lean REPL's processes: asking it of LeanDojo is an
    error that says how to run unsandboxed, not a sandbox silently dropped."""
    with pytest.raises(ConfigError, match="--sandbox off"):
        BackendConfig(name="leandojo", sandbox="bwrap")
    assert BackendConfig(name="leandojo", sandbox="off").sandbox == "off"
    assert BackendConfig(name="lean-repl", sandbox="bwrap").sandbox == "bwrap"


def _redirecting_theorem(target: Path) -> Theorem:
    """A theorem whose (trusted) header makes coqtop write ``target`` (minus ``.out``)."""
    header = f'Require Import Arith Lia.\nRedirect "{target.with_suffix("")}" Check nat.\n'
    return Theorem(name="escape", header=header, statement="Theorem escape (n : nat) : n + 0 = n.")


@needs_sandbox
def test_a_sandboxed_coqtop_cannot_write_outside_its_workdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A header that writes a file outside the working directory is refused by the header
    rules; with them switched off (the sandbox alone), it succeeds unsandboxed (the
    control) and fails in the sandbox, leaving no file behind."""
    target = tmp_path / "escaped.out"
    with (
        CoqEnvironment(CoqConfig(sandbox="off")) as environment,
        pytest.raises(StatementError, match="may not write files"),
    ):
        environment.open(_redirecting_theorem(target))
    monkeypatch.setattr(environment_module, "target_refusal", lambda *_args, **_kwargs: None)
    with CoqEnvironment(CoqConfig(sandbox="off")) as environment:
        environment.open(_redirecting_theorem(target))
    assert target.exists()
    target.unlink()
    with (
        CoqEnvironment(CoqConfig(sandbox="bwrap")) as environment,
        pytest.raises(StatementError, match="rejected the header"),
    ):
        environment.open(_redirecting_theorem(target))
    assert not target.exists()


@needs_sandbox
def test_sandboxed_search_and_kernel_check_still_prove() -> None:
    """In the sandbox a tactic still closes the goal, and coqc then coqchk both pass."""
    theorem = Theorem(
        name="sandboxed",
        header="Require Import Arith Lia.\n",
        statement="Theorem sandboxed (n : nat) : n + 0 = n.",
    )
    with CoqEnvironment(CoqConfig(sandbox="bwrap")) as environment:
        root = environment.open(theorem)
        assert isinstance(environment.run_tactic(root, "lia", timeout_s=10), ProofComplete)
        verification = environment.verify(theorem, ["lia"])
    assert verification.ok, verification.message
    assert verification.checks == ("admission", "coqc", "coqchk")


@needs_sandbox
def test_closing_a_sandboxed_environment_leaves_no_process_behind() -> None:
    """kill_tree reaches bwrap and the coqtop inside it: nothing of the group runs on."""
    theorem = Theorem(
        name="group", header="Require Import Arith.\n", statement="Theorem group : 1 = 1."
    )
    with CoqEnvironment(CoqConfig(sandbox="bwrap")) as environment:
        environment.open(theorem)
        coqtop = environment._warm_coqtop.coqtop
        assert coqtop is not None
        group = coqtop.process.pid
        assert len(group_members(group)) >= 3  # bwrap, its namespace's init, coqtop
    # SIGKILL reached the whole group; a killed coqtop may take a moment to exit.
    deadline = time.monotonic() + 5
    while group_members(group) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert group_members(group) == []
