"""Round 105: a project build (`-R . Lib`) loads the project's own library for a short
`Require`.

Under `-R` every folder of the project is mapped, and `Require Import Bool.` resolves to the
project's `other/Bool.v` (an identity `negb`) before Coq's `Coq.Bool.Bool`, while the prover's
compiles, in private folders, load the installed one: `t : negb true = false` was recorded
proved where the project build proves its negation. A `Require` word naming a library
anywhere in the project (the tree of the nearest folder with a `_CoqProject` or
`dune-project`, and of the file's own folder) is now refused.

A project's options can change the reading too: `-arg -impredicative-set` makes `(forall P :
Set, P) : Set` typecheck, so a header branching on it reads `true` in the project build and
`false` in the prover's compiles. A `_CoqProject` with options beyond the load path is now
refused (found while closing round 105, before a helper tried it). Round 106 hid such
options from a shell-style split of the `_CoqProject`: `-docroot a'b -arg -ri -arg
Coq.Bool.Bool #'` was one quoted word to it, and options (a pre-imported `Coq.Bool.Bool`)
to coq_makefile, which knows only `"` quotes. A `_CoqProject` holding a quote, a backslash or
a control character is now refused.

Round 107: a dune `rule` made `Bool.v` (an identity `negb`) only in `_build`, where the source
walk cannot see it; `dune build` loaded it for `Require Import Bool.`. A dune file is now
read fail-closed: only a `coq.theory`'s name, package, synopsis and modules, and the
project's metadata, pass. Round 108 hid the rule from that reader in what it took for one
quoted string: dune's `"\\|` starts a block string that ends at the line's end. A dune file
with a backslash or a string across lines is now refused.

Round 109: a `_CoqProject`'s `-I plug` puts `plug/` on coqc's OCaml plugin path, and the
project build loaded a planted `rtauto_plugin.cmxs` from it for `Require Import Rtauto.`
(round eighty-three's poisoned lia cache). `-I` in a `_CoqProject` is now refused.

Round 111: coq_makefile's build runs coqc from the project root, so for a file in `sub/` it
reads the root's micromega caches and plugins, which the folder checks (rounds 81 and 83)
looked for only beside the file. A project root above the file holding a cache or compiled
OCaml code is now refused.

Round 112: coq_makefile's generated makefile includes its dependency file `.Makefile.d`,
and remakes it only when older than the sources, so a shipped one is make code: `COQFLAGS +=
-ri Coq.Bool.Bool` in it flipped `b`. A `.d` file in the project (and `GNUmakefile` or
`makefile`, which make reads first) is now refused, and so is a `_CoqProject` naming a file
that is not a `.v` (OCaml code the build makes a plugin of). Round 113: make's built-in
rule `%: %.sh` made the missing `Makefile.local` from a shipped `Makefile.local.sh`; any
name holding `.local`, ending in `.d` (or `.d.sh`, `.d,v`) or `,v`, and `RCS`/`SCCS`
folders now refuse. Round 114: the same rule remade `_CoqProject` itself (a prerequisite of
the generated `Makefile.conf`) from a newer `_CoqProject.sh` holding `-arg -ri`; a `NAME.sh`
for a name the build needs (a `.v` file, `_CoqProject`, a makefile, a sibling) now refuses.
Round 115: coqc 8.16 loads `Bool.vio` for `Require Import Bool.` when there is no `Bool.vo`,
and the library checks looked only for `.v` and `.vo`; `.vio`, `.vos` and `.vok` now count,
and a `NAME.sh` whose name has a suffix (`Bool.vo.sh`) refuses. Round 117: coq_makefile writes
`_CoqProject` file names unquoted into shell commands, and a listed file named
`` `cat<p.txt`.v `` added `-ri Coq.Bool.Bool` to the build's coqc; a `_CoqProject` word may now
hold only letters, digits, `_`, `.`, `/` and `-`. Round 119: `dune build` run in a folder with
no marker above the theory's `dune-project` takes that folder as its root and reads its
`dune` file, whose `subdir` stanza wrote `Bool.v` into the theory; a folder holding a dune
file is a project root now.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from prover.backends.coq import library_paths as library_paths_module
from prover.backends.coq.verify import verify_proof
from prover.data.theorem_files import theorem_from_file
from search.process import run_to_end
from tests.soundness.kernel_controls import COQ_TOOLS
from tests.soundness.test_micromega_caches import FILE as CACHE_FILE
from tests.soundness.test_micromega_caches import POISONED_LIA_CACHE

FILE = "Require Import Bool.\n\nTheorem t : negb true = false.\nProof.\nAdmitted.\n"
REFUTATION = (
    "Require Import Bool.\nTheorem nt : ~ (negb true = false).\nProof. simpl. discriminate. Qed.\n"
)


@pytest.fixture(autouse=True)
def _deeper_layers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Since round 125 every file inside a project is refused first
    (:func:`~prover.backends.coq.project_libraries.project_prefix_refusal`,
    `tests/soundness/test_project_prefixes.py`); these tests switch that refusal off to
    keep the project-build checks behind it (rounds 105 to 119) tested."""
    monkeypatch.setattr(library_paths_module, "project_prefix_refusal", lambda *_args: None)


