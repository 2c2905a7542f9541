"""`prover trace` batches: resume after SIGKILL, failing files, splits, output merge."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from prover.cli.main import main
from prover.tracing.batch import TraceConfig
from prover.tracing.libraries import library_files
from prover.tracing.output import FilePart, TraceDirectory
from prover.tracing.splits import SPLIT_SHARES, split_of
from search.errors import ConfigError, InputError

needs_coqtop = pytest.mark.skipif(shutil.which("coqtop") is None, reason="coqtop not installed")
REPOSITORY = Path(__file__).resolve().parents[3]


def slow_file(index: int) -> str:
    """A small source with a proof taking about a second (a big unary number)."""
    return (
        f"Lemma quick_{index} : {index} + 0 = {index}.\nProof.\n  simpl.\n  reflexivity.\nQed.\n"
        f"Lemma slow_{index} : Nat.pow 2 {15 + index % 2} = Nat.pow 2 {15 + index % 2}.\n"
        "Proof.\n  reflexivity.\nQed.\n"
    )


def read_steps(folder: Path) -> list[dict[str, object]]:
    with gzip.open(folder / "steps.jsonl.gz", "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def read_theorems(folder: Path) -> list[dict[str, object]]:
    lines = (folder / "theorems.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def trace_command(sources: Path, output: Path) -> list[str]:
    return [
        sys.executable, "-m", "prover.cli", "trace", "--source", str(sources),
        "--output", str(output), "--workers", "1", "--quiet",
    ]  # fmt: skip


@pytest.mark.slow
@pytest.mark.coq
@needs_coqtop
def test_resume_after_sigkill_redoes_nothing_and_loses_nothing(tmp_path: Path) -> None:
    """SIGKILL after the first file: parts written survive, the rerun does only the rest."""
    sources = tmp_path / "sources"
    sources.mkdir()
    for index in range(5):
        (sources / f"f{index}.v").write_text(slow_file(index), encoding="utf-8")
    output = tmp_path / "trace"
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    process = subprocess.Popen(
        trace_command(sources, output), env=environment, start_new_session=True
    )
    parts = output / "parts" / "source"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(parts.glob("*.json.gz")):
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    survived = sorted(p.name for p in parts.glob("*.json.gz"))
    assert 1 <= len(survived) < 5, survived
    assert not (output / "steps.jsonl.gz").exists()

    subprocess.run(trace_command(sources, output), env=environment, check=True, timeout=300)
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["runs"][-1]["files_already_done"] == len(survived)
    assert manifest["runs"][-1]["files_traced"] == 5 - len(survived)
    theorems = read_theorems(output)
    assert sorted(str(t["theorem"]) for t in theorems) == sorted(
        [f"quick_{i}" for i in range(5)] + [f"slow_{i}" for i in range(5)]
    )
    quick_steps = [s for s in read_steps(output) if str(s["theorem"]).startswith("quick_")]
    assert len(quick_steps) == 10


@pytest.mark.coq
@needs_coqtop
def test_broken_file_is_recorded_with_its_error_and_the_batch_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file Coq rejects is stored with Coq's message; the other files are traced."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "good.v").write_text(slow_file(3).split("Lemma slow")[0], encoding="utf-8")
    (sources / "broken.v").write_text(
        "Lemma kept : True.\nProof. exact I. Qed.\nRequire Import NoSuchThing.\n",
        encoding="utf-8",
    )
    output = tmp_path / "trace"
    assert main(["trace", "--source", str(sources), "--output", str(output)]) == 0
    assert "broken.v" in capsys.readouterr().err
    parts = {part.file: part for part in TraceDirectory(output).parts()}
    broken = parts["broken.v"]
    assert broken.error is not None and "NoSuchThing" in broken.error
    assert [t["theorem"] for t in broken.theorems] == ["kept"]
    assert parts["good.v"].error is None
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    failed = sum(c["failed_files"] for c in manifest["counts"]["source"].values())
    assert failed == 1
    assert {str(t["theorem"]) for t in read_theorems(output)} == {"kept", "quick_3"}


def test_split_is_stable_and_by_file() -> None:
    """The split depends only on (library, file), is pinned, and follows the shares."""
    assert split_of("stdlib", "Reals/R_sqr.v") == "train"
    assert split_of("stdlib", "Bool/BoolOrder.v") == "valid"
    assert split_of("stdlib", "QArith/Qreals.v") == "test"
    assert split_of("stdlib", "Reals/R_sqr.v") == split_of("stdlib", "Reals/R_sqr.v")
    names = [split_of("lib", f"dir/file{index}.v") for index in range(20000)]
    for name, share in SPLIT_SHARES:
        assert abs(names.count(name) / len(names) - share) < 0.01


def test_merge_deduplicates_within_a_split_only(tmp_path: Path) -> None:
    """Identical (state, tactic) rows are kept once per split, and the removals counted."""
    row = {"state": "⊢ True", "tactic": "exact I."}
    directory = TraceDirectory(tmp_path)
    for file, split in (("a.v", "train"), ("b.v", "train"), ("c.v", "test")):
        theorem = {"theorem": "t", "status": "traced", "reason": None, "ending": "Qed"}
        part = FilePart(
            library="source", file=file, module="", split=split, error=None, sentences=4,
            elapsed_s=0.1, qed_sentences=1, steps=[{**row, "file": file}],
            theorems=[{**theorem, "file": file}],
        )  # fmt: skip
        directory.write_part(part)
    summary = directory.merge({"format": "test"})
    assert [(s["file"], s["split"]) for s in read_steps(tmp_path)] == [
        ("a.v", "train"),
        ("c.v", "test"),
    ]
    assert summary.duplicates_removed == {"train": 1}
    assert summary.coverage["source"]["share"] == 1.0
    assert len(read_theorems(tmp_path)) == 3


def test_library_not_installed_names_the_debian_package(tmp_path: Path) -> None:
    """An absent library gets one line naming the package to install."""
    with pytest.raises(InputError, match=r"apt-get install -y libcoq-corn"):
        library_files("corn", where=tmp_path)
    with pytest.raises(ConfigError, match="unknown library"):
        library_files("nosuch", where=tmp_path)


def test_cli_reports_a_missing_library_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`prover trace --library X` for an absent X exits 2 with `prover: error: ...`."""
    monkeypatch.setattr("prover.tracing.batch.coq_where", lambda coqc_path: tmp_path)
    status = main(["trace", "--library", "flocq", "--output", str(tmp_path / "out")])
    error = capsys.readouterr().err.strip()
    assert status == 2
    assert error.startswith("prover: error: library flocq is not installed")
    assert error.endswith("apt-get install -y libcoq-flocq") and "\n" not in error


