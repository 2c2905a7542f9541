"""Text whose reading depends on how fast, with what installation, or in which folder Coq
runs it.

A header may build a transparent definition with tactics (``Definition P : Prop. first [
... | ... ]. Defined.``): the kernel checker re-checks the term the tactics chose, not the
choice. So any tactic whose success depends on the run, not on the text, makes a statement
mention ``P`` mean one thing to the prover's compiles and another to the user's plain
``coqc``. Each such dependence found is closed here, before any process starts:

* **Time limits** (the ``timeout`` tactic, the ``Timeout`` command, ``Set Default
  Timeout``, CoqHammer's ``ptimeout``: any word holding ``timeout``, in any case): what a
  sentence under one means depends on how fast Coq runs it. Red-team round seventy-eight
  stated ``ltac:(first [ timeout 1 (...); exact (1 = 2) | exact True ])`` in a ``/search``
  request and loaded the server with other requests: the search and the check read
  ``True``, an idle coqc ``1 = 2``. Round eighty-one did the same with ``ptimeout``, which
  the whole-word rule missed. No file of the ten installed libraries has the letters.
* **Native compilation** (``native_compute``, ``native_cast_no_check``, the native cast
  ``<<:``, the ``NativeCompute`` options): whether it works depends on the installation (on
  this Debian install it always fails), and ``first`` catches its failure: round
  seventy-nine's ``first [ let x := eval native_compute in (2 + 2) in exact (1 = 2) | exact
  True ]`` was ``True`` to the prover and ``1 = 2`` to a Coq with a working native
  compiler. Round eighty-seven used the cast ``<<:`` instead, with Coq's kernel ``.cmi``
  files beside the user's file, where the OCaml compiler (run in the folder coqc runs in)
  finds them first: native compilation then worked for the user's coqc only. Only the
  Ltac2 library (refused anyway) has the words; no installed file has ``<<:``.
* **External programs**: ``psatz`` and the ``sos`` tactics call ``csdp``, which Coq's
  package does not require (round eighty-one: with ``csdp`` on this machine the prover read
  ``True``, without it a plain coqc read ``1 = 2``); CoqHammer's ``hammer``, ``predict``
  and their hooks call provers and programs under time limits, and its tactics library's
  ``best``, ``sbest`` and ``hbest`` race forked workers against a clock (round eighty-nine
  read ``first [ assert (...) by hbest; ... | ... ]`` one way under load and the other
  idle). Refused: any word holding ``psatz``, the ``[xw]sos_Z/Q/R`` tactics, CoqHammer's
  plugin tactics, ``best``, ``sbest``, ``hbest`` and ``srun`` (its plugin can be loaded
  without the library's name), and any mention of the ``Hammer`` library (a proof may still
  use them all). The goal selector ``par:`` runs the tactic in ``coqtacticworker.opt``
  processes that coqc finds on ``PATH`` (round ninety-one put one in the user's folder,
  on a ``PATH`` holding ``.``, that read a poisoned micromega cache): refused too (no
  installed file uses it). Of the ten
  installed libraries, CoRN's ``reals/fast/CRarctan.v`` uses ``psatz`` (besides
  micromega's own files).
* **Micromega's caches** (:func:`folder_caches`): ``lia``, ``nia``, ``nra`` and ``psatz``
  first look up ``.lia.cache``, ``.nia.cache``, ``.nra.cache`` and ``.csdp.cache`` in the
  folder coqc runs in (on by default: ``Test Lia Cache``), and a planted entry makes
  ``lia`` fail on a goal it proves (round eighty-one). These are not refused: the
  prover's compiles get a copy of those in the user's file's folder, so they read the file
  as a plain ``coqc`` there does.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

__all__ = [
    "MICROMEGA_CACHES",
    "PLUGIN_SUFFIXES",
    "environment_refusal",
    "file_folders",
    "folder_caches",
    "write_folder_files",
]

#: Time limits: any word holding ``timeout``, in any case (``Timeout``, ``ptimeout``).
_TIME_LIMIT = re.compile(r"[\w']*timeout[\w']*", re.IGNORECASE)
#: Native compilation, which works or fails with the installation (and with the folder coqc
#: runs in, where the OCaml compiler looks for interfaces first): the tactic, the cast
#: tactic, the native cast ``<<:`` and the ``NativeCompute`` options.
_NATIVE = re.compile(
    r"(?<![\w'])(?:native_compute|native_cast_no_check|NativeCompute)(?![\w'])|<<:"
)
#: Tactics that call a program the installation may lack (``csdp``) and CoqHammer, whose
#: tactics run provers and forked workers under time limits (``hammer``, ``best``...).
_EXTERNAL = re.compile(
    r"[\w']*psatz[\w']*|(?<![\w'])(?:[xw]?sos_[ZQR]|hammer|hammer_hook|hammer_features"
    r"|hammer_transl|predict|Hammer|best|sbest|hbest|srun)(?![\w'])|(?<![\w'])par\s*:"
)
_TIME_LIMIT_WHY = "what Coq reads under a time limit depends on how fast it runs"
_NATIVE_WHY = (
    "whether native compilation works depends on the Coq installation, so what Coq reads "
    "with it depends on where it runs"
)
_EXTERNAL_WHY = (
    "it calls a program outside Coq (csdp, CoqHammer's provers and time-limited workers, or "
    "the tactic workers of par:, found on PATH) that an installation may lack, replace or "
    "run under a time limit, so what Coq reads with it depends on where it runs"
)
#: Micromega's caches, read from the folder coqc runs in (Coq 8.16's ``persistent_cache``).
MICROMEGA_CACHES = (".lia.cache", ".nia.cache", ".nra.cache", ".csdp.cache")

#: OCaml plugin files, which coqc loads from the folder it runs in, and the compiled OCaml
#: files the native compiler, run there, reads first (round eighty-seven: kernel ``.cmi``).
PLUGIN_SUFFIXES = (".cmxs", ".cma", ".cmo", ".cmi", ".cmx", ".cmxa", ".a", ".o", ".so")


def environment_refusal(code: str, what: str) -> str | None:
    """Why what ``code`` (comments and strings out) means may depend on where or how fast
    Coq runs it (module doc), or None."""
    rules = ((_TIME_LIMIT, _TIME_LIMIT_WHY), (_NATIVE, _NATIVE_WHY), (_EXTERNAL, _EXTERNAL_WHY))
    for rule, why in rules:  # the module's rules as they are now (tests switch one off)
        found = rule.search(code)
        if found is not None:
            return f"{what} uses {found.group()!r}: {why}"
    return None


def file_folders(source: str) -> tuple[Path, list[Path]]:
    """The file ``source`` as an absolute path, and the folders a plain ``coqc`` of it may run
    in: the one the path names and, for a symbolic link, the one it leads to (round
    fifty-eight linked the file from a project's folder into a clean one)."""
    named = Path(source).absolute()
    return named, list(dict.fromkeys([named.parent, named.resolve().parent]))


def folder_caches(source: str | None) -> tuple[tuple[str, bytes], ...] | str:
    """The micromega caches a plain ``coqc`` of the file ``source`` reads in its folder, as
    (name, content) pairs for the prover's compiles to copy; or why the file is refused.

    The folder is the one the path names and, for a symbolic link, the one it leads to (as
    :func:`~prover.backends.coq.library_paths.sibling_library_refusal` reads them): if the
    two hold different caches, which one a plain coqc reads depends on where it runs, so the
    file is refused. A cache that is a symbolic link, not a regular file, or unreadable
    refuses too (fail closed)."""
    if source is None:
        return ()
    named, folders = file_folders(source)
    found: list[tuple[tuple[str, bytes], ...]] = []
    for folder in folders:
        caches = []
        for name in MICROMEGA_CACHES:
            content = _regular_file(folder / name)
            if isinstance(content, str):
                return content
            if content is not None:
                unwritable = _unwritable(folder / name)
                if unwritable is not None:
                    return unwritable
                caches.append((name, content))
        found.append(tuple(caches))
    if len(set(found)) > 1:
        return (
            f"the file's folder {str(named.parent)!r} and the folder its link leads to hold "
            "different micromega caches (.lia.cache ...): which one a plain coqc reads depends "
            "on where it runs"
        )
    return found[0]


def _regular_file(path: Path) -> bytes | str | None:
    """The content of ``path`` if it is a regular file, None if there is nothing there, or
    why it is refused: a symbolic link (a plain coqc follows it from its own working
    folder, which the prover cannot see: round eighty-three linked ``.lia.cache`` through
    ``/proc/self/cwd``), anything else that is not a regular file, or an unreadable one."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        why = "is a symbolic link" if exc.errno == errno.ELOOP else f"cannot be read ({exc})"
        return f"micromega's cache {str(path)!r} {why}, and a plain coqc in that folder reads it"
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        return (
            f"micromega's cache {str(path)!r} is not a regular file, and a plain coqc in that "
            "folder reads it"
        )
    with os.fdopen(descriptor, "rb") as file:
        return file.read()


def _unwritable(path: Path) -> str | None:
    """Why a plain coqc in the folder would not use the cache at ``path``, or None: Coq
    8.16's micromega opens its cache for appending as well as reading, and where that fails
    (permissions, an immutable file, a read-only file system) it runs without the cache,
    while the prover's compiles read their writable copy (red-team round 127: a read-only
    cache with a planted answer made ``lia`` fail only in the prover's compiles, and a header
    read ``True`` there and ``1 = 2`` in the user's). Opening it so writes nothing. The
    answer is the prover's user's; a coqc run as another user is not covered."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        return (
            f"micromega's cache {str(path)!r} cannot be opened for writing ({exc.strerror}), "
            "so a plain coqc in that folder ignores it, while the prover's copies would be read"
        )
    os.close(descriptor)
    return None


def write_folder_files(directory: Path, files: tuple[tuple[str, bytes], ...]) -> None:
    """Put the copies of the user's folder's files (:func:`folder_caches`) in ``directory``,
    where the prover's compile of the file runs."""
    for name, content in files:
        (directory / name).write_bytes(content)