def _refusal(path: Path, tactic: str) -> str:
    """Why verification refuses the proof by ``tactic`` of `t` in the file at ``path``
    (it must refuse)."""
    theorem = theorem_from_file(path, "t", language="coq")
    verification = verify_proof(theorem, [tactic], timeout_s=120)
    assert not verification.ok
    return verification.message or ""


def _project(root: Path) -> Path:
    (root / "other").mkdir()
    (root / "other" / "Bool.v").write_text("Definition negb (b : bool) : bool := b.\n")
    (root / "_CoqProject").write_text("-R . Lib\nother/Bool.v\nF.v\n")
    (root / "F.v").write_text(FILE)
    return root / "F.v"


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_the_project_build_refutes_what_a_plain_coqc_proves(tmp_path: Path) -> None:
    """Control: under `-R . Lib` (the project's `Bool` compiled) the negation compiles; a plain
    coqc in the folder reads Coq's `negb` and rejects it."""
    _project(tmp_path)
    compiled = run_to_end(
        ["coqc", "-q", "-R", ".", "Lib", "other/Bool.v"], timeout_s=120, cwd=tmp_path
    )
    assert compiled[0] == 0, compiled
    (tmp_path / "refute.v").write_text(REFUTATION)
    project = run_to_end(["coqc", "-q", "-R", ".", "Lib", "refute.v"], timeout_s=120, cwd=tmp_path)
    assert project[0] == 0, project
    plain = run_to_end(["coqc", "-q", "refute.v"], timeout_s=120, cwd=tmp_path)
    assert plain[0] != 0


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_require_a_project_library_may_answer_is_refused(tmp_path: Path) -> None:
    """`t` in the project's `F.v` is refused before coqc, naming `other/Bool.v`."""
    refused = _refusal(_project(tmp_path), "reflexivity.")
    assert "other/Bool.v', a library a project build (-R) may load" in refused


def _reading_of_b(folder: Path, header: str, flags: list[str]) -> str:
    """What a plain coqc with ``flags`` reads ``b`` of ``header`` as."""
    (folder / "R.v").write_text(header + "Eval compute in b.\n")
    status, output, _ = run_to_end(
        ["coqc", "-q", *flags, "R.v"], timeout_s=120, cwd=folder, merge_stderr=True
    )
    assert status == 0, output
    return output.decode().split("=", 1)[1].split(":", 1)[0].strip()