@pytest.mark.coq
@needs_coqtop
def test_stdlib_file_rows_name_library_module_and_split(tmp_path: Path) -> None:
    """A real stdlib file replays as its own module; rows carry library, module and split."""
    output = tmp_path / "trace"
    arguments = ["trace", "--library", "stdlib", "--files", "Bool/BoolOrder.v"]
    assert main([*arguments, "--output", str(output), "--quiet"]) == 0
    steps = read_steps(output)
    assert steps and {s["module"] for s in steps} == {"Coq.Bool.BoolOrder"}
    assert {s["split"] for s in steps} == {"valid"} and {s["library"] for s in steps} == {"stdlib"}
    theorems = read_theorems(output)
    assert all(t["status"] == "traced" for t in theorems)


def test_trace_config_names_bad_fields(tmp_path: Path) -> None:
    """Invalid configurations fail with the field named."""
    with pytest.raises(ConfigError, match="at least one library or source"):
        TraceConfig(output=tmp_path)
    with pytest.raises(ConfigError, match="only_files"):
        TraceConfig(output=tmp_path, sources=(tmp_path,), only_files=("a.v",))
    with pytest.raises(ConfigError, match="workers"):
        TraceConfig(output=tmp_path, libraries=("stdlib",), workers=0)
    with pytest.raises(ConfigError, match="unknown nosuch"):
        TraceConfig(output=tmp_path, libraries=("nosuch",))


def test_library_files_load_as_compiled(tmp_path: Path) -> None:
    """A contrib file gets `-R root Root` and `-topfile`; stdlib Init files get `-noinit`."""
    core = tmp_path / "user-contrib" / "Flocq" / "Core" / "Raux.v"
    core.parent.mkdir(parents=True)
    core.write_text("Lemma a : True. Proof. exact I. Qed.\n", encoding="utf-8")
    (flocq,) = library_files("flocq", where=tmp_path)
    assert flocq.file == "Core/Raux.v" and flocq.module == "Flocq.Core.Raux"
    assert flocq.coqtop_args == (
        "-R", str(tmp_path / "user-contrib" / "Flocq"), "Flocq", "-topfile", str(core),
    )  # fmt: skip
    init = tmp_path / "theories" / "Init" / "Logic.v"
    init.parent.mkdir(parents=True)
    init.write_text("Inductive True : Prop := I.\n", encoding="utf-8")
    (logic,) = library_files("stdlib", where=tmp_path)
    assert logic.module == "Coq.Init.Logic"
    assert logic.coqtop_args == ("-topfile", str(init), "-noinit")
