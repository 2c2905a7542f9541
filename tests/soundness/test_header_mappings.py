"""Round thirty-five: the Coq 8.16 header mappings rewrote a user's file and a request.

Found by a red-team round (2026-12-05): the mappings that let miniF2F-Coq's Rocq 9 headers
load on Coq 8.16 (`Stdlib.X` to `Coq.X`, a `Cpow` power on Coquelicot's `C`) were applied to
every header the backend opened, `prove --file` and `/search` included. A file's own module
named `Stdlib` was remapped to the standard library (`add 1 1 = 2` with the file's `add`
constantly 0 was proved by `nia`), a request's `Stdlib` module became its own reversed
order, and a notation the file declared in `C_scope` was replaced by the insert's. Now the
mappings are applied once, when the miniF2F-Coq benchmark is loaded, and never to a user's
file or a request: those are checked and compiled as written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prover.backends.coq.verify import verify_proof
from prover.backends.factory import DEFAULT_COQ_PRELUDE
from prover.cli.main import main
from prover.data.benchmarks import data_directory, load_benchmark
from prover.data.coq816_headers import coq816_header
from prover.interactive.statements import request_theorem
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS

OWN_STDLIB = (
    "Module Stdlib.\n  Module Init.\n    Module Nat.\n"
    "      Definition add (a b : nat) : nat := 0.\n"
    "    End Nat.\n  End Init.\nEnd Stdlib.\nImport Stdlib.Init.Nat.\n"
)
STATEMENT = "Theorem t : add 1 1 = 2."
REFUTATION = "Lemma t_is_false : ~ (add 1 1 = 2).\nProof. unfold add. discriminate. Qed.\n"


def test_a_files_own_stdlib_module_is_not_remapped(tmp_path: Path) -> None:
    """`prove --file` on the round's file: the header loads as written, `add` is the file's,
    and the theorem is not recorded proved."""
    source = tmp_path / "F.v"
    source.write_text(f"{OWN_STDLIB}{STATEMENT}\nProof.\nAdmitted.\n{REFUTATION}")
    status = main([
        "prove", "--file", str(source), "--theorem", "t", "--time-limit", "20",
        "--output", str(tmp_path / "run"), "--no-progress",
    ])  # fmt: skip
    lines = (tmp_path / "run" / "results.jsonl").read_text().splitlines()
    assert [json.loads(line)["status"] for line in lines] == ["failed"], lines
    assert status == 0


def test_with_the_mapping_applied_the_false_statement_verifies() -> None:
    """The control: the header mapped as the backend mapped every header before the fix, and
    `nia` passes admission, coqc and coqchk; as written, the same proof is refused."""
    mapped = Theorem(name="t", header=coq816_header(OWN_STDLIB), statement=STATEMENT)
    assert verify_proof(mapped, ["nia."], timeout_s=120, prelude=DEFAULT_COQ_PRELUDE).ok
    written = Theorem(name="t", header=OWN_STDLIB, statement=STATEMENT)
    refused = verify_proof(written, ["nia."], timeout_s=120, prelude=DEFAULT_COQ_PRELUDE)
    assert not refused.ok and "coqc rejected" in (refused.message or "")


def test_a_request_header_is_checked_and_compiled_as_sent() -> None:
    """A `/search` header keeps its `Stdlib` names: no rewrite happens between what the
    request says and what Coq reads."""
    header = (
        "Require Import Coq.Structures.OrdersFacts Coq.Structures.OrdersEx.\n"
        "Module Stdlib := OrderedTypeFacts(Bool_as_OT).\nImport Stdlib.OrderTac.TO.\n"
    )
    theorem = request_theorem(
        language="coq", header=header, statement="Theorem t : compare true false = Lt.", name=None
    )
    assert "Import Stdlib.OrderTac.TO." in theorem.header
    assert "Coq.OrderTac" not in theorem.header


def test_the_benchmark_keeps_its_mapped_headers() -> None:
    """miniF2F-Coq still loads on Coq 8.16: its headers are mapped when the benchmark loads
    (no `From Stdlib` left), the statements untouched."""
    theorems = [
        entry.theorem
        for split in ("valid", "test")
        for entry in load_benchmark("minif2f-coq", split=split)
        if entry.theorem is not None
    ]
    assert len(theorems) == 488
    assert not any("From Stdlib" in theorem.header for theorem in theorems)
    assert sum("Fixpoint Cpow" in theorem.header for theorem in theorems) >= 11


def _user_benchmark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A miniF2F-Coq file in ``$PROVER_DATA_DIR``: the round's header and statement as a new
    valid entry, beside the first shipped entry that requires Coquelicot, unchanged."""
    shipped = [
        json.loads(line)
        for line in (data_directory() / "minif2f_coq.jsonl").read_text().splitlines()
    ]
    coquelicot = next(record for record in shipped if "Coquelicot" in record["header"])
    hostile = {
        "name": "t", "split": "valid", "header": OWN_STDLIB, "formal_statement": STATEMENT,
    }  # fmt: skip
    data = tmp_path / "data"
    data.mkdir()
    lines = [json.dumps(hostile), json.dumps(coquelicot)]
    (data / "minif2f_coq.jsonl").write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("PROVER_DATA_DIR", str(data))
    return data


def test_a_user_benchmark_header_is_loaded_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through `$PROVER_DATA_DIR` only the shipped file's own headers are mapped: the new
    entry's `Stdlib` stays the file's, the shipped Coquelicot header still gets `Cpow`."""
    _user_benchmark(tmp_path, monkeypatch)
    entries = {
        entry.key: entry.theorem
        for split in ("valid", "test")
        for entry in load_benchmark("minif2f-coq", split=split)
    }
    hostile = entries.pop("t")
    assert hostile is not None and hostile.header == OWN_STDLIB
    [shipped] = entries.values()
    assert shipped is not None and "Fixpoint Cpow" in shipped.header


def test_a_user_benchmark_entry_is_not_proved_through_the_mapping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end, `prove --benchmark minif2f-coq` on that file: the round's false statement
    is not recorded proved (mapped, the portfolio's `nia` proved it: the control above)."""
    _user_benchmark(tmp_path, monkeypatch)
    main([
        "prove", "--benchmark", "minif2f-coq", "--split", "valid", "--names", "t",
        "--time-limit", "20", "--output", str(tmp_path / "run"), "--no-progress",
    ])  # fmt: skip
    lines = (tmp_path / "run" / "results.jsonl").read_text().splitlines()
    assert [json.loads(line)["status"] for line in lines] == ["failed"], lines
