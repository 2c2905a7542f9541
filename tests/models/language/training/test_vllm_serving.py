"""A tiny model trained here, served by the REAL vLLM (CPU), used through --generator openai.

Skipped unless the vLLM venv exists (``PROVER_VLLM_PYTHON``, default ``.venv-vllm/bin/python``;
``bash scripts/setup_vllm.sh`` builds it). Starting vLLM takes 20-60 s on two cores.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.language.vllm_server import RunningServer, served_model
from models.registry import GeneratorConfig, build_generator
from prover.cli.main import main
from search.protocols import GenerationRequest
from search.states import ProofState, Theorem

REPO = Path(__file__).resolve().parents[4]

pytestmark = [pytest.mark.vllm, pytest.mark.slow, pytest.mark.torch]


def _vllm_python() -> Path:
    configured = os.environ.get("PROVER_VLLM_PYTHON")
    path = Path(configured) if configured else REPO / ".venv-vllm" / "bin" / "python"
    if not path.is_file():
        pytest.skip("vLLM venv missing: run bash scripts/setup_vllm.sh")
    return path


@pytest.fixture(scope="module")
def server(
    trained_tiny_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """The tiny trained model behind vLLM's OpenAI-compatible server on loopback."""
    log = tmp_path_factory.mktemp("vllm-lm") / "serve.log"
    with served_model(
        python=str(_vllm_python()),
        model_dir=trained_tiny_model,
        log_path=log,
        served_name="tiny-lm",
        dtype="float32",  # repeated seeded requests must agree (docs/generators.md)
    ) as running:
        yield running


def test_served_model_gives_tactics_through_openai_generator(server: RunningServer) -> None:
    """States like the training ones get one-line, scored tactics; a learnt tactic comes back."""
    generator = build_generator(
        GeneratorConfig(
            name="openai", model=server.served_name, api_base=server.api_base, max_tokens=24
        ),
        language="coq",
    )
    theorem = Theorem(name="t", header="", statement="Theorem t : True.")
    states = ["n : nat\n⊢ n + 0 = n", "x : nat\n⊢ True", "H : a = b\n⊢ a = b"]
    requests = [
        GenerationRequest(
            theorem=theorem,
            state=ProofState(goals=(), handle=i, text=text),
            proof_so_far=(),
            num_candidates=8,
            seed=5,
        )
        for i, text in enumerate(states)
    ]
    answers = generator.generate(requests)
    assert len(answers) == 3 and all(answers)
    for candidates in answers:
        assert all(c.tactic and "\n" not in c.tactic and c.score <= 0.0 for c in candidates)
    assert "lia." in [c.tactic for c in answers[0]]
    assert generator.generate(requests) == answers, "same seeds, same candidates"


@pytest.mark.coq
def test_prove_with_the_served_model_proves_a_coq_theorem(
    server: RunningServer, tmp_path: Path
) -> None:
    """`prover prove --generator openai` against the served model proves and verifies n + 0 = n."""
    if shutil.which("coqtop") is None:
        pytest.skip("coqtop not installed")
    source = tmp_path / "mine.v"
    source.write_text("Theorem add_zero (n : nat) : n + 0 = n.\nProof.\nAdmitted.\n")
    output = tmp_path / "run"
    status = main(
        [
            "prove",
            "--file",
            str(source),
            "--theorem",
            "add_zero",
            "--generator",
            "openai",
            "--api-base",
            server.api_base,
            "--model",
            server.served_name,
            "--max-tokens",
            "24",
            "--num-candidates",
            "8",
            "--time-limit",
            "60",
            "--output",
            str(output),
            "--no-progress",
        ]
    )
    [record] = [json.loads(line) for line in (output / "results.jsonl").read_text().splitlines()]
    assert status == 0 and record["status"] == "proved" and record["verified"]
    assert "lia." in record["proof"]


def test_inprocess_vllm_generator_loads_the_tiny_model(trained_tiny_model: Path) -> None:
    """`--generator vllm --model DIR` (the in-process engine) gives scored candidates."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), "VLLM_CPU_KVCACHE_SPACE": "1"}
    completed = subprocess.run(
        [
            str(_vllm_python()),
            str(REPO / "scripts" / "vllm_inprocess_check.py"),
            str(trained_tiny_model),
        ],
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    [line] = [x for x in completed.stdout.splitlines() if x.startswith('{"candidates"')]
    report = json.loads(line)
    assert len(report["candidates"]) == 4 and any(report["candidates"])  # the script's 4 states
    assert all(score <= 0.0 for group in report["candidates"] for _, score in group)
    assert report["deterministic"] is True
