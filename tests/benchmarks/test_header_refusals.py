"""The header survey: tallies by refusal reason and plain library proofs (no Coq needed)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from benchmarks.header_refusals import plain_proof, reason_of, survey_file, verify_sample
from prover.backends.coq.sentences import split_for_coqtop

SOURCE = """Module Type T. Parameter n : nat. Axiom n_pos : 0 < n. End T.
Module F (Import X : T).
Lemma a : 0 < n. Proof. exact n_pos. Qed.
Lemma b : 0 < n. Proof. destruct n. - exact n_pos. - exact n_pos. Qed.
Module G (Y : T).
Lemma c : 0 = 0. Proof. reflexivity. Qed.
End G.
End F.
Module Type S.
Lemma d : 0 = 0. Proof. reflexivity. Qed.
End S.
Lemma e : 0 = 0. Proof. reflexivity. Qed.
"""


def test_each_theorem_header_is_tallied_by_reason_and_plain_functor_proofs_kept() -> None:
    """Two accepted functor theorems, one in a nested functor, one in a module type, one at
    top level; only the bullet-free functor proof becomes a candidate."""
    tally: Counter[str] = Counter()
    candidates = survey_file(SOURCE, "F.v", tally)
    assert tally == Counter(
        {
            "theorems": 5,
            "accepted inside a functor": 2,
            "functor not applicable": 1,
            "module type": 1,
            "accepted": 1,
        }
    )
    assert [(c.theorem.name, c.proof) for c in candidates] == [("a", ("exact n_pos.",))]


def test_only_proof_tactics_qed_is_a_plain_proof() -> None:
    """`Defined`, a missing `Proof.` or a bullet give no plain proof."""
    for text, expected in [
        ("Lemma a : True. Proof. exact I. Qed.", ("exact I.",)),
        ("Lemma a : True. Proof. exact I. Defined.", None),
        ("Lemma a : True. exact I. Qed.", None),
        ("Lemma a : True. Proof. - exact I. Qed.", None),
    ]:
        assert plain_proof(split_for_coqtop(text), 0) == expected


def test_refusal_messages_map_to_their_reason() -> None:
    """Unknown messages are 'other'; None is accepted."""
    assert reason_of(None) == "accepted"
    assert reason_of("the theorem is inside 'Module Type T': ...") == "module type"
    assert reason_of("something new") == "other"


def test_every_accepted_theorem_with_a_plain_proof_is_a_candidate_when_asked() -> None:
    """With `every`, the top-level theorem's plain proof is kept too (for `--sample any`)."""
    candidates = survey_file(SOURCE, "F.v", Counter(), sample="any")
    assert [c.theorem.name for c in candidates] == ["a", "e"]


def test_whole_file_verification_reads_each_theorem_as_prove_file_does(tmp_path: Path) -> None:
    """With `whole_file`, a theorem the file declares twice is refused when read (as `prove
    --file` refuses it), before any verification runs."""
    source = "Lemma a : True. Proof. exact I. Qed.\nLemma a : True. Proof. exact I. Qed.\n"
    path = tmp_path / "F.v"
    path.write_text(source, encoding="utf-8")
    candidates = survey_file(source, "F.v", Counter(), sample="any", path=path)
    report = verify_sample(candidates[:1], 60.0, "", whole_file=True)
    assert report["ok"] == 0 and report["median_verified_time_s"] is None
    assert report["outcomes"][0]["message"].startswith("refused when read:")
