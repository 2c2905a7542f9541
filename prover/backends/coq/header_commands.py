"""Header commands whose effect reaches outside Coq's logic: the files and programs around it.

The verifier compiles the checked file in a private directory and reads what coqc leaves
there (the term and assumption prints, the ``.vo`` coqchk checks). A header is the user's
own text, trusted for what it states, but nothing in it may move or replace those files,
or the checks read something else than what coqc checked. Two ways were found:

* **``Cd``** changes Coq's working directory, where ``Redirect`` and the ``.vo`` are written
  (red-team round thirty: decoy prints written first, then ``Cd "/tmp".``; the term reading
  read the decoys and passed a ``fix`` literal; only the ``.vo`` landing in ``/tmp`` too
  stopped it). Refused as a command, after any control prefix or attribute, or anywhere
  after a ``..`` (where Coq may end a sentence this split does not); a name ``Cd`` (Flocq's
  ``Hypothesis Cd``) is no command.
* **An option set to a string** may be a program a plugin runs: CoqHammer's ``Set Hammer
  PredictPath "..."`` is the shell command its ``predict`` and ``hammer`` tactics run (round
  thirty-one ran a script from a header lemma's proof that swapped the verifier's directory
  for one holding a harmless copy of the file, and ``1 = 2`` counted through ``prove
  --file``). A ``Set``/``Unset``/``Add``/``Remove``/``Test`` sentence (or one after a
  ``..``) that writes a string must name one of :data:`STRING_OPTIONS`, the string options
  the ten installed libraries set (``Warnings``, ``Default Proof Using``, ...); any other is
  refused (fail closed). That includes ``Add ML Path "DIR"`` and ``Add LoadPath "DIR"``,
  through which ``Declare ML Module`` could load a plugin from anywhere (no library uses
  them); without them it loads installed plugins and any in the folder coqc runs in,
  which the prover's compiles (private folders) and a ``--file``'s folder check
  (:func:`~prover.backends.coq.library_paths.folder_plugin_refusal`, round eighty-three)
  keep out.
* **A command writing a file the header names**: ``Print Universes ... "PATH"`` writes
  exactly that path (one ``u < v ;`` line per constraint, the names the header's own),
  ``Redirect "/abs/x"`` writes ``x.out`` anywhere, ``Extraction "PATH"``, ``Separate
  Extraction``, ``(Recursive) Extraction Library`` write ``.ml`` files and ``Extraction
  TestCompile`` runs the OCaml compiler. Round thirty-two wrote a shell script over
  CoqHammer's installed ``predict`` (which its ``predict`` tactic runs through the shell) and
  had it start a process that rewrote the assumptions print once coqc had written it. So a
  ``Print`` command may write no string, a ``Redirect`` file name must be a plain name in the
  working directory (no ``/``, ``\\`` or leading ``.``), and those extraction commands are
  refused.

* **A plugin named by a path**: ``Declare ML Module "sub/x:lib"`` (or an absolute path)
  makes coqc look the file up on its ML load path, which starts with the folder it runs in:
  a plain coqc in the user's folder loads ``./sub/x.cmxs``, the prover's private folders
  resolve the same relative path under Coq's installed folders or not at all (red-team
  round eighty-five loaded ``coq-core/plugins/rtauto/rtauto_plugin`` from a subfolder of
  the user's, which planted a poisoned micromega cache). Each string of a ``Declare ML
  Module`` must be a bare legacy name (``rtauto_plugin:coq-core.plugins.rtauto``) or a
  findlib name (``coq-hammer.plugin``), as every installed library's are.

Requests cannot write either (their settings are a short list without strings, and ``Cd``
is a forbidden word); generator tactics cannot write commands at all.
"""

from __future__ import annotations

import re

from prover.backends.coq.text import (
    STRING_LITERAL,
    CoqTextError,
    Sentence,
    code_without_strings,
    strip_comments,
)

__all__ = ["STRING_OPTIONS", "folder_output_refusal", "outside_effect_refusal"]

STRING_OPTIONS = frozenset(
    {
        "Warnings",
        "Default Proof Using",
        "Search Blacklist",
        "Bullet Behavior",
        "Default Proof Mode",
        "Default Goal Selector",
    }
)
"""The options a header may set to a string: those the installed libraries set (Coq's own
behaviour, no program and no file)."""

#: Control prefixes and legacy attributes a command may follow (strings blanked to "").
_PREFIXES = (
    r"^(?:(?:#\[[^\]]*\]|(?:Time|Instructions|Fail|Succeed|Redirect|Timeout|Local|Global"
    r"|Export|Polymorphic|Monomorphic|Program|Cumulative|NonCumulative|Private)(?![\w'])"
    r"|\d[\w']*|\"\")\s*)*"
)
_CHANGES_DIRECTORY = re.compile(_PREFIXES + r"Cd(?![\w'])")
_OPTION_COMMAND = re.compile(_PREFIXES + r"(?:Set|Unset|Add|Remove|Test)(?![\w'])\s*")
_PRINT_COMMAND = re.compile(_PREFIXES + r"Print(?![\w'])")
_WRITING_EXTRACTION = re.compile(
    _PREFIXES
    + r"(?:Separate\s+Extraction|(?:Recursive\s+)?Extraction\s+(?:Library|TestCompile|\"\"))"
    r"(?![\w'])"
)
#: Where a command may start after a ``..``: a capitalised word (prefixes included).
_WORD_START = re.compile(r"(?<![\w'])(?=[A-Z])")
_REDIRECT = re.compile(r"(?<![\w'])Redirect\s*$")
_PLAIN_FILE_NAME = re.compile(r'"[^/\\."][^/\\]*"')
_DECLARES_PLUGIN = re.compile(r"(?<![\w'])Declare\s+ML\s+Module(?![\w'])")
#: A plugin named without a path: legacy ``file:findlib.name`` or a findlib name.
_PLUGIN_NAME = re.compile(r'"(?:[\w-]+:[\w-]+(?:\.[\w-]+)*|[\w-]+(?:\.[\w-]+)+)"', re.ASCII)


