"""Round fifty-nine: a resumed run counted a proof the user's file no longer supports.

Found by a red-team round (2026-12-05), default flags, no hostile model. `prover eval --file
F --theorem T` into an existing run folder resumes it, matching stored attempts to the
theorem by its name, header and statement; a proof recorded by today's verifier was counted
without any check. After the first run the user's folder gained a `Bool.vo` whose `negb`
is the identity (round fifty-seven's trick; the file itself unchanged), or the file narrowed
the section variables its theorem takes: the resumed run still reported the theorem solved.
Now every proved attempt of a theorem read from a file is verified again on resume, against
the file and its folder as they are.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from prover.cli.main import main
from tests.soundness.file_runs import compile_alone
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS

SOURCE = "Require Import Bool.\nTheorem t : negb true = false.\nAdmitted.\n"


def test_a_proof_the_folder_no_longer_supports_stops_counting_on_resume(tmp_path: Path) -> None:
    """The first run proves `t`; then the folder gains a `Bool.vo` (the file is the same
    byte for byte): the resumed run re-verifies the stored proof, refuses it naming the
    library, records it failed, and the summary counts nothing solved."""
    work = tmp_path / "work"
    work.mkdir()
    compile_alone(work, "S1.v", SOURCE)
    run_dir = tmp_path / "run"
    arguments = [
        "eval", "--file", str(work / "S1.v"), "--theorem", "t", "--attempts", "1",
        "--time-limit", "20", "--run-dir", str(run_dir), "--no-progress", "--no-report",
    ]  # fmt: skip
    assert main(arguments) == 0
    assert json.loads((run_dir / "summary.json").read_text())["solved"] == 1
    compile_alone(work, "Bool.v", "Definition negb (b : bool) := b.\n")
    main(arguments)
    with sqlite3.connect(run_dir / "results.sqlite") as connection:
        (text,) = connection.execute("SELECT record FROM attempts").fetchone()
    record = json.loads(text)
    assert record["status"] == "failed" and record["verified"] is False
    assert "re-verification failed" in record["error"] and "Bool.vo" in record["error"]
    assert json.loads((run_dir / "summary.json").read_text())["solved"] == 0
