"""The library path the user's file has when the user compiles it, and text that would read
differently under the prover's paths (``prove --file``).

A plain ``coqc F.v`` compiles the user's file as the library ``F``; the prover's checked
file is that ``F`` too, or a plain ``Checked`` for a theorem without a file name (it was
``ProverCheck.Checked`` until red-team rounds 120 and 125), and its coqtop's top level is
``Top``. A qualified name
rooted at one of them is read by Coq against that path, and an absolute name beats a
module's relative one, so the same text may pick different objects in different compiles
(red-team round forty-nine proved ``Checked.x + Top.y = 2``, which the user's file
refutes). The whole-file compiles of the names check therefore use the user's own library
name (:func:`file_library`; round fifty-six branched the rest of a file on ``U1.x`` in
``U1.v``, which the names check read under a random library name), and the header and
statement, which the other compiles read too, may not write such a root
(:func:`library_path_refusal`).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path, PurePath

from prover.backends.coq.blocks import open_blocks
from prover.backends.coq.checker_runs import VERIFY_LIBRARY, VERIFY_MODULE
from prover.backends.coq.declared_names import declaring_sentences
from prover.backends.coq.environment_readings import PLUGIN_SUFFIXES, file_folders
from prover.backends.coq.header_commands import folder_output_refusal
from prover.backends.coq.own_name_paths import (
    checked_name_refusal,
    header_and_statement_codes,
    own_name_field,
)
from prover.backends.coq.project_libraries import (
    installed_names,
    project_flags_refusal,
    project_folder_refusal,
    project_library_refusal,
    project_prefix_refusal,
)
from prover.backends.coq.sentences import CoqSentence, split_for_coqtop
from prover.backends.coq.text import CoqTextError, code_without_strings
from search.errors import BackendUnavailable
from search.process import run_to_end
from search.states import Theorem

__all__ = [
    "file_library",
    "file_setting_refusal",
    "folder_plugin_refusal",
    "installed_library_root",
    "library_path_refusal",
    "qualified_name_guards",
    "request_name_refusal",
    "required_words",
    "sibling_library_refusal",
]

#: The paths the file's top level has in the prover's compiles: the checked file's
#: (``ProverCheck.Checked``) and the search's coqtop (``Top``).
_COMPILE_ROOTS = (VERIFY_LIBRARY, VERIFY_MODULE, "Top")
#: The first part of a qualified name (``Top`` in ``Top.y``, and ``Nat .add``, which Coq's
#: lexer reads as ``Nat.add``: red-team round sixty-three), in code without comments and
#: strings; a ``.`` ending a sentence is followed by a blank, never by a letter. Identifiers
#: start with any letter or ``_`` (round fifty wrote ``Checked.αx``), as Coq's lexer reads.
#: A name starts where no letter, dot or in-name quote precedes (a pattern binder's quote
#: may: ``let 'Datatypes.pair``, round sixty-four; so may a number: Coq reads ``1Nat.add``
#: as ``1`` then ``Nat.add``, round sixty-five), tried at every such place, overlapping
#: (``x1Nat.add`` is read whole and from ``Nat``, which only asks more).
_QUALIFIED_ROOT = re.compile(r"(?<![^\W\d])(?<!\.)(?<!\w')(?=([^\W\d][\w']*)\s*\.[^\W\d])")
#: From every field token on (a dot right before a name's first letter: Coq lexes every
#: part after a qualified name's first as one, whatever precedes the first part), the
#: parts that follow (``.Nat.add`` and ``.add`` in ``Init.Nat.add``), overlapping: what
#: Coq's guards are asked about, which needs no reading of where the name starts (rounds
#: sixty-three to sixty-five each found a start the root reading missed).
_FIELD_CHAIN = re.compile(r"(?=((?:\.[^\W\d][\w']*)(?:\s*\.[^\W\d][\w']*)*))")
#: The root and the next part of a qualified name (``Nat`` and ``add`` in ``Nat.add``).
_QUALIFIED_TAIL = re.compile(r"(?<![^\W\d])(?<!\.)(?<!\w')(?=([^\W\d][\w']*)\s*\.([^\W\d][\w']*))")
_LIBRARY_NAME = re.compile(r"[^\W\d][\w']*")
_REQUIRE = re.compile(r"(?<![\w'])Require(?![\w'])")


def file_library(source: str | None) -> str | None:
    """The library name a plain ``coqc`` gives the file at ``source`` (its name without
    ``.v``), or None if that is not a Coq identifier (``coqc`` would refuse the file)."""
    if source is None:
        return None
    stem = PurePath(source).stem
    return stem if _LIBRARY_NAME.fullmatch(stem) else None


#: What coqc loads for ``Require X`` from a folder bound to a logical path: the compiled
#: library (also a ``.vio``, which coqc 8.16 loads when there is no ``.vo`` or it is newer:
#: red-team round 115; and ``.vos``/``.vok``); its source counts too, since building the
#: project makes one of it.
_LIBRARY_SUFFIXES = (".vo", ".v", ".vio", ".vos", ".vok")


def sibling_library_refusal(source: str | None, file_text: str) -> str | None:
    """Why a plain ``coqc`` of the user's file, run in its folder, may load other libraries
    than the prover's compiles, or None. ``coqc F.v`` binds the folder it runs in (not the
    folders below it) to the empty logical path, so a compiled ``Bool.vo`` beside the file
    takes ``Require Import Bool.`` from the installed ``Coq.Bool.Bool``, while every
    compile of the prover runs in a private folder that holds none (red-team round
    fifty-seven made ``negb`` the identity and proved ``negb true = false``). Refused: a
    library in the folder (compiled, or a source that building the project compiles) whose
    name is a word of one of the file's ``Require`` sentences; an entry of that name that is
    a symbolic link counts even if it leads nowhere from the prover's working folder (coqc
    follows it from its own: round eighty-three linked ``Bool.vo`` through
    ``/proc/self/cwd``). The folder is the one the path names and, for a symbolic link, also
    the one it leads to (round fifty-eight linked the file from the project's folder into a
    clean one). A file inside Coq's installed library folder is exempt: its neighbours are
    the installed libraries."""
    if source is None:
        return None
    named, folders = file_folders(source)
    root = installed_library_root()
    required = required_words(file_text)
    for folder in folders:
        if root is not None and folder.resolve().is_relative_to(root):
            continue
        # Looked up by name, not listed: a folder that cannot be listed may still be read.
        shadowing = sorted(
            candidate
            for word in required
            for suffix in _LIBRARY_SUFFIXES
            if (candidate := f"{word}{suffix}") != named.name
            and os.path.lexists(folder / candidate)  # a link, even dangling (round 83)
        )
        if shadowing:
            return (
                f"the folder {str(folder)!r} holds libraries the file may require "
                f"({', '.join(shadowing)}): a plain coqc there loads them before the installed "
                "ones, which the prover's compiles use"
            )
    return None


def folder_plugin_refusal(source: str | None) -> str | None:
    """Why a plain ``coqc`` of the file ``source``, run in its folder, may load an OCaml
    plugin from that folder, or None. coqc's ML load path starts with the folder it runs
    in, and Coq's own libraries declare their plugins by file name (``Declare ML Module
    "rtauto_plugin:coq-core.plugins.rtauto"``, the prelude's ``ltac_plugin``), so a
    ``rtauto_plugin.cmxs`` beside the file runs in the user's coqc, not in the prover's
    compiles, which run in private folders (red-team round eighty-three's plugin planted a
    poisoned micromega cache while ``Require Import Rtauto.`` loaded it). Refused: any
    ``.cmxs``, ``.cma`` or ``.cmo`` entry in the folder the path names or the one a link
    leads to (and any compiled OCaml file, ``.cmi``, ``.cmx``, ``.cmxa``, ``.a``, ``.o``,
    ``.so``, which the native compiler, run in that folder, reads before Coq's), and a folder
    that cannot be listed. Coq's installed library folder is exempt (its plugins are the
    installed ones)."""
    if source is None:
        return None
    _, folders = file_folders(source)
    root = installed_library_root()
    for folder in folders:
        if root is not None and folder.resolve().is_relative_to(root):
            continue
        try:
            plugins = sorted(e.name for e in os.scandir(folder) if e.name.endswith(PLUGIN_SUFFIXES))
        except FileNotFoundError:
            continue  # no folder: nothing for coqc to load from it
        except OSError as exc:
            return (
                f"the folder {str(folder)!r} cannot be listed ({exc.strerror or exc}), and a "
                "plain coqc there may load OCaml plugins from it"
            )
        if plugins:
            return (
                f"the folder {str(folder)!r} holds OCaml plugins or compiled OCaml files "
                f"({', '.join(plugins[:3])}{' ...' if len(plugins) > 3 else ''}): a plain coqc "
                "there loads them before the installed ones, which the prover's compiles use"
            )
    return None


@functools.lru_cache(maxsize=1)
def installed_library_root() -> Path | None:
    """Coq's installed library folder (``coqc -where``), or None if coqc cannot say."""
    coqc = shutil.which("coqc")
    if coqc is None:
        return None
    try:
        status, stdout, _ = run_to_end([coqc, "-where"], timeout_s=30)
    except (OSError, subprocess.TimeoutExpired, BackendUnavailable):
        return None
    where = stdout.decode("utf-8", "replace").strip()
    return Path(where).resolve() if status == 0 and where else None


