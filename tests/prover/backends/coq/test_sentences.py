"""The tracer's sentence split (as coqtop reads it) and sentence classification."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from prover.backends.coq.sentences import (
    count_endings,
    declared_name,
    ending_of,
    is_vernacular_in_proof,
    read_proof_opening,
    skip_blanks,
    split_for_coqtop,
    theorem_declaration,
)
from prover.tracing.replay import expand_ellipsis

FIXTURE = Path(__file__).resolve().parents[2] / "tracing" / "fixtures" / "constructs.v"


def codes(source: str) -> list[str]:
    return [sentence.code for sentence in split_for_coqtop(source)]


def test_bullets_and_braces_are_their_own_commands() -> None:
    """A bullet or brace in front of a tactic, and a closing brace before Qed, are split off."""
    source = "split.\n- lia.\n+ (* c. *) auto.\n2: { lia. }\n} Qed."
    assert codes(source) == ["split.", "-", "lia.", "+", "auto.", "2: {", "lia.", "}", "}", "Qed."]
    focus = [sentence.focus for sentence in split_for_coqtop(source)]
    assert focus == [False, True, False, True, False, True, False, True, True, False]


def test_recursive_notation_dots_do_not_end_a_sentence() -> None:
    """`x .. y` in a notation stays inside its sentence; `tac...` ends one."""
    source = 'Notation "[ x ; .. ; y ]" := (cons x .. (cons y nil) ..).\nsplit...\nauto.'
    assert codes(source) == [
        'Notation "[ x ; .. ; y ]" := (cons x .. (cons y nil) ..).',
        "split...",
        "auto.",
    ]


def test_offsets_point_into_the_source() -> None:
    """Every sentence's text sits at its offset, and its line is counted from there."""
    source = "(* head. *)\nLemma a : True.\nProof.\n  - exact I.\nQed.\n"
    sentences = split_for_coqtop(source)
    for sentence in sentences:
        assert source[sentence.offset : sentence.offset + len(sentence.text)] == sentence.text
    # The leading comment is not part of the first sentence: it starts on line 2.
    assert [s.line(source) for s in sentences] == [2, 3, 4, 4, 5]


@pytest.mark.coq
@pytest.mark.skipif(shutil.which("coqc") is None, reason="coqc not installed")
def test_split_matches_coqc_time_spans(tmp_path: Path) -> None:
    """On the constructs fixture, the split equals Coq's own (`coqc -time` character spans)."""
    source = FIXTURE.read_text(encoding="utf-8")
    copy = tmp_path / "constructs.v"
    copy.write_text(source, encoding="utf-8")
    output = subprocess.run(
        ["coqc", "-time", "constructs.v"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    coq_spans = [(int(a), int(b)) for a, b in re.findall(r"Chars (\d+) - (\d+)", output)]
    ours = [
        (skip_blanks(source, s.offset), s.offset + len(s.text)) for s in split_for_coqtop(source)
    ]
    assert ours == coq_spans


def test_proof_openings() -> None:
    """Proof, Proof using, Proof with (either order) and Proof term are told apart."""
    plain = read_proof_opening("Proof.")
    assert plain is not None and plain.with_tactic is None and not plain.term
    using = read_proof_opening("Proof using H x.")
    assert using is not None and using.with_tactic is None and not using.term
    with_auto = read_proof_opening("Proof with auto with arith.")
    assert with_auto is not None and with_auto.with_tactic == "auto with arith"
    both = read_proof_opening("Proof using H with simpl; auto.")
    assert both is not None and both.with_tactic == "simpl; auto"
    term = read_proof_opening("Proof eq_refl.")
    assert term is not None and term.term
    assert read_proof_opening("Proofs.") is None and read_proof_opening("apply Proof.") is None


def test_endings_and_vernacular() -> None:
    """Proof endings are recognised; commands inside a proof are not steps, tactics are."""
    assert [ending_of(c) for c in ("Qed.", "Defined.", "Admitted.", "Abort.", "Save foo.")] == [
        "Qed",
        "Defined",
        "Admitted",
        "Abort",
        "Save",
    ]
    assert ending_of("Qedx.") is None and ending_of("auto.") is None
    assert is_vernacular_in_proof("Hint Resolve foo.") and is_vernacular_in_proof("Check nat.")
    assert is_vernacular_in_proof("#[local] Hint Unfold f.")
    assert not is_vernacular_in_proof("auto.") and not is_vernacular_in_proof("Unshelve.")


def test_declarations() -> None:
    """Declared names are found behind attributes; theorem bodies exclude keyword and name."""
    assert declared_name("#[local] Lemma foo' : True.") == "foo'"
    assert declared_name("Local Definition bar (n : nat) : nat.") == "bar"
    assert declared_name("Instance baz : Foo.") == "baz"
    assert declared_name("Require Import Lia.") is None
    assert theorem_declaration("Theorem t (n : nat) : n = n.") == ("t", "(n : nat) : n = n")
    assert theorem_declaration("Definition d : nat.") is None


def test_count_endings() -> None:
    """Qed sentences are counted, not the word in comments."""
    source = "(* Qed. *) Lemma a : True. Proof. exact I. Qed.\nLemma b : True. Admitted."
    assert count_endings(source) == {"Qed": 1, "Admitted": 1}


def test_expand_ellipsis() -> None:
    """`tac...` becomes `tac; T` under `Proof with T`, else plain `tac.`."""
    assert expand_ellipsis("split...", "auto") == "split; auto."
    assert expand_ellipsis("2: apply H...", "auto with arith") == "2: apply H; auto with arith."
    assert expand_ellipsis("left || right...", "auto") == "(left || right); auto."
    assert expand_ellipsis("split...", "auto || lia") == "split; (auto || lia)."
    assert expand_ellipsis("split...", None) == "split."
    assert expand_ellipsis("split.", "auto") == "split."
