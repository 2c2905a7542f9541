"""Real vLLM on the CPU: the OpenAI client against a served model, and the in-process engine.

Skipped unless the vLLM venv (``PROVER_VLLM_PYTHON``, default ``.venv-vllm/bin/python``)
and the converted model (``PROVER_MODEL_DIR``, default ``.models/smollm2-135m-instruct``)
exist; ``bash scripts/setup_vllm.sh`` builds both. Each test starts a vLLM engine (about
40-60 s on two cores).
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from models.language.completions import SamplingSettings
from models.language.openai import HttpSettings, OpenAIGenerator
from models.language.prompts import get_template
from models.language.vllm_server import RunningServer, served_model
from search.errors import GeneratorError
from search.protocols import GenerationRequest
from search.states import Goal, ProofState

REPO = Path(__file__).resolve().parents[3]

pytestmark = [pytest.mark.vllm, pytest.mark.slow]


def _vllm_python() -> Path | None:
    configured = os.environ.get("PROVER_VLLM_PYTHON")
    path = Path(configured) if configured else REPO / ".venv-vllm" / "bin" / "python"
    return path if path.is_file() else None


def _requirements() -> tuple[Path, Path]:
    from tests.models.conftest import converted_model_dir

    python, model = _vllm_python(), converted_model_dir()
    if python is None or model is None:
        pytest.skip("vLLM venv or converted model missing: run bash scripts/setup_vllm.sh")
    return python, model


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A vLLM OpenAI-compatible server on loopback, stopped after the module."""
    python, model = _requirements()
    log = tmp_path_factory.mktemp("vllm") / "serve.log"
    # float32: in bfloat16 on a CPU with AMX, a repeated seeded request sampled other
    # tactics (docs/generators.md); the determinism asserted below holds in float32.
    with served_model(
        python=str(python), model_dir=model, log_path=log, dtype="float32"
    ) as running:
        yield running


def _sampling_client(server: RunningServer) -> OpenAIGenerator:
    """An OpenAI client of the served model sampling short tactics at temperature 1."""
    return OpenAIGenerator(
        api_base=server.api_base,
        model=server.served_name,
        template=get_template("reprover"),
        language="coq",
        sampling=SamplingSettings(temperature=1.0, max_tokens=24),
    )


def test_openai_generator_against_vllm_serve(
    server: RunningServer, request_factory: Callable[..., GenerationRequest]
) -> None:
    """Three states in one batch each get scored, deduplicated, sorted candidates."""
    generator = _sampling_client(server)
    requests = [request_factory(i, num_candidates=4, seed=3) for i in range(3)]
    first = generator.generate(requests)
    assert len(first) == 3
    assert sum(len(group) for group in first) > 0
    for group in first:
        assert len(group) <= 4
        assert all(c.score <= 0.0 and "\n" not in c.tactic and c.tactic for c in group)
        assert [c.score for c in group] == sorted((c.score for c in group), reverse=True)
    assert generator.generate(requests) == first, "same seeds must give the same candidates"


def test_a_state_over_the_served_context_still_gets_candidates(
    server: RunningServer, request_factory: Callable[..., GenerationRequest]
) -> None:
    """A goal of some 5,000 tokens against the 1,024-token server: the client learns the
    length from vLLM's refusal and asks it to keep the prompt's end, so candidates come."""
    generator = _sampling_client(server)
    long_goal = Goal(hypotheses=(), conclusion=" + ".join(f"x{i}" for i in range(1500)) + " = 0")
    request = dataclasses.replace(
        request_factory(0, num_candidates=4), state=ProofState(goals=(long_goal,), handle=9)
    )
    (candidates,) = generator.generate([request])
    assert candidates and all(c.tactic for c in candidates)


def test_unknown_served_model_is_reported(
    server: RunningServer, request_factory: Callable[..., GenerationRequest]
) -> None:
    """Asking the real server for a model it does not serve is a clear GeneratorError."""
    generator = OpenAIGenerator(
        api_base=server.api_base,
        model="no-such-model",
        template=get_template("reprover"),
        language="coq",
        http=HttpSettings(max_retries=0),
    )
    with pytest.raises(GeneratorError, match="404"):
        generator.generate([request_factory(0)])


def test_inprocess_vllm_generator() -> None:
    """The in-process engine (run in the vLLM venv) gives scored, deterministic candidates."""
    python, model = _requirements()
    environment = {**os.environ, "PYTHONPATH": str(REPO), "VLLM_CPU_KVCACHE_SPACE": "2"}
    completed = subprocess.run(
        [str(python), str(REPO / "scripts" / "vllm_inprocess_check.py"), str(model)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    [line] = [x for x in completed.stdout.splitlines() if x.startswith('{"candidates"')]
    report = json.loads(line)
    assert len(report["candidates"]) == 4
    assert any(report["candidates"][:3])
    assert report["candidates"][3], "a goal over the context is cut on the left, not refused"
    assert all(score <= 0.0 for group in report["candidates"] for _, score in group)
    assert report["deterministic"] is True
    print(f"in-process vLLM: {report['seconds']:.1f} s for 4 states", file=sys.stderr)
