"""Libraries a project build of the user's file may load instead of the installed ones.

A project maps its folders to a logical root (``-R . Lib`` in ``_CoqProject``, a dune
``coq.theory``), and under ``-R`` a short ``Require Import Bool.`` resolves to the
project's own ``Bool`` in any of its folders before Coq's ``Coq.Bool.Bool``; the prover's
compiles run in private folders and load the installed one (red-team round 105 put an
identity ``negb`` in ``other/Bool.v`` beside a ``_CoqProject`` of ``-R . Lib``, and
``negb true = false`` was recorded proved while the project build refuted it). So a word
of the file's ``Require`` sentences that names a library anywhere in the project is refused
(:func:`project_library_refusal`), as round fifty-seven refuses one beside the file.

The project is the tree below every folder, from the file's own upwards, that holds a
``_CoqProject`` or any dune file (nested projects: the build may be any of them; ``dune
build`` run in an unmarked folder takes it as the root and reads its ``dune`` file, whose
``subdir`` stanza wrote a library into the theory below: red-team round 119), the
tree below the file's own folder (``coqc -R . Lib F.v`` run there maps it), and the folders
their ``_CoqProject`` files map with ``-R``/``-Q``. A build rooted at an unmarked
folder above the file is not seen. The walk follows links once (a link's target counts) and
stops, refusing, beyond :data:`MAX_ENTRIES` entries. Coq's installed library folder is
exempt.

A project's flags can change what a file means as well: ``-arg -impredicative-set`` in a
``_CoqProject`` makes ``(forall P : Set, P) : Set`` typecheck, so a header that branches on
it reads otherwise. So a ``_CoqProject`` with any option beyond the load path (``-R``,
``-Q``; not ``-I``, an OCaml plugin folder) and the documentation ones
(:func:`project_flags_refusal`), coq_makefile's local settings (``CoqMakefile.local``), or a
dune file that does more than name a theory (:mod:`prover.backends.coq.dune_files`: a
``rule`` can make a library only the build sees), is refused.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from prover.backends.coq.dune_files import dune_file_problem
from prover.backends.coq.environment_readings import (
    MICROMEGA_CACHES,
    PLUGIN_SUFFIXES,
    file_folders,
)

__all__ = [
    "MAX_ENTRIES",
    "PROJECT_MARKERS",
    "installed_names",
    "project_flags_refusal",
    "project_folder_refusal",
    "project_library_refusal",
    "project_prefix_refusal",
    "project_roots",
]

PROJECT_MARKERS = ("_CoqProject", "dune-project", "dune-workspace", "dune", "dune-file", "jbuild")
"""Files whose folder is a Coq project's root."""

MAX_ENTRIES = 50_000
"""How many folder entries the walk reads before it refuses (a file in a home folder)."""

_LIBRARY_SUFFIXES = (".vo", ".v", ".vio", ".vos", ".vok")
_LOAD_PATH_OPTIONS = {"-R": 2, "-Q": 2}
"""``_CoqProject`` options that only map folders of Coq libraries, with how many arguments
they take (not ``-I``, which adds a folder to coqc's OCaml plugin path: red-team round 109
loaded a planted ``rtauto_plugin.cmxs`` from one in the project build)."""
_DOCUMENTATION_OPTIONS = {"-docroot": 1, "-generate-meta-for-package": 1}
"""``_CoqProject`` options that change nothing coqc reads."""
_PROJECT_WORD = re.compile(r"[A-Za-z0-9_./-]+")
"""A word a ``_CoqProject`` may hold: coq_makefile writes its file names unquoted into the
shell commands of the makefile it generates (red-team round 117 listed a ``.v`` file whose
name held ``cat<p.txt`` between backticks, which added ``-ri Coq.Bool.Bool`` to the build's
coqc)."""
_UNREAD_PROJECT_TEXT = re.compile(r"[^\x20-\x7e\t\n\r]|[\"'\\]")
"""What a ``_CoqProject`` may not hold: anything but printable ASCII, blanks and line
breaks, and quotes and backslashes."""
_MAKE_INPUT = re.compile(r"\.local|\.d(?:\.sh|,v)?$|,v$|^s\.|^(?:GNUmakefile|makefile|RCS|SCCS)$")
"""Names of what the make build may read as make code: coq_makefile's local settings
(``X.local``, ``X.local-late``) and dependency files (``.Makefile.d``, ``x.ml.d``), which the
generated makefile includes and remakes only when older than their sources (red-team round
112 shipped a ``.Makefile.d`` adding ``COQFLAGS += -ri Coq.Bool.Bool``), anything make's
built-in rules make them from (round 113: ``%: %.sh`` copied ``Makefile.local.sh`` to the
missing ``Makefile.local``; ``%: %,v`` and ``RCS``/``SCCS`` folders likewise), and the
makefiles GNU make reads before the generated ``Makefile``."""
_MAKE_PREREQUISITE = re.compile(r"^_CoqProject$|^(?:Coq)?Makefile")
"""Names without a suffix of what the make build needs and, with no rule of its own, may
remake by make's built-in ``%: %.sh`` from ``NAME.sh`` when that is newer (red-team round
114 shipped a newer ``_CoqProject.sh`` holding ``-arg -ri``, and make copied it over
``_CoqProject`` before coq_makefile ran again): ``_CoqProject`` and the makefile. Names with
a suffix (a ``.v`` file, ``Makefile.conf``) refuse by their dot (round 115)."""
_DUNE_FILES = frozenset({"dune", "dune-project", "dune-workspace", "dune-file", "jbuild"})