def required_words(file_text: str) -> set[str]:
    """Every identifier of the file's sentences that hold ``Require`` (all of them when the
    file cannot be split: fail closed)."""
    try:
        sentences = [sentence.code for sentence in split_for_coqtop(file_text)]
    except CoqTextError:
        sentences = [file_text]
    return {
        word for code in sentences if _REQUIRE.search(code) for word in _LIBRARY_NAME.findall(code)
    }


#: Names Coq makes up from a declared one: an inductive's schemes, a record's constructor,
#: an anonymous instance's name; the declared name is what the header's sentences write.
_MADE_UP = re.compile(
    r"^(?:Build_(?P<record>.+)|(?P<base>.+?)(?:_ind|_rect|_rec|_sind|_instance_\d+))$"
)


def request_name_refusal(theorem: Theorem) -> str | None:
    """Why a theorem not read from a file (a request, a benchmark's) may mean one thing to
    the prover and another in the user's file, or None. Its file's name is unknown, and a
    plain ``coqc R.v`` reads ``R.x`` as the file's own ``x`` when the header declares one
    at its top level: red-team round sixty sent ``Definition add (a b : nat) := 0.`` and
    ``Nat.add 1 1 = 2`` to ``/search``, proved as the standard ``1 + 1 = 2`` and refuted in
    a file ``Nat.v``. Refused: a qualified name ``R.x...`` whose ``x`` (or the name a made-up
    ``x`` comes from: ``x_ind``, ``Build_x``, ``x_instance_0``, a ``Goal``'s
    ``Unnamed_thm``) a sentence of the header outside its modules declares (a module's
    names and what this reading misses are left to Coq: :func:`qualified_name_guards`)."""
    if theorem.file_text is not None:
        return None  # the file's own name is known: :func:`library_path_refusal`
    try:
        sentences = _top_level(theorem.header)
        codes = [code_without_strings(text) for text in (theorem.header, theorem.statement)]
    except CoqTextError:
        return None  # unreadable text is refused by the sentence reading
    goals = any(re.match(r"(?:#\[[^\]]*\]\s*)*Goal(?![\w'])", s.code) for s in sentences)
    for code in codes:
        for match in _QUALIFIED_TAIL.finditer(code):
            root, name = match.group(1), match.group(2)
            made_up = _MADE_UP.match(name)
            declared = [name, *(part for part in made_up.groups() if part)] if made_up else [name]
            if any(declaring_sentences(sentences, word) for word in declared) or (
                goals and name.startswith("Unnamed_thm")
            ):
                return (
                    f"{root}.{name} is read as the installed library's, but in a file named "
                    f"{root}.v it would be the header's own {name!r}: the header may not "
                    f"declare {name!r} and write {root}.{name}"
                )
    return None


