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
  them); without them it loads installed plugins only.
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

Requests cannot write either (their settings are a short list without strings, and ``Cd``
is a forbidden word); generator tactics cannot write commands at all.
"""

from __future__ import annotations

import re

from prover.backends.coq.text import STRING_LITERAL, Sentence, code_without_strings, strip_comments

__all__ = ["STRING_OPTIONS", "outside_effect_refusal"]

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
_CD_WORD = re.compile(r"(?<![\w'])Cd(?![\w'])")
_OPTION_COMMAND = re.compile(_PREFIXES + r"(?:Set|Unset|Add|Remove|Test)(?![\w'])\s*")
_OPTION_WORD = re.compile(r"(?<![\w'])(?:Set|Unset|Add|Remove|Test)(?![\w'])")
_PRINT_COMMAND = re.compile(_PREFIXES + r"Print(?![\w'])")
_WRITING_EXTRACTION = re.compile(
    _PREFIXES
    + r"(?:Separate\s+Extraction|(?:Recursive\s+)?Extraction\s+(?:Library|TestCompile|\"\"))"
    r"(?![\w'])"
)
_REDIRECT = re.compile(r"(?<![\w'])Redirect\s*$")
_PLAIN_FILE_NAME = re.compile(r'"[^/\\."][^/\\]*"')


def outside_effect_refusal(sentences: list[Sentence], what: str) -> tuple[str, int] | None:
    """Why a sentence of ``sentences`` may act on the verifier's files or run a program,
    and where it starts; None when none does."""
    for sentence in sentences:
        code = code_without_strings(sentence.text).strip()
        ellipsis = code.find("..")
        if _CHANGES_DIRECTORY.match(code) or (
            ellipsis >= 0 and _CD_WORD.search(code, ellipsis) is not None
        ):
            return (
                f"{what} changes Coq's working directory with Cd: the verification's prints "
                "and compiled file would be written elsewhere",
                sentence.start,
            )
        written = _written_file(sentence.text, code) or _written_after_ellipsis(code, ellipsis)
        if written is not None:
            return (
                f"{what} writes {written}: a header may not write files outside the "
                "verification's working directory",
                sentence.start,
            )
        option = _string_option(code) or _string_option_after_ellipsis(code, ellipsis)
        if option is not None:
            return (
                f"{what} sets the option {option!r} to a string: a plugin may run it as a "
                f"program (only {', '.join(sorted(STRING_OPTIONS))} may be set to strings)",
                sentence.start,
            )
    return None


def _written_file(text: str, code: str) -> str | None:
    """What file the sentence ``text`` (``code``: its code, strings blanked) writes outside
    the working directory, described, or None."""
    printing = _PRINT_COMMAND.match(code)
    if printing is not None and '""' in code[printing.end() :]:
        return 'a file with a Print command (Print Universes ... "FILE")'
    if _WRITING_EXTRACTION.match(code):
        return "files with an extraction command"
    stripped = strip_comments(text)
    previous = 0
    for literal in STRING_LITERAL.finditer(stripped):
        follows_redirect = _REDIRECT.search(stripped, previous, literal.start()) is not None
        if follows_redirect and not _PLAIN_FILE_NAME.fullmatch(literal.group()):
            return f"the Redirect file {literal.group()[:60]}"
        previous = literal.end()
    return None


def _written_after_ellipsis(code: str, ellipsis: int) -> str | None:
    """:func:`_written_file`'s command checks on each word after a ``..`` of ``code``."""
    if ellipsis < 0:
        return None
    for word in re.finditer(r"(?<![\w'])(?=[A-Z])", code[ellipsis:]):
        tail = code[ellipsis + word.start() :]
        printing = re.match(r"Print(?![\w'])", tail)
        if (printing and '""' in tail) or _WRITING_EXTRACTION.match(tail):
            return "a file with a command after a '..'"
    return None


def _string_option_after_ellipsis(code: str, ellipsis: int) -> str | None:
    """:func:`_string_option` of each option command after a ``..`` of ``code`` (where Coq
    may start a sentence this split does not), or None."""
    if ellipsis < 0:
        return None
    for word in _OPTION_WORD.finditer(code, ellipsis):
        option = _string_option(code[word.start() :])
        if option is not None:
            return option
    return None


def _string_option(code: str) -> str | None:
    """The option an option command sets to a string, when it is not in
    :data:`STRING_OPTIONS`; None for any other sentence."""
    command = _OPTION_COMMAND.match(code)
    if command is None or '""' not in code[command.end() :]:
        return None
    option = " ".join(code[command.end() : code.index('""', command.end())].split())
    return None if option in STRING_OPTIONS else option