def installed_names(installed: Path | None) -> frozenset[str]:
    """The first names of the installed libraries' logical paths (``Coq``, and the folders
    of ``user-contrib``: ``mathcomp`` ...). A project that maps a folder to one of them
    (``-R . Coq``, a dune theory named ``Coq``) takes over what ``From Coq Require`` and the
    prelude load, so such a mapping refuses."""
    names = {"Coq"}
    if installed is not None:
        with contextlib.suppress(OSError):  # no user-contrib: only Coq's own
            names.update(entry.name for entry in os.scandir(installed / "user-contrib"))
    return frozenset(names)


def project_roots(folder: Path) -> list[Path]:
    """The folders whose trees a project build of a file in ``folder`` may map: every one at
    or above it holding a project marker (nested projects: any of them may be the build's),
    outermost first, and ``folder`` itself."""
    return list(dict.fromkeys([*reversed(_marked_folders(folder)), folder]))


def _marked_folders(folder: Path) -> list[Path]:
    """``folder`` and the folders above it that hold a project marker, innermost first."""
    return [
        candidate
        for candidate in [folder, *folder.parents]
        if any(_marks(candidate / marker) for marker in PROJECT_MARKERS)
    ]


def _marks(path: Path) -> bool:
    """Whether ``path`` marks a project: a dune file that is a file (a folder named ``dune``
    is a checkout of dune, not a build file), any other marker that exists at all (a link
    counts, even dangling)."""
    if path.name in ("dune", "dune-file", "jbuild"):
        return path.is_file()
    return os.path.lexists(path)


def project_library_refusal(
    source: str | None, required: Iterable[str], installed: Path | None
) -> str | None:
    """Why a project build of the file ``source`` may load, for a word of its ``Require``
    sentences (``required``), a library of the project instead of the installed one, or
    None (see the module docstring). ``installed``: Coq's library folder, exempt."""
    if source is None:
        return None
    named = file_folders(source)[0]
    names = {f"{word}{suffix}" for word in required for suffix in _LIBRARY_SUFFIXES}
    reserved = installed_names(installed)
    for _, roots in _project_folders(source, installed):
        mapped = [path for root in roots for path in _mapped_folders(root)]
        for root in _outermost([*roots, *mapped]):
            found = _first_library(root, names, named, reserved)
            if found is not None:
                return found
    return None


def _outermost(roots: list[Path]) -> list[Path]:
    """``roots`` without those inside an earlier one's tree, which its walk reads already
    (nested projects, the file's own folder inside its project)."""
    kept: list[Path] = []
    for root in roots:
        if not any(root.resolve().is_relative_to(outer.resolve()) for outer in kept):
            kept.append(root)
    return kept


