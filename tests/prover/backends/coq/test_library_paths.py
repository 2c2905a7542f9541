"""The user's file's library name and text that would read differently under the prover's
library paths."""

from __future__ import annotations

import pytest

from prover.backends.coq.library_paths import file_library, library_path_refusal
from search.states import Theorem


@pytest.mark.parametrize(
    ("statement", "source", "refused"),
    [
        ("Theorem T : Top.y = 2.", None, "'Top'"),
        ("Theorem T : Checked.x = 2.", None, "'Checked'"),
        ("Theorem T : Checked.αx + Top._y = 2.", None, "'Checked'"),
        ("Theorem T : αF.x = 2.", "dir/αF.v", "'αF'"),
        ("Theorem T : ProverCheck.Checked.x = 2.", None, "'ProverCheck'"),
        ("Theorem T : F.x = 2.", "dir/F.v", "'F'"),
        ("Theorem T : F.x = 2.", None, None),
        ("Theorem T : Nat.add 1 1 = 2 (* Top.y *).", None, None),
        ('Theorem T : "Checked.x" = "Checked.x".', None, None),
        ("Theorem T : xTop.y = 2.", None, None),
    ],
)
def test_qualified_names_rooted_at_a_compiles_own_path_are_refused(
    statement: str, source: str | None, refused: str | None
) -> None:
    """`Top.`, `Checked.`, `ProverCheck.` and, for a file's theorem, the file's own name
    start a refused qualified name; other roots, comments and strings do not."""
    theorem = Theorem(
        name="T",
        header="",
        statement=statement,
        source=source,
        file_text=statement if source else None,
    )
    problem = library_path_refusal(theorem)
    if refused is None:
        assert problem is None
    else:
        assert problem is not None and f"starting with {refused}" in problem


@pytest.mark.parametrize(
    ("source", "library"),
    [("dir/F.v", "F"), ("a/b/αβ_1'.v", "αβ_1'"), ("dir/my-file.v", None), ("dir/1F.v", None),
     (None, None)],
)  # fmt: skip
def test_the_library_name_is_the_files_name_when_coqc_takes_it(
    source: str | None, library: str | None
) -> None:
    """The name without `.v` when it is a Coq identifier (as a plain `coqc` names the
    library); otherwise none."""
    assert file_library(source) == library


def test_a_file_coqc_cannot_name_is_refused() -> None:
    """A file's theorem whose file name is no Coq identifier: refused, naming the file."""
    theorem = Theorem(
        name="T", header="", statement="Theorem T : True.", source="dir/my-file.v",
        file_text="Theorem T : True.",
    )  # fmt: skip
    problem = library_path_refusal(theorem)
    assert problem is not None and "'dir/my-file.v' is not one a plain coqc compiles" in problem