IMPREDICATIVE = (
    "Definition b : bool := ltac:(first [\n"
    "  let _ := constr:((forall P : Set, P) : Set) in exact true | exact false ]).\n"
)


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_project_option_changes_the_reading(tmp_path: Path) -> None:
    """Control: `b` reads `false` under a plain coqc and `true` under `-impredicative-set`."""
    assert _reading_of_b(tmp_path, IMPREDICATIVE, []) == "false"
    assert _reading_of_b(tmp_path, IMPREDICATIVE, ["-impredicative-set"]) == "true"


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_project_passing_coqc_options_is_refused(tmp_path: Path) -> None:
    """`t : b = false` in a project whose `_CoqProject` passes `-arg -impredicative-set` is
    refused, naming the option; without it, the same file verifies."""
    (tmp_path / "F.v").write_text(IMPREDICATIVE + "\nTheorem t : b = false.\nProof.\nAdmitted.\n")
    (tmp_path / "_CoqProject").write_text("-R . Lib\nF.v\n")
    theorem = theorem_from_file(tmp_path / "F.v", "t", language="coq")
    assert verify_proof(theorem, ["reflexivity."], timeout_s=120).ok
    (tmp_path / "_CoqProject").write_text("-R . Lib\n-arg -impredicative-set\nF.v\n")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not verification.ok
    assert "passes coqc options (-arg, -impredicative-set)" in (verification.message or "")


EQB = "Definition b : bool := ltac:(first [ let _ := constr:(eqb) in exact true | exact false ]).\n"


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_pre_imported_library_changes_the_reading(tmp_path: Path) -> None:
    """Control: `b` reads `false` under a plain coqc and `true` with `-ri Coq.Bool.Bool`."""
    assert _reading_of_b(tmp_path, EQB, []) == "false"
    assert _reading_of_b(tmp_path, EQB, ["-ri", "Coq.Bool.Bool"]) == "true"


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_options_hidden_behind_a_quote_are_refused(tmp_path: Path) -> None:
    """Round 106's `_CoqProject` is refused for its quote."""
    (tmp_path / "F.v").write_text(EQB + "\nTheorem t : b = false.\nProof.\nAdmitted.\n")
    (tmp_path / "_CoqProject").write_text(
        "-R . Lib\n-docroot a'b -arg -ri -arg Coq.Bool.Bool #'\nF.v\n"
    )
    assert 'holds "\'" (quotes, backslashes' in _refusal(tmp_path / "F.v", "reflexivity.")


DUNE_RULE = (
    "(coq.theory (name Lib))\n"
    "(rule (targets Bool.v) (deps bool.txt) (action (copy bool.txt Bool.v)))\n"
)


HIDDEN_RULE = (
    '(coq.theory\n (name Lib)\n (synopsis "\\| x\n ))\n'
    "(rule (targets Bool.v) (deps bool.txt) (action (copy bool.txt Bool.v)))\n"
    '; "))\n'
)
"""Round 108: to dune, the synopsis ends at the line's end and a rule follows."""


def _dune_builds(root: Path) -> None:
    """`dune build`, rooted at ``root``, succeeds."""
    status, output, _ = run_to_end(
        ["dune", "build", "--root", "."], timeout_s=300, cwd=root, merge_stderr=True
    )
    assert status == 0, output


def _dune_project(root: Path, theorem: str, dune: str = DUNE_RULE) -> None:
    (root / "dune-project").write_text("(lang dune 2.9)\n(using coq 0.3)\n")
    (root / "dune").write_text(dune)
    (root / "bool.txt").write_text("Definition negb (b : bool) : bool := b.\n")
    (root / "F.v").write_text(f"Require Import Bool.\n\n{theorem}\n")


