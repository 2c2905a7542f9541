"""Coq's own sentence split (coqc -time) against the prover's: markers, byte ranges, refusals."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from prover.backends.coq.reading_refusals import reading_refusal
from prover.backends.coq.split_check import MarkedSource, mark_sentences, split_refusal
from tests.soundness.kernel_controls import COQ_TOOLS

NONCE = "0123456789abcdef"
MARKER = f"Comments p{NONCE}."


def marked(source: str) -> MarkedSource:
    result = mark_sentences(source, NONCE)
    assert isinstance(result, MarkedSource), result
    return result


def coq_output(text: str, directory: Path) -> str:
    """What ``coqc -time`` prints for ``text`` (it must compile)."""
    (directory / "Checked.v").write_bytes(text.encode("utf-8"))
    completed = subprocess.run(
        ["coqc", "-time", "-q", "Checked.v"], cwd=directory, capture_output=True, check=False
    )
    output = completed.stdout.decode("utf-8")
    assert completed.returncode == 0, output + completed.stderr.decode("utf-8")
    return output


def test_each_sentence_is_followed_by_a_marker_at_the_byte_ranges_expected() -> None:
    """Ranges are in bytes (a non-ASCII comment before a sentence shifts them by 2 per é)."""
    source = "(* é *) Definition x := 0.\nGoal True.\n- exact I.\nQed.\n"
    result = marked(source)
    data = result.text.encode("utf-8")
    pieces = [data[line.start : line.end].decode("utf-8") for line in result.expected]
    assert pieces == [
        "Definition x := 0.", MARKER, "Goal True.", MARKER, "-", MARKER, "exact I.", MARKER,
        "Qed.", MARKER,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("Definition a := 0.(* c *) Definition b := 1.", "opens a comment right after '.'"),
        ("Definition a := 0.\u00a0Definition b := 1.", "U+00A0 (NO-BREAK SPACE)"),
        ("Definition a := 0", "ends inside a sentence"),
        ('Definition a := "unterminated.', "cannot be split"),
        ('Time Load "other.v".', "uses Load"),
        ("Definition a := 0.\x1c\n", "line separator U+001C"),
        ('Check "\u2028".\n', "line separator U+2028"),
        ("Definition d := 0 +(* hidden *) 0.\n", "opens a comment right after '+'"),
        ("Definition d := 0 \u00e9(* hidden *) 0.\n", "opens a comment right after 'é'"),
        ('Infix "a""b" := plus (at level 50).\n', "declares the notation token string"),
        ('Notation "x \u00b2y" := (x * y) (at level 1).\n', "declares the notation token string"),
        ("Definition y := 2.\nCheck y\u00b2.\n", "a superscript digit next to a word character"),
        ('Notation "x -->\' y" := (x -> y) (at level 99).\n', "declares the notation token string"),
        (
            'Inductive L := n | c (a : L) where "x \u00b2a" := (c x).\n',
            "declares the notation token string",
        ),
    ],
)
def test_text_coq_may_read_otherwise_is_refused_before_coqc(source: str, reason: str) -> None:
    """A '.' before a comment, a non-breaking space (a character Coq reads otherwise), no
    final '.', Load, separators other readers break lines at, a comment opened right after
    a symbol or a letter (Coq may read a token there), and a notation token holding a
    quote."""
    assert reason in str(mark_sentences(source, NONCE))


def test_a_nonce_that_is_not_short_hexadecimal_is_a_programming_error() -> None:
    """The marker must fit the 30 characters coqc -time prints of a command."""
    with pytest.raises(ValueError, match="nonce"):
        mark_sentences("Definition a := 0.", "0123456789abcdef0")


def test_missing_extra_and_forged_lines_are_refused() -> None:
    """Fail closed on made-up output: a missing line, an extra line, a marker without the nonce."""
    result = marked("Definition a := 0.\n")
    first, marker = result.expected
    good = [
        f"Chars {first.start} - {first.end} [Definition~a~:=~0.] 0. secs (0.u,0.s)",
        f"Chars {marker.start} - {marker.end} [Comments~p{NONCE}.] 0. secs (0.u,0.s)",
    ]
    assert split_refusal("\n".join(good), result) is None
    assert "no sentence at bytes" in str(split_refusal(good[0], result))
    extra = [*good, "Chars 99 - 120 [Check~x.] 0. secs (0.u,0.s)"]
    assert "after the last sentence" in str(split_refusal("\n".join(extra), result))
    forged = [good[0], good[1].replace(NONCE, "f" * 16)]
    assert "another command" in str(split_refusal("\n".join(forged), result))


class TestWithCoqc:
    pytestmark = COQ_TOOLS

    def test_an_honest_file_with_queries_replayed_at_qed_agrees(self, tmp_path: Path) -> None:
        """Queries inside a proof are printed again at Qed (same ranges): skipped, not refused;
        ``Proof term.`` compiles because no marker separates it from its statement."""
        source = (
            "Section S. Variable n : nat.\nLemma l : n = n.\nProof using n.\nCheck n.\n"
            "- reflexivity.\nQed.\nEnd S.\nModule Type T. Parameter x : nat. End T.\n"
            "Lemma k : True.\nProof I.\n"
        )
        result = marked(source)
        assert split_refusal(coq_output(result.text, tmp_path), result) is None

    def test_a_notation_token_ending_in_a_dot_makes_the_splits_part(self, tmp_path: Path) -> None:
        """Round eleven's case: Coq ends a sentence inside '0 +..', the prover's split does not."""
        source = (
            'Notation "x +." := (S x) (at level 40).\nSection B.\n'
            "Definition d0 := 0 +.. End B.\nDefinition d1 := 1.\n"
        )
        result = marked(source)
        problem = split_refusal(coq_output(result.text, tmp_path), result)
        assert problem is not None and "split differs" in problem

    def test_a_header_printing_a_copy_of_a_line_is_refused(self, tmp_path: Path) -> None:
        """Printed text can only add lines: a forged copy of a real line refuses (fail closed)."""
        probe = marked("Definition a := 0.\n")
        first = probe.expected[0]
        forged = f"Chars {first.start} - {first.end} [Definition~a~:=~0.] 0. secs (0.u,0.s)"
        source = f'Goal True. idtac "{forged}". exact I. Qed.\n'
        result = marked(source)
        assert split_refusal(coq_output(result.text, tmp_path), result) is not None


def test_a_line_is_found_wherever_it_stands_and_a_widened_marker_is_accepted() -> None:
    """A `Chars` head after a U+001C (which str.splitlines breaks at) still counts, and a
    marker printed with its blank widened to `~~~` (narrow Printing Width) is accepted."""
    result = marked("Definition a := 0.\n")
    first, marker = result.expected
    widened = f"Chars {marker.start} - {marker.end} [Comments~~~p{NONCE}.] 0. secs (0.u,0.s)"
    good = f"Chars {first.start} - {first.end} [Definition~a~:=~0.] 0. secs (0.u,0.s)\n{widened}"
    assert split_refusal(good, result) is None
    hidden = f'Chars 90 - 99 [Redirect~"r\x1c"~End~B.] 0. secs (0.u,0.s)\n{good}'
    assert "Coq read bytes 90-99" in str(split_refusal(hidden, result))


def test_notation_strings_that_lex_alike_are_accepted() -> None:
    """ssreflect's reserved notation opening with '(*' (a comment for Coq too) and a string
    with a quote outside any notation are no reason to refuse."""
    source = 'Reserved Notation "(* x \'is\' y *)" (at level 99).\nDefinition s := "say ""hi""".\n'
    assert isinstance(mark_sentences(source, NONCE), MarkedSource)


def test_the_proof_of_a_checked_file_may_use_time_limits_and_external_solvers() -> None:
    """`timeout` and `psatz` in the proof decide whether it is found, not what it proves:
    the checked file is marked; the same words before the proof are refused."""
    proof = "Theorem t : True.\nProof.\ntimeout 2 (intros; psatz R 2).\nQed.\n"
    assert isinstance(mark_sentences(proof, "0123abcd"), MarkedSource)
    before = "Definition d := ltac:(timeout 1 exact 0).\n" + proof
    assert "uses 'timeout'" in str(reading_refusal(before, "the header"))
