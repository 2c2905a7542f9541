#!/usr/bin/env python3
"""FAKES of ``lean -o`` and ``lean4checker``, for tests of the kernel replay check only.

``fake_lean_tools.py lean -o OUT.olean SRC.lean`` "compiles" by copying the source to
OUT (exit 1 if it contains ``fake_compile_error``). ``fake_lean_tools.py lean4checker
MODULE`` finds ``MODULE.olean`` on ``LEAN_PATH`` like the real tool and "replays" it:
exit 1 with a kernel-style error if it contains ``environment_hack`` (standing for an
environment forged by metaprogramming, which the REPL's elaborator accepted), else 0.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def compile_module(arguments: list[str]) -> int:
    output, source = Path(arguments[arguments.index("-o") + 1]), Path(arguments[-1])
    text = source.read_text(encoding="utf-8")
    if "fake_compile_error" in text:
        print(f"{source}:1:0: error: fake compile error")
        return 1
    shutil.copyfile(source, output)
    return 0


def replay(module: str) -> int:
    for directory in filter(None, os.environ.get("LEAN_PATH", "").split(":")):
        olean = Path(directory) / f"{module}.olean"
        if olean.is_file():
            if "environment_hack" in olean.read_text(encoding="utf-8"):
                print(f"uncaught exception: (kernel) declaration type mismatch in {module}")
                return 1
            return 0
    print(f"uncaught exception: object file of module {module} does not exist")
    return 1


def main() -> int:
    tool, arguments = sys.argv[1], sys.argv[2:]
    return compile_module(arguments) if tool == "lean" else replay(arguments[0])


if __name__ == "__main__":
    sys.exit(main())