@COQ_TOOLS[0]
@COQ_TOOLS[1]
@pytest.mark.skipif(shutil.which("dune") is None, reason="dune not installed")
@pytest.mark.parametrize("dune", [DUNE_RULE, HIDDEN_RULE])
def test_a_dune_rule_makes_a_library_only_the_build_sees(tmp_path: Path, dune: str) -> None:
    """Control: `dune build` compiles the refutation of `negb true = false` against the
    generated `Bool` (round 107's rule, and round 108's behind a block string)."""
    refutation = "Theorem nt : ~ (negb true = false).\nProof. cbv. discriminate. Qed."
    _dune_project(tmp_path, refutation, dune)
    _dune_builds(tmp_path)


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_dune_file_doing_more_than_naming_a_theory_is_refused(tmp_path: Path) -> None:
    """`t : negb true = false` beside round 107's dune rule is refused, naming the rule."""
    _dune_project(tmp_path, "Theorem t : negb true = false.\nProof.\nAdmitted.")
    assert "holds 'rule'" in _refusal(tmp_path / "F.v", "reflexivity.")


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_rule_hidden_behind_a_block_string_is_refused(tmp_path: Path) -> None:
    """Round 108's dune file is refused: it holds a backslash."""
    _dune_project(tmp_path, "Theorem t : negb true = false.\nProof.\nAdmitted.", HIDDEN_RULE)
    assert "is not read with certainty" in _refusal(tmp_path / "F.v", "reflexivity.")


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_project_plugin_folder_is_loaded_by_the_build(tmp_path: Path) -> None:
    """Control: with `-I plug`, `Require Import Rtauto.` loads `plug/rtauto_plugin.cmxs` (a
    garbage one fails to load); a plain coqc loads the installed plugin."""
    (tmp_path / "plug").mkdir()
    (tmp_path / "plug" / "rtauto_plugin.cmxs").write_bytes(b"not a plugin")
    (tmp_path / "A.v").write_text("Require Import Rtauto.\n")
    planted = run_to_end(
        ["coqc", "-q", "-I", "plug", "A.v"], timeout_s=120, cwd=tmp_path, merge_stderr=True
    )
    assert planted[0] != 0 and b"plug/rtauto_plugin.cmxs" in planted[1], planted
    plain = run_to_end(["coqc", "-q", "A.v"], timeout_s=120, cwd=tmp_path, merge_stderr=True)
    assert plain[0] == 0, plain


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_project_adding_a_plugin_folder_is_refused(tmp_path: Path) -> None:
    """A `_CoqProject` with `-I plug` is refused, naming the option."""
    file = "Require Import Rtauto.\n\nTheorem t : True.\nProof.\nAdmitted.\n"
    (tmp_path / "F.v").write_text(file)
    (tmp_path / "_CoqProject").write_text("-R . Lib\n-I plug\nF.v\n")
    assert "passes coqc options (-I, plug)" in _refusal(tmp_path / "F.v", "exact I.")


def _cache_project(root: Path) -> Path:
    (root / "sub").mkdir()
    (root / "_CoqProject").write_text("-R . Lib\nsub/F.v\n")
    (root / ".lia.cache").write_bytes(POISONED_LIA_CACHE)
    (root / "sub" / "F.v").write_text(CACHE_FILE)
    return root / "sub" / "F.v"


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_coqc_run_from_the_project_root_reads_the_roots_cache(tmp_path: Path) -> None:
    """Control: `coqc -R . Lib sub/N.v` run from the root (as coq_makefile runs it) reads `P`
    as `1 = 2` through the root's cache, and proves `~ P`."""
    _cache_project(tmp_path)
    proof = "Theorem n : ~ P.\nProof.\nintro H. discriminate H.\nQed."
    negation = CACHE_FILE.replace("Theorem t : P.\nProof.\nAdmitted.", proof)
    assert proof in negation
    (tmp_path / "sub" / "N.v").write_text(negation)
    status, output, _ = run_to_end(
        ["coqc", "-q", "-R", ".", "Lib", "sub/N.v"], timeout_s=120, cwd=tmp_path, merge_stderr=True
    )
    assert status == 0, output


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_file_below_a_project_root_with_a_cache_is_refused(tmp_path: Path) -> None:
    """`t : P` in `sub/F.v` is refused, naming the root's `.lia.cache`."""
    refused = _refusal(_cache_project(tmp_path), "exact I.")
    assert "holds .lia.cache, which coqc run there" in refused


