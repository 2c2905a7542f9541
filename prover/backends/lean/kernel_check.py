"""Lean's kernel replay check (``lean4checker``), used when the user's toolchain has it.

``lean4checker MODULE`` replays every declaration of a compiled module through the
Lean kernel, starting from its imports: a proof whose environment was forged by
metaprogramming (what the REPL's elaborator accepted but the kernel would not) fails
there. The check compiles the verified source as its own module in a fresh private
directory and replays it:

1. the environment of the project, once: ``lake env env -0`` (``LEAN_PATH``, ``PATH``);
2. ``lean -o DIR/ProverCheck.olean DIR/ProverCheck.lean`` with ``DIR`` appended to
   ``LEAN_PATH``;
3. ``lean4checker ProverCheck`` with the same environment; exit status 0 passes.

:func:`find_lean4checker` looks for the executable on ``PATH`` and in the project's
Lake build directories; when there is none, the REPL check stands alone and the
verification result says so (its ``checks`` lack ``"lean4checker"``).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from prover.backends.sandbox import DEFAULT_SANDBOX, sandboxed
from search.errors import BackendUnavailable
from search.process import run_to_end
from search.workdirs import private_directory

__all__ = ["LeanKernelChecker", "find_lean4checker"]

_MODULE = "ProverCheck"
_CANDIDATE_PATHS = (
    ".lake/packages/lean4checker/.lake/build/bin/lean4checker",
    ".lake/build/bin/lean4checker",
)


def find_lean4checker(project_dir: Path | None) -> Path | None:
    """The ``lean4checker`` executable on PATH or in the project's Lake build, or None."""
    on_path = shutil.which("lean4checker")
    if on_path is not None:
        return Path(on_path)
    if project_dir is None:
        return None
    for relative in _CANDIDATE_PATHS:
        candidate = project_dir / relative
        if candidate.is_file():
            return candidate
    return None


@dataclass(frozen=True, kw_only=True)
class LeanKernelChecker:
    """How to compile a module and replay it with ``lean4checker``."""

    checker_command: tuple[str, ...]
    project_dir: Path | None = None
    environment_command: tuple[str, ...] = ("lake", "env", "env", "-0")
    lean_command: tuple[str, ...] = ("lean",)
    memory_limit_mb: int | None = 16384
    timeout_s: float = 900.0
    sandbox: str = DEFAULT_SANDBOX

    def check(self, source: str) -> str | None:
        """Compile ``source`` as a module and replay it; None if the kernel accepts it.

        With ``sandbox``, each tool runs in bubblewrap with only the private directory
        writable (compiling runs the file's configurations as compiled code)."""
        deadline = time.monotonic() + self.timeout_s
        with private_directory("lean-check-") as directory:
            environment = self._environment(deadline, directory)
            if isinstance(environment, str):
                return environment
            (directory / f"{_MODULE}.lean").write_text(source, encoding="utf-8")
            search_path = environment.get("LEAN_PATH", "")
            extended = {**environment, "LEAN_PATH": f"{search_path}:{directory}".lstrip(":")}
            olean = directory / f"{_MODULE}.olean"
            compile_argv = [
                *self.lean_command,
                "-o",
                str(olean),
                str(directory / f"{_MODULE}.lean"),
            ]
            problem = self._run("lean", compile_argv, extended, deadline, directory)
            if problem is None:
                replay = [*self.checker_command, _MODULE]
                problem = self._run("lean4checker", replay, extended, deadline, directory)
        return problem

    def _environment(self, deadline: float, directory: Path) -> dict[str, str] | str:
        """The project's environment (as ``lake env`` sets it), or why it is unavailable."""
        completed = self._execute(list(self.environment_command), None, deadline, directory)
        if isinstance(completed, str):
            return f"lean4checker not run: {completed}"
        status, output = completed
        if status != 0:
            return f"lean4checker not run: {' '.join(self.environment_command)} exited {status}"
        pairs = (entry.split("=", 1) for entry in output.split("\0") if "=" in entry)
        return {key: value for key, value in pairs}

    def _run(
        self,
        tool: str,
        argv: Sequence[str],
        environment: Mapping[str, str],
        deadline: float,
        directory: Path,
    ) -> str | None:
        completed = self._execute(argv, environment, deadline, directory)
        if isinstance(completed, str):
            return f"{tool} {completed}"
        status, output = completed
        if status != 0:
            tail = " ".join(output.split())[-300:]
            return f"{tool} rejected the proof (exit {status}): {tail}"
        return None

    def _execute(
        self,
        argv: Sequence[str],
        environment: Mapping[str, str] | None,
        deadline: float,
        directory: Path,
    ) -> tuple[int, str] | str:
        remaining_s = deadline - time.monotonic()
        if remaining_s <= 0:
            return "was not run: the verification time budget is spent"
        try:
            argv = sandboxed(
                argv, mode=self.sandbox, workdir=directory, cwd=self.project_dir or directory
            )
            status, output, _ = run_to_end(
                argv,
                timeout_s=remaining_s,
                cwd=self.project_dir,
                env=environment,
                memory_limit_mb=self.memory_limit_mb,
                merge_stderr=True,
            )
        except BackendUnavailable as exc:
            return f"could not start: {exc}"
        except subprocess.TimeoutExpired:
            return f"timed out after {remaining_s:.0f} s"
        return status, output.decode("utf-8", "replace")
