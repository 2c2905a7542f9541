"""Libraries a project build may load for the file's Require: where the walk looks, and what
it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq import project_libraries
from prover.backends.coq.project_libraries import (
    installed_names,
    project_flags_refusal,
    project_folder_refusal,
    project_library_refusal,
    project_roots,
)


def _file(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("Require Import Bool.\nTheorem t : True.\nProof.\nAdmitted.\n")
    return str(path)


def test_the_project_root_is_the_nearest_marked_folder_and_the_files_own() -> None:
    """A `_CoqProject` or `dune-project` above the file makes its folder a root too."""
    assert project_roots(Path("/nonexistent/a/b")) == [Path("/nonexistent/a/b")]


def test_a_library_in_a_subfolder_of_the_files_folder_is_refused(tmp_path: Path) -> None:
    """`coqc -R . Lib F.v` run in the file's folder maps `other/Bool.v`."""
    source = _file(tmp_path / "F.v")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "Bool.v").write_text("Definition negb (b : bool) := b.\n")
    problem = project_library_refusal(source, {"Require", "Import", "Bool"}, None)
    assert problem is not None and "other/Bool.v" in problem


def test_a_library_elsewhere_in_a_marked_project_is_refused(tmp_path: Path) -> None:
    """With a `_CoqProject` at the root, `Bool.vo` beside the root counts for `sub/F.v`;
    without the marker the root is not walked."""
    source = _file(tmp_path / "sub" / "F.v")
    (tmp_path / "Bool.vo").write_bytes(b"")
    assert project_library_refusal(source, {"Bool"}, None) is None
    (tmp_path / "_CoqProject").write_text("-R . Lib\n")
    assert project_roots(tmp_path / "sub") == [tmp_path, tmp_path / "sub"]
    problem = project_library_refusal(source, {"Bool"}, None)
    assert problem is not None and "Bool.vo" in problem


def test_the_file_itself_and_other_names_do_not_count(tmp_path: Path) -> None:
    """The file is no library it shadows; a library no Require names is left alone."""
    source = _file(tmp_path / "Bool.v")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "Arith.v").write_text("")
    assert project_library_refusal(source, {"Bool"}, None) is None


def test_the_installed_library_folder_is_exempt(tmp_path: Path) -> None:
    """A file inside Coq's installed folder has the installed libraries as neighbours."""
    source = _file(tmp_path / "F.v")
    (tmp_path / "Bool.v").write_text("")
    assert project_library_refusal(source, {"Bool"}, tmp_path) is None