LOCAL_FLAGS = "COQEXTRAFLAGS += -ri Coq.Bool.Bool\n"
"""Round 113's `Makefile.local.sh`, which make's `%: %.sh` copies to `Makefile.local`."""
SHIPPED_DEPENDENCIES = (
    "F.vo F.glob F.v.beautified F.required_vo: F.v\nF.vio: F.v\n"
    "F.vos F.vok F.required_vos: F.v\nCOQFLAGS += -ri Coq.Bool.Bool\n"
)


SHIPPED = {
    ".Makefile.d": SHIPPED_DEPENDENCIES,
    "Makefile.local.sh": LOCAL_FLAGS,
    "_CoqProject.sh": "-R . Lib\n-arg -ri -arg Coq.Bool.Bool\nF.v\n",
}
"""Round 112's dependency file, 113's and 114's sources of make's built-in `%: %.sh`."""


def _make_builds(root: Path) -> None:
    """coq_makefile's build of the project at ``root`` (`coq_makefile -f _CoqProject -o
    Makefile`, then `make`) succeeds."""
    made = run_to_end(
        ["coq_makefile", "-f", "_CoqProject", "-o", "Makefile"], timeout_s=120, cwd=root
    )
    assert made[0] == 0, made
    built = run_to_end(["make"], timeout_s=300, cwd=root, merge_stderr=True)
    assert built[0] == 0, built


def _make_project(root: Path, theorem: str, shipped: str) -> None:
    (root / "_CoqProject").write_text("-R . Lib\nF.v\n")
    (root / "F.v").write_text(EQB + f"\n{theorem}\n")
    (root / shipped).write_text(SHIPPED[shipped])


@COQ_TOOLS[0]
@COQ_TOOLS[1]
@pytest.mark.skipif(
    shutil.which("make") is None or shutil.which("coq_makefile") is None,
    reason="make or coq_makefile not installed",
)
@pytest.mark.parametrize("shipped", sorted(SHIPPED))
def test_a_shipped_make_file_gives_the_build_options(tmp_path: Path, shipped: str) -> None:
    """Control: coq_makefile's build with the shipped `.Makefile.d` (or `Makefile.local.sh`)
    compiles the refutation of `b = false`."""
    refutation = "Theorem nt : ~ (b = false).\nProof. unfold b. discriminate. Qed."
    _make_project(tmp_path, refutation, shipped)
    _make_builds(tmp_path)


@COQ_TOOLS[0]
@COQ_TOOLS[1]
@pytest.mark.parametrize("shipped", sorted(SHIPPED))
def test_a_project_shipping_make_code_is_refused(tmp_path: Path, shipped: str) -> None:
    """`t : b = false` beside round 112's `.Makefile.d` (or 113's `Makefile.local.sh`) is
    refused, naming it."""
    _make_project(tmp_path, "Theorem t : b = false.\nProof.\nAdmitted.", shipped)
    refused = _refusal(tmp_path / "F.v", "reflexivity.")
    assert f"{shipped}', which the project's make build reads" in refused


