"""How many files of real Coq projects may ``prover prove --file`` work in?

A file inside a project is read as the project's build reads it (docs/soundness.md,
"Whose build the verdict is for"), and what the prover cannot show to be the same as its
own compiles is refused: a library of the project that a ``Require`` word names, a
``_CoqProject`` option beyond ``-R``/``-Q``, coq_makefile's local settings, a dune file
that does more than name a theory, a mapping under an installed library's name, a cache or
plugin at a project root. Those rules are fail-closed, so they refuse honest projects too;
this script measures how many of a real project's files they refuse, and why.

Since red-team round 125 any file inside a project is refused first ("inside a project":
the project's logical prefix can change what a header reads); the checks behind it are
still run and counted, each independently, to show what else a project would meet.

For every ``.v`` file below each ``--root`` (a project's unpacked source, for example
``apt-get source coq-stdpp``), it runs the six file-level checks of ``--file``
(:func:`~prover.backends.coq.library_paths.file_setting_refusal`'s parts) on the file's
own text, each independently, and reports per root: files, files no check refuses, how
many files each check refuses and how many that check alone refuses, with the check's
messages reduced to templates (paths and names replaced) and counted. The header and
statement checks of single theorems (``benchmarks.header_refusals``) are not repeated here.

Usage::

    python -m benchmarks.project_refusals --root /src/coq-stdpp-1.8.0 --root /src/flocq-4.1.0 \\
        --output docs/results/project-refusals.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prover.backends.coq.library_paths import (
    folder_plugin_refusal,
    installed_library_root,
    required_words,
    sibling_library_refusal,
)
from prover.backends.coq.project_libraries import (
    project_flags_refusal,
    project_folder_refusal,
    project_library_refusal,
    project_prefix_refusal,
)

__all__ = ["CHECKS", "main", "survey_root", "template"]

_Check = Callable[[str, str], "str | None"]

CHECKS: dict[str, _Check] = {
    "library beside the file": sibling_library_refusal,
    "plugin in the file's folder": lambda source, text: folder_plugin_refusal(source),
    "inside a project": lambda source, text: project_prefix_refusal(
        source, installed_library_root()
    ),
    "project library a Require names": lambda source, text: project_library_refusal(
        source, required_words(text), installed_library_root()
    ),
    "project settings": lambda source, text: project_flags_refusal(
        source, installed_library_root()
    ),
    "project root cache or plugin": lambda source, text: project_folder_refusal(
        source, installed_library_root()
    ),
}

_QUOTED = re.compile(r"'[^'\s]*'")
_LISTED = re.compile(r"\([^()]*\.v[^()]*\)")
_NUMBER = re.compile(r"\b\d+\b")


def template(message: str) -> str:
    """``message`` with its quoted paths and names, its lists of files and its numbers
    replaced, so the refusals of many files count as one reason."""
    return _NUMBER.sub("N", _LISTED.sub("(…)", _QUOTED.sub("'…'", message)))


def survey_root(root: Path, *, examples: int = 3) -> dict[str, Any]:
    """The figures of one project root (see the module docstring)."""
    files = sorted(path for path in root.rglob("*.v") if path.is_file())
    refused_by: Counter[str] = Counter()
    only_by: Counter[str] = Counter()
    templates: dict[str, Counter[str]] = {name: Counter() for name in CHECKS}
    sample: dict[str, list[str]] = {name: [] for name in CHECKS}
    accepted = 0
    started = time.monotonic()
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"skipped {path}: {exc}", file=sys.stderr)
            continue
        refusing = []
        for name, check in CHECKS.items():
            message = check(str(path), text)
            if message is None:
                continue
            refusing.append(name)
            refused_by[name] += 1
            templates[name][template(message)] += 1
            if len(sample[name]) < examples:
                sample[name].append(str(path.relative_to(root)))
        accepted += not refusing
        if len(refusing) == 1:
            only_by[refusing[0]] += 1
    return {
        "root": str(root),
        "files": len(files),
        "accepted": accepted,
        "refused_by": dict(refused_by),
        "refused_only_by": dict(only_by),
        "reasons": {name: dict(top.most_common(5)) for name, top in templates.items() if top},
        "examples": {name: paths for name, paths in sample.items() if paths},
        "seconds": round(time.monotonic() - started, 1),
    }


def _parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--root", type=Path, action="append", required=True, help="a project's source tree"
    )
    parser.add_argument("--output", type=Path, help="write the figures as JSON here too")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Survey every ``--root`` and print (and write) the figures."""
    arguments = _parse_arguments(argv)
    for root in arguments.root:
        if not root.is_dir():
            print(f"--root {root}: not a directory", file=sys.stderr)
            return 2
    results = [survey_root(root) for root in arguments.root]
    for result in results:
        print(
            f"{result['root']}: {result['files']} files, {result['accepted']} accepted; "
            f"refused by {result['refused_by']} ({result['seconds']} s)"
        )
    if arguments.output is not None:
        arguments.output.write_text(json.dumps({"roots": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
