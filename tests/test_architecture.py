"""The package layering of docs/architecture.md holds on every import statement."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Which first-party packages each package (by path prefix) may import.
ALLOWED = {
    "search": {"search"},
    "models": {"search", "models"},
    "prover/backends": {"search", "models", "prover.backends"},
    "prover/data": {"search", "prover.backends", "prover.data"},
    "prover/tracing": {"search", "models", "prover.backends", "prover.data", "prover.tracing"},
    "prover/attempts": {
        "search", "models", "prover.backends", "prover.data", "prover.tracing", "prover.attempts",
    },
    "prover/evaluation": {
        "search", "models", "prover.backends", "prover.data", "prover.tracing",
        "prover.attempts", "prover.evaluation",
    },
    "prover/interactive": {
        "search", "models", "prover.backends", "prover.data", "prover.tracing",
        "prover.attempts", "prover.interactive",
    },
}  # fmt: skip
FIRST_PARTY = ("search", "models", "prover", "benchmarks", "tests")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _modules(prefix: str) -> list[Path]:
    return sorted((ROOT / prefix).rglob("*.py"))


@pytest.mark.parametrize("prefix", sorted(ALLOWED))
def test_packages_import_only_lower_layers(prefix: str) -> None:
    """search imports no first-party package, models only search, prover's layers go down."""
    allowed = ALLOWED[prefix]
    violations = []
    for path in _modules(prefix):
        for name in _imports(path):
            if not name.startswith(FIRST_PARTY):
                continue
            if not any(name == a or name.startswith(a + ".") for a in allowed):
                violations.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not violations, "\n".join(violations)


def test_argparse_only_in_the_cli() -> None:
    """Flags are parsed in prover/cli only: no library module imports argparse."""
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("search", "models", "prover")
        for path in _modules(package)
        if "argparse" in _imports(path) and not path.is_relative_to(ROOT / "prover" / "cli")
    ]
    assert not offenders, offenders