def _vio_library(folder: Path) -> None:
    """An identity `negb` compiled with `coqc -vio` to `folder/Bool.vio` (no `Bool.vo`)."""
    maker = folder / "mk"
    maker.mkdir()
    (maker / "Bool.v").write_text("Definition negb (b : bool) : bool := b.\n")
    made = run_to_end(["coqc", "-q", "-vio", "Bool.v"], timeout_s=120, cwd=maker)
    assert made[0] == 0, made
    (folder / "Bool.vio").write_bytes((maker / "Bool.vio").read_bytes())


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_plain_coqc_loads_a_vio_beside_the_file(tmp_path: Path) -> None:
    """Control: with `Bool.vio` beside it, a plain coqc proves `~ (negb true = false)`."""
    _vio_library(tmp_path)
    (tmp_path / "N.v").write_text(REFUTATION)
    status, output, _ = run_to_end(
        ["coqc", "-q", "N.v"], timeout_s=120, cwd=tmp_path, merge_stderr=True
    )
    assert status == 0, output


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_vio_library_beside_the_file_is_refused(tmp_path: Path) -> None:
    """`t : negb true = false` beside round 115's `Bool.vio` is refused, naming it."""
    _vio_library(tmp_path)
    (tmp_path / "F.v").write_text(FILE)
    assert "Bool.vio" in _refusal(tmp_path / "F.v", "reflexivity.")


BACKTICK_FILE = "`cat<p.txt`.v"


def _backtick_project(root: Path, theorem: str) -> None:
    (root / "_CoqProject").write_text(f"-R . Lib\n{BACKTICK_FILE}\nF.v\n")
    (root / BACKTICK_FILE).write_text("Definition z := 0.\n")
    (root / "p.txt").write_text("-ri Coq.Bool.Bool F")
    (root / "F.v").write_text(EQB + f"\n{theorem}\n")


@COQ_TOOLS[0]
@COQ_TOOLS[1]
@pytest.mark.skipif(
    shutil.which("make") is None or shutil.which("coq_makefile") is None,
    reason="make or coq_makefile not installed",
)
def test_a_listed_file_name_runs_in_the_builds_shell(tmp_path: Path) -> None:
    """Control: coq_makefile's build runs the backticks of round 117's file name and
    compiles the refutation of `b = false`."""
    _backtick_project(tmp_path, "Theorem nt : ~ (b = false).\nProof. unfold b. discriminate. Qed.")
    _make_builds(tmp_path)


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_project_word_with_shell_characters_is_refused(tmp_path: Path) -> None:
    """`t : b = false` in round 117's project is refused, naming the word."""
    _backtick_project(tmp_path, "Theorem t : b = false.\nProof.\nAdmitted.")
    assert f"holds the word {BACKTICK_FILE!r}" in _refusal(tmp_path / "F.v", "reflexivity.")


def _parent_dune_project(root: Path, theorem: str) -> Path:
    sub = root / "sub"
    sub.mkdir()
    (root / "dune").write_text(
        "(subdir sub (rule (targets Bool.v) (deps ../bool.txt)\n"
        "  (action (copy ../bool.txt Bool.v))))\n"
    )
    (root / "bool.txt").write_text("Definition negb (b : bool) : bool := b.\n")
    (sub / "dune-project").write_text("(lang dune 2.9)\n(using coq 0.3)\n")
    (sub / "dune").write_text("(coq.theory (name Lib))\n")
    (sub / "F.v").write_text(f"Require Import Bool.\n\n{theorem}\n")
    return sub / "F.v"


@COQ_TOOLS[0]
@COQ_TOOLS[1]
@pytest.mark.skipif(shutil.which("dune") is None, reason="dune not installed")
def test_dune_run_above_the_theory_reads_the_parent_dune_file(tmp_path: Path) -> None:
    """Control: `dune build` in the parent folder compiles the refutation against the
    `Bool.v` the parent's `subdir` rule writes."""
    refutation = "Theorem nt : ~ (negb true = false).\nProof. cbv. discriminate. Qed."
    _parent_dune_project(tmp_path, refutation)
    _dune_builds(tmp_path)


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_dune_file_above_the_theory_is_read_and_refused(tmp_path: Path) -> None:
    """`t : negb true = false` below round 119's parent `dune` file is refused, naming its
    `subdir` stanza."""
    path = _parent_dune_project(tmp_path, "Theorem t : negb true = false.\nProof.\nAdmitted.")
    assert "holds 'subdir'" in _refusal(path, "reflexivity.")
