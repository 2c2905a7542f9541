"""``prover setup lean``: create or check a Lean project with Mathlib and the REPL.

Each statement set needs its own toolchain (``prover/data/statements/SOURCES.md``): the DeepSeek
miniF2F/ProofNet statements need Lean v4.9.0 with DeepSeek's Mathlib fork, the
yangky11 miniF2F statements Lean v4.24.0 + Mathlib v4.24.0, the rahul3613 ProofNet
statements Lean v4.20.0 + Mathlib v4.20.0. The project requires Mathlib and the
Lean REPL (leanprover-community/repl, pinned to the tag of the same Lean version),
then runs ``lake update``, ``lake exe cache get`` and ``lake build repl``.
Needs ``elan``/``lake`` on PATH and access to github.com; otherwise it fails with
a one-line :class:`BackendUnavailable`.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from search.errors import BackendUnavailable, ConfigError

__all__ = ["LEAN_PINS", "LeanPin", "setup_lean_project"]


@dataclass(frozen=True, kw_only=True)
class LeanPin:
    """The toolchain and dependency revisions one statement set needs."""

    lean_version: str
    mathlib_git: str
    mathlib_rev: str
    repl_rev: str


LEAN_PINS = {
    "deepseek": LeanPin(
        lean_version="v4.9.0",
        mathlib_git="https://github.com/xinhjBrant/mathlib4",
        mathlib_rev="2f65ba7f1a9144b20c8e7358513548e317d26de1",
        repl_rev="v4.9.0",
    ),
    "yangky11": LeanPin(
        lean_version="v4.24.0",
        mathlib_git="https://github.com/leanprover-community/mathlib4",
        mathlib_rev="v4.24.0",
        repl_rev="v4.24.0",
    ),
    "rahul3613": LeanPin(
        lean_version="v4.20.0",
        mathlib_git="https://github.com/leanprover-community/mathlib4",
        mathlib_rev="v4.20.0",
        repl_rev="v4.20.0",
    ),
}

_LAKEFILE = """import Lake
open Lake DSL

package «prover_lean» where

require mathlib from git
  "{mathlib_git}" @ "{mathlib_rev}"

require REPL from git
  "https://github.com/leanprover-community/repl" @ "{repl_rev}"
"""


def setup_lean_project(*, project_dir: Path, statements: str) -> None:
    """Create (or check) ``project_dir`` for ``statements`` and build Mathlib and the REPL."""
    pin = LEAN_PINS.get(statements)
    if pin is None:
        raise ConfigError(f"--statements must be one of {', '.join(LEAN_PINS)}, got {statements!r}")
    lake = shutil.which("lake")
    if shutil.which("elan") is None or lake is None:
        raise BackendUnavailable(
            "elan/lake not found on PATH: install elan (Lean's toolchain manager)"
        )
    _check_github()
    toolchain = f"leanprover/lean4:{pin.lean_version}"
    _write_or_check(project_dir, toolchain, _LAKEFILE.format(**vars(pin)))
    for step in (["update"], ["exe", "cache", "get"], ["build", "repl"]):
        _run([lake, *step], project_dir)


def _check_github() -> None:
    try:
        socket.create_connection(("github.com", 443), timeout=5.0).close()
    except OSError as exc:
        raise BackendUnavailable(f"offline: cannot reach github.com ({exc})") from exc


def _write_or_check(project_dir: Path, toolchain: str, lakefile: str) -> None:
    toolchain_file = project_dir / "lean-toolchain"
    if toolchain_file.exists():
        found = toolchain_file.read_text(encoding="utf-8").strip()
        if found != toolchain:
            raise ConfigError(
                f"{toolchain_file} says {found!r}, these statements need {toolchain!r}"
            )
        return
    project_dir.mkdir(parents=True, exist_ok=True)
    toolchain_file.write_text(toolchain + "\n", encoding="utf-8")
    (project_dir / "lakefile.lean").write_text(lakefile, encoding="utf-8")


def _run(argv: list[str], cwd: Path) -> None:
    try:
        completed = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackendUnavailable(f"cannot run {' '.join(argv)}: {exc}") from exc
    if completed.returncode != 0:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-1:] or ["no output"]
        raise BackendUnavailable(f"{' '.join(argv)} failed ({completed.returncode}): {tail[0]}")
