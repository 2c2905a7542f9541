"""Tests of ``prover report``: one run, two runs compared, rendering in headless Chromium."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pytest

from prover.attempts.database import ResultsDatabase
from prover.attempts.record import AttemptRecord
from prover.backends.verifier_identity import verifier_fingerprint
from prover.cli.main import main
from prover.evaluation.report import write_report
from prover.evaluation.summary import summarize_run
from search.errors import InputError

PROOF = "Theorem mathd_algebra_1 : 1 + 1 = 2.\nProof.\nreflexivity.\nQed."


def _graph_json() -> str:
    graph = nx.DiGraph()
    graph.add_node("root", status="proved", text="|- 1 + 1 = 2")
    graph.add_node("child", status="failed", text="|- False")
    graph.add_node("terminal:proof_complete")
    graph.add_edge("root", "child", tactics=["simpl"])
    graph.add_edge("root", "terminal:proof_complete", tactics=["reflexivity"])
    return json.dumps(nx.node_link_data(graph, edges="links"))


def _record(name: str, attempt: int, status: str, verifier: str | None = None) -> AttemptRecord:
    proved = status == "proved"
    return AttemptRecord(
        name=name,
        attempt=attempt,
        seed=attempt,
        status=status,
        proof=("reflexivity.",) if proved else None,
        proof_text=PROOF if proved else None,
        verified=proved,
        expansions=3 + attempt,
        time_s=0.5 + attempt,
        error="StatementError: rejected" if status == "error" else None,
        verifier=(verifier or verifier_fingerprint()) if proved else None,
    )


def _make_run(run_dir: Path, outcomes: dict[str, list[str]]) -> Path:
    with ResultsDatabase(run_dir) as database:
        database.bind_config(run_dir.name, {"attempts": 2})
        for name, statuses in outcomes.items():
            for attempt, status in enumerate(statuses):
                graph = _graph_json() if status == "proved" else None
                database.add(_record(name, attempt, status), graph=graph)
        summary = summarize_run(list(outcomes), database.records(), attempts=2)
    (run_dir / "summary.json").write_text(json.dumps(summary.to_dict()))
    return run_dir


RUN_A = {
    "mathd_algebra_1": ["proved", "failed"],
    "amc12_2001_p2": ["failed", "failed"],
    "imo_1959_p1": ["error", "error"],
}
RUN_B = {
    "mathd_algebra_1": ["proved", "proved"],
    "amc12_2001_p2": ["proved", "failed"],
    "imo_1959_p1": ["failed", "failed"],
}


def test_single_run_report_has_figures_table_and_proofs(tmp_path: Path) -> None:
    """report.html holds the pass@k, source, histogram and graph figures and the proofs."""
    run_dir = _make_run(tmp_path / "run_a", RUN_A)
    assert main(["report", str(run_dir)]) == 0
    page = (run_dir / "report.html").read_text()
    images = re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,([^"]+)"', page)
    captions = [caption for caption, _ in images]
    assert "pass@k" in captions
    assert "Solved theorems by source" in captions
    assert any("time per attempt" in c for c in captions)
    assert any("expansions per attempt" in c for c in captions)
    assert any("search graph of mathd_algebra_1" in c for c in captions)
    for _, data in images:
        assert base64.b64decode(data).startswith(b"\x89PNG")
    assert "reflexivity." in page
    assert "pass@1: 16.7%" in page  # (1/2 + 0 + 0) / 3


def test_two_runs_are_compared_side_by_side(tmp_path: Path) -> None:
    """Comparing two runs lists which theorems each solves and both pass@k values."""
    run_a = _make_run(tmp_path / "run_a", RUN_A)
    run_b = _make_run(tmp_path / "run_b", RUN_B)
    assert main(["report", str(run_a), str(run_b)]) == 0
    page = (run_a / "compare-run_b.html").read_text()
    assert "solved by both: 1, only run_a: 0, only run_b: 1, neither: 1" in page
    assert "pass@1: 16.7%" in page
    assert "pass@1: 50.0%" in page  # (1 + 1/2 + 0) / 3


def test_proofs_of_another_verifier_are_flagged_in_the_report_and_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A run with a proof that another verifier accepted says so in the page and the log,
    naming the run and the count; a run of today's verifier says nothing of the kind."""
    clean = _make_run(tmp_path / "clean", RUN_A)
    assert main(["report", str(clean)]) == 0
    assert "another version of the verifier" not in (clean / "report.html").read_text()
    assert "another version" not in caplog.text
    stale = tmp_path / "stale"
    with ResultsDatabase(stale) as database:
        database.bind_config("stale", {"attempts": 1})
        database.add(_record("mathd_algebra_1", 0, "proved", verifier="f" * 64))
    assert main(["report", str(stale)]) == 0
    expected = f"{stale}: 1 proof(s) were accepted by another version of the verifier"
    assert expected in (stale / "report.html").read_text()
    assert expected in caplog.text