def project_folder_refusal(source: str | None, installed: Path | None) -> str | None:
    """Why coqc, run in a project root above the file ``source`` (where coq_makefile's
    build runs it for a file listed in a subfolder: ``coqc sub/F.v``), may read a
    micromega cache or load an OCaml plugin the prover's compiles do not, or None. The
    file's own folder is read by
    :func:`~prover.backends.coq.environment_readings.folder_caches` and
    :func:`~prover.backends.coq.library_paths.folder_plugin_refusal` (red-team round 111
    planted round eighty-one's lia cache, and round eighty-three's plugin, at the root of a
    project whose file sits in ``sub/``)."""
    for folder, roots in _project_folders(source, installed):
        for root in roots:
            if root == folder:
                continue
            try:
                read = sorted(
                    entry.name
                    for entry in os.scandir(root)
                    if entry.name in MICROMEGA_CACHES or entry.name.endswith(PLUGIN_SUFFIXES)
                )
            except OSError as exc:
                return f"the project root {str(root)!r} cannot be listed ({exc.strerror or exc})"
            if read:
                return (
                    f"the project root {str(root)!r} holds {', '.join(read[:3])}, which coqc "
                    "run there by the project's build reads (a micromega cache or OCaml "
                    "code) and the prover's compiles do not"
                )
    return None


def project_prefix_refusal(source: str | None, installed: Path | None) -> str | None:
    """Why the file ``source`` sits inside a project, or None: a folder at or above it holds
    a project marker (``_CoqProject``, a dune file). The project's build gives the file a
    logical prefix (``Lib.F`` under ``-Q . Lib``), and what a header reads can depend on the
    whole library path, not only on a tie with a loaded library's name (round ninety-nine):
    ``lia`` collects its side facts in a table ordered by the hash of each constant's full
    name, so a header that picks a value from the order of ``lia``'s proof read ``b = true``
    as the bare ``F`` the prover checks and ``false`` as ``Lib.F`` (red-team round 125;
    ``t : b = true`` was recorded proved, and the project build refuted it). The prover
    checks one reading, the plain ``coqc F.v`` in the file's folder, so a file inside a
    project is refused (none of 3,136 files of five real projects was taken before either:
    ``benchmarks.project_refusals``)."""
    for folder in _checked_folders(source, installed):
        marked = _marked_folders(folder)
        if marked:
            return (
                f"the file is inside a project (the project file in {str(marked[0])!r}), "
                "whose build gives it a logical prefix under which its header may read "
                "otherwise than the plain coqc of the file's folder the prover checks (move "
                "the file out of the project to prove it)"
            )
    return None


def project_flags_refusal(source: str | None, installed: Path | None) -> str | None:
    """Why the project around the file ``source`` may pass coqc options that change what
    the file means, or None (see the module docstring)."""
    reserved = installed_names(installed)
    for _, roots in _project_folders(source, installed):
        for root in roots:
            options = _project_options(root, reserved)
            if isinstance(options, str):
                return options
            if options:
                return (
                    f"the project's {str(root / '_CoqProject')!r} passes coqc options "
                    f"({', '.join(options[:3])}) the prover's compiles do not use, or files "
                    "that are not Coq's (OCaml plugins), and they may change what the file "
                    "means"
                )
    return None


def _project_folders(
    source: str | None, installed: Path | None
) -> Iterator[tuple[Path, list[Path]]]:
    """Each folder a plain coqc of ``source`` may run in (:func:`_checked_folders`), with
    its :func:`project_roots`."""
    for folder in _checked_folders(source, installed):
        yield folder, project_roots(folder)


def _checked_folders(source: str | None, installed: Path | None) -> Iterator[Path]:
    """Each folder a plain coqc of ``source`` may run in, not inside Coq's installed
    folder."""
    if source is None:
        return
    for folder in file_folders(source)[1]:
        if installed is None or not folder.resolve().is_relative_to(installed):
            yield folder


def _project_tokens(root: Path) -> list[str] | str | None:
    """The words of ``root``'s ``_CoqProject`` (comments out), None without one, or why it
    cannot be read.

    Read only where every reader agrees: printable ASCII, blanks and line breaks, and no
    quote or backslash. Coq's own lexer knows only ``"`` quotes, a shell-style split also
    ``'`` (red-team round 106 hid ``-arg -ri -arg Coq.Bool.Bool`` inside ``a'b ... #'``,
    one quoted word to a shell-style reading and options to coq_makefile), so a file that
    needs either is refused; a ``#`` starts a comment wherever it stands, as in Coq's."""
    path = root / "_CoqProject"
    if not os.path.lexists(path):
        return None
    try:
        text = path.read_bytes().decode("ascii")
    except (OSError, UnicodeDecodeError) as exc:
        return f"the project file {str(path)!r} cannot be read ({exc})"
    unread = _UNREAD_PROJECT_TEXT.search(text)
    if unread is not None:
        return (
            f"the project file {str(path)!r} holds {unread.group()!r} (quotes, backslashes "
            "and control characters are read differently by coq_makefile and other readers)"
        )
    words = [word for line in text.splitlines() for word in line.split("#", 1)[0].split()]
    unsafe = next((word for word in words if not _PROJECT_WORD.fullmatch(word)), None)
    if unsafe is not None:
        return (
            f"the project file {str(path)!r} holds the word {unsafe!r}: coq_makefile writes "
            "file names into shell commands unquoted, so a word may only hold letters, "
            "digits, '_', '.', '/' and '-'"
        )
    return words