def _top_level(header: str) -> list[CoqSentence]:
    """The sentences of ``header`` outside every module (inside sections too: they add
    nothing to a name's path), where a declaration is the file's own ``x`` under
    ``R.x``; a name declared in a module ``M`` is ``R.M.x``, which Coq's guards ask about."""
    return [
        sentence
        for sentence in split_for_coqtop(header)
        if not any(
            block.module or block.functor or block.signature
            for block in open_blocks(header[: sentence.offset])
        )
    ]


def qualified_name_guards(header: str, statement: str, library: str) -> list[str]:
    """For a theorem not read from a file, the sentences placed right before its statement
    in the checked file (``library`` being that file's) that fail unless the header leaves
    nothing under any path ``a``, ``a.b``, ... of a qualified name ``R.a.b...`` the header
    or statement writes (no term, no module, no universe: ``Type@{X.u}`` reached the
    header's top-level ``u`` in a file ``X.v``, round sixty-six; found from its field
    tokens, so also the tails ``b``, ``b.c`` of each, which only asks more): Coq's own
    answer to what
    :func:`request_name_refusal` reads from the text, which misses names a record field
    with binders declares (red-team round sixty-one: ``Class C := { add {A : Type} : ...
    }`` and ``Nat.add 1 1 = 2``), names starting with a non-ASCII letter, and the names Coq
    makes up. Every path counts, not only the first part: a module the header leaves open
    is no module yet where the guards run, but its constants are (round sixty-two:
    ``Module Export Nat. Definition add ...`` and ``Init.Nat.add 1 1 = 2``, which a file
    ``Init.v`` reads as the header's)."""
    paths: list[str] = []
    for text in (header, statement):
        try:
            code = code_without_strings(text)
        except CoqTextError:
            continue  # unreadable text is refused by the sentence reading
        for match in _FIELD_CHAIN.finditer(code):
            parts = [part.strip() for part in match.group(1).split(".")[1:]]
            paths.extend(".".join(parts[: index + 1]) for index in range(len(parts)))
    return [
        sentence
        for path in dict.fromkeys(paths)
        for sentence in (
            f"Fail Check {library}.{path}.",
            f"Fail Print {library}.{path}.",  # an abbreviation with parameters too
            f"Fail Print Module {library}.{path}.",
            f"Fail Check Type@{{{library}.{path}}}.",  # a universe (round sixty-six)
        )
    ]


