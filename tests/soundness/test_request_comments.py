"""Round forty: `/search` removed a request's comments where Coq reads code.

Found by a red-team round (2026-12-05): a request's header and statement had their comments
removed (`coq_code`) before any check, but Coq opens a comment only where a token may start.
With the header's notations `` "` x" `` and `"'*' x '*'"`, the statement
`` Theorem t : `(* not *) True. `` is `~ True` to Coq (`` `( `` is Coq's own token), and the
prover's `` Theorem t : `  True. `` was proved (`nia`) and verified: every checker read the
stripped text. `prove --file` already refused a comment opened right after a non-blank
character; now a request is held to the same rule before anything is removed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from prover.interactive.headers import HeaderRefused
from prover.interactive.statements import request_theorem
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS

HEADER = (
    'Notation "` x" := (x) (at level 0, x at level 0).\n'
    "Notation \"'*' x '*'\" := (x) (at level 0, x at level 0).\n"
)
STATEMENT = "Theorem t : `(* not *) True."


def test_a_comment_coq_may_read_as_code_is_refused() -> None:
    """The round's request is refused, naming the comment's position."""
    with pytest.raises(HeaderRefused, match=r"opens a comment right after '`'"):
        request_theorem(language="coq", header=HEADER, statement=STATEMENT, name=None)


def test_coq_reads_the_request_as_not_true(tmp_path: Path) -> None:
    """The control: as sent, Coq reads the statement as `~ True` and the same file proves
    it false, so removing the comment changed what the request said."""
    source = tmp_path / "Control.v"
    source.write_text(
        f"{HEADER}{STATEMENT}\nAdmitted.\n"
        "Lemma t_is_false : ~ (`(* not *) True).\nProof. intro H. exact (H I). Qed.\n"
        "Print Assumptions t_is_false.\n"
    )
    compiled = subprocess.run(
        ["coqc", "-q", source.name], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert compiled.returncode == 0, compiled.stderr
    assert "Closed under the global context" in compiled.stdout


def test_comments_after_blanks_are_still_removed() -> None:
    """An honest request's comments, at the start or after a blank, are removed as before."""
    theorem = request_theorem(
        language="coq",
        header="(* arithmetic *)\nRequire Import Arith. (* the library *)\n",
        statement="Theorem t : (* easy *) 1 + 1 = 2.",
        name=None,
    )
    assert "(*" not in theorem.statement and "1 + 1 = 2" in theorem.statement
    assert "(*" not in theorem.header.split("Require Import Arith.")[0]