def test_report_of_a_non_run_directory_names_it(tmp_path: Path) -> None:
    """A directory without results.sqlite is an InputError naming it."""
    from prover.evaluation.report import write_report

    with pytest.raises(InputError, match="not an eval run directory"):
        write_report([tmp_path])


@pytest.mark.slow
def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    """Chromium renders report.html to a screenshot that is not blank."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    run_dir = _make_run(tmp_path / "run_a", RUN_A)
    main(["report", str(run_dir)])
    screenshot = tmp_path / "report.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,1800",
            f"--screenshot={screenshot}",
            (run_dir / "report.html").as_uri(),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    from PIL import Image

    with Image.open(screenshot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # figures and text, not a blank page


def test_the_solved_count_comes_from_the_records_not_summary_json(tmp_path: Path) -> None:
    """Round eighty-four: a `summary.json` claiming more solved theorems does not reach the
    report's table; the count is read from the run's records."""
    run_dir = _make_run(tmp_path / "run_a", RUN_A)
    summary = json.loads((run_dir / "summary.json").read_text())
    (run_dir / "summary.json").write_text(json.dumps({**summary, "solved": 99}))
    page = write_report([run_dir]).read_text()
    assert "<td>1</td><td>" in page and "<td>99</td>" not in page


def test_a_linked_summary_refuses_the_report(tmp_path: Path) -> None:
    """A `summary.json` that is a symbolic link refuses the run directory, naming it."""
    run_dir = _make_run(tmp_path / "run_a", RUN_A)
    (tmp_path / "elsewhere.json").write_text((run_dir / "summary.json").read_text())
    (run_dir / "summary.json").unlink()
    (run_dir / "summary.json").symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(InputError, match=re.escape("summary.json is a symbolic link")):
        write_report([run_dir])


def test_evals_own_attempts_replace_the_stored_ones(tmp_path: Path) -> None:
    """The report `prover eval` writes uses its own `--attempts`, not the stored config's:
    a proof at attempt 1 of a stored `attempts: 2` does not count for one attempt."""
    run_dir = _make_run(tmp_path / "run_b", {"t": ["failed", "proved"]})
    with ResultsDatabase(run_dir) as database:
        records = database.records()
    page = write_report([run_dir], own_records=records, own_attempts=1).read_text()
    assert "pass@1: 0.0%" in page and "pass@2" not in page


def test_a_comparison_never_writes_through_a_hard_link(tmp_path: Path) -> None:
    """Round ninety-two: a `compare-NAME.html` hard-linked in a handed-over directory to
    another run's report is replaced by the comparison; that report keeps its content."""
    run_a = _make_run(tmp_path / "run_a", RUN_A)
    run_b = _make_run(tmp_path / "run_b", RUN_B)
    victim = tmp_path / "victim.html"
    victim.write_text("the other run's report")
    (run_a / "compare-run_b.html").hardlink_to(victim)
    target = write_report([run_a, run_b])
    assert victim.read_text() == "the other run's report"
    assert "solved by both" in target.read_text()


def test_a_report_read_from_disk_says_its_counts_were_not_verified_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`prover report` on a run directory says its proved counts are the database's rows,
    not verified again; the report eval writes from what it verified itself does not."""
    run_dir = _make_run(tmp_path / "run_a", RUN_A)
    assert main(["report", str(run_dir)]) == 0
    expected = f"{run_dir}: counts as recorded in its results.sqlite, not verified again"
    assert expected in (run_dir / "report.html").read_text()
    assert expected in caplog.text
    with ResultsDatabase(run_dir) as database:
        records = database.records()
    page = write_report([run_dir], own_records=records, own_attempts=2).read_text()
    assert "not verified again" not in page
