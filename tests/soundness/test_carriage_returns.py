"""Round thirty-nine: a `--file`'s carriage returns were translated before Coq read them.

Found by a red-team round (2026-12-05): `theorem_from_file` read the file with
`Path.read_text`, whose newline translation turns `\\r\\n` and a lone `\\r` into `\\n`, inside
string literals too. So `Theorem t : "a<CR>b" = "a<LF>b".`, which the file itself refutes,
became `"a<LF>b" = "a<LF>b"` for every check, coqtop and coqc alike, and `intuition` was
recorded proved with admission, coqc and coqchk (default flags, no hostile model). Now the
file is decoded byte for byte: what Coq reads is what the file says.
"""

from __future__ import annotations

import json
from pathlib import Path

from prover.backends.coq.verify import verify_proof
from prover.backends.factory import DEFAULT_COQ_PRELUDE
from prover.cli.main import main
from prover.data.theorem_files import theorem_from_file
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS

HEADER = "Require Import String.\nOpen Scope string_scope.\n\n"
REFUTED = 'Theorem t : "a\rb" = "a\nb".\nProof.\nAdmitted.\n'
REFUTATION = 'Lemma not_t : "a\rb" <> "a\nb".\nProof. discriminate. Qed.\n'


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def _statuses(run: Path) -> list[str]:
    lines = (run / "results.jsonl").read_text().splitlines()
    return [json.loads(line)["status"] for line in lines]


def test_the_file_is_read_byte_for_byte(tmp_path: Path) -> None:
    """Header and statement keep every carriage return of the file, alone or before `\\n`."""
    source = _write(tmp_path / "F.v", HEADER.replace("\n", "\r\n") + REFUTED)
    theorem = theorem_from_file(source, "t", language="coq")
    assert theorem.header.count("\r\n") == 3
    assert '"a\rb"' in theorem.statement


def test_a_statement_the_file_refutes_is_not_proved(tmp_path: Path) -> None:
    """`prove --file` on the round's file: not recorded proved."""
    source = _write(tmp_path / "F.v", HEADER + REFUTED + REFUTATION)
    status = main([
        "prove", "--file", str(source), "--theorem", "t", "--time-limit", "20",
        "--output", str(tmp_path / "run"), "--no-progress",
    ])  # fmt: skip
    assert _statuses(tmp_path / "run") == ["failed"]
    assert status == 0


def test_translated_the_statement_verifies_and_as_written_it_does_not(tmp_path: Path) -> None:
    """The control: the theorem as newline translation read it verifies `intuition`; the
    same proof of the file's own bytes is refused."""
    source = _write(tmp_path / "F.v", HEADER + REFUTED)
    written = theorem_from_file(source, "t", language="coq")
    translated = written.__class__(
        name="t", header=written.header, statement=written.statement.replace("\r", "\n")
    )
    assert verify_proof(translated, ["intuition."], timeout_s=120, prelude=DEFAULT_COQ_PRELUDE).ok
    refused = verify_proof(written, ["intuition."], timeout_s=120, prelude=DEFAULT_COQ_PRELUDE)
    assert not refused.ok


def test_an_honest_windows_file_still_proves(tmp_path: Path) -> None:
    """A CRLF file whose string spans a line: `String.length` counts the `\\r`, and the true
    statement (4 characters) is proved and verified."""
    text = HEADER + 'Theorem t : String.length "a\nb" = 4.\nProof.\nAdmitted.\n'
    source = _write(tmp_path / "W.v", text.replace("\n", "\r\n"))
    main([
        "prove", "--file", str(source), "--theorem", "t", "--time-limit", "20",
        "--output", str(tmp_path / "run"), "--no-progress",
    ])  # fmt: skip
    lines = (tmp_path / "run" / "results.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["status"], r["verified"]) for r in records] == [("proved", True)]