def _project_options(root: Path, reserved: frozenset[str]) -> list[str] | str:
    """The options of ``root``'s ``_CoqProject`` beyond the load path and documentation
    ones, and the mappings to a logical name that starts with a ``reserved`` one (a list,
    empty when there are none), or why it cannot be read."""
    tokens = _project_tokens(root)
    if tokens is None or isinstance(tokens, str):
        return tokens or []
    unknown, index = [], 0
    while index < len(tokens):
        token = tokens[index]
        arguments = _LOAD_PATH_OPTIONS.get(token, _DOCUMENTATION_OPTIONS.get(token))
        if (token.startswith("-") and arguments is None) or (
            not token.startswith("-") and not _inside(root, token)
        ):
            unknown.append(token)  # an option, a file that is not Coq's (OCaml: a plugin),
            arguments = 0  # or one outside the project's tree, which the walk does not see
        elif (
            token in _LOAD_PATH_OPTIONS
            and index + 2 < len(tokens)
            and tokens[index + 2].split(".")[0] in reserved
        ):
            unknown.append(f"{token} {tokens[index + 1]} {tokens[index + 2]}")
        index += 1 + (arguments or 0)
    return unknown


def _inside(root: Path, listed: str) -> bool:
    """Whether ``listed`` (a file word of ``root``'s ``_CoqProject``) is a ``.v`` file inside
    ``root``'s tree, which the walk reads."""
    return listed.endswith(".v") and (root / listed).resolve().is_relative_to(root.resolve())


def _mapped_folders(root: Path) -> list[Path]:
    """The folders ``root``'s ``_CoqProject`` maps (``-R``, ``-Q``), relative to it."""
    tokens = _project_tokens(root)
    if tokens is None or isinstance(tokens, str):
        return []
    return [
        root / tokens[index + 1]
        for index, token in enumerate(tokens[:-1])
        if token in _LOAD_PATH_OPTIONS
    ]


def _first_library(root: Path, names: set[str], own: Path, reserved: frozenset[str]) -> str | None:
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
            setting = _build_setting(entry.name, path, reserved, file=entry.is_file())
            if setting is not None:
                return setting
            if entry.name in names and path.resolve() != own.resolve():
                return (
                    f"the project below {str(root)!r} holds {str(path)!r}, a library a "
                    "project build (-R) may load for the file's Require before the installed "
                    "one, which the prover's compiles use"
                )
            if entry.is_dir():  # follows links: a linked folder is mapped too
                pending.append(path)
    return None


def _build_setting(name: str, path: Path, reserved: frozenset[str], *, file: bool) -> str | None:
    """Why the entry ``name`` at ``path`` (a ``file`` or a folder) may give coqc options or
    libraries the prover's compiles do not use, or None: what the make build may read as
    make code (:data:`_MAKE_INPUT`), or a dune file that does more than name a theory
    (:func:`~prover.backends.coq.dune_files.dune_file_problem`)."""
    stem = name[:-3]
    shell_copy = name.endswith(".sh") and (
        "." in stem or _MAKE_PREREQUISITE.search(stem) or path.with_name(stem).exists()
    )  # a file with a suffix (round 115's Bool.vo.sh), one the build needs, or a sibling
    if _MAKE_INPUT.search(name) or shell_copy:
        return (
            f"the project holds {str(path)!r}, which the project's make build reads as make "
            "code (coq_makefile's local settings or dependencies), and which may give coqc "
            "options that change what the file means"
        )
    return dune_file_problem(path, reserved) if file and name in _DUNE_FILES else None