def test_a_link_loop_ends_and_a_huge_tree_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder linking to its parent is walked once; past the entry limit the walk refuses."""
    source = _file(tmp_path / "F.v")
    (tmp_path / "loop").symlink_to(tmp_path)
    assert project_library_refusal(source, {"Bool"}, None) is None
    for index in range(5):
        (tmp_path / f"x{index}").write_text("")
    monkeypatch.setattr(project_libraries, "MAX_ENTRIES", 4)
    problem = project_library_refusal(source, {"Bool"}, None)
    assert problem is not None and "more than 4 entries" in problem


@pytest.mark.parametrize(
    ("project", "refused"),
    [
        ("-R . Lib\n# a comment -arg\nF.v other/G.v\n", None),
        ("-Q theories Lib\t\n-docroot docs#-arg\r\n", None),
        ("-R . Lib\n-I plug\n", "-I"),
        ("-R . Lib\nF.v src/plugin.mlg src/plugin.mlpack\n", "src/plugin.mlg"),
        ("-R . Lib\nF.v ../elsewhere/Bool.v\n", "../elsewhere/Bool.v"),
        ("-R . Lib\n`cat<p.txt`.v F.v\n", "holds the word '`cat<p.txt`.v'"),
        ("-R . Lib\nx;y.v\n", "holds the word 'x;y.v'"),
        ("-R . Lib\n-arg -impredicative-set\n", "-arg"),
        ("-R . Lib -type-in-type\n", "-type-in-type"),
        ('-Q theories Lib\n-docroot "docs root"\n', "holds '\"'"),
        ("-R . Lib\n-docroot a'b -arg -ri -arg Coq.Bool.Bool #'\n", 'holds "\'"'),
        ("-R . Lib\n-docroot a\\\n-arg\n", "holds '\\\\'"),
        ("-R . Lib\x0c-arg -ri\n", "holds '\\x0c'"),
        ("-R . Lib\n-docroot caf\u00e9\n", "cannot be read"),
    ],
)
def test_project_options_beyond_the_load_path_are_refused(
    tmp_path: Path, project: str, refused: str | None
) -> None:
    """`-R`, `-Q`, `-I`, documentation options, files and comments pass; any other option, a
    quote, a backslash or a control character (round 106: `'` hid options from a shell-style
    split that coq_makefile reads), or a file that is not ASCII, refuses."""
    source = _file(tmp_path / "sub" / "F.v")
    (tmp_path / "_CoqProject").write_text(project)
    problem = project_flags_refusal(source, None)
    if refused is None:
        assert problem is None, problem
    else:
        assert problem is not None and refused in problem


def test_a_folder_the_project_maps_from_outside_is_walked(tmp_path: Path) -> None:
    """`-R ../ext Ext` brings `ext/Bool.v` into the project, outside its tree."""
    source = _file(tmp_path / "proj" / "F.v")
    (tmp_path / "proj" / "_CoqProject").write_text("-R . Lib\n-R ../ext Ext\n")
    (tmp_path / "ext").mkdir()
    (tmp_path / "ext" / "Bool.v").write_text("")
    problem = project_library_refusal(source, {"Bool"}, None)
    assert problem is not None and "ext/Bool.v" in problem


def test_a_dune_theory_with_flags_is_refused(tmp_path: Path) -> None:
    """A `dune` file declaring a `coq.theory` with `flags` refuses; one without, or a folder
    named `dune`, does not."""
    source = _file(tmp_path / "F.v")
    (tmp_path / "dune-project").write_text("(lang dune 3.0)\n(using coq 0.6)\n")
    (tmp_path / "dune").mkdir()
    (tmp_path / "theories").mkdir()
    (tmp_path / "theories" / "dune").write_text("(coq.theory (name Lib))\n")
    assert project_library_refusal(source, {"Bool"}, None) is None
    (tmp_path / "theories" / "dune").write_text(
        "(coq.theory (name Lib) (flags -impredicative-set))\n"
    )
    problem = project_library_refusal(source, {"Bool"}, None)
    assert problem is not None and "only a coq.theory's name" in problem


def test_what_the_generated_makefile_includes_is_refused(tmp_path: Path) -> None:
    """What the generated makefile includes (`CoqMakefile.local`, round 112's shipped
    `.Makefile.d`), what make's built-in rules make it from (round 113's
    `Makefile.local.sh`, round 114's `_CoqProject.sh`, a `F.v.sh`), or what make reads first
    (`makefile`) may set coqc options; an ordinary script or data file does not refuse."""
    source = _file(tmp_path / "F.v")
    (tmp_path / "_CoqProject").write_text("-R . Lib\n")
    assert project_library_refusal(source, {"Bool"}, None) is None
    names = (
        "CoqMakefile.local", "Makefile.coq.local-late", ".Makefile.d", "x.ml.d", "makefile",
        "Makefile.local.sh", "Makefile.local,v", ".Makefile.d.sh", "RCS", "SCCS",
        "_CoqProject.sh", "F.v.sh", "Makefile.conf.sh", "s.Makefile.local", "G.v,v",
        "other.vo.sh",
    )  # fmt: skip
    for name in names:
        (tmp_path / name).write_text("COQFLAGS += -ri Coq.Bool.Bool\n")
        problem = project_library_refusal(source, {"Bool"}, None)
        assert problem is not None and "reads as make code" in problem
        (tmp_path / name).unlink()
    for name in ("build.sh", "README.md", "data.dat", "local.txt", "test.sh"):
        (tmp_path / name).write_text("")
    assert project_library_refusal(source, {"Bool"}, None) is None


def test_every_marked_folder_above_the_file_is_a_root(tmp_path: Path) -> None:
    """A nested `dune-project` does not hide the outer `_CoqProject`'s tree."""
    source = _file(tmp_path / "outer" / "inner" / "F.v")
    (tmp_path / "outer" / "_CoqProject").write_text("-R . Lib\n")
    (tmp_path / "outer" / "inner" / "dune-project").write_text("(lang dune 3.0)\n")
    (tmp_path / "outer" / "elsewhere").mkdir()
    (tmp_path / "outer" / "elsewhere" / "Bool.vo").write_bytes(b"")
    assert project_roots(tmp_path / "outer" / "inner") == [
        tmp_path / "outer",
        tmp_path / "outer" / "inner",
    ]
    problem = project_library_refusal(source, {"Bool"}, None)
    assert problem is not None and "elsewhere/Bool.vo" in problem