def file_setting_refusal(source: str | None, file_text: str) -> str | None:
    """Why a build of the user's file ``source`` (text ``file_text``) in its folder or its
    project may load a library, plugin, cache or option the prover's compiles do not, or
    None: a library beside the file or in its project that a ``Require`` word names, an
    OCaml plugin in its folder, a project's options, make inputs or dune rules, and a
    project root holding a cache or plugin (rounds 57, 83 and 105 to 119), and a
    ``Redirect``, whose output file the folder may make fail (round 126)."""
    installed = installed_library_root()
    return (
        sibling_library_refusal(source, file_text)
        or folder_output_refusal(file_text)
        or folder_plugin_refusal(source)
        or project_prefix_refusal(source, installed)
        or project_library_refusal(source, required_words(file_text), installed)
        or project_flags_refusal(source, installed)
        or project_folder_refusal(source, installed)
    )


def _own_name_refusal(theorem: Theorem) -> str | None:
    """Why the checked file's library name (a request's named file, a ``--file``'s name,
    or ``Checked`` for a theorem with neither) may not be used: a name starting with the
    verifier's, one the header's qualified names reach
    (:func:`~prover.backends.coq.own_name_paths.own_name_field`), or one the checks cannot
    tell apart (:func:`~prover.backends.coq.own_name_paths.checked_name_refusal`)."""
    own = theorem.file_name
    if own is None and theorem.file_text is not None:
        own = file_library(theorem.source)
    if own is None:  # the checked file's (round 125): a plain Checked.v
        own = VERIFY_MODULE
    if own.startswith(VERIFY_LIBRARY):
        return (
            f"the file's name {own!r} starts with {VERIFY_LIBRARY}, which the verifier "
            "reserves for its own names"
        )
    installed = installed_library_root()
    return own_name_field(theorem, own, installed) or checked_name_refusal(
        theorem, own, installed_names(installed)
    )


def library_path_refusal(theorem: Theorem) -> str | None:
    """Why the header or statement may mean one thing to the prover and another to the
    user's ``coqc``, or None: a qualified name whose first part is a path the file's own
    top level has in one compile (``Checked.x``, ``Top.y``, ``F.x`` in ``F.v``). For a
    theorem read from a file, its library name counts too, and so does a later part of
    a qualified name equal to it (:func:`~prover.backends.coq.own_name_paths.own_name_field`)."""
    roots = set(_COMPILE_ROOTS)
    request = request_name_refusal(theorem)
    if request is not None:
        return request
    field = _own_name_refusal(theorem)
    if field is not None:
        return field
    if theorem.file_name is not None:  # a request's file, which the names check compiles
        roots.add(theorem.file_name)
    if theorem.file_text is not None:
        library = file_library(theorem.source)
        if library is None:
            return (
                f"the file's name {theorem.source!r} is not one a plain coqc compiles (its "
                "name without .v must be a Coq identifier), so what its names mean is unknown"
            )
        roots.add(library)
        sibling = file_setting_refusal(theorem.source, theorem.file_text)
        if sibling is not None:
            return sibling
    for what, code in header_and_statement_codes(theorem):
        for match in _QUALIFIED_ROOT.finditer(code):
            if match.group(1) in roots:
                return (
                    f"{what} writes a qualified name starting with {match.group(1)!r}, a "
                    "library path the file itself has in one of the compiles (the checked "
                    f"file's {VERIFY_LIBRARY}.{VERIFY_MODULE}, the search's Top, the user's "
                    "coqc), where it would name different things"
                )
    return None
