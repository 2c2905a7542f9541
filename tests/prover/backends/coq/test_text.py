"""Tests of the Coq sentence splitter (pure, plus spans checked by coqc)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from prover.backends.coq.text import (
    CoqTextError,
    SentenceKind,
    blank_comments,
    normalize_sentence,
    split_sentences,
    strip_comments,
)


def texts(source: str) -> list[str]:
    return [sentence.text for sentence in split_sentences(source)]


def test_split_keeps_qualified_names_and_decimals_inside_sentences() -> None:
    """A '.' not followed by whitespace (Nat.add, 1.5) does not end a sentence."""
    text = "Definition f (x : R) := x * 1.5 + INR (Nat.add 1 2).\nTheorem t : f 1 = 1."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Definition f (x : R) := x * 1.5 + INR (Nat.add 1 2).",
        "Theorem t : f 1 = 1.",
    ]
    assert all(s.terminated for s in sentences)
    assert all(s.kind is SentenceKind.COMMAND for s in sentences)


def test_split_offsets_point_into_the_original_text() -> None:
    """start/end are character offsets: text == source[start:end], leading comments excluded."""
    source = "(* α. *) Lemma α : True.\n  Proof. (* β. *) exact I. Qed."
    sentences = split_sentences(source)
    assert [source[s.start : s.end] for s in sentences] == [s.text for s in sentences]
    assert [s.text for s in sentences] == ["Lemma α : True.", "Proof.", "exact I.", "Qed."]
    assert sentences[0].start == source.index("Lemma")


def test_split_ignores_dots_inside_nested_comments_and_strings() -> None:
    """Dots inside nested comments and string literals (doubled-quote escape) do not end."""
    text = 'Open Scope R_scope. (* a. (* b. *) "c. *)" *) idtac "x. ""y"". z".'
    sentences = split_sentences(text)
    assert len(sentences) == 2
    assert sentences[1].text == 'idtac "x. ""y"". z".'


def test_a_comment_right_after_a_dot_ends_the_sentence() -> None:
    """'.(*' ends a sentence: attack 2 (idtac.(**)Reset t.) is several sentences."""
    assert texts("idtac.(**)Reset t.(**)Theorem t : True.(**)exact I.") == [
        "idtac.",
        "Reset t.",
        "Theorem t : True.",
        "exact I.",
    ]


def test_projections_double_dots_and_ellipsis() -> None:
    """x.(f) and '..' stay inside a sentence; '...' followed by a blank ends one."""
    assert texts("exact x.(proj1).") == ["exact x.(proj1)."]
    notation = 'Notation "[ x ; .. ; y ]" := (cons x .. (cons y nil) ..).'
    assert texts(notation) == [notation]
    assert texts("Proof with auto. intros... Qed.") == ["Proof with auto.", "intros...", "Qed."]


def test_bullets_and_braces_are_sentences_of_their_own() -> None:
    """Bullets (runs of - + *) and braces, also after a goal selector, need no '.'."""
    source = (
        "split.\n- exact I.\n-- lia.\n+*exact I.\n2: { auto. }\n[b] : {exact I. }\n{ - idtac. }"
    )
    sentences = split_sentences(source)
    assert [(s.text, s.kind.value) for s in sentences] == [
        ("split.", "tactic"),
        ("-", "bullet"),
        ("exact I.", "tactic"),
        ("--", "bullet"),
        ("lia.", "tactic"),
        ("+", "bullet"),
        ("*", "bullet"),
        ("exact I.", "tactic"),
        ("2: {", "brace"),
        ("auto.", "tactic"),
        ("}", "brace"),
        ("[b] : {", "brace"),
        ("exact I.", "tactic"),
        ("}", "brace"),
        ("{", "brace"),
        ("-", "bullet"),
        ("idtac.", "tactic"),
        ("}", "brace"),
    ]


def test_attributes_and_uppercase_sentences_are_commands() -> None:
    """'#[...]' and capitalized sentences are COMMAND; selector tactics are TACTIC."""
    kinds = [s.kind for s in split_sentences("#[local] Axiom a : False. all: lia. Qed.")]
    assert kinds == [SentenceKind.COMMAND, SentenceKind.TACTIC, SentenceKind.COMMAND]


def test_split_keeps_unterminated_tail_and_drops_comment_only_fragments() -> None:
    """A trailing fragment without '.' is kept and marked unterminated; comments alone vanish."""
    sentences = split_sentences("lia. \n intros x")
    assert [(s.text, s.terminated) for s in sentences] == [("lia.", True), ("intros x", False)]
    assert texts("lia. (* trailing comment *)\n") == ["lia."]
    assert texts("(* only *) (* comments *)") == []


@pytest.mark.parametrize(
    "text",
    ["(* open comment", 'idtac "no end.', "(* (* *) still open", '(* "*)" '],
)
def test_split_raises_on_unterminated_comment_or_string(text: str) -> None:
    """Unterminated comments and strings (also a string inside a comment) cannot be split."""
    with pytest.raises(CoqTextError):
        split_sentences(text)


def test_strip_comments_keeps_strings() -> None:
    """Comments are removed but comment markers inside strings stay."""
    assert strip_comments('a (* x (* y *) *) "(* s *)" b') == 'a   "(* s *)" b'


def test_normalize_sentence_collapses_whitespace_outside_strings() -> None:
    """normalize_sentence drops comments and collapses blanks, but not inside strings."""
    assert normalize_sentence("  intros\n x (* c *)  y .") == "intros x y."
    assert normalize_sentence('idtac "a  b".') == 'idtac "a  b".'


def _coqc_spans(source: Path, workdir: Path) -> list[tuple[int, int]]:
    """The sentence spans (character offsets) ``coqc -time`` reports for ``source``."""
    copy = workdir / "Copy.v"
    shutil.copyfile(source, copy)
    completed = subprocess.run(
        ["coqc", "-time", copy.name],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-500:]
    text = source.read_text(encoding="utf-8")
    byte_to_char = {}
    offset = 0
    for index, character in enumerate(text):
        byte_to_char[offset] = index
        offset += len(character.encode("utf-8"))
    byte_to_char[offset] = len(text)
    pairs = re.findall(r"^Chars (\d+) - (\d+) ", completed.stdout, re.MULTILINE)
    return [(byte_to_char[int(a)], byte_to_char[int(b)]) for a, b in pairs]


def _stdlib() -> Path | None:
    if shutil.which("coqc") is None:
        return None
    where = subprocess.run(["coqc", "-where"], capture_output=True, text=True, check=True)
    return Path(where.stdout.strip()) / "theories"


@pytest.mark.coq
@pytest.mark.slow
@pytest.mark.parametrize(
    "relative",
    [
        "Reals/R_sqr.v",
        "Arith/PeanoNat.v",
        "Program/Wf.v",
        "Classes/RelationClasses.v",
        "ZArith/Zdiv.v",
        "Sorting/Permutation.v",
        "Reals/Ratan.v",
    ],
)
def test_spans_match_coqc_on_standard_library_files(relative: str, tmp_path: Path) -> None:
    """On real stdlib files (Proof with, Next Obligation, bullets, '...') spans equal coqc's."""
    stdlib = _stdlib()
    if stdlib is None:
        pytest.skip("coqc not installed")
    source = stdlib / relative
    ours = [(s.start, s.end) for s in split_sentences(source.read_text(encoding="utf-8"))]
    assert ours == _coqc_spans(source, tmp_path)


def test_blank_comments_keeps_offsets_and_line_numbers() -> None:
    """Comment characters become spaces, its line breaks stay, strings are kept."""
    text = 'a (* x\ny *) "(* s *)" b'
    assert blank_comments(text) == 'a     \n     "(* s *)" b'
    assert len(blank_comments(text)) == len(text)