def test_a_mapping_to_an_installed_name_is_refused(tmp_path: Path) -> None:
    """`-R . Coq` or `-Q x mathcomp.extra` would take over what `From Coq Require` (or the
    installed mathcomp) loads; the installed names are Coq's and user-contrib's folders."""
    installed = tmp_path / "installed"
    (installed / "user-contrib" / "mathcomp").mkdir(parents=True)
    assert installed_names(installed) == {"Coq", "mathcomp"}
    source = _file(tmp_path / "proj" / "F.v")
    mappings = (("-R . Coq", True), ("-Q x mathcomp.extra", True), ("-R . Lib", False))
    for mapping, refused in mappings:
        (tmp_path / "proj" / "_CoqProject").write_text(mapping + "\n")
        problem = project_flags_refusal(source, installed)
        assert (problem is not None and mapping in problem) if refused else problem is None


def test_a_project_root_above_the_file_may_hold_no_cache_or_plugin(tmp_path: Path) -> None:
    """coq_makefile runs coqc from the root: a cache or compiled OCaml file there refuses a
    file in a subfolder; the file's own folder is left to the folder checks."""
    source = _file(tmp_path / "sub" / "F.v")
    (tmp_path / "_CoqProject").write_text("-R . Lib\n")
    assert project_folder_refusal(source, None) is None
    for name in (".lia.cache", "x_plugin.cmxs"):
        (tmp_path / name).write_bytes(b"")
        problem = project_folder_refusal(source, None)
        assert problem is not None and name in problem
        (tmp_path / name).unlink()
    root_file = _file(tmp_path / "G.v")
    (tmp_path / ".lia.cache").write_bytes(b"")
    assert project_folder_refusal(root_file, None) is None


def test_every_compiled_form_coqc_loads_counts(tmp_path: Path) -> None:
    """Round 115: coqc loads a `.vio` (and reads `.vos`/`.vok`) for a Require, so they count
    as libraries as `.v` and `.vo` do."""
    source = _file(tmp_path / "F.v")
    for suffix in (".vio", ".vos", ".vok"):
        (tmp_path / "other").mkdir(exist_ok=True)
        (tmp_path / "other" / f"Bool{suffix}").write_bytes(b"")
        problem = project_library_refusal(source, {"Bool"}, None)
        assert problem is not None and f"Bool{suffix}" in problem
        (tmp_path / "other" / f"Bool{suffix}").unlink()


def test_a_dune_file_above_the_theory_makes_its_folder_a_root(tmp_path: Path) -> None:
    """Round 119: `dune build` run in an unmarked folder reads its `dune` file, whose
    `subdir` stanza can write a library into the theory below; that folder is a root now,
    and the stanza refuses."""
    source = _file(tmp_path / "sub" / "F.v")
    (tmp_path / "sub" / "dune-project").write_text("(lang dune 2.9)\n(using coq 0.3)\n")
    (tmp_path / "sub" / "dune").write_text("(coq.theory (name Lib))\n")
    assert project_library_refusal(source, {"Bool"}, None) is None
    rule = "(subdir sub (rule (targets Bool.v) (action (copy a Bool.v))))\n"
    (tmp_path / "dune").write_text(rule)
    assert tmp_path in project_roots(tmp_path / "sub")
    problem = project_library_refusal(source, {"Bool"}, None)
    assert problem is not None and "holds 'subdir'" in problem
    (tmp_path / "dune").unlink()
    (tmp_path / "dune").mkdir()  # a folder named dune marks nothing
    assert tmp_path not in project_roots(tmp_path / "sub")
