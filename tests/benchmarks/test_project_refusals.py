"""benchmarks.project_refusals: which files of a project tree each check refuses, and why."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks.project_refusals import main, survey_root, template

pytestmark = pytest.mark.skipif(shutil.which("coqc") is None, reason="coqc not installed")


def _project(root: Path, coq_project: str) -> None:
    """A two-file project: ``Use.v`` requires the project's own ``Base``; ``Lone.v`` in
    its own folder requires only the installed standard library."""
    (root / "theories").mkdir(parents=True)
    (root / "_CoqProject").write_text(coq_project)
    (root / "theories" / "Base.v").write_text("Definition one := 1.\n")
    (root / "theories" / "Use.v").write_text("Require Import Base.\nLemma u : one = 1.\n")
    (root / "lone").mkdir()
    (root / "lone" / "Lone.v").write_text("Require Import Arith.\nLemma l : 1 = 1.\n")


def test_a_file_requiring_a_project_library_is_refused_and_a_plain_one_is_not(
    tmp_path: Path,
) -> None:
    """With only a -R mapping, every file is inside the project; the file requiring its
    sibling is also refused beside it and in the project, and that check alone refuses none."""
    _project(tmp_path, "-R theories Lib\ntheories/Base.v\ntheories/Use.v\n")
    result = survey_root(tmp_path)
    assert result["files"] == 3
    assert result["accepted"] == 0, result
    assert result["refused_by"] == {
        "inside a project": 3,
        "library beside the file": 1,
        "project library a Require names": 1,
    }
    assert result["refused_only_by"] == {"inside a project": 2}
    assert result["examples"]["library beside the file"] == ["theories/Use.v"]


def test_a_project_option_refuses_every_file(
    tmp_path: Path,
) -> None:
    """``-arg`` in the _CoqProject refuses all three files, beside the project itself."""
    _project(tmp_path, "-R theories Lib\n-arg -w -arg -notation-overridden\ntheories/Base.v\n")
    result = survey_root(tmp_path)
    assert result["accepted"] == 0
    assert result["refused_by"]["project settings"] == 3
    assert result["refused_by"]["inside a project"] == 3
    assert "refused_only_by" in result and not result["refused_only_by"]


def test_templates_merge_refusals_that_differ_only_in_paths_files_and_numbers() -> None:
    """Two messages naming different folders, file lists and counts read as one reason."""
    first = "the folder '/a/b' holds libraries the file may require (X.v, Y.v): 3 entries"
    second = "the folder '/c' holds libraries the file may require (Z.v): 12 entries"
    assert template(first) == template(second)
    assert template("the project's file") == "the project's file"


def test_the_command_writes_one_entry_per_root_and_refuses_a_missing_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each --root gets its figures in the JSON; a root that is not a directory is named
    in one line and nothing is written."""
    _project(tmp_path / "p", "-R theories Lib\n")
    output = tmp_path / "out.json"
    assert main(["--root", str(tmp_path / "p"), "--output", str(output)]) == 0
    assert [entry["files"] for entry in json.loads(output.read_text())["roots"]] == [3]
    output.unlink()
    assert main(["--root", str(tmp_path / "missing"), "--output", str(output)]) == 2
    assert "missing: not a directory" in capsys.readouterr().err
    assert not output.exists()


def test_a_tree_without_a_project_file_takes_a_plain_file(tmp_path: Path) -> None:
    """Without a `_CoqProject` nothing marks a project: the lone file requiring only the
    installed library is accepted."""
    (tmp_path / "Lone.v").write_text("Require Import Arith.\nLemma l : 1 = 1.\n")
    result = survey_root(tmp_path)
    assert (result["files"], result["accepted"]) == (1, 1), result