def outside_effect_refusal(sentences: list[Sentence], what: str) -> tuple[str, int] | None:
    """Why a sentence of ``sentences`` may act on the verifier's files or run a program,
    and where it starts; None when none does."""
    for sentence in sentences:
        code = code_without_strings(sentence.text).strip()
        for command in _command_texts(code):
            if _CHANGES_DIRECTORY.match(command):
                return (
                    f"{what} changes Coq's working directory with Cd: the verification's "
                    "prints and compiled file would be written elsewhere",
                    sentence.start,
                )
            written = _written_file(command)
            if written is not None:
                return (
                    f"{what} writes {written}: a header may not write files outside the "
                    "verification's working directory",
                    sentence.start,
                )
            option = _string_option(command)
            if option is not None:
                return (
                    f"{what} sets the option {option!r} to a string: a plugin may run it as "
                    f"a program (only {', '.join(sorted(STRING_OPTIONS))} may be set to "
                    "strings)",
                    sentence.start,
                )
        plugin = _plugin_path(sentence.text, code)
        if plugin is not None:
            return (
                f"{what} declares the plugin {plugin} by a path: a plain coqc loads it from "
                "the folder it runs in, the prover's compiles from elsewhere",
                sentence.start,
            )
        redirect = _redirect_outside(sentence.text, code)
        if redirect is not None:
            return (
                f"{what} writes the Redirect file {redirect}: a header may not write files "
                "outside the verification's working directory",
                sentence.start,
            )
    return None


_REDIRECT_WORD = re.compile(r"(?<![\w'])Redirect(?![\w'])")


def folder_output_refusal(file_text: str) -> str | None:
    """Why the user's file (``prove --file``) may read otherwise in its own folder than in
    the prover's private ones, through a ``Redirect``, or None.

    ``Redirect "p" C`` opens ``p.out`` in the folder coqc runs in before it runs ``C``, so it
    fails where that folder holds a ``p.out`` it cannot write (a folder of that name), and
    ``Fail`` carries the difference on: Coq 8.16 numbers universes from a counter that
    ``Fail`` does not undo, and those numbers enter the hashes by which ``lia`` orders its
    side facts (round 125). Red-team round 126's header ran ``Fail Redirect "probe" Check
    (Type : nat).`` and read ``b = true`` in the prover's folders and ``false`` beside a
    folder ``probe.out``, and ``t : b = true`` was recorded proved. The prover cannot
    replay the user's folder, so a file using ``Redirect`` is refused (no installed library
    does; requests may not use it at all)."""
    try:
        code = code_without_strings(file_text)
    except CoqTextError:
        return "the file cannot be read to look for Redirect"
    if _REDIRECT_WORD.search(code) is None:
        return None
    return (
        "the file uses Redirect, whose output file its own folder may hold so that Coq "
        "cannot open it, and what the header reads may then differ from the prover's "
        "private folders (red-team round 126)"
    )


def _command_texts(code: str) -> list[str]:
    """``code`` (strings blanked), and when it holds a ``..``, each tail of it from a word
    after the ``..``: Coq may end a sentence inside a ``..`` (a notation token ending in
    ``.``) and start a command there, which this split does not see."""
    ellipsis = code.find("..")
    if ellipsis < 0:
        return [code]
    return [code, *(code[word.start() :] for word in _WORD_START.finditer(code, ellipsis))]


def _written_file(command: str) -> str | None:
    """What files the command at the start of ``command`` (strings blanked) writes where
    the header names them, described, or None."""
    printing = _PRINT_COMMAND.match(command)
    if printing is not None and '""' in command[printing.end() :]:
        return 'a file with a Print command (Print Universes ... "FILE")'
    if _WRITING_EXTRACTION.match(command):
        return "files with an extraction command"
    return None


def _redirect_outside(text: str, code: str) -> str | None:
    """The file name of a ``Redirect`` in sentence ``text`` (``code``: its code, strings
    blanked) that is not a plain name in the working directory, or None."""
    if "Redirect" not in code:
        return None
    stripped = strip_comments(text)
    previous = 0
    for literal in STRING_LITERAL.finditer(stripped):
        follows_redirect = _REDIRECT.search(stripped, previous, literal.start()) is not None
        if follows_redirect and not _PLAIN_FILE_NAME.fullmatch(literal.group()):
            return literal.group()[:60]
        previous = literal.end()
    return None


def _plugin_path(text: str, code: str) -> str | None:
    """A string of a ``Declare ML Module`` in sentence ``text`` (``code``: strings blanked)
    that is not a plugin name without a path (:data:`_PLUGIN_NAME`), or None."""
    if _DECLARES_PLUGIN.search(code) is None:
        return None
    for literal in STRING_LITERAL.finditer(strip_comments(text)):
        if not _PLUGIN_NAME.fullmatch(literal.group()):
            return literal.group()[:60]
    return None


def _string_option(command: str) -> str | None:
    """The option the command at the start of ``command`` (strings blanked) sets to a
    string, when it is not in :data:`STRING_OPTIONS`; None for any other command."""
    setting = _OPTION_COMMAND.match(command)
    if setting is None or '""' not in command[setting.end() :]:
        return None
    option = " ".join(command[setting.end() : command.index('""', setting.end())].split())
    return None if option in STRING_OPTIONS else option
