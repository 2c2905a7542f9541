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
  refused (fail closed).

Requests cannot write either (their settings are a short list without strings, and ``Cd``
is a forbidden word); generator tactics cannot write commands at all.
"""

from __future__ import annotations

import re

from prover.backends.coq.text import Sentence, code_without_strings

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
        option = _string_option(code) or _string_option_after_ellipsis(code, ellipsis)
        if option is not None:
            return (
                f"{what} sets the option {option!r} to a string: a plugin may run it as a "
                f"program (only {', '.join(sorted(STRING_OPTIONS))} may be set to strings)",
                sentence.start,
            )
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
