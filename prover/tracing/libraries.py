"""Which Coq sources to trace: installed libraries by name, or user paths.

A library NAME resolves to the folder where Debian installs its ``.v`` sources next to
the compiled ``.vo`` files: ``$(coqc -where)/theories`` for the standard library,
``$(coqc -where)/user-contrib/<Root>`` for the others. Each file replays as its own
module (``coqtop -topfile FILE``, so ``Coq.Reals.R_sqr`` defines ``Coq.Reals.R_sqr.*``),
and the other libraries get the ``-R`` binding they were compiled with, so that their
short ``Require Import Core`` (Flocq) or ``Rcomplements`` (Coquelicot) resolve;
the stdlib's ``Init/`` files replay with ``-noinit``, as Coq compiles them, since the
prelude would otherwise load the very definitions they make.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from search.errors import BackendUnavailable, ConfigError, InputError
from search.process import run_to_end

__all__ = [
    "DEFAULT_LIBRARIES",
    "LIBRARIES",
    "LibrarySpec",
    "SourceFile",
    "coq_where",
    "library_files",
    "run_tool",
    "source_files",
]

SOURCE_LIBRARY = "source"


@dataclass(frozen=True, kw_only=True)
class LibrarySpec:
    """A library: its Debian package, folder under ``coqc -where`` and logical prefix."""

    name: str
    package: str
    directory: str
    logical: str

    def load_path(self, where: Path) -> tuple[str, ...]:
        """``-R DIR ROOT`` as the library was compiled with (short ``Require`` names work).

        Empty for the stdlib, which Coq binds itself. mathcomp's parts share the root
        ``mathcomp`` (``user-contrib/mathcomp``).
        """
        if self.logical == "Coq":
            return ()
        root, _, _ = self.logical.partition(".")
        folder = where / "user-contrib" / root
        return ("-R", str(folder), root)


LIBRARIES: dict[str, LibrarySpec] = {
    spec.name: spec
    for spec in (
        LibrarySpec(name="stdlib", package="libcoq-stdlib", directory="theories", logical="Coq"),
        LibrarySpec(
            name="coquelicot",
            package="libcoq-coquelicot",
            directory="user-contrib/Coquelicot",
            logical="Coquelicot",
        ),
        LibrarySpec(
            name="flocq", package="libcoq-flocq", directory="user-contrib/Flocq", logical="Flocq"
        ),
        LibrarySpec(
            name="corn", package="libcoq-corn", directory="user-contrib/CoRN", logical="CoRN"
        ),
        LibrarySpec(
            name="math-classes",
            package="libcoq-math-classes",
            directory="user-contrib/MathClasses",
            logical="MathClasses",
        ),
        LibrarySpec(
            name="stdpp", package="libcoq-stdpp", directory="user-contrib/stdpp", logical="stdpp"
        ),
        LibrarySpec(
            name="coqprime",
            package="libcoq-coqprime",
            directory="user-contrib/Coqprime",
            logical="Coqprime",
        ),
        LibrarySpec(
            name="bignums",
            package="libcoq-bignums",
            directory="user-contrib/Bignums",
            logical="Bignums",
        ),
        LibrarySpec(
            name="mathcomp-ssreflect",
            package="libcoq-mathcomp-ssreflect",
            directory="user-contrib/mathcomp/ssreflect",
            logical="mathcomp.ssreflect",
        ),
        LibrarySpec(
            name="mathcomp-algebra",
            package="libcoq-mathcomp-algebra",
            directory="user-contrib/mathcomp/algebra",
            logical="mathcomp.algebra",
        ),
    )
}

#: The default training set, in tracing order (the Debian packages scripts/setup.sh installs).
DEFAULT_LIBRARIES = tuple(LIBRARIES)


@dataclass(frozen=True, kw_only=True)
class SourceFile:
    """One ``.v`` file to trace: where it is, how rows name it, how coqtop must load it."""

    library: str
    path: Path
    file: str
    module: str
    coqtop_args: tuple[str, ...] = ()


def run_tool(argv: Sequence[str], *, timeout_s: float = 30.0) -> str:
    """Run a short command (``coqc -where``, ``dpkg-query``) and return its stdout.

    Raises :class:`BackendUnavailable` naming the command when it cannot run or fails.
    """
    try:
        returncode, stdout, stderr = run_to_end(argv, timeout_s=timeout_s)
    except subprocess.TimeoutExpired as exc:
        raise BackendUnavailable(f"{argv[0]} did not finish within {timeout_s:g} s") from exc
    if returncode != 0:
        message = stderr.decode("utf-8", "replace").strip()[:300]
        raise BackendUnavailable(f"{' '.join(argv)} failed: {message}")
    return stdout.decode("utf-8", "replace")


def coq_where(coqc_path: str = "coqc") -> Path:
    """Coq's library folder, as ``coqc -where`` prints it."""
    return Path(run_tool([coqc_path, "-where"]).strip())


def _module_name(logical: str, relative: Path) -> str:
    return ".".join([logical, *relative.with_suffix("").parts])


def library_files(name: str, *, where: Path) -> list[SourceFile]:
    """Every ``.v`` file of library ``name`` in path order.

    Raises :class:`ConfigError` for an unknown name and :class:`InputError` naming the
    Debian package when the library is not installed.
    """
    spec = LIBRARIES.get(name)
    if spec is None:
        raise ConfigError(f"unknown library {name!r} (known: {', '.join(LIBRARIES)})")
    root = where / spec.directory
    paths = sorted(root.rglob("*.v")) if root.is_dir() else []
    if not paths:
        raise InputError(
            f"library {name} is not installed (no .v files in {root}): "
            f"apt-get install -y {spec.package}"
        )
    files = []
    for path in paths:
        relative = path.relative_to(root)
        init = name == "stdlib" and relative.parts[0] == "Init"
        args = (*spec.load_path(where), "-topfile", str(path), *(("-noinit",) if init else ()))
        files.append(
            SourceFile(
                library=name,
                path=path,
                file=relative.as_posix(),
                module=_module_name(spec.logical, relative),
                coqtop_args=args,
            )
        )
    return files


def source_files(path: Path) -> list[SourceFile]:
    """A ``.v`` file, or every ``.v`` file under a folder (recursive), as library ``source``.

    ``file`` is relative to the folder given (the file's name for a single file).
    Raises :class:`InputError` when the path does not exist or holds no ``.v`` file.
    """
    if path.is_file():
        return [SourceFile(library=SOURCE_LIBRARY, path=path, file=path.name, module="")]
    if not path.is_dir():
        raise InputError(f"--source {path}: no such file or folder")
    paths = sorted(path.rglob("*.v"))
    if not paths:
        raise InputError(f"--source {path}: no .v file in this folder")
    return [
        SourceFile(library=SOURCE_LIBRARY, path=p, file=p.relative_to(path).as_posix(), module="")
        for p in paths
    ]
