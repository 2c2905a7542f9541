"""`prover prove --file F --theorem T --generator knn`: online learning from the file's header.

The file defines an inductive predicate and proves ``ev_4`` with its constructors; ``ev_8``
below needs the same constructor applications. The knn model (trained on the fixture trace)
has never seen ``ev``, so only the header's proof can teach it: the search proves ``ev_8``
with online learning and fails without it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from models.retrieval.settings import KnnTrainingConfig
from models.retrieval.training import train_knn
from prover.cli.main import main

FIXTURE_TRACE = Path(__file__).resolve().parents[2] / "fixtures" / "knn_trace"
SOURCE = """Require Import Arith.

Inductive ev : nat -> Prop :=
| ev_0 : ev 0
| ev_SS : forall n : nat, ev n -> ev (S (S n)).

Lemma ev_4 : ev 4.
Proof.
apply ev_SS.
apply ev_SS.
apply ev_0.
Qed.

Lemma ev_8 : ev 8.
Proof.
Admitted.
"""

needs_coq = pytest.mark.skipif(shutil.which("coqtop") is None, reason="coqtop not installed")


def _run(tmp_path: Path, name: str, *extra: str) -> dict[str, Any]:
    source = tmp_path / "Ev.v"
    source.write_text(SOURCE)
    model = tmp_path / "knn"
    if not model.exists():
        train_knn(KnnTrainingConfig(data=FIXTURE_TRACE, output=model))
    output = tmp_path / name
    status = main(
        [
            "prove", "--no-progress", "--file", str(source), "--theorem", "ev_8",
            "--generator", "knn", "--model", str(model), "--time-limit", "20",
            "--output", str(output), *extra,
        ]
    )  # fmt: skip
    assert status == 0
    [record] = [json.loads(line) for line in (output / "results.jsonl").read_text().splitlines()]
    return record


@pytest.mark.coq
@pytest.mark.slow
@needs_coq
def test_header_proof_teaches_knn_the_proof(tmp_path: Path) -> None:
    """With online learning ev_8 is proved (and verified) by ev_4's tactics; without, not."""
    pytest.importorskip("prover.tracing", reason="the trace helper's prover.tracing is not merged")
    learned = _run(tmp_path, "online")
    assert learned["status"] == "proved" and learned["verified"] is True
    assert learned["proof"][-1].rstrip(".") == "apply ev_0"
    assert sum(t.rstrip(".") == "apply ev_SS" for t in learned["proof"]) == 4
    frozen = _run(tmp_path, "offline", "--no-online-learning")
    assert frozen["status"] == "failed"
