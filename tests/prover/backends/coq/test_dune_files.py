"""dune files read fail-closed: only what names a Coq theory passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq.dune_files import dune_file_problem

ROUND_108 = '(coq.theory (name Lib) (synopsis "\\| x\n))\n(rule (copy a Bool.v))\n; "))'
"""dune reads `"\\| x` as a block string ending at the line's end, then a rule."""


@pytest.mark.parametrize(
    ("name", "text", "refused"),
    [
        ("dune", "; the theory\n(coq.theory\n (name Lib) ; inline\n (package lib))\n", None),
        ("dune", '(coq.theory (name Lib) (synopsis "a (b) ; c") (modules A B))', None),
        ("dune-project", "(lang dune 3.0)\n(using coq 0.6)\n(name lib)\n", None),
        ("dune", "(coq.theory (name Lib))\n(rule (targets Bool.v) (action (echo x)))", "rule"),
        ("dune", "(copy_files ../elsewhere/*.v)\n", "copy_files"),
        ("dune", "(coq.theory (name Lib) (flags -impredicative-set))", "coq.theory"),
        ("dune", "(coq.theory (name Lib) (stdlib no))", "coq.theory"),
        ("dune", "(coq.theory (name Lib) (theories Other))", "coq.theory"),
        ("dune", "(include_subdirs qualified)", "include_subdirs"),
        ("dune", "(env (_ (coq (flags -type-in-type))))", "env"),
        ("dune-project", "(lang dune 3.0)\n(dirs theories)\n", "dirs"),
        ("dune", "#| block |#\n(coq.theory (name Lib))", "not read with certainty"),
        ("dune", "#;(rule x)\n(coq.theory (name Lib))", "not read with certainty"),
        ("dune", "(coq.theory (name Lib)", "not read with certainty"),
        ("dune", "bare-atom", "bare-atom"),
        ("dune-workspace", "(lang dune 3.0)", "may build it otherwise"),
        ("jbuild", "(jbuild_version 1)", "may build it otherwise"),
        ("dune", "(coq.theory (name Coq.Bool))", "coq.theory (name Coq.Bool)"),
        ("dune", ROUND_108, "not read with certainty"),
        ("dune", '(coq.theory (name Lib) (synopsis "a\nb"))', "not read with certainty"),
        ("dune", "(coq.theory (name Lib))\r\n(rule x)", "not read with certainty"),
        ("dune", "\ufeff(coq.theory (name Lib))", "cannot be read"),
        ("dune", '(coq.theory (name Lib) (synopsis "a \\" b"))', "not read with certainty"),
    ],
)
def test_only_a_theorys_name_and_the_projects_metadata_pass(
    tmp_path: Path, name: str, text: str, refused: str | None
) -> None:
    """A `coq.theory` with name, package, synopsis and modules, and dune-project metadata,
    pass; any other stanza or field (round 107's `rule`), a workspace, a backslash (round
    108's block string `"\\|` hid a rule), a string across lines, and text not read whole
    refuse, naming what."""
    path = tmp_path / name
    path.write_text(text)
    problem = dune_file_problem(path)
    if refused is None:
        assert problem is None, problem
    else:
        assert problem is not None and refused in problem
