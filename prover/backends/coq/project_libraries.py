"""Libraries a project build of the user's file may load instead of the installed ones.

A project maps its folders to a logical root (``-R . Lib`` in ``_CoqProject``, a dune
``coq.theory``), and under ``-R`` a short ``Require Import Bool.`` resolves to the
project's own ``Bool`` in any of its folders before Coq's ``Coq.Bool.Bool``; the prover's
compiles run in private folders and load the installed one (red-team round 105 put an
identity ``negb`` in ``other/Bool.v`` beside a ``_CoqProject`` of ``-R . Lib``, and
``negb true = false`` was recorded proved while the project build refuted it). So a word
of the file's ``Require`` sentences that names a library anywhere in the project is refused
(:func:`project_library_refusal`), as round fifty-seven refuses one beside the file.

The project is the tree below the nearest folder, from the file's own upwards, that holds
a ``_CoqProject`` or a ``dune-project``, and always the tree below the file's own folder
(``coqc -R . Lib F.v`` run there maps it). A build rooted at an unmarked folder above the
file is not seen. The walk follows links once (a link's target counts) and stops, refusing,
beyond :data:`MAX_ENTRIES` entries. Coq's installed library folder is exempt.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from prover.backends.coq.environment_readings import file_folders

__all__ = ["MAX_ENTRIES", "PROJECT_MARKERS", "project_library_refusal", "project_roots"]

PROJECT_MARKERS = ("_CoqProject", "dune-project")
"""Files whose folder is a Coq project's root."""

MAX_ENTRIES = 50_000
"""How many folder entries the walk reads before it refuses (a file in a home folder)."""

_LIBRARY_SUFFIXES = (".vo", ".v")


def project_roots(folder: Path) -> list[Path]:
    """The folders whose trees a project build of a file in ``folder`` may map: the nearest
    one at or above it holding a project marker, and ``folder`` itself."""
    roots = [folder]
    for candidate in [folder, *folder.parents]:
        if any(os.path.lexists(candidate / marker) for marker in PROJECT_MARKERS):
            roots.insert(0, candidate)
            break
    return list(dict.fromkeys(roots))


def project_library_refusal(
    source: str | None, required: Iterable[str], installed: Path | None
) -> str | None:
    """Why a project build of the file ``source`` may load, for a word of its ``Require``
    sentences (``required``), a library of the project instead of the installed one, or
    None (see the module docstring). ``installed``: Coq's library folder, exempt."""
    if source is None:
        return None
    named, folders = file_folders(source)
    names = {f"{word}{suffix}" for word in required for suffix in _LIBRARY_SUFFIXES}
    for folder in folders:
        if installed is not None and folder.resolve().is_relative_to(installed):
            continue
        for root in project_roots(folder):
            found = _first_library(root, names, named)
            if found is not None:
                return found
    return None


def _first_library(root: Path, names: set[str], own: Path) -> str | None:
    """Why the tree below ``root`` refuses: an entry named in ``names`` other than the
    file ``own`` itself, a folder that cannot be listed, or too many entries; or None."""
    seen: set[Path] = set()
    pending, counted = [root], 0
    while pending:
        folder = pending.pop()
        real = folder.resolve()
        if real in seen:
            continue
        seen.add(real)
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        except OSError as exc:
            return (
                f"the project folder {str(folder)!r} cannot be listed ({exc.strerror or exc}), "
                "and a project build may map libraries from it"
            )
        counted += len(entries)
        if counted > MAX_ENTRIES:
            return (
                f"the project tree below {str(root)!r} holds more than {MAX_ENTRIES} entries, "
                "too many to check for libraries a project build may load (put the file in a "
                "folder of its own)"
            )
        for entry in entries:
            path = Path(entry.path)
            if entry.name in names and path.resolve() != own.resolve():
                return (
                    f"the project below {str(root)!r} holds {str(path)!r}, a library a "
                    "project build (-R) may load for the file's Require before the installed "
                    "one, which the prover's compiles use"
                )
            if entry.is_dir():  # follows links: a linked folder is mapped too
                pending.append(path)
    return None
