"""The characters untrusted Coq text may hold: the checks and Coq's lexer read them alike."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata

import pytest

from prover.backends.coq.characters import (
    SUPERSCRIPT_DIGITS,
    character_problem,
    spaced_superscripts,
)


@pytest.mark.parametrize(
    "text",
    [
        "Theorem t : forall x : nat, x <= x.",
        "Theorem σ_pos (h₀ : 0 < σ) : ∀ x : ℝ, x² ≥ 0 → True.",
        "Lemma é' : 1 = 1.\n\tProof.\r\n",
        'Notation "x ²" := (x * x) (at level 1).',
        "Definition x½ := 0.",
    ],
)
def test_text_of_agreeing_characters_passes(text: str) -> None:
    """ASCII, Latin/Greek letters, h₀, ℝ, superscripts and symbols are admitted."""
    assert character_problem(text) is None


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Lemma bad\u1dc0 : 1 = 2.", "U+1DC0 (COMBINING DOTTED GRAVE ACCENT) on line 1"),
        ("Lemma a : True.\nexact\u00a0I.", "U+00A0 (NO-BREAK SPACE) on line 2"),
        ("exact (I\u200d).", "U+200D (ZERO WIDTH JOINER)"),
        ("Definition \U0001d53d := 0.", "U+1D53D (MATHEMATICAL DOUBLE-STRUCK CAPITAL F)"),
        ("Definition \u1c90 := 0.", "U+1C90 (GEORGIAN MTAVRULI CAPITAL LETTER AN)"),
        ("Definition a\u1ffc := 0.", "U+1FFC"),
        ("Definition x := \u2080with.", "may only continue a name"),
        ("idtac\x00.", "control characters are not allowed"),
    ],
)
def test_a_character_the_checks_could_misread_is_refused_by_name(text: str, named: str) -> None:
    """Combining marks, other spaces, format characters, other scripts: refused, named."""
    problem = character_problem(text)
    assert problem is not None and named in problem


def test_superscripts_are_spaced_from_words_outside_strings() -> None:
    """`a²` and `²with` become `a ²` and `² with` (Coq's tokens); strings are kept as written."""
    assert spaced_superscripts("a² + (b)² = n ²with") == "a ² + (b)² = n ² with"
    assert spaced_superscripts('Notation "x²y" := (x²y).') == 'Notation "x²y" := (x ² y).'
    once = spaced_superscripts("x²³ + y¹'")
    assert once == "x ² ³ + y ¹ '" and spaced_superscripts(once) == once


def _allowed_non_ascii() -> tuple[list[str], list[str]]:
    """The non-ASCII characters admitted: (identifier characters, word boundaries)."""
    identifier, boundary = [], []
    for code_point in range(0xA0, 0x10000):
        character = chr(code_point)
        if 0xD800 <= code_point <= 0xDFFF or character_problem(f"a{character}") is not None:
            continue
        if character in SUPERSCRIPT_DIGITS or unicodedata.category(character)[0] in "SP":
            boundary.append(character)
        else:
            identifier.append(character)
    return identifier, boundary


def _defined_by_coqtop(names: list[str]) -> set[str]:
    script = "".join(f"Definition {name} := 0.\n" for name in names)
    completed = subprocess.run(
        ["coqtop", "-quiet"], input=script.encode(), capture_output=True, timeout=300, check=False
    )
    output = completed.stdout.decode("utf-8", errors="replace")
    return set(re.findall(r"(?:^|Coq < )(\S+) is defined", output, re.MULTILINE))


@pytest.mark.coq
@pytest.mark.skipif(shutil.which("coqtop") is None, reason="coqtop not installed")
def test_coqs_lexer_agrees_with_python_on_every_admitted_character() -> None:
    """Real coqtop: each admitted letter continues a name (`a<c>b`), no admitted symbol does.

    The agreement `character_problem` relies on, measured against the installed Coq over
    every admitted character of the Basic Multilingual Plane.
    """
    identifier, boundary = _allowed_non_ascii()
    assert len(identifier) > 1000 and len(boundary) > 4000
    names = [f"a{character}b" for character in identifier + boundary]
    defined = _defined_by_coqtop(names)
    assert all(re.fullmatch(r"\w", character) for character in identifier)
    assert [c for c in identifier if f"a{c}b" not in defined] == []
    assert all(re.fullmatch(r"\w", c) is None for c in boundary if c not in SUPERSCRIPT_DIGITS)
    assert [c for c in boundary if f"a{c}b" in defined] == []
